/*
 * test_aws_creds_fetch.c - the credential fetcher (aws_creds_fetch.h)
 * driven through a fake host (aws_creds_fetch_fx.h): IMDSv2's token dance
 * and ECS with its token file (STS: test_aws_creds_roles.c), one fetch at
 * a time, the again() callbacks, refresh while the current keys serve, the point
 * where they stop serving, the backoff after failures, garbage answers,
 * cancel on free; and no secret in any log line or message.
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
#include "aws_query.h"

#define T0 1764777600000LL /* 2025-12-03T16:00:00Z */
#define HOUR 3600000LL
#define IMDS "http://127.0.0.1:1338"
#define CREDS_PATH "/latest/meta-data/iam/security-credentials/"

static struct aws_creds creds_imds(void)
{
	struct aws_creds c = { .kind = AWS_CREDS_NEEDS_IMDS };

	c.url = strdup(IMDS "/");
	snprintf(c.origin, sizeof c.origin, "test");
	return c;
}

/* IMDS's three answers to the fetch in flight (a PUT first when asked). */
static void imds_round(int put, const char *role, const char *id, int64_t exp)
{
	char url[256];

	if (put) {
		assert_string_equal(fx_last()->method, "PUT");
		assert_string_equal(fx_last()->url, IMDS "/latest/api/token");
		assert_non_null(fx_header(fx_last(),
					  "X-aws-ec2-metadata-token-ttl-seconds: 21600"));
		assert_true(fx_last()->timeout_ms == 1000);
		fx_answer(fx_last(), 200, "AQAEAIMDSMARK==", NULL);
	}
	assert_string_equal(fx_last()->method, "GET");
	assert_string_equal(fx_last()->url, IMDS CREDS_PATH);
	assert_string_equal(fx_header(fx_last(), "X-aws-ec2-metadata-token:"),
			    "X-aws-ec2-metadata-token: AQAEAIMDSMARK==");
	fx_answer(fx_last(), 200, role, NULL);
	snprintf(url, sizeof url, IMDS CREDS_PATH "%.*s", (int)strcspn(role, "\n"), role);
	assert_string_equal(fx_last()->url, url);
	assert_non_null(fx_header(fx_last(), "X-aws-ec2-metadata-token: AQAEAIMDSMARK=="));
	fx_answer(fx_last(), 200, fx_json_creds(id, exp), NULL);
}

static void test_imds(void **state)
{
	struct aws_creds c = creds_imds();
	struct aws_creds_fetch *f;
	struct sigv4_credentials k;
	char err[256];

	(void)state;
	fx_reset(T0);
	memset(fx_calls, 0, sizeof fx_calls);
	f = fx_make(&c);
	k = aws_creds_fetch_cred(f);
	assert_null(k.access_key);
	assert_int_equal(fx_n_reqs, 0); /* nothing before the first ready */
	/* the first ready starts the fetch; more ask for no second one */
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), -EAGAIN);
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), -EAGAIN);
	assert_int_equal(fx_ready(f, &fx_two, err, sizeof err), -EAGAIN);
	assert_int_equal(fx_n_reqs, 1);
	imds_round(1, "worker\n", "ASIAFIRST", T0 + HOUR);
	assert_int_equal(fx_n_reqs, 3);
	assert_int_equal(fx_calls[1], 1); /* each waiter once */
	assert_int_equal(fx_calls[2], 1);
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), 0);
	k = aws_creds_fetch_cred(f);
	assert_string_equal(k.access_key, "ASIAFIRST");
	assert_string_equal(k.secret_key, "ASIAFIRST-SECRETMARK");
	assert_string_equal(k.session_token, "ASIAFIRST-TOKENMARK");
	assert_int_equal(fx_logged("info: credentials from IMDSv2 (role 'worker'): access key "
				   "id ...IRST, expire 2025-12-03T17:00:00Z, refreshed from "
				   "2025-12-03T16:55:00Z"), 1);

	/* 5 minutes before Expiration: refreshed in the background, the token
	 * kept (no PUT), the current keys serving meanwhile */
	fx_now = T0 + HOUR - 300001;
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), 0);
	assert_int_equal(fx_n_reqs, 3);
	fx_now = T0 + HOUR - 300000;
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), 0);
	assert_int_equal(fx_n_reqs, 4);
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), 0);
	assert_int_equal(fx_n_reqs, 4);
	assert_string_equal(aws_creds_fetch_cred(f).access_key, "ASIAFIRST");
	imds_round(0, "worker", "ASIASECOND", T0 + 2 * HOUR);
	assert_string_equal(aws_creds_fetch_cred(f).access_key, "ASIASECOND");
	assert_int_equal(fx_calls[1], 1); /* no one waited */

	/* a token IMDS no longer takes: a new one, once */
	fx_now = T0 + 2 * HOUR - 200000;
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), 0);
	fx_answer(fx_last(), 401, "", NULL);
	imds_round(1, "worker", "ASIATHIRD", T0 + 3 * HOUR);
	assert_string_equal(aws_creds_fetch_cred(f).access_key, "ASIATHIRD");
	/* the token (got at 2 h less 200 s) is renewed when its 6 hours
	 * (less 5 min) are over */
	fx_now = T0 + 7 * HOUR + 3000000;
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), -EAGAIN);
	imds_round(0, "worker", "ASIAFOURTH", T0 + 8 * HOUR);
	fx_now = T0 + 8 * HOUR;
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), -EAGAIN);
	imds_round(1, "worker", "ASIAFIFTH", T0 + 9 * HOUR);
	assert_int_equal(fx_calls[1], 3);
	fx_no_log(fx_secrets);
	aws_creds_fetch_free(f);
}

static void test_imds_failures(void **state)
{
	struct aws_creds c = creds_imds();
	struct aws_creds_fetch *f;
	char err[256];
	size_t n_log;

	(void)state;
	fx_reset(T0);
	memset(fx_calls, 0, sizeof fx_calls);
	f = fx_make(&c);
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), -EAGAIN);
	fx_answer(fx_last(), 403, "Forbidden", NULL);
	assert_int_equal(fx_calls[1], 1);
	/* the failure, until the backoff (5 s) ends; then a new fetch */
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), -EIO);
	assert_string_equal(err, "credentials: IMDS: PUT /latest/api/token: HTTP 403");
	fx_now = T0 + 4999;
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), -EIO);
	assert_int_equal(fx_n_reqs, 1);
	fx_now = T0 + 5000;
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), -EAGAIN);
	assert_int_equal(fx_n_reqs, 2);
	/* the same failure: logged once; the backoff doubles */
	fx_answer(fx_last(), 403, "", NULL);
	assert_int_equal(fx_logged("credentials: IMDS: PUT /latest/api/token: HTTP 403"), 1);
	assert_int_equal(fx_logged("next try in 5 s"), 1);
	fx_now = T0 + 14999;
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), -EIO);
	fx_now = T0 + 15000;
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), -EAGAIN);
	/* no role attached */
	fx_answer(fx_last(), 200, "AQAEAIMDSMARK==", NULL);
	fx_answer(fx_last(), 404, "<html>Not Found</html>", NULL);
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), -EIO);
	assert_string_equal(err, "credentials: IMDS: GET /latest/meta-data/iam/security-"
			    "credentials/: HTTP 404 (no IAM role attached to the instance?)");
	/* garbage: HTML for a role, then for the credentials */
	fx_now += 20000;
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), -EAGAIN);
	fx_answer(fx_last(), 200, "<!DOCTYPE html><html><body>hello</body></html>", NULL);
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), -EBADMSG);
	assert_string_equal(err, "credentials: IMDS: the role list's first line is not a role "
			    "name (letters, digits, +=,.@_-; HTML?)");
	fx_now += 40000;
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), -EAGAIN);
	fx_answer(fx_last(), 200, "worker", NULL);
	fx_answer(fx_last(), 200, "<html>SECRETMARK</html>", NULL);
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), -EBADMSG);
	assert_string_equal(err, "credentials: IMDS: the answer is not JSON (it starts with "
			    "'<': HTML or XML?)");
	/* expired at once; then a transport failure */
	fx_now += 80000;
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), -EAGAIN);
	fx_answer(fx_last(), 200, "worker", NULL);
	fx_answer(fx_last(), 200, fx_json_creds("ASIAOLD", fx_now - 1), NULL);
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), -EKEYEXPIRED);
	fx_now += 160000;
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), -EAGAIN);
	fx_answer(fx_last(), 0, NULL, "Failed to connect to 127.0.0.1 port 1338");
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), -EIO);
	assert_string_equal(err, "credentials: IMDS: GET /latest/meta-data/iam/security-"
			    "credentials/: Failed to connect to 127.0.0.1 port 1338");
	/* the backoff stops doubling at 5 minutes */
	fx_now += 300000 - 1;
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), -EIO);
	fx_now += 1;
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), -EAGAIN);
	fx_answer(fx_last(), 503, "", NULL);
	fx_now += 300000;
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), -EAGAIN);
	/* a success forgets the failures: the next one waits 5 s again */
	imds_round(0, "worker", "ASIAGOOD", fx_now + HOUR);
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), 0);
	fx_no_log(fx_secrets);
	/* the engine stops running with a fetch in flight: nothing logged, no
	 * backoff; the waiter hears of it at once (an apply waiting ends in
	 * this run) and is told "cancelled" until the clock moves on; then the
	 * next run fetches anew */
	fx_now += HOUR - 1000;
	assert_int_equal(fx_ready(f, &fx_three, err, sizeof err), -EAGAIN);
	n_log = fx_n_log;
	fx_answer(fx_last(), 0, NULL, "cancelled: the engine stopped running");
	assert_int_equal(fx_n_log, n_log);
	assert_int_equal(fx_calls[3], 1);
	assert_int_equal(fx_ready(f, &fx_three, err, sizeof err), -ECANCELED);
	assert_non_null(strstr(err, "cancelled: the engine stopped running"));
	fx_now += 1;
	assert_int_equal(fx_ready(f, &fx_two, err, sizeof err), -EAGAIN);
	imds_round(0, "worker", "ASIARUN2", fx_now + HOUR);
	assert_int_equal(fx_calls[3], 1);
	assert_int_equal(fx_calls[2], 1);
	/* free with a fetch in flight: cancelled, no again() afterwards */
	fx_now += HOUR - 1000;
	assert_int_equal(fx_ready(f, &fx_three, err, sizeof err), -EAGAIN);
	assert_true(fx_last()->live);
	aws_creds_fetch_free(f);
	assert_true(fx_last()->cancelled);
	assert_int_equal(fx_calls[3], 1);
}

static void noop(void *arg)
{
	(void)arg;
}

static void test_refresh_window(void **state)
{
	static int ids[AWS_CREDS_FETCH_WAITERS];
	struct aws_creds c = creds_imds();
	struct aws_creds_fetch *f;
	char err[256];

	(void)state;
	fx_reset(T0);
	memset(fx_calls, 0, sizeof fx_calls);
	f = fx_make(&c);
	/* short-lived keys (20 s): refreshed from the midpoint, used until
	 * 2 s (a tenth) before they expire */
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), -EAGAIN);
	imds_round(1, "worker", "ASIASHORT", T0 + 20000);
	fx_now = T0 + 9999;
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), 0);
	assert_int_equal(fx_n_reqs, 3);
	fx_now = T0 + 10000;
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), 0);
	assert_int_equal(fx_n_reqs, 4);
	/* the refresh fails: warned, the current keys still serve */
	fx_answer(fx_last(), 500, "", NULL);
	assert_int_equal(fx_logged("warn: credentials: IMDS: GET /latest/meta-data/iam/security-"
				   "credentials/: HTTP 500; the current ones are used until "
				   "2025-12-03T16:00:18Z"), 1);
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), 0);
	assert_int_equal(fx_n_reqs, 4); /* not before the backoff */
	fx_now = T0 + 15000;
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), 0);
	assert_int_equal(fx_n_reqs, 5);
	/* still in flight when they stop serving: wait for it */
	fx_now = T0 + 17999;
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), 0);
	fx_now = T0 + 18000;
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), -EAGAIN);
	imds_round(0, "worker", "ASIANEXT", T0 + 18000 + HOUR);
	assert_int_equal(fx_calls[1], 2);
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), 0);
	assert_string_equal(aws_creds_fetch_cred(f).access_key, "ASIANEXT");
	/* too many waiting at once */
	fx_now = T0 + 2 * HOUR;
	for (int i = 0; i < AWS_CREDS_FETCH_WAITERS; i++)
		assert_int_equal(aws_creds_fetch_ready(f, noop, &ids[i], err, sizeof err),
				 -EAGAIN);
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), -EBUSY);
	fx_no_log(fx_secrets);
	aws_creds_fetch_free(f);
}

static void test_ecs(void **state)
{
	struct aws_creds c = { .kind = AWS_CREDS_NEEDS_ECS };
	struct aws_creds_fetch *f;
	char err[256], path[] = "/tmp/test_aws_creds_fetch_XXXXXX";
	int fd;

	(void)state;
	fx_reset(T0);
	memset(fx_calls, 0, sizeof fx_calls);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	fx_write_file(path, "AUTHMARK-1\n");
	c.url = strdup("http://127.0.0.1:9/creds");
	c.auth_token_file = strdup(path);
	f = fx_make(&c);
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), -EAGAIN);
	assert_string_equal(fx_last()->method, "GET");
	assert_string_equal(fx_last()->url, "http://127.0.0.1:9/creds");
	assert_string_equal(fx_last()->h[0], "Authorization: AUTHMARK-1");
	assert_true(fx_last()->timeout_ms == 2000 && fx_last()->max_attempts == 3);
	fx_answer(fx_last(), 200, fx_json_creds("ASIAECS", T0 + HOUR), NULL);
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), 0);
	assert_string_equal(aws_creds_fetch_cred(f).access_key, "ASIAECS");
	/* the file is read at each fetch (it rotates) */
	fx_write_file(path, "AUTHMARK-2");
	fx_now = T0 + HOUR - 300000;
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), 0);
	assert_string_equal(fx_last()->h[0], "Authorization: AUTHMARK-2");
	fx_answer(fx_last(), 401, "{\"code\":\"InvalidToken\",\"message\":\"bad token\"}",
		  NULL);
	assert_int_equal(fx_logged("credentials: ECS: GET: HTTP 401: InvalidToken: bad token"), 1);
	/* a file gone: the fetch fails before any request */
	unlink(path);
	fx_now = T0 + HOUR - 1000;
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), -ENOENT);
	assert_non_null(strstr(err, "credentials: AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE "));
	assert_non_null(strstr(err, ": No such file or directory"));
	assert_int_equal(fx_calls[1], 1);
	aws_creds_fetch_free(f);
}

static void test_refused(void **state)
{
	struct aws_creds c = creds_imds(), s = { .kind = AWS_CREDS_STATIC };
	struct aws_creds_fetch *f;
	char err[256];

	(void)state;
	fx_reset(T0);
	memset(fx_calls, 0, sizeof fx_calls);
	/* http_start refusing (an engine not running): the failure at once */
	f = fx_make(&c);
	fx_refuse = 1;
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), -EIO);
	assert_string_equal(err, "credentials: the engine does not run yet");
	assert_int_equal(fx_calls[1], 0);
	fx_refuse = 0;
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), -EIO); /* backoff */
	fx_now += 5000;
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), -EAGAIN);
	aws_creds_fetch_free(f);
	aws_creds_fetch_free(NULL);
	/* static keys alone: nothing to fetch */
	s.access_key_id = strdup("AKID");
	s.secret_access_key = strdup("SECRETMARK");
	assert_int_equal(aws_creds_fetch_new(&f, &fx_inst, &s, "eu-west-1", NULL, err, sizeof err),
			 -EINVAL);
	assert_null(f);
	assert_null(s.access_key_id);
	/* a bad STS URL */
	s.kind = AWS_CREDS_NEEDS_WEB_IDENTITY;
	s.web.role_arn = strdup("arn:aws:iam::1:role/r");
	s.token_file = strdup("/nonexistent");
	assert_int_equal(aws_creds_fetch_new(&f, &fx_inst, &s, "eu-west-1", "ftp://x", err,
					     sizeof err), -EINVAL);
	assert_null(f);
	/* the default STS endpoint is the region's */
	s.kind = AWS_CREDS_NEEDS_WEB_IDENTITY;
	s.web.role_arn = strdup("arn:aws:iam::1:role/r");
	s.token_file = strdup("/nonexistent");
	assert_int_equal(aws_creds_fetch_new(&f, &fx_inst, &s, "eu-west-1", NULL, err, sizeof err),
			 0);
	assert_int_equal(fx_ready(f, &fx_one, err, sizeof err), -ENOENT);
	assert_string_equal(err, "credentials: the web identity token file /nonexistent: No "
			    "such file or directory");
	aws_creds_fetch_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_imds),
		cmocka_unit_test(test_imds_failures),
		cmocka_unit_test(test_refresh_window),
		cmocka_unit_test(test_ecs),
		cmocka_unit_test(test_refused),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	fx_reset(0);
	return rc;
}
