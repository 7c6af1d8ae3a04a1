/*
 * aws_call.c - a kind's signed request and the reason it failed
 * (aws_call.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "aws_answers.h"
#include "aws_call.h"
#include "aws_json.h"
#include "aws_plugin.h"
#include "aws_retry.h"
#include "aws_values.h"

#define host aws_host

/* POST body with the signed headers hs to c's endpoint. */
static void *call_start(struct aws_client *c, const char *const *hs, const char *body,
			size_t len, size_t max_response, scaled_http_done done, void *arg,
			char *err, size_t errlen)
{
	struct scaled_http_request req = {
		.struct_size = sizeof req,
		.method = "POST",
		.url = c->ep.url,
		.headers = hs,
		.body = body,
		.body_len = len,
		.max_response = max_response,
		.timeout_ms = c->timeout_ms,
		.retryable = aws_retryable,
	};

	return host->http_start(c->inst, &req, done, arg, err, errlen);
}

void *aws_client_call_query(struct aws_client *c, const struct aws_form *f,
			    size_t max_response, scaled_http_done done, void *arg, char *err,
			    size_t errlen)
{
	struct sigv4_credentials cred = aws_client_cred(c);
	struct aws_query_headers hs;
	void *h;

	if (f->failed || !f->buf) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (aws_query_sign(&c->signer, &c->ep, &cred, c->region, c->service, f->buf, f->len,
			   host->now_ms(c->inst), &hs, err, errlen) < 0)
		return NULL;
	h = call_start(c, (const char *const *)hs.h, f->buf, f->len, max_response, done, arg,
		       err, errlen);
	aws_query_headers_free(&hs);
	return h;
}

void *aws_client_call_json(struct aws_client *c, const char *content_type, const char *target,
			   const char *body, size_t len, size_t max_response,
			   scaled_http_done done, void *arg, char *err, size_t errlen)
{
	struct sigv4_credentials cred = aws_client_cred(c);
	struct aws_json_headers hs;
	void *h;

	if (aws_json_sign(&c->signer, &c->ep, &cred, c->region, c->service, content_type,
			  target, body, len, host->now_ms(c->inst), &hs, err, errlen) < 0)
		return NULL;
	h = call_start(c, (const char *const *)hs.h, body, len, max_response, done, arg, err,
		       errlen);
	aws_json_headers_free(&hs);
	return h;
}

/* Whether doc is AWS's error answer: 0 and "Code: Message" in why. */
static int call_aws_error(const char *doc, size_t len, char *why, size_t whylen)
{
	struct aws_error_answer e;

	/* <ErrorResponse><Error> (Auto Scaling, the Query protocol), <Response>
	 * <Errors> (EC2) */
	if (aws_json_is_xml(doc, len) && aws_answers_error(doc, len, &e, why, whylen) == 0) {
		aws_answers_error_free(&e);
		return 0;
	}
	/* JSON's __type/code, or moto's <ErrorResponse><Errors> */
	return aws_json_error(doc, len, why, whylen);
}

int aws_client_why(const struct scaled_http_response *res, char *why, size_t whylen)
{
	int rc = -EIO;

	if (call_aws_error(res->body, res->body_len, why, whylen) == 0)
		rc = -EREMOTEIO;
	else if (res->error)
		snprintf(why, whylen, "%.200s", res->error);
	else if (res->status < 200 || res->status > 299)
		snprintf(why, whylen, "HTTP %ld", res->status); /* a host without a reason */
	else
		return 0;
	aws_values_clean(why); /* on one line */
	return rc;
}

int aws_client_why_read(const struct scaled_http_response *res, int rc, const char *reason,
			char *why, size_t whylen)
{
	if (rc == 0 && !res->error)
		return 0;
	if (rc == -EREMOTEIO)
		snprintf(why, whylen, "%s", reason); /* AWS's own words */
	else if (res->error)
		aws_client_why(res, why, whylen); /* moto's error form, else the client's */
	else
		snprintf(why, whylen, "%s", rc == -ENOMEM ? "out of memory" : reason);
	return -1;
}
