/*
 * test_aws_creds_roles.c - the credential fetcher (aws_creds_fetch.h) on
 * STS, driven through the fake host (aws_creds_fetch_fx.h): a chain of
 * AssumeRole from static keys, each hop signed with the keys before it
 * (the form, the signature's key and token), a refresh running the chain
 * again, STS's error answers and a page that is not STS's; web identity
 * (unsigned, the token file's text) then a role; the regional STS
 * endpoint by default. No secret in any log line or message.
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

#include "aws_creds_fetch.h"
#include "aws_creds_fetch_fx.h"

#define T0 1764777600000LL /* 2025-12-03T16:00:00Z */
#define HOUR 3600000LL

/* Credential=<id>/ in r's Authorization. */
static void signed_by(const struct fx_req *r, const char *id)
{
	char want[128];
	const char *a = fx_header(r, "Authorization: ");

	assert_non_null(a);
	snprintf(want, sizeof want, "Credential=%s/20251203/eu-west-1/sts/aws4_request", id);
	if (!strstr(a, want))
		fail_msg("%s not signed by %s", a, id);
}

static void role_of(struct aws_creds_role *r, const char *arn, const char *profile)
{
	memset(r, 0, sizeof *r);
	r->role_arn = strdup(arn);
	r->profile = strdup(profile);
}

static void test_roles(void **state)
{
	struct aws_creds c = { .kind = AWS_CREDS_STATIC };
	struct aws_creds_fetch *f;
	char err[256];

	(void)state;
	fx_reset(T0);
	memset(fx_calls, 0, sizeof fx_calls);
	c.access_key_id = strdup("AKIDSTATIC");
	c.secret_access_key = strdup("static-SECRETMARK");
	c.roles = calloc(AWS_CREDS_MAX_CHAIN, sizeof *c.roles);
	role_of(&c.roles[0], "arn:aws:iam::111111111111:role/hop", "hop");
	role_of(&c.roles[1], "arn:aws:iam::222222222222:role/target", "target");
	c.roles[1].external_id = strdup("ext-1");
	c.roles[1].duration_s = 900;
	c.n_roles = 2;
	f = fx_make(&c);
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), -EAGAIN);
	assert_string_equal(fx_last()->url, "http://127.0.0.1:5000");
	assert_string_equal(fx_last()->body, "Action=AssumeRole&Version=2011-06-15&RoleArn="
			    "arn%3Aaws%3Aiam%3A%3A111111111111%3Arole%2Fhop&RoleSessionName="
			    "scaled-1764777600");
	signed_by(fx_last(), "AKIDSTATIC");
	assert_null(fx_header(fx_last(), "X-Amz-Security-Token"));
	fx_answer(fx_last(), 200, fx_sts_creds(0, "ASIAHOP", T0 + HOUR), NULL);
	/* the second hop signed with the first's keys and token */
	assert_string_equal(fx_last()->body, "Action=AssumeRole&Version=2011-06-15&RoleArn="
			    "arn%3Aaws%3Aiam%3A%3A222222222222%3Arole%2Ftarget&RoleSessionName="
			    "scaled-1764777600&DurationSeconds=900&ExternalId=ext-1");
	signed_by(fx_last(), "ASIAHOP");
	assert_string_equal(fx_header(fx_last(), "X-Amz-Security-Token"),
			    "X-Amz-Security-Token: ASIAHOP-TOKENMARK");
	assert_int_equal(fx_calls[1], 0);
	fx_answer(fx_last(), 200, fx_sts_creds(0, "ASIATARGET", T0 + 900000), NULL);
	assert_int_equal(fx_calls[1], 1);
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), 0);
	assert_string_equal(aws_creds_fetch_cred(f).access_key, "ASIATARGET");
	assert_int_equal(fx_logged("credentials from static keys, then STS AssumeRole "
				   "arn:aws:iam::111111111111:role/hop, then STS AssumeRole "
				   "arn:aws:iam::222222222222:role/target: access key id ...RGET"),
			 1);
	/* a refresh runs the chain again; STS says no to the second hop */
	fx_now = T0 + 600000;
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), 0);
	signed_by(fx_last(), "AKIDSTATIC");
	fx_answer(fx_last(), 200, fx_sts_creds(0, "ASIAHOP2", T0 + HOUR), NULL);
	signed_by(fx_last(), "ASIAHOP2");
	fx_answer(fx_last(), 403, "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied"
		  "</Code><Message>not allowed</Message></Error></ErrorResponse>", NULL);
	assert_int_equal(fx_logged("warn: credentials: AssumeRole: AccessDenied: not allowed "
				   "(role arn:aws:iam::222222222222:role/target)"), 1);
	assert_string_equal(aws_creds_fetch_cred(f).access_key, "ASIATARGET");
	/* a 503 page that is not STS's XML: the status, not the parser */
	fx_now = T0 + 606000;
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), 0);
	fx_answer(fx_last(), 503, "<html>Service Unavailable</html>", NULL);
	assert_int_equal(fx_logged("credentials: AssumeRole: HTTP 503 (role arn:aws:iam::"
				   "111111111111:role/hop)"), 1);
	fx_no_log(fx_secrets);
	aws_creds_fetch_free(f);
}

static void test_web_identity(void **state)
{
	struct aws_creds c = { .kind = AWS_CREDS_NEEDS_WEB_IDENTITY };
	struct aws_creds_fetch *f;
	char err[256], path[] = "/tmp/test_aws_creds_fetch_XXXXXX";
	int fd;

	(void)state;
	fx_reset(T0);
	memset(fx_calls, 0, sizeof fx_calls);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	fx_write_file(path, "eyJWEBMARK.payload.sig\n");
	c.web.role_arn = strdup("arn:aws:iam::123456789012:role/pod");
	c.web.session_name = strdup("pod-1");
	c.token_file = strdup(path);
	c.roles = calloc(AWS_CREDS_MAX_CHAIN, sizeof *c.roles);
	role_of(&c.roles[0], "arn:aws:iam::222222222222:role/x", "x");
	c.n_roles = 1;
	f = fx_make(&c);
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), -EAGAIN);
	assert_string_equal(fx_last()->method, "POST");
	assert_string_equal(fx_last()->body, "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&"
			    "RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fpod&"
			    "RoleSessionName=pod-1&WebIdentityToken=eyJWEBMARK.payload.sig");
	assert_null(fx_header(fx_last(), "Authorization"));
	fx_answer(fx_last(), 400, "<ErrorResponse><Error><Code>InvalidIdentityToken</Code>"
		  "<Message>expired</Message></Error></ErrorResponse>", NULL);
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), -EREMOTEIO);
	assert_string_equal(err, "credentials: AssumeRoleWithWebIdentity: InvalidIdentityToken: "
			    "expired (role arn:aws:iam::123456789012:role/pod)");
	fx_now += 5000;
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), -EAGAIN);
	fx_answer(fx_last(), 200, fx_sts_creds(1, "ASIAWEB", T0 + HOUR), NULL);
	signed_by(fx_last(), "ASIAWEB");
	fx_answer(fx_last(), 200, fx_sts_creds(0, "ASIAX", T0 + HOUR), NULL);
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), 0);
	assert_string_equal(aws_creds_fetch_cred(f).access_key, "ASIAX");
	assert_int_equal(fx_logged("credentials from STS AssumeRoleWithWebIdentity of "
				   "arn:aws:iam::123456789012:role/pod, then STS AssumeRole "
				   "arn:aws:iam::222222222222:role/x"), 1);
	fx_no_log(fx_secrets);
	aws_creds_fetch_free(f);
	unlink(path);
}

static void test_default_sts(void **state)
{
	struct aws_creds s = { .kind = AWS_CREDS_STATIC };
	struct aws_creds_fetch *f;
	char err[256];

	(void)state;
	fx_reset(T0);
	s.access_key_id = strdup("AKID");
	s.secret_access_key = strdup("SECRETMARK");
	s.roles = calloc(AWS_CREDS_MAX_CHAIN, sizeof *s.roles);
	role_of(&s.roles[0], "arn:aws:iam::1:role/r", "p");
	s.n_roles = 1;
	assert_int_equal(aws_creds_fetch_new(&f, &fx_inst, &s, "ap-southeast-2", NULL, err,
					     sizeof err), 0);
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), -EAGAIN);
	assert_string_equal(fx_last()->url, "https://sts.ap-southeast-2.amazonaws.com");
	assert_non_null(fx_header(fx_last(), "Host: sts.ap-southeast-2.amazonaws.com"));
	aws_creds_fetch_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_web_identity),
		cmocka_unit_test(test_default_sts),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	fx_reset(0);
	return rc;
}
