/*
 * aws_ec2_call.c - an EC2 Query API call of a target kind and the reason
 * it failed (aws_ec2_call.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "aws_ec2_answer.h"
#include "aws_ec2_call.h"
#include "aws_plugin.h"
#include "aws_retry.h"

#define host aws_host

void *aws_ec2_call_start(struct aws_client *c, const struct aws_form *f, size_t max_response,
			 scaled_http_done done, void *arg, char *err, size_t errlen)
{
	struct sigv4_credentials cred = aws_client_cred(c);
	struct aws_query_headers hs;
	struct scaled_http_request req;
	void *h;

	if (f->failed || !f->buf) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (aws_query_sign(&c->signer, &c->ep, &cred, c->region, c->service, f->buf, f->len,
			   host->now_ms(c->inst), &hs, err, errlen) < 0)
		return NULL;
	req = (struct scaled_http_request){
		.struct_size = sizeof req,
		.method = "POST",
		.url = c->ep.url,
		.headers = (const char *const *)hs.h,
		.body = f->buf,
		.body_len = f->len,
		.max_response = max_response,
		.timeout_ms = c->timeout_ms,
		.retryable = aws_retryable,
	};
	h = host->http_start(c->inst, &req, done, arg, err, errlen);
	aws_query_headers_free(&hs);
	return h;
}

/* s on one line, at most 200 bytes of it. */
static void call_line(char *why, size_t whylen, const char *s)
{
	snprintf(why, whylen, "%.200s", s);
	for (char *p = why; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
}

int aws_ec2_call_why(const struct scaled_http_response *res, int rc, const char *reason,
		     char *why, size_t whylen)
{
	if (rc == 0 && !res->error)
		return 0;
	if (rc == -EREMOTEIO) {
		snprintf(why, whylen, "%s", reason); /* AWS's own words */
		return -1;
	}
	if (res->error) {
		/* an error answer the reader did not take for one (moto's
		 * <ErrorResponse><Errors>), else the client's reason */
		if (aws_ec2_answer_error(res->body, res->body_len, why, whylen) < 0)
			call_line(why, whylen, res->error);
		return -1;
	}
	snprintf(why, whylen, "%s", rc == -ENOMEM ? "out of memory" : reason);
	return -1;
}
