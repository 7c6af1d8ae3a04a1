/*
 * test_aws_creds.c - AWS credentials, region and endpoint (aws_creds.h):
 * each provider and the order between them, profiles and the credentials
 * file over the config file, role chains and cycles, what needs the network
 * returned as "needs"; every message checked for secrets (aws_creds_fx.c).
 * Region and endpoint: test_aws_creds_region.c; the files' syntax and
 * hostile files: test_aws_creds_ini.c. The environment is a fake: nothing
 * reads getenv().
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "aws_creds.h"
#include "aws_creds_fx.h"

#define ENV_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYS3CR3TKEY"
#define ENV_TOKEN "envT0K3Nvalue"

/* Load with e and farm, resolve into *c: the return value; messages,
 * origin and description go through fx_msg. */
static int resolve(struct fx_env *e, const char *farm, struct aws_creds *c, char *err,
		   size_t errlen)
{
	struct aws_creds_config cfg;
	char d[2048];
	int rc = fx_load(&cfg, e, farm, err, errlen);

	memset(c, 0x5a, sizeof *c);
	if (!rc) {
		err[0] = '\0';
		rc = aws_creds_resolve(&cfg, c, err, errlen);
		fx_msg(err);
		aws_creds_config_free(&cfg); /* the result keeps nothing of it */
	}
	if (rc) {
		printf("  refused: %s\n", err);
		assert_null(c->access_key_id);
		assert_null(c->roles);
		assert_int_equal(c->kind, 0);
		return rc;
	}
	fx_msg(c->origin);
	aws_creds_describe(c, d, sizeof d);
	fx_msg(d);
	printf("  %s\n", d);
	return 0;
}

/* Resolve, expecting static keys from where. */
static void want_keys(struct fx_env *e, const char *farm, const char *id, const char *secret,
		      const char *token, const char *origin)
{
	struct aws_creds c;
	char err[512];

	assert_int_equal(resolve(e, farm, &c, err, sizeof err), 0);
	assert_int_equal(c.kind, AWS_CREDS_STATIC);
	assert_string_equal(c.access_key_id, id);
	assert_string_equal(c.secret_access_key, secret);
	if (token)
		assert_string_equal(c.session_token, token);
	else
		assert_null(c.session_token);
	if (!strstr(c.origin, origin))
		fail_msg("origin \"%s\" lacks \"%s\"", c.origin, origin);
	assert_int_equal(c.n_roles, 0);
	aws_creds_free(&c);
}

/* Resolve, expecting rc and a message holding msg. */
static void want_error(struct fx_env *e, const char *farm, int want, const char *msg)
{
	struct aws_creds c;
	char err[512];

	assert_int_equal(resolve(e, farm, &c, err, sizeof err), want);
	if (!strstr(err, msg))
		fail_msg("message \"%s\" lacks \"%s\"", err, msg);
	aws_creds_free(&c); /* harmless */
}

/* The environment's keys, the token optional; they win over every file. */
static void test_env(void **state)
{
	struct fx_env e = fx_files();

	(void)state;
	fx_set(&e, "AWS_ACCESS_KEY_ID", "AKIDENV");
	fx_set(&e, "AWS_SECRET_ACCESS_KEY", ENV_SECRET);
	want_keys(&e, NULL, "AKIDENV", ENV_SECRET, NULL, "the environment (AWS_ACCESS_KEY_ID)");
	fx_set(&e, "AWS_SESSION_TOKEN", ENV_TOKEN);
	fx_set(&e, "AWS_PROFILE", "dev"); /* AWS_PROFILE does not beat the keys */
	want_keys(&e, NULL, "AKIDENV", ENV_SECRET, ENV_TOKEN, "the environment");
	/* a profile named by the farm means that profile: the keys are skipped */
	want_keys(&e, "cfgonly", "AKIDCFGONLY", "cfgonlyS3CR3T", NULL, "profile 'cfgonly'");
	/* empty is unset */
	e = fx_files();
	fx_set(&e, "AWS_ACCESS_KEY_ID", "");
	fx_set(&e, "AWS_SECRET_ACCESS_KEY", "");
	want_keys(&e, NULL, "AKIDDEFAULTCREDS", "defaultS3CR3TcredentialsFile", NULL,
		  "profile 'default' (" CREDS ":4)");
}

/* Half a key pair, or keys SigV4 would refuse, is an error, not a fall
 * through to the files. */
static void test_env_refused(void **state)
{
	struct fx_env e = fx_files();

	(void)state;
	fx_set(&e, "AWS_ACCESS_KEY_ID", "AKIDENV");
	want_error(&e, NULL, -EINVAL, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
	e = fx_files();
	fx_set(&e, "AWS_SECRET_ACCESS_KEY", ENV_SECRET);
	want_error(&e, NULL, -EINVAL, "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not");
	fx_set(&e, "AWS_ACCESS_KEY_ID", "AKID,ENV");
	want_error(&e, NULL, -EINVAL, "the environment: the access key id is empty");
	fx_set(&e, "AWS_ACCESS_KEY_ID", "AKIDENV");
	fx_set(&e, "AWS_SECRET_ACCESS_KEY", "S3CR3T with spaces");
	want_error(&e, NULL, -EINVAL, "the environment: the secret access key is empty");
	fx_set(&e, "AWS_SECRET_ACCESS_KEY", ENV_SECRET);
	fx_set(&e, "AWS_SESSION_TOKEN", "T0K3N\nX-Injected: 1");
	want_error(&e, NULL, -EINVAL, "the environment: the session token is longer");
}

/* AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN: after the keys, before files. */
static void test_env_web_identity(void **state)
{
	struct fx_env e = fx_files();
	struct aws_creds c;
	char err[512];

	(void)state;
	fx_set(&e, "AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/eks/token");
	fx_set(&e, "AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/pod");
	fx_set(&e, "AWS_ROLE_SESSION_NAME", "pod-1");
	assert_int_equal(resolve(&e, NULL, &c, err, sizeof err), 0);
	assert_int_equal(c.kind, AWS_CREDS_NEEDS_WEB_IDENTITY);
	assert_string_equal(c.web.role_arn, "arn:aws:iam::123456789012:role/pod");
	assert_string_equal(c.token_file, "/var/run/eks/token");
	assert_string_equal(c.web.session_name, "pod-1");
	assert_null(c.web.profile);
	assert_null(c.access_key_id);
	aws_creds_free(&c);
	fx_set(&e, "AWS_ACCESS_KEY_ID", "AKIDENV"); /* the keys come first */
	fx_set(&e, "AWS_SECRET_ACCESS_KEY", ENV_SECRET);
	want_keys(&e, NULL, "AKIDENV", ENV_SECRET, NULL, "the environment");
	e = fx_files();
	fx_set(&e, "AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/pod");
	want_error(&e, NULL, -EINVAL, "AWS_ROLE_ARN is set but AWS_WEB_IDENTITY_TOKEN_FILE is not");
}

/* Which profile: the farm's, else AWS_PROFILE, else default; the
 * credentials file over the config file, key by key; section names. */
static void test_profiles(void **state)
{
	struct fx_env e = fx_files();

	(void)state;
	want_keys(&e, NULL, "AKIDDEFAULTCREDS", "defaultS3CR3TcredentialsFile", NULL,
		  "profile 'default'");
	fx_set(&e, "AWS_PROFILE", "dev");
	want_keys(&e, NULL, "AKIDDEVCREDS", "devS3CR3TcredentialsFile", "devT0K3NcredentialsFile",
		  "profile 'dev' (" CREDS ":8)");
	want_keys(&e, "both", "AKIDBOTHCREDS", "bothS3CR3TcredentialsFile", NULL,
		  "profile 'both' (" CREDS ":13)");
	want_keys(&e, "cfgonly", "AKIDCFGONLY", "cfgonlyS3CR3T", NULL,
		  "profile 'cfgonly' (" CONFIG ":19)");
	/* property names in any case, as the AWS CLI reads them */
	want_keys(&e, "caps", "AKIDCAPS", "capsS3CR3T", NULL, "profile 'caps'");
	/* [cfgnoprefix] in the config file and [profile ignored] in the
	 * credentials file are not profiles */
	want_error(&e, "cfgnoprefix", -ENOENT, "profile 'cfgnoprefix' (the farm's) is in neither "
		   CREDS " nor " CONFIG);
	want_error(&e, "ignored", -ENOENT, "profile 'ignored'");
	fx_set(&e, "AWS_PROFILE", "nope");
	want_error(&e, NULL, -ENOENT, "profile 'nope' (AWS_PROFILE) is in neither");
	want_error(&e, "half", -EINVAL, "profile 'half' has aws_access_key_id but no "
		   "aws_secret_access_key");
	want_error(&e, "badkey", -EINVAL, "profile 'badkey': the access key id is empty");
	want_error(&e, "process", -ENOTSUP, "profile 'process' uses credential_process");
	want_error(&e, "sso", -ENOTSUP, "profile 'sso' uses IAM Identity Center");
}

/* HOME/.aws/credentials and config when no variable names the files; a
 * leading ~/ in one; no HOME: no files. */
static void test_home(void **state)
{
	struct fx_env e = { .n = 0 };
	struct aws_creds_config cfg;
	struct aws_creds_value v;
	char err[512];

	(void)state;
	fx_set(&e, "HOME", FX_DIR "/home");
	want_keys(&e, NULL, "AKIDHOME", "homeS3CR3T", NULL,
		  "profile 'default' (" FX_DIR "/home/.aws/credentials:3)");
	assert_int_equal(fx_load(&cfg, &e, NULL, err, sizeof err), 0);
	assert_int_equal(aws_creds_region(&cfg, NULL, &v, err, sizeof err), 0);
	assert_string_equal(v.value, "eu-north-1");
	assert_string_equal(v.origin, "profile 'default' (" FX_DIR "/home/.aws/config:3)");
	aws_creds_value_free(&v);
	aws_creds_config_free(&cfg);
	fx_set(&e, "AWS_SHARED_CREDENTIALS_FILE", "~/../credentials");
	fx_set(&e, "AWS_PROFILE", "dev");
	want_keys(&e, NULL, "AKIDDEVCREDS", "devS3CR3TcredentialsFile", "devT0K3NcredentialsFile",
		  "profile 'dev' (" FX_DIR "/home/../credentials:8)");
	e.n = 0; /* no HOME, no files: nothing but IMDS */
	fx_set(&e, "AWS_EC2_METADATA_DISABLED", "TRUE");
	want_error(&e, NULL, -ENOENT, "none found: not in the environment, not in profile "
		   "'default' ((no HOME), (no HOME)), no container endpoint, and IMDS is off");
	fx_set(&e, "AWS_SHARED_CREDENTIALS_FILE", FX_DIR "/none");
	want_error(&e, NULL, -ENOENT, "(" FX_DIR "/none (absent), (no HOME))");
}

/* ECS container credentials when no keys or profile has any. */
static void test_ecs(void **state)
{
	struct fx_env e = { .n = 0 };
	struct aws_creds c;
	char err[512];

	(void)state;
	fx_set(&e, "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:8080/creds");
	fx_set(&e, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc-123");
	fx_set(&e, "AWS_CONTAINER_AUTHORIZATION_TOKEN", "Basic T0K3Nabc");
	assert_int_equal(resolve(&e, NULL, &c, err, sizeof err), 0);
	assert_int_equal(c.kind, AWS_CREDS_NEEDS_ECS); /* the relative one first */
	assert_string_equal(c.url, "http://169.254.170.2/v2/credentials/abc-123");
	assert_string_equal(c.auth_token, "Basic T0K3Nabc");
	assert_null(c.auth_token_file);
	aws_creds_free(&c);
	fx_set(&e, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "");
	fx_set(&e, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/var/run/pod-identity/token");
	assert_int_equal(resolve(&e, NULL, &c, err, sizeof err), 0);
	assert_string_equal(c.url, "http://127.0.0.1:8080/creds");
	assert_string_equal(c.auth_token_file, "/var/run/pod-identity/token"); /* over the env's */
	assert_null(c.auth_token);
	assert_string_equal(c.origin, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
	aws_creds_free(&c);
	static const char *const ok[] = { "https://creds.example.com/x", "http://localhost/x",
		"http://169.254.170.23/v1/credentials", "http://[::1]:80/", "http://[fd00:ec2::23]/",
		"http://127.1.2.3", "HTTP://LOCALHOST:9/" };
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
		fx_set(&e, "AWS_CONTAINER_CREDENTIALS_FULL_URI", ok[i]);
		assert_int_equal(resolve(&e, NULL, &c, err, sizeof err), 0);
		assert_string_equal(c.url, ok[i]);
		aws_creds_free(&c);
	}
	static const char *const bad[][2] = {
		{ "http://example.com/creds", "http:// only to a loopback address" },
		{ "http://10.0.0.1/creds", "http:// only to a loopback address" },
		{ "http://[fd00:ec2::24]/", "http:// only to a loopback address" },
		{ "ftp://127.0.0.1/", "does not start with http:// or https://" },
		{ "http://user:S3CR3T@127.0.0.1/", "holds user information" },
		{ "http://127.0.0.1:99999/", "has a bad port" },
		{ "http:///x", "has no host" },
		{ "http://127.0.0.1/a b", "holds a space" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		fx_set(&e, "AWS_CONTAINER_CREDENTIALS_FULL_URI", bad[i][0]);
		want_error(&e, NULL, -EINVAL, bad[i][1]);
	}
	e.n = 0;
	fx_set(&e, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "v2/x");
	want_error(&e, NULL, -EINVAL, "RELATIVE_URI does not start with '/'");
	fx_set(&e, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/x");
	fx_set(&e, "AWS_CONTAINER_AUTHORIZATION_TOKEN", "T0K3N\r\nX-Evil: 1");
	want_error(&e, NULL, -EINVAL, "AWS_CONTAINER_AUTHORIZATION_TOKEN holds a control byte");
	/* a profile with keys comes before the container */
	fx_set(&e, "AWS_CONTAINER_AUTHORIZATION_TOKEN", "");
	fx_set(&e, "HOME", FX_DIR "/home");
	want_keys(&e, NULL, "AKIDHOME", "homeS3CR3T", NULL, "profile 'default'");
}

/* IMDSv2 last: its endpoint from the environment or the profile. */
static void test_imds(void **state)
{
	struct fx_env e = fx_files();
	struct aws_creds c;
	char err[512];

	(void)state;
	fx_set(&e, "AWS_PROFILE", "regiononly"); /* a profile without credentials */
	assert_int_equal(resolve(&e, NULL, &c, err, sizeof err), 0);
	assert_int_equal(c.kind, AWS_CREDS_NEEDS_IMDS);
	assert_string_equal(c.url, AWS_CREDS_IMDS_V4);
	assert_string_equal(c.origin, "nothing in the environment, in profile 'regiononly' or "
			    "for a container");
	aws_creds_free(&c);
	assert_int_equal(resolve(&e, "imds-v6", &c, err, sizeof err), 0);
	assert_string_equal(c.url, AWS_CREDS_IMDS_V6);
	aws_creds_free(&c);
	assert_int_equal(resolve(&e, "imds-ep", &c, err, sizeof err), 0);
	assert_string_equal(c.url, "http://127.0.0.1:1338");
	aws_creds_free(&c);
	fx_set(&e, "AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9999");
	assert_int_equal(resolve(&e, "imds-ep", &c, err, sizeof err), 0);
	assert_string_equal(c.url, "http://127.0.0.1:9999"); /* the env's first */
	aws_creds_free(&c);
	fx_set(&e, "AWS_EC2_METADATA_SERVICE_ENDPOINT", "");
	fx_set(&e, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv5");
	want_error(&e, NULL, -EINVAL, "the IMDS endpoint mode is neither IPv4 nor IPv6");
	fx_set(&e, "AWS_EC2_METADATA_SERVICE_ENDPOINT", "169.254.169.254");
	want_error(&e, NULL, -EINVAL, "the IMDS endpoint (AWS_EC2_METADATA_SERVICE_ENDPOINT) does "
		   "not start with http://");
	fx_set(&e, "AWS_EC2_METADATA_DISABLED", "true");
	want_error(&e, NULL, -ENOENT, "not in profile 'regiononly' (" CREDS ", " CONFIG ")");
}

/* role_arn + source_profile, followed to keys; the roles in the order to
 * assume them, innermost first. */
static void test_role_chain(void **state)
{
	struct fx_env e = fx_files();
	struct aws_creds c;
	char err[512], d[2048];

	(void)state;
	assert_int_equal(resolve(&e, "chain-a", &c, err, sizeof err), 0);
	assert_int_equal(c.kind, AWS_CREDS_STATIC);
	assert_string_equal(c.access_key_id, "AKIDCHAINC");
	assert_string_equal(c.secret_access_key, "chaincS3CR3T");
	assert_string_equal(c.origin, "profile 'chain-c' (" CREDS ":22)");
	assert_int_equal(c.n_roles, 2);
	assert_string_equal(c.roles[0].role_arn, "arn:aws:iam::222222222222:role/b");
	assert_string_equal(c.roles[0].profile, "chain-b");
	assert_null(c.roles[0].external_id);
	assert_int_equal(c.roles[0].duration_s, 0);
	assert_string_equal(c.roles[1].role_arn, "arn:aws:iam::111111111111:role/a");
	assert_string_equal(c.roles[1].profile, "chain-a");
	assert_string_equal(c.roles[1].external_id, "ext-a");
	assert_string_equal(c.roles[1].session_name, "scaled-a");
	assert_int_equal(c.roles[1].duration_s, 1800);
	aws_creds_describe(&c, d, sizeof d);
	assert_string_equal(d, "static keys from profile 'chain-c' (" CREDS ":22), then STS "
			    "AssumeRole arn:aws:iam::222222222222:role/b (profile 'chain-b'), then "
			    "STS AssumeRole arn:aws:iam::111111111111:role/a (profile 'chain-a')");
	assert_int_equal(aws_creds_describe(&c, d, 10), (int)strlen(d)); /* cut, counted */
	assert_int_equal(strlen(d), 9);
	aws_creds_free(&c);
	/* its own keys, then its role */
	assert_int_equal(resolve(&e, "self", &c, err, sizeof err), 0);
	assert_string_equal(c.access_key_id, "AKIDSELF");
	assert_int_equal(c.n_roles, 1);
	assert_string_equal(c.roles[0].role_arn, "arn:aws:iam::333333333333:role/self");
	aws_creds_free(&c);
	/* the middle of a chain: chain-b */
	assert_int_equal(resolve(&e, "chain-b", &c, err, sizeof err), 0);
	assert_int_equal(c.n_roles, 1);
	aws_creds_free(&c);
}

/* credential_source: the base of a role is the environment, IMDS or ECS. */
static void test_role_sources(void **state)
{
	struct fx_env e = fx_files();
	struct aws_creds c;
	char err[512];

	(void)state;
	want_error(&e, "env-src", -EINVAL, "profile 'env-src' has credential_source = Environment "
		   "but AWS_ACCESS_KEY_ID is not set");
	fx_set(&e, "AWS_ACCESS_KEY_ID", "AKIDENV");
	fx_set(&e, "AWS_SECRET_ACCESS_KEY", ENV_SECRET);
	assert_int_equal(resolve(&e, "env-src", &c, err, sizeof err), 0);
	assert_int_equal(c.kind, AWS_CREDS_STATIC);
	assert_string_equal(c.access_key_id, "AKIDENV");
	assert_int_equal(c.n_roles, 1);
	assert_string_equal(c.roles[0].role_arn, "arn:aws:iam::444444444444:role/env");
	aws_creds_free(&c);
	assert_int_equal(resolve(&e, "imds-src", &c, err, sizeof err), 0);
	assert_int_equal(c.kind, AWS_CREDS_NEEDS_IMDS);
	assert_string_equal(c.url, AWS_CREDS_IMDS_V4);
	assert_int_equal(c.n_roles, 1);
	aws_creds_free(&c);
	want_error(&e, "ecs-src", -EINVAL, "credential_source = EcsContainer but no");
	fx_set(&e, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/c");
	assert_int_equal(resolve(&e, "ecs-src", &c, err, sizeof err), 0);
	assert_int_equal(c.kind, AWS_CREDS_NEEDS_ECS);
	assert_string_equal(c.url, "http://169.254.170.2/v2/c");
	assert_string_equal(c.roles[0].role_arn, "arn:aws:iam::444444444444:role/ecs");
	aws_creds_free(&c);
	fx_set(&e, "AWS_EC2_METADATA_DISABLED", "true");
	want_error(&e, "imds-src", -EINVAL, "Ec2InstanceMetadata but AWS_EC2_METADATA_DISABLED");
	want_error(&e, "bad-src", -EINVAL, "profile 'bad-src': credential_source is none of");
	want_error(&e, "both-src", -EINVAL, "profile 'both-src' has role_arn and both of "
		   "source_profile and credential_source");
	want_error(&e, "neither-src", -EINVAL, "has role_arn and neither of");
	/* a web identity in a profile */
	assert_int_equal(resolve(&e, "webid", &c, err, sizeof err), 0);
	assert_int_equal(c.kind, AWS_CREDS_NEEDS_WEB_IDENTITY);
	assert_string_equal(c.web.role_arn, "arn:aws:iam::555555555555:role/web");
	assert_string_equal(c.web.profile, "webid");
	assert_string_equal(c.web.session_name, "scaled-web");
	assert_string_equal(c.token_file, "/var/run/secrets/token");
	assert_int_equal(c.n_roles, 0);
	aws_creds_free(&c);
	want_error(&e, "webid-norole", -EINVAL, "has web_identity_token_file but no role_arn");
}

/* Chains that cannot be followed: a cycle, a missing or empty source, MFA,
 * a bad duration, too long a chain. */
static void test_role_refused(void **state)
{
	struct fx_env e = fx_files();
	char path[] = "/tmp/test_aws_creds_XXXXXX";
	FILE *f;
	int fd;

	(void)state;
	want_error(&e, "loop-a", -EINVAL, "source_profile goes round in a circle: 'loop-a' -> "
		   "'loop-b' -> 'loop-c' -> 'loop-a'");
	want_error(&e, "loop-c", -EINVAL, "circle: 'loop-c' -> 'loop-a' -> 'loop-b' -> 'loop-c'");
	want_error(&e, "missing-src", -EINVAL, "profile 'nowhere', the source_profile of "
		   "'missing-src', is in neither " CREDS " nor " CONFIG);
	want_error(&e, "empty-src", -EINVAL, "profile 'regiononly', the source_profile of "
		   "'empty-src', has no credentials");
	want_error(&e, "mfa", -ENOTSUP, "profile 'mfa' has mfa_serial");
	want_error(&e, "bad-duration", -EINVAL, CONFIG ":107: duration_seconds is not a whole "
		   "number of 900 to 43200");
	/* 17 profiles, each the source of the one before */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	for (int i = 0; i <= AWS_CREDS_MAX_CHAIN; i++)
		fprintf(f, "[profile p%d]\nrole_arn = arn:aws:iam::1:role/r%d\nsource_profile = "
			"p%d\n", i, i, i + 1);
	fprintf(f, "[profile p%d]\naws_access_key_id = A\naws_secret_access_key = S3CR3T\n",
		AWS_CREDS_MAX_CHAIN + 1);
	fclose(f);
	e = (struct fx_env){ .n = 0 };
	fx_set(&e, "AWS_CONFIG_FILE", path);
	want_error(&e, "p0", -EINVAL, "more than 16 profiles chained by source_profile from 'p0'");
	want_error(&e, "p1", -EINVAL, "more than 16 profiles"); /* 17 with the keys' */
	{ /* 16 profiles in all: 15 roles, then the keys */
		struct aws_creds c;
		char err[512];

		assert_int_equal(resolve(&e, "p2", &c, err, sizeof err), 0);
		assert_int_equal(c.n_roles, AWS_CREDS_MAX_CHAIN - 1);
		assert_string_equal(c.roles[0].role_arn, "arn:aws:iam::1:role/r16");
		assert_string_equal(c.roles[14].role_arn, "arn:aws:iam::1:role/r2");
		assert_string_equal(c.access_key_id, "A");
		aws_creds_free(&c);
	}
	unlink(path);
}

/* A bad profile name; a NULL environment. */
static void test_load_refused(void **state)
{
	struct fx_env e = fx_files();
	struct aws_creds_config cfg;
	struct aws_creds c;
	char err[512];

	(void)state;
	assert_int_equal(fx_load(&cfg, &e, "no spaces", err, sizeof err), -EINVAL);
	assert_string_equal(err, "aws credentials: the farm's profile is not a profile name (1 to "
			    "255 of A-Z, a-z, 0-9 and _-/.%@:+)");
	assert_null(cfg.profile);
	fx_set(&e, "AWS_PROFILE", "a\nb");
	assert_int_equal(fx_load(&cfg, &e, NULL, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "AWS_PROFILE is not a profile name"));
	assert_int_equal(aws_creds_config_load(&cfg, NULL, NULL, err, sizeof err), -EINVAL);
	assert_int_equal(aws_creds_resolve(&cfg, &c, err, sizeof err), -EINVAL);
	assert_int_equal(aws_creds_resolve(NULL, NULL, NULL, 0), -EINVAL);
	aws_creds_config_free(&cfg);
	aws_creds_free(NULL);
	aws_creds_config_free(NULL);
}

/* Every message checked has been clean (fx_msg fails a test at once). */
static void test_no_secret(void **state)
{
	(void)state;
	printf("  %zu messages, origins and descriptions checked for secrets\n", fx_msgs());
	assert_true(fx_msgs() > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_env_refused),
		cmocka_unit_test(test_env_web_identity),
		cmocka_unit_test(test_profiles),
		cmocka_unit_test(test_home),
		cmocka_unit_test(test_ecs),
		cmocka_unit_test(test_imds),
		cmocka_unit_test(test_role_chain),
		cmocka_unit_test(test_role_sources),
		cmocka_unit_test(test_role_refused),
		cmocka_unit_test(test_load_refused),
	};
	const struct CMUnitTest last[] = { cmocka_unit_test(test_no_secret) };
	int failed = cmocka_run_group_tests_name("aws_creds", tests, NULL, NULL);

	failed += fx_run_region_tests();
	failed += fx_run_ini_tests();
	return failed + cmocka_run_group_tests_name("aws_creds_no_secret", last, NULL, NULL);
}
