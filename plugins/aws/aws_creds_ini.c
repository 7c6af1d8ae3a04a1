/*
 * aws_creds_ini.c - the AWS shared config and credentials files read into
 * profiles (aws_creds_ini.h says the rules). Each line is checked (length,
 * control bytes, UTF-8) before it is parsed; every string kept is copied
 * into one block that is wiped when freed.
 */
#include "aws_creds_ini.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The state of one parse. */
struct ini_parse {
	struct aws_creds_ini *ini;
	unsigned line;
	int in_section;          /* a section header was seen */
	const char *profile;     /* the current section's profile, NULL if ignored */
	int plain_default;
	enum { PROP_NONE, PROP_VALUE, PROP_SUB } prop; /* what an indented line is */
	struct aws_creds_ini_prop *target; /* the value continued, NULL if ignored */
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 4, 5)))
static int ini_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

#define INI_BAD(p, ...) ini_fail_line(p, __VA_ARGS__)

__attribute__((format(printf, 2, 3)))
static int ini_fail_line(struct ini_parse *p, const char *fmt, ...)
{
	char reason[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	return ini_fail(p->err, p->errlen, -EINVAL, "%s:%u: %s", p->ini->path, p->line, reason);
}

int aws_creds_ini_name_ok(const char *name)
{
	size_t n = strnlen(name, 256);

	if (!n || n > 255)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      (c && strchr("_-/.%@:+", c))))
			return 0;
	}
	return 1;
}

/* Length of the UTF-8 sequence at s (n bytes left), or 0 when it is not one
 * (overlong forms, surrogates and code points past U+10FFFF refused). */
static size_t ini_utf8(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

/* Check one line's bytes (its end and a CR before it taken off). */
static int ini_check_line(struct ini_parse *p, const unsigned char *s, size_t n)
{
	if (n > AWS_CREDS_INI_MAX_LINE)
		return INI_BAD(p, "the line is longer than %d bytes", AWS_CREDS_INI_MAX_LINE);
	for (size_t i = 0; i < n;) {
		size_t k;

		if (!s[i])
			return INI_BAD(p, "a NUL byte at column %zu", i + 1);
		if ((s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
			return INI_BAD(p, "the control byte 0x%02x at column %zu", s[i], i + 1);
		k = ini_utf8(s + i, n - i);
		if (!k)
			return INI_BAD(p, "not UTF-8 (byte 0x%02x at column %zu)", s[i], i + 1);
		i += k;
	}
	return 0;
}

static int ini_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Trim spaces and tabs from both ends of [*s, *s + *n). */
static void ini_trim(const char **s, size_t *n)
{
	while (*n && ini_blank(**s))
		(*s)++, (*n)--;
	while (*n && ini_blank((*s)[*n - 1]))
		(*n)--;
}

/* Copy n bytes of s into the block, NUL-terminated (lowercased if lower). */
static char *ini_keep(struct ini_parse *p, const char *s, size_t n, int lower)
{
	struct aws_creds_ini *ini = p->ini;
	char *d;

	if (ini->block_cap - ini->block_len < n + 1) /* cannot be: the block is 2x the text */
		return NULL;
	d = ini->block + ini->block_len;
	for (size_t i = 0; i < n; i++)
		d[i] = lower && s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
	d[n] = '\0';
	ini->block_len += n + 1;
	return d;
}

static struct aws_creds_ini_prop *ini_add(struct ini_parse *p)
{
	struct aws_creds_ini *ini = p->ini;

	if (ini->n_props == ini->cap_props) {
		size_t cap = ini->cap_props ? ini->cap_props * 2 : 16;
		struct aws_creds_ini_prop *np = realloc(ini->props, cap * sizeof *np);

		if (!np)
			return NULL;
		ini->props = np;
		ini->cap_props = cap;
	}
	ini->props[ini->n_props] = (struct aws_creds_ini_prop){ .line = p->line };
	return &ini->props[ini->n_props++];
}

#define INI_NOMEM(p) ini_fail((p)->err, (p)->errlen, -ENOMEM, "%s: out of memory", (p)->ini->path)

/* "[...]": the profile it opens, or none (a section AWS ignores). */
static int ini_section(struct ini_parse *p, const char *s, size_t n)
{
	const char *close = memchr(s, ']', n), *name = s + 1, *rest;
	size_t len, pre;
	struct aws_creds_ini_prop *h;

	if (!close)
		return INI_BAD(p, "no ']' closing the section name");
	for (rest = close + 1; rest < s + n && ini_blank(*rest); rest++)
		;
	if (rest < s + n && *rest != '#' && *rest != ';')
		return INI_BAD(p, "text after ']' that is not a comment");
	len = (size_t)(close - name);
	ini_trim(&name, &len);
	if (!len)
		return INI_BAD(p, "an empty section name");
	p->in_section = 1;
	p->prop = PROP_NONE;
	p->target = NULL;
	p->profile = NULL;
	p->plain_default = 0;
	for (pre = 0; pre < len && !ini_blank(name[pre]); pre++)
		;
	if (pre < len) { /* "<prefix> <name>" */
		const char *suf = name + pre;
		size_t sn = len - pre;

		ini_trim(&suf, &sn);
		if (p->ini->kind == AWS_CREDS_INI_CREDENTIALS || pre != 7 ||
		    memcmp(name, "profile", 7))
			return 0; /* [profile x] in credentials, [sso-session x], [services x] */
		name = suf;
		len = sn;
		if (len == 7 && !memcmp(name, "default", 7))
			p->ini->has_profile_default = 1;
	} else if (p->ini->kind == AWS_CREDS_INI_CONFIG) {
		if (len != 7 || memcmp(name, "default", 7))
			return 0; /* config sections need "profile " */
		p->plain_default = 1;
	}
	if (!(h = ini_add(p)) || !(h->profile = ini_keep(p, name, len, 0)))
		return INI_NOMEM(p);
	if (!aws_creds_ini_name_ok(h->profile)) { /* ignored, as AWS does */
		p->ini->n_props--;
		return 0;
	}
	h->plain_default = p->plain_default;
	p->profile = h->profile;
	return 0;
}

/* "key = value # comment". */
static int ini_property(struct ini_parse *p, const char *s, size_t n)
{
	const char *eq = memchr(s, '=', n), *key = s, *val;
	size_t kn, vn;
	struct aws_creds_ini_prop *pr;

	if (!p->in_section)
		return INI_BAD(p, "a property before any section");
	if (!eq)
		return INI_BAD(p, "no '=' in a property line");
	kn = (size_t)(eq - s);
	ini_trim(&key, &kn);
	if (!kn)
		return INI_BAD(p, "a property with an empty name");
	val = eq + 1;
	vn = (size_t)(s + n - val);
	for (size_t i = 1; i < vn; i++) /* a comment starts after a blank */
		if ((val[i] == '#' || val[i] == ';') && ini_blank(val[i - 1])) {
			vn = i;
			break;
		}
	ini_trim(&val, &vn);
	p->prop = vn ? PROP_VALUE : PROP_SUB;
	p->target = NULL;
	if (!p->profile)
		return 0;
	if (!(pr = ini_add(p)))
		return INI_NOMEM(p);
	pr->profile = p->profile;
	pr->plain_default = p->plain_default;
	if (!(pr->key = ini_keep(p, key, kn, 1)) || !(pr->value = ini_keep(p, val, vn, 0)))
		return INI_NOMEM(p);
	if (!aws_creds_ini_name_ok(pr->key)) { /* ignored, as AWS does */
		p->ini->n_props--;
		return 0;
	}
	p->target = pr;
	return 0;
}

/* An indented line: a continuation of the value above, or a sub-property. */
static int ini_indented(struct ini_parse *p, const char *s, size_t n)
{
	struct aws_creds_ini *ini = p->ini;
	const char *eq, *key = s;
	size_t kn;

	if (p->prop == PROP_NONE)
		return INI_BAD(p, "an indented line with no property above it");
	if (p->prop == PROP_SUB) { /* "s3 =" then "  name = value": checked, skipped */
		if (!(eq = memchr(s, '=', n)))
			return INI_BAD(p, "no '=' in a sub-property line");
		kn = (size_t)(eq - s);
		ini_trim(&key, &kn);
		return kn ? 0 : INI_BAD(p, "a sub-property with an empty name");
	}
	if (!p->target)
		return 0;
	/* the value continued is the last string in the block: '\n' + line */
	if (ini->block_cap - ini->block_len < n + 1)
		return INI_NOMEM(p);
	ini->block[ini->block_len - 1] = '\n';
	memcpy(ini->block + ini->block_len, s, n);
	ini->block_len += n;
	ini->block[ini->block_len++] = '\0';
	return 0;
}

static int ini_line(struct ini_parse *p, const char *s, size_t n)
{
	const char *t = s;
	size_t tn = n;

	ini_trim(&t, &tn);
	if (!tn || *t == '#' || *t == ';')
		return 0; /* blank or comment: the state goes on */
	if (ini_blank(*s))
		return ini_indented(p, t, tn);
	if (*s == '[')
		return ini_section(p, t, tn);
	return ini_property(p, t, tn);
}

int aws_creds_ini_parse(struct aws_creds_ini *ini, const char *name, const char *text,
			size_t len, enum aws_creds_ini_kind kind, char *err, size_t errlen)
{
	struct ini_parse p = { .ini = ini, .err = err, .errlen = errlen };
	const char *s = text, *end = text + len;
	int rc = -ENOMEM;

	memset(ini, 0, sizeof *ini);
	ini->kind = kind;
	if (!(ini->path = strdup(name ? name : "(text)")))
		return ini_fail(err, errlen, -ENOMEM, "out of memory");
	if (len > AWS_CREDS_INI_MAX_FILE) {
		rc = ini_fail(err, errlen, -EINVAL, "%s: %zu bytes, more than the limit of %d",
			      ini->path, len, AWS_CREDS_INI_MAX_FILE);
		goto out;
	}
	ini->block_cap = 2 * len + 64;
	if (!(ini->block = malloc(ini->block_cap))) {
		rc = INI_NOMEM(&p);
		goto out;
	}
	if (len >= 3 && !memcmp(s, "\xef\xbb\xbf", 3)) /* a BOM, as Windows editors write */
		s += 3;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = (size_t)((nl ? nl : end) - s);

		p.line++;
		if (n && s[n - 1] == '\r')
			n--;
		if ((rc = ini_check_line(&p, (const unsigned char *)s, n)) ||
		    (rc = ini_line(&p, s, n)))
			goto out;
		s = nl ? nl + 1 : end;
	}
	ini->present = 1;
	return 0;
out:
	aws_creds_ini_free(ini);
	return rc;
}

static const char *ini_file_type(mode_t m)
{
	return S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO" : S_ISSOCK(m) ? "a socket"
	       : S_ISCHR(m) ? "a character device" : S_ISBLK(m) ? "a block device"
	       : "not a plain file";
}

int aws_creds_ini_load(struct aws_creds_ini *ini, const char *path,
		       enum aws_creds_ini_kind kind, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t got = 0;
	struct stat st, nul;
	int fd, rc;

	memset(ini, 0, sizeof *ini);
	ini->kind = kind;
	if (!path)
		return 0;
	/* O_NONBLOCK: a FIFO opens without waiting for a writer, then is refused */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		rc = -errno;
		if (rc == -ENOENT || rc == -ENOTDIR) { /* no file: nothing in it */
			if (!(ini->path = strdup(path)))
				return ini_fail(err, errlen, -ENOMEM, "out of memory");
			return 0;
		}
		return ini_fail(err, errlen, rc, "%s: cannot open: %s", path, strerror(-rc));
	}
	if (fstat(fd, &st)) {
		rc = ini_fail(err, errlen, -errno, "%s: cannot stat: %s", path, strerror(errno));
		goto out;
	}
	if (S_ISCHR(st.st_mode) && !stat("/dev/null", &nul) && nul.st_rdev == st.st_rdev) {
		rc = aws_creds_ini_parse(ini, path, "", 0, kind, err, errlen); /* "no file" */
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = ini_fail(err, errlen, -EINVAL, "%s: %s, not a regular file", path,
			      ini_file_type(st.st_mode));
		goto out;
	}
	if (st.st_size > AWS_CREDS_INI_MAX_FILE) {
		rc = ini_fail(err, errlen, -EINVAL, "%s: %lld bytes, more than the limit of %d",
			      path, (long long)st.st_size, AWS_CREDS_INI_MAX_FILE);
		goto out;
	}
	if (!(buf = malloc(AWS_CREDS_INI_MAX_FILE + 1))) {
		rc = ini_fail(err, errlen, -ENOMEM, "%s: out of memory", path);
		goto out;
	}
	for (;;) { /* to the end, or one byte past the limit (it grew) */
		ssize_t r = read(fd, buf + got, AWS_CREDS_INI_MAX_FILE + 1 - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = ini_fail(err, errlen, -errno, "%s: cannot read: %s", path,
				      strerror(errno));
			goto out;
		}
		got += (size_t)r;
		if (!r || got > AWS_CREDS_INI_MAX_FILE)
			break;
	}
	rc = aws_creds_ini_parse(ini, path, buf, got, kind, err, errlen);
out:
	if (buf) {
		explicit_bzero(buf, got);
		free(buf);
	}
	close(fd);
	return rc;
}

/* Entries of the config file's "[default]" lose to "[profile default]". */
static int ini_counts(const struct aws_creds_ini *ini, const struct aws_creds_ini_prop *pr)
{
	return !(pr->plain_default && ini->has_profile_default);
}

const char *aws_creds_ini_get(const struct aws_creds_ini *ini, const char *profile,
			      const char *key, const struct aws_creds_ini_prop **prop)
{
	const struct aws_creds_ini_prop *found = NULL;

	for (size_t i = 0; i < ini->n_props; i++) {
		const struct aws_creds_ini_prop *pr = &ini->props[i];

		if (pr->key && ini_counts(ini, pr) && !strcmp(pr->key, key) &&
		    !strcmp(pr->profile, profile))
			found = pr;
	}
	if (prop)
		*prop = found;
	return found ? found->value : NULL;
}

int aws_creds_ini_has(const struct aws_creds_ini *ini, const char *profile)
{
	for (size_t i = 0; i < ini->n_props; i++)
		if (ini_counts(ini, &ini->props[i]) && !strcmp(ini->props[i].profile, profile))
			return 1;
	return 0;
}

void aws_creds_ini_free(struct aws_creds_ini *ini)
{
	if (!ini)
		return;
	if (ini->block) {
		explicit_bzero(ini->block, ini->block_cap);
		free(ini->block);
	}
	free(ini->props);
	free(ini->path);
	memset(ini, 0, sizeof *ini);
}
