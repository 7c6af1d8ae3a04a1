/*
 * aws_creds_fetch_fx.c - the fake host of test_aws_creds_fetch
 * (aws_creds_fetch_fx.h).
 */
#include "aws_creds_fetch_fx.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws_plugin.h"
#include "aws_query.h"

struct scaled_instance fx_inst;
int64_t fx_now;
struct fx_req fx_reqs[FX_MAX_REQS];
size_t fx_n_reqs;
char fx_log[FX_MAX_LOG][768];
size_t fx_n_log;
int fx_refuse;

static void fx_log_fn(struct scaled_instance *inst, enum scaled_log_level level,
		      const char *fmt, ...)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	va_list ap;
	int n;

	assert_ptr_equal(inst, &fx_inst);
	assert_true(fx_n_log < FX_MAX_LOG);
	n = snprintf(fx_log[fx_n_log], sizeof fx_log[0], "%s: ", names[level]);
	va_start(ap, fmt);
	vsnprintf(fx_log[fx_n_log] + n, sizeof fx_log[0] - (size_t)n, fmt, ap);
	va_end(ap);
	fx_n_log++;
}

static int64_t fx_now_ms(struct scaled_instance *inst)
{
	assert_ptr_equal(inst, &fx_inst);
	return fx_now;
}

static void *fx_http_start(struct scaled_instance *inst, const struct scaled_http_request *req,
			   scaled_http_done done, void *arg, char *err, size_t errlen)
{
	struct fx_req *r;
	size_t i;

	assert_ptr_equal(inst, &fx_inst);
	if (fx_refuse) {
		snprintf(err, errlen, "the engine does not run yet");
		return NULL;
	}
	assert_true(fx_n_reqs < FX_MAX_REQS);
	assert_true(req->struct_size == sizeof *req);
	r = &fx_reqs[fx_n_reqs++];
	memset(r, 0, sizeof *r);
	snprintf(r->method, sizeof r->method, "%s", req->method ? req->method : "GET");
	assert_true(strlen(req->url) < sizeof r->url);
	snprintf(r->url, sizeof r->url, "%s", req->url);
	for (i = 0; req->headers && req->headers[i]; i++) {
		assert_true(i + 1 < sizeof r->h / sizeof r->h[0]);
		r->h[i] = strdup(req->headers[i]);
	}
	r->body = calloc(1, req->body_len + 1);
	assert_non_null(r->body);
	if (req->body_len)
		memcpy(r->body, req->body, req->body_len);
	r->body_len = req->body_len;
	r->timeout_ms = req->timeout_ms;
	r->max_attempts = req->max_attempts;
	r->done = done;
	r->arg = arg;
	r->live = 1;
	return r;
}

static void fx_http_cancel(void *handle)
{
	struct fx_req *r = handle;

	if (!r)
		return;
	assert_true(r->live);
	r->live = 0;
	r->cancelled = 1;
}

const struct scaled_host fx_host = {
	.struct_size = sizeof(struct scaled_host),
	.abi_major = SCALED_PLUGIN_ABI_MAJOR,
	.abi_minor = SCALED_PLUGIN_ABI_MINOR,
	.log = fx_log_fn,
	.now_ms = fx_now_ms,
	.http_start = fx_http_start,
	.http_cancel = fx_http_cancel,
};

static void fx_req_free(struct fx_req *r)
{
	for (size_t i = 0; r->h[i]; i++)
		free(r->h[i]);
	free(r->body);
	memset(r, 0, sizeof *r);
}

void fx_reset(int64_t t_ms)
{
	for (size_t i = 0; i < fx_n_reqs; i++)
		fx_req_free(&fx_reqs[i]);
	fx_n_reqs = 0;
	fx_n_log = 0;
	fx_refuse = 0;
	fx_now = t_ms;
	aws_host = &fx_host;
}

struct fx_req *fx_last(void)
{
	assert_true(fx_n_reqs > 0);
	return &fx_reqs[fx_n_reqs - 1];
}

void fx_answer(struct fx_req *r, long status, const char *body, const char *error)
{
	char why[64];
	struct scaled_http_response res = {
		.struct_size = sizeof res,
		.status = status,
		.body = body ? body : "",
		.body_len = body ? strlen(body) : 0,
		.attempts = 1,
		.error = error,
	};

	assert_true(r->live);
	if (!error && (status < 200 || status > 299)) {
		snprintf(why, sizeof why, "HTTP %ld", status);
		res.error = why;
	}
	r->live = 0;
	r->done(r->arg, &res);
}

const char *fx_header(const struct fx_req *r, const char *prefix)
{
	for (size_t i = 0; r->h[i]; i++)
		if (!strncmp(r->h[i], prefix, strlen(prefix)))
			return r->h[i];
	return NULL;
}

int fx_logged(const char *needle)
{
	int n = 0;

	for (size_t i = 0; i < fx_n_log; i++)
		n += strstr(fx_log[i], needle) != NULL;
	return n;
}

void fx_no_log(const char *const *needles)
{
	for (size_t i = 0; i < fx_n_log; i++)
		for (size_t j = 0; needles[j]; j++)
			if (strstr(fx_log[i], needles[j]))
				fail_msg("a secret in the log: %s", fx_log[i]);
}

const char *const fx_secrets[] = { "SECRETMARK", "TOKENMARK", "IMDSMARK", "AUTHMARK",
				       "WEBMARK", NULL };

int fx_calls[4];

void fx_again(void *arg)
{
	fx_calls[*(int *)arg]++;
}

int fx_one = 1, fx_two = 2, fx_three = 3;

/* A JSON answer of ECS or IMDS with key id id, expiring at exp. */
const char *fx_json_creds(const char *id, int64_t exp)
{
	static char buf[512];
	char t[32];

	aws_query_time(exp, t);
	snprintf(buf, sizeof buf, "{\"Code\":\"Success\",\"Type\":\"AWS-HMAC\",\"AccessKeyId\":"
		 "\"%s\",\"SecretAccessKey\":\"%s-SECRETMARK\",\"Token\":\"%s-TOKENMARK\","
		 "\"Expiration\":\"%s\"}", id, id, id, t);
	return buf;
}

/* STS's answer to AssumeRole (or, web, ...WithWebIdentity). */
const char *fx_sts_creds(int web, const char *id, int64_t exp)
{
	static char buf[768];
	const char *a = web ? "AssumeRoleWithWebIdentity" : "AssumeRole";
	char t[32];

	aws_query_time(exp, t);
	snprintf(buf, sizeof buf, "<%sResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
		 "<%sResult><Credentials><AccessKeyId>%s</AccessKeyId><SecretAccessKey>"
		 "%s-SECRETMARK</SecretAccessKey><SessionToken>%s-TOKENMARK</SessionToken>"
		 "<Expiration>%s</Expiration></Credentials></%sResult></%sResponse>", a, a, id,
		 id, id, t, a, a);
	return buf;
}

struct aws_creds_fetch *fx_make(struct aws_creds *c)
{
	struct aws_creds_fetch *f;
	char err[256];

	assert_int_equal(aws_creds_fetch_new(&f, &fx_inst, c, "eu-west-1", "http://127.0.0.1:5000",
					     err, sizeof err), 0);
	assert_int_equal(c->kind, 0); /* taken */
	return f;
}

int fx_ready(struct aws_creds_fetch *f, int *who, char *err, size_t errlen)
{
	int rc;

	err[0] = '\0';
	rc = aws_creds_fetch_ready(f, fx_again, who, err, errlen);
	for (size_t i = 0; fx_secrets[i]; i++)
		assert_null(strstr(err, fx_secrets[i]));
	return rc;
}

void fx_write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

