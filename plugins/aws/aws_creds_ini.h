/*
 * aws_creds_ini.h - the AWS shared config and credentials files (~/.aws/config,
 * ~/.aws/credentials) read into profiles, as the AWS SDKs' shared profile
 * parser reads them, for aws_creds.c. Local files only, no network.
 *
 * Format: "[profile NAME]" (config; "[default]" too) or "[NAME]" (credentials)
 * starts a profile; "key = value" lines set its properties; full-line
 * comments start with '#' or ';'; on a property line " #" or " ;" (after a
 * space or tab) starts a comment; a line starting with a space or tab continues
 * the value above it (joined with '\n'), or, when that value is empty
 * ("s3 ="), is a sub-property "key = value" (checked, then skipped: nothing
 * here reads them). Property names are matched without regard to ASCII case
 * (as the AWS CLI reads them), profile names with it. Sections AWS ignores
 * (config "[NAME]" without "profile", "[sso-session X]", "[services X]";
 * credentials "[profile X]"; names outside A-Za-z0-9 and _-/.%@:+) are parsed
 * and ignored, as are property names outside that set. In the config file
 * "[profile default]" wins over "[default]"; a profile given twice in one file
 * is merged, the last value of a property winning.
 *
 * Refused, with "path:line: reason" (or "path: reason" for the whole file)
 * and nothing kept: a file over AWS_CREDS_INI_MAX_FILE bytes, a line over
 * AWS_CREDS_INI_MAX_LINE, a NUL or another control byte (tab and the CR of a
 * CRLF excepted), bytes that are not UTF-8, a section without ']', text after
 * ']' that is not a comment, "[]", a property outside a section, a property
 * line without '=' or with an empty name (sub-properties too), a
 * continuation with no property above it; a path that is not a regular
 * file (a directory, a FIFO: opened with O_NONBLOCK, never read; /dev/null,
 * the usual way to say "no file", reads as empty). No message
 * holds a line's text: only the path, the line number and the reason.
 *
 * Ownership: struct aws_creds_ini owns every string it points to (one block,
 * wiped with explicit_bzero when freed: values may be secrets). The caller
 * keeps what it passes. Not thread-safe; no global state.
 */
#ifndef AWS_CREDS_INI_H
#define AWS_CREDS_INI_H

#include <stddef.h>

#define AWS_CREDS_INI_MAX_FILE (1024 * 1024)
#define AWS_CREDS_INI_MAX_LINE 16384

enum aws_creds_ini_kind {
	AWS_CREDS_INI_CONFIG,      /* [default], [profile NAME] */
	AWS_CREDS_INI_CREDENTIALS, /* [NAME] */
};

/* One property of one profile, or (key NULL) the header that opened it. */
struct aws_creds_ini_prop {
	const char *profile; /* the profile's name, "profile " taken off */
	const char *key;     /* lowercased; NULL for a section header */
	const char *value;   /* trimmed; continuations joined with '\n' */
	unsigned line;       /* where the key (or header) is */
	int plain_default;   /* config "[default]": loses to "[profile default]" */
};

struct aws_creds_ini {
	char *path;     /* the file read, NULL when none was named */
	int present;    /* 1: read; 0: no such file (not an error) */
	enum aws_creds_ini_kind kind;
	char *block;    /* every string above, wiped when freed */
	size_t block_len, block_cap;
	struct aws_creds_ini_prop *props;
	size_t n_props, cap_props;
	int has_profile_default; /* config: a "[profile default]" was seen */
};

/* Read path (may be NULL: nothing to read) into *ini, which it zeroes
 * first. 0: read, or absent (ENOENT or ENOTDIR on the way: ini->present 0).
 * Else a negative errno, *ini holding nothing (freeing it is harmless) and
 * the reason in err: -EINVAL a refused file (see above), -EACCES and other
 * open/read errors "path: cannot open: reason", -ENOMEM. */
int aws_creds_ini_load(struct aws_creds_ini *ini, const char *path,
		       enum aws_creds_ini_kind kind, char *err, size_t errlen);

/* Parse len bytes of text as the file named name (for messages; copied):
 * the same rules and results as aws_creds_ini_load once a file is read.
 * text need not end with a NUL and is not modified. */
int aws_creds_ini_parse(struct aws_creds_ini *ini, const char *name, const char *text,
			size_t len, enum aws_creds_ini_kind kind, char *err, size_t errlen);

/* The value of key (lowercase) in profile, the last one set, or NULL; *prop
 * (may be NULL) gets its entry (for the line). */
const char *aws_creds_ini_get(const struct aws_creds_ini *ini, const char *profile,
			      const char *key, const struct aws_creds_ini_prop **prop);

/* 1 when the file has that profile (even empty), else 0. */
int aws_creds_ini_has(const struct aws_creds_ini *ini, const char *profile);

/* 1 when name can be a profile or property name (A-Za-z0-9 and _-/.%@:+, 1
 * to 255 bytes), else 0. */
int aws_creds_ini_name_ok(const char *name);

void aws_creds_ini_free(struct aws_creds_ini *ini);

#endif
