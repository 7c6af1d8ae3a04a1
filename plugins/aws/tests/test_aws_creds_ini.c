/*
 * test_aws_creds_ini.c - the shared config and credentials files'
 * syntax (aws_creds_ini.h), as the AWS SDKs' profile parser reads them, and
 * hostile files refused with "path:line: reason", none showing a secret.
 * Run from test_aws_creds.c's main (fx_run_ini_tests).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "aws_creds_fx.h"
#include "aws_creds_ini.h"

#define CFG AWS_CREDS_INI_CONFIG
#define CRED AWS_CREDS_INI_CREDENTIALS

/* One text: what profile/key must read (want NULL: no such property; key
 * NULL: only whether the profile is there, has), or the error (err). */
struct ini_case {
	enum aws_creds_ini_kind kind;
	const char *text;
	const char *profile, *key, *want;
	int has;
	const char *err;
};

static const struct ini_case cases[] = {
	{ CFG, "", "foo", NULL, NULL, 0, NULL },
	{ CFG, "[profile foo]", "foo", NULL, NULL, 1, NULL },
	{ CFG, "[profile foo", NULL, NULL, NULL, 0, "t:1: no ']' closing the section name" },
	{ CFG, "[profile \tfoo \t]", "foo", NULL, NULL, 1, NULL },
	{ CFG, "[profile\tfoo]", "foo", NULL, NULL, 1, NULL },
	{ CFG, "[   profile foo    ]\nname = v", "foo", "name", "v", 1, NULL },
	{ CFG, "name = value", NULL, NULL, NULL, 0, "t:1: a property before any section" },
	{ CFG, "[profile foo]\nname = value", "foo", "name", "value", 1, NULL },
	{ CFG, "[profile foo]\r\nname = value\r\n", "foo", "name", "value", 1, NULL },
	{ CFG, "[profile foo]\nname = val=ue", "foo", "name", "val=ue", 1, NULL },
	{ CFG, "[profile foo]\nname = \xf0\x9f\x98\x82", "foo", "name", "\xf0\x9f\x98\x82", 1,
	  NULL },
	{ CFG, "[profile foo]\nname \t=  \tvalue \t", "foo", "name", "value", 1, NULL },
	{ CFG, "[profile foo]\nname =", "foo", "name", "", 1, NULL },
	{ CFG, "[profile foo]\n= value", NULL, NULL, NULL, 0,
	  "t:2: a property with an empty name" },
	{ CFG, "[profile foo]\nkey : value", NULL, NULL, NULL, 0, "t:2: no '=' in a property line" },
	{ CFG, "# c\n[profile foo] # c\nname = value # with # sign", "foo", "name", "value", 1,
	  NULL },
	{ CFG, "; c\n[profile foo] ; c\nname = value ; with ; sign", "foo", "name", "value", 1,
	  NULL },
	{ CFG, ";\n[profile foo];\nname = value ;\n", "foo", "name", "value", 1, NULL },
	{ CFG, "[profile foo]; adjacent\nname = value; adjacent", "foo", "name",
	  "value; adjacent", 1, NULL },
	{ CFG, "[profile foo]\nname = value# adjacent", "foo", "name", "value# adjacent", 1, NULL },
	{ CFG, "[profile foo]\nname = # all comment", "foo", "name", "", 1, NULL },
	{ CFG, "[profile foo]\nname = value\n -continued\n -and-continued", "foo", "name",
	  "value\n-continued\n-and-continued", 1, NULL },
	{ CFG, "[profile foo]\nname = value\n \t -continued \t ", "foo", "name",
	  "value\n-continued", 1, NULL },
	{ CFG, "[profile foo]\nname = value\n -continued # kept ; too", "foo", "name",
	  "value\n-continued # kept ; too", 1, NULL },
	{ CFG, " -continued", NULL, NULL, NULL, 0,
	  "t:1: an indented line with no property above it" },
	{ CFG, "[profile foo]\n -continued", NULL, NULL, NULL, 0,
	  "t:2: an indented line with no property above it" },
	{ CFG, "[profile foo]\nname = value\n[profile foo]\n -continued", NULL, NULL, NULL, 0,
	  "t:4: an indented line" },
	{ CFG, "[profile foo]\nname = value\n[profile foo]\nname2 = value2", "foo", "name",
	  "value", 1, NULL },
	{ CFG, "[profile foo]\nname = value\n[profile foo]\nname2 = value2", "foo", "name2",
	  "value2", 1, NULL },
	{ CFG, "[profile foo]\nname = value\nname = value2", "foo", "name", "value2", 1, NULL },
	{ CFG, "[profile foo]\nname = value\n[profile foo]\nname = value2", "foo", "name",
	  "value2", 1, NULL },
	/* [profile default] wins over [default], before or after it */
	{ CFG, "[profile default]\nname = value\n[default]\nname2 = value2", "default", "name2",
	  NULL, 1, NULL },
	{ CFG, "[default]\nname2 = value2\n[profile default]\nname = value", "default", "name",
	  "value", 1, NULL },
	{ CFG, "[default]\nname2 = value2\n[profile default]\nname = value", "default", "name2",
	  NULL, 1, NULL },
	{ CFG, "[default]\nregion = x", "default", "region", "x", 1, NULL },
	/* names AWS ignores */
	{ CFG, "[profile in valid]\nname = value", "in valid", NULL, NULL, 0, NULL },
	{ CRED, "[in valid 2]\nname2 = value2", "in valid 2", NULL, NULL, 0, NULL },
	{ CFG, "[profile foo]\nin valid = value", "foo", "in valid", NULL, 1, NULL },
	{ CFG, "[profile foo]\nin valid = value\n continued", "foo", "in valid", NULL, 1, NULL },
	{ CFG, "[profile ABCxyz019-_/.%@:+]", "ABCxyz019-_/.%@:+", NULL, NULL, 1, NULL },
	{ CFG, "[profile foo]\nABCxyz019-_/.%@:+ = v", "foo", "abcxyz019-_/.%@:+", "v", 1, NULL },
	{ CFG, "[profile foo]\nNaMe = v", "foo", "name", "v", 1, NULL },
	{ CFG, "[profile Foo]\nname = v", "foo", NULL, NULL, 0, NULL },
	{ CFG, "[foo]\nname = value", "foo", NULL, NULL, 0, NULL },
	{ CFG, "[profilefoo]\nname = value\n[profile bar]", "profilefoo", NULL, NULL, 0, NULL },
	{ CRED, "[profile foo]\nname = value", "foo", NULL, NULL, 0, NULL },
	{ CRED, "[   foo    ]\nname = value", "foo", "name", "value", 1, NULL },
	{ CRED, "[default]\nname = value", "default", "name", "value", 1, NULL },
	{ CFG, "[sso-session foo]\nname = v\n[services s]\nsqs =\n endpoint_url = http://x",
	  "foo", NULL, NULL, 0, NULL },
	{ CFG, "[foobar sect]\napple =\n\tbanana = cherry\n[profile foo]", "foo", "apple", NULL, 1,
	  NULL },
	/* sub-properties: checked, then skipped */
	{ CFG, "[profile foo]\ns3 =\n name = value", "foo", "s3", "", 1, NULL },
	{ CFG, "[profile foo]\ns3 =\n name = value", "foo", "name", NULL, 1, NULL },
	{ CFG, "[profile foo]\ns3 =\n name = value\n\t \n # off = 1\n name2 =\nx = y", "foo", "x",
	  "y", 1, NULL },
	{ CFG, "[profile foo]\ns3 =\n invalid", NULL, NULL, NULL, 0,
	  "t:3: no '=' in a sub-property line" },
	{ CFG, "[profile foo]\ns3 =\n = value", NULL, NULL, NULL, 0,
	  "t:3: a sub-property with an empty name" },
	{ CFG, "[default]\nname = value1\n value2 = 12 \n value3\nname2 = value2\nname3 =\n a = 1",
	  "default", "name", "value1\nvalue2 = 12\nvalue3", 1, NULL },
	/* refused */
	{ CFG, "[]", NULL, NULL, NULL, 0, "t:1: an empty section name" },
	{ CFG, "[ \t]", NULL, NULL, NULL, 0, "t:1: an empty section name" },
	{ CFG, "[profile foo] bar", NULL, NULL, NULL, 0, "t:1: text after ']' that is not a" },
	{ CFG, "[profile foo]\nname = a\rb", NULL, NULL, NULL, 0,
	  "t:2: the control byte 0x0d at column 9" },
	{ CFG, "[profile foo]\nname = a\x7f", NULL, NULL, NULL, 0,
	  "t:2: the control byte 0x7f at column 9" },
	{ CFG, "[profile foo]\nname = \xc0\xaf", NULL, NULL, NULL, 0,
	  "t:2: not UTF-8 (byte 0xc0 at column 8)" },
	{ CFG, "[profile foo]\nname = \xed\xa0\x80", NULL, NULL, NULL, 0,
	  "t:2: not UTF-8 (byte 0xed at column 8)" },
	{ CFG, "[profile foo]\nname = \xf4\x90\x80\x80", NULL, NULL, NULL, 0,
	  "t:2: not UTF-8 (byte 0xf4 at column 8)" },
	{ CFG, "[profile foo]\nname = \xe2\x82", NULL, NULL, NULL, 0,
	  "t:2: not UTF-8 (byte 0xe2 at column 8)" },
	/* a BOM, as Windows editors write it */
	{ CFG, "\xef\xbb\xbf[profile foo]\nname = v", "foo", "name", "v", 1, NULL },
};

/* Every case of the table. */
static void test_syntax(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		const struct ini_case *c = &cases[i];
		struct aws_creds_ini ini;
		char err[256] = "";
		int rc = aws_creds_ini_parse(&ini, "t", c->text, strlen(c->text), c->kind, err,
					     sizeof err);
		const char *v;

		fx_msg(err);
		if (c->err) {
			if (rc != -EINVAL || strncmp(err, c->err, strlen(c->err)))
				fail_msg("case %zu: rc %d \"%s\", want \"%s\"", i, rc, err, c->err);
			assert_null(ini.block);
			assert_int_equal(ini.n_props, 0);
			continue;
		}
		if (rc)
			fail_msg("case %zu: refused: %s", i, err);
		if (aws_creds_ini_has(&ini, c->profile) != c->has)
			fail_msg("case %zu: profile '%s' %s", i, c->profile, c->has ? "missing"
				 : "there");
		if (c->key) {
			v = aws_creds_ini_get(&ini, c->profile, c->key, NULL);
			if (!(v == c->want || (v && c->want && !strcmp(v, c->want))))
				fail_msg("case %zu: %s.%s is \"%s\", want \"%s\"", i, c->profile,
					 c->key, v ? v : "(none)", c->want ? c->want : "(none)");
		}
		aws_creds_ini_free(&ini);
	}
	printf("  %zu texts\n", sizeof cases / sizeof *cases);
}

/* Load path as a config file: rc, the message in err. */
static int load(const char *path, char *err, size_t errlen)
{
	struct aws_creds_ini ini;
	int rc;

	err[0] = '\0';
	rc = aws_creds_ini_load(&ini, path, CFG, err, errlen);
	fx_msg(err);
	if (rc) {
		printf("  refused: %s\n", err);
		assert_null(ini.block); /* nothing half-returned */
		assert_null(ini.path);
		assert_int_equal(ini.n_props, 0);
	}
	aws_creds_ini_free(&ini);
	return rc;
}

static void want_refused(const char *path, const char *msg)
{
	char err[512], want[512];

	snprintf(want, sizeof want, "%s%s", path, msg);
	assert_int_equal(load(path, err, sizeof err), -EINVAL);
	assert_string_equal(err, want);
}

/* The fixtures' bad files, each with a secret on the bad line. */
static void test_hostile_fixtures(void **state)
{
	struct aws_creds_ini ini;
	char err[512];

	(void)state;
	want_refused(FX_DIR "/bad_nul", ":3: a NUL byte at column 34");
	want_refused(FX_DIR "/bad_bracket", ":1: no ']' closing the section name");
	want_refused(FX_DIR "/bad_utf8", ":3: not UTF-8 (byte 0xff at column 35)");
	want_refused(FX_DIR "/bad_control", ":3: the control byte 0x1b at column 34");
	want_refused(FX_DIR "/bad_noeq", ":2: no '=' in a property line");
	want_refused(FX_DIR "/bad_after", ":1: text after ']' that is not a comment");
	want_refused(FX_DIR "/bad_sub", ":3: no '=' in a sub-property line");
	want_refused(FX_DIR "/bad_cont", ":2: an indented line with no property above it");
	want_refused(FX_DIR "/bad_orphan", ":1: a property before any section");
	want_refused(FX_DIR, ": a directory, not a regular file");
	/* CRLF: read, the CR not in the value */
	assert_int_equal(aws_creds_ini_load(&ini, FX_DIR "/crlf", CRED, err, sizeof err), 0);
	assert_int_equal(ini.present, 1);
	assert_string_equal(aws_creds_ini_get(&ini, "crlf", "aws_secret_access_key", NULL),
			    "crlfS3CR3T");
	aws_creds_ini_free(&ini);
	/* no such file: nothing, no error */
	assert_int_equal(aws_creds_ini_load(&ini, FX_DIR "/none", CFG, err, sizeof err), 0);
	assert_int_equal(ini.present, 0);
	assert_string_equal(ini.path, FX_DIR "/none");
	aws_creds_ini_free(&ini);
	assert_int_equal(aws_creds_ini_load(&ini, FX_DIR "/credentials/x", CFG, err, sizeof err),
			 0); /* ENOTDIR */
	assert_int_equal(ini.present, 0);
	aws_creds_ini_free(&ini);
	assert_int_equal(aws_creds_ini_load(&ini, NULL, CFG, err, sizeof err), 0);
	assert_null(ini.path);
	/* /dev/null, the usual way to say "no config file", reads as empty */
	assert_int_equal(aws_creds_ini_load(&ini, "/dev/null", CFG, err, sizeof err), 0);
	assert_int_equal(ini.present, 1);
	assert_int_equal(ini.n_props, 0);
	aws_creds_ini_free(&ini);
}

/* A file of len bytes: pattern repeated, a comment line to fill, then tail. */
static void make_file(const char *path, size_t len, const char *pattern, const char *tail)
{
	FILE *f = fopen(path, "w");
	size_t pl = strlen(pattern), tl = strlen(tail), i = 0;

	assert_non_null(f);
	assert_true(len >= tl);
	for (; pl && i + pl <= len - tl; i += pl)
		fputs(pattern, f);
	if (i < len - tl) { /* the rest: one comment line */
		for (; i < len - tl - 1; i++)
			fputc('#', f);
		fputc('\n', f);
	}
	fputs(tail, f);
	fclose(f);
}

/* Files made here: over the size limit, a 100 KB line, a FIFO (refused
 * without waiting for a writer), and the limits themselves accepted. */
static void test_hostile_made(void **state)
{
	char dir[] = "/tmp/test_aws_creds_ini_XXXXXX", path[128], err[512], want[600];
	char *line;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/big", dir);
	make_file(path, AWS_CREDS_INI_MAX_FILE + 1, "# pad\n", "\n");
	snprintf(want, sizeof want, "%s: 1048577 bytes, more than the limit of 1048576", path);
	assert_int_equal(load(path, err, sizeof err), -EINVAL);
	assert_string_equal(err, want);
	make_file(path, AWS_CREDS_INI_MAX_FILE, "# pad\n", "[profile p]\nk = v\n");
	assert_int_equal(load(path, err, sizeof err), 0); /* exactly the limit */
	unlink(path);

	snprintf(path, sizeof path, "%s/long", dir);
	line = malloc(100 * 1024 + 64);
	assert_non_null(line);
	snprintf(line, 64, "[profile p]\naws_secret_access_key = S3CR3T");
	memset(line + strlen(line), 'x', 100 * 1024);
	line[12 + 100 * 1024] = '\0';
	make_file(path, strlen(line), "", line);
	snprintf(want, sizeof want, "%s:2: the line is longer than 16384 bytes", path);
	assert_int_equal(load(path, err, sizeof err), -EINVAL);
	assert_string_equal(err, want);
	line[12 + AWS_CREDS_INI_MAX_LINE] = '\0'; /* exactly the limit */
	make_file(path, strlen(line), "", line);
	assert_int_equal(load(path, err, sizeof err), 0);
	free(line);
	unlink(path);

	snprintf(path, sizeof path, "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	snprintf(want, sizeof want, "%s: a FIFO, not a regular file", path);
	assert_int_equal(load(path, err, sizeof err), -EINVAL);
	assert_string_equal(err, want);
	unlink(path);

	snprintf(path, sizeof path, "%s/locked", dir); /* root reads it anyway */
	make_file(path, 0, "", "");
	chmod(path, 0);
	if (geteuid() != 0) {
		assert_int_equal(load(path, err, sizeof err), -EACCES);
		assert_non_null(strstr(err, ": cannot open: Permission denied"));
	}
	unlink(path);
	rmdir(dir);
}

/* A refused file refuses the whole configuration, nothing kept; even when
 * the environment holds keys (as the AWS CLI does). */
static void test_hostile_config(void **state)
{
	struct fx_env e = { .n = 0 };
	struct aws_creds_config cfg;
	char err[512];

	(void)state;
	fx_set(&e, "AWS_ACCESS_KEY_ID", "AKIDENV");
	fx_set(&e, "AWS_SECRET_ACCESS_KEY", "envS3CR3T");
	fx_set(&e, "AWS_CONFIG_FILE", FX_DIR "/bad_nul");
	memset(&cfg, 0x5a, sizeof cfg);
	assert_int_equal(fx_load(&cfg, &e, NULL, err, sizeof err), -EINVAL);
	assert_string_equal(err, FX_DIR "/bad_nul:3: a NUL byte at column 34");
	assert_null(cfg.profile);
	assert_null(cfg.credentials.block);
	assert_null(cfg.config.path);
	fx_set(&e, "AWS_CONFIG_FILE", "/dev/null");
	fx_set(&e, "AWS_SHARED_CREDENTIALS_FILE", FX_DIR);
	assert_int_equal(fx_load(&cfg, &e, NULL, err, sizeof err), -EINVAL);
	assert_string_equal(err, FX_DIR ": a directory, not a regular file");
	aws_creds_config_free(&cfg);
}

int fx_run_ini_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_hostile_fixtures),
		cmocka_unit_test(test_hostile_made),
		cmocka_unit_test(test_hostile_config),
	};

	return cmocka_run_group_tests_name("aws_creds_ini", tests, NULL, NULL);
}
