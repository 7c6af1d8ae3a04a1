/*
 * test_aws_call.c - aws_call.h without the network: the request each kind
 * hands the host (signed, the client's timeout, aws_retryable, the kind's
 * max_response) through a fake host table, and aws_client_why on AWS's
 * error answers in each of their shapes and on the HTTP client's reasons.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws_call.h"
#include "aws_plugin.h"
#include "aws_retry.h"

static struct scaled_http_request seen;
static char seen_headers[1024], seen_body[512];
static int starts;

static int64_t f_now(struct scaled_instance *inst)
{
	(void)inst;
	return 1714564800000; /* 2024-05-01T12:00:00Z */
}

static void *f_start(struct scaled_instance *inst, const struct scaled_http_request *r,
		     scaled_http_done done, void *arg, char *err, size_t errlen)
{
	size_t n = 0;

	(void)inst, (void)done, (void)arg, (void)err, (void)errlen;
	seen = *r;
	seen_headers[0] = '\0';
	for (const char *const *h = r->headers; h && *h; h++)
		n += (size_t)snprintf(seen_headers + n, sizeof seen_headers - n, "%s\n", *h);
	snprintf(seen_body, sizeof seen_body, "%.*s", (int)r->body_len, (const char *)r->body);
	starts++;
	return &seen;
}

static const struct scaled_host fake = {
	.struct_size = sizeof fake,
	.now_ms = f_now,
	.http_start = f_start,
};

static void noop(void *arg, const struct scaled_http_response *res)
{
	(void)arg, (void)res;
}

/* A client of service with static keys, at http://127.0.0.1:5000. */
static void client(struct aws_client *c, const char *service)
{
	char err[128];

	aws_client_init(c, NULL, service, "Action");
	c->creds.kind = AWS_CREDS_STATIC;
	c->creds.access_key_id = strdup("AKIDEXAMPLE");
	c->creds.secret_access_key = strdup("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
	c->region = strdup("us-east-1");
	c->timeout_ms = 1500;
	assert_int_equal(aws_endpoint_parse("http://127.0.0.1:5000", &c->ep, err, sizeof err), 0);
}

static void test_query(void **state)
{
	struct aws_client c;
	struct aws_form f = { 0 };
	char err[128];

	(void)state;
	aws_host = &fake;
	client(&c, "ec2");
	aws_form_add(&f, "Action", "DescribeSpotPriceHistory");
	aws_form_add(&f, "Version", "2016-11-15");
	assert_ptr_equal(aws_client_call_query(&c, &f, 4u << 20, noop, NULL, err, sizeof err),
			 &seen);
	assert_string_equal(seen.method, "POST");
	assert_string_equal(seen.url, "http://127.0.0.1:5000");
	assert_string_equal(seen_body, "Action=DescribeSpotPriceHistory&Version=2016-11-15");
	assert_int_equal(seen.max_response, 4u << 20);
	assert_int_equal(seen.timeout_ms, 1500);
	assert_ptr_equal(seen.retryable, aws_retryable);
	assert_non_null(strstr(seen_headers, "Authorization: AWS4-HMAC-SHA256 Credential="
				"AKIDEXAMPLE/20240501/us-east-1/ec2/aws4_request"));
	assert_non_null(strstr(seen_headers, "X-Amz-Date: 20240501T120000Z"));
	assert_null(strstr(seen_headers, "wJalrXUtnFEMI"));
	aws_form_free(&f);

	/* a form whose allocation failed is not sent */
	f.failed = 1;
	starts = 0;
	assert_null(aws_client_call_query(&c, &f, 1, noop, NULL, err, sizeof err));
	assert_string_equal(err, "out of memory");
	assert_int_equal(starts, 0);
	aws_client_clear(&c);
}

static void test_json(void **state)
{
	struct aws_client c;
	const char *body = "{\"QueueUrl\":\"q\"}";
	char err[128];

	(void)state;
	aws_host = &fake;
	client(&c, "sqs");
	assert_non_null(aws_client_call_json(&c, "application/x-amz-json-1.0",
					     "AmazonSQS.GetQueueAttributes", body, strlen(body),
					     64u << 10, noop, NULL, err, sizeof err));
	assert_string_equal(seen_body, body);
	assert_int_equal(seen.max_response, 64u << 10);
	assert_int_equal(seen.timeout_ms, 1500);
	assert_ptr_equal(seen.retryable, aws_retryable);
	assert_non_null(strstr(seen_headers, "Content-Type: application/x-amz-json-1.0\n"));
	assert_non_null(strstr(seen_headers, "X-Amz-Target: AmazonSQS.GetQueueAttributes\n"));
	assert_non_null(strstr(seen_headers, "/us-east-1/sqs/aws4_request"));
	aws_client_clear(&c);
}

static int why_of(long status, const char *error, const char *body, char *why, size_t whylen)
{
	struct scaled_http_response res = {
		.struct_size = sizeof res, .status = status, .body = body,
		.body_len = strlen(body), .error = error,
	};

	why[0] = '\0';
	return aws_client_why(&res, why, whylen);
}

static void test_why(void **state)
{
	char why[512], reason[400], want[256];

	(void)state;
	/* AWS's answers, each shape */
	assert_int_equal(why_of(400, "HTTP 400", "<ErrorResponse><Error><Type>Sender</Type>"
				"<Code>ValidationError</Code><Message>no\ngroup</Message></Error>"
				"</ErrorResponse>", why, sizeof why), -EREMOTEIO);
	assert_string_equal(why, "ValidationError: no group");
	assert_int_equal(why_of(400, "HTTP 400", "<Response><Errors><Error><Code>AuthFailure"
				"</Code><Message>denied</Message></Error></Errors></Response>",
				why, sizeof why), -EREMOTEIO);
	assert_string_equal(why, "AuthFailure: denied");
	assert_int_equal(why_of(403, "HTTP 403", "<ErrorResponse><Errors><Error><Code>"
				"SignatureDoesNotMatch</Code><Message>bad\n\nThe Canonical String "
				"for this request should have been\nPOST</Message></Error></Errors>"
				"</ErrorResponse>", why, sizeof why), -EREMOTEIO);
	assert_string_equal(why, "SignatureDoesNotMatch: bad");
	assert_int_equal(why_of(400, "HTTP 400", "{\"__type\":\"com.amazonaws.sqs#QueueDoesNotExist"
				"\",\"message\":\"gone\"}", why, sizeof why), -EREMOTEIO);
	assert_string_equal(why, "QueueDoesNotExist: gone");
	/* the JSON kinds ask of a 2xx answer too */
	assert_int_equal(why_of(200, NULL, "{\"__type\":\"Throttling\"}", why, sizeof why),
			 -EREMOTEIO);
	assert_string_equal(why, "Throttling");

	/* not AWS's: the client's reason, 200 bytes of it, on one line */
	assert_int_equal(why_of(502, "HTTP 502: <html>\r\n<body>bad gateway</body>",
				"<html>\r\n<body>bad gateway</body>", why, sizeof why), -EIO);
	assert_string_equal(why, "HTTP 502: <html>  <body>bad gateway</body>");
	assert_int_equal(why_of(0, "Operation timed out after 500 milliseconds", "", why,
				sizeof why), -EIO);
	assert_string_equal(why, "Operation timed out after 500 milliseconds");
	memset(reason, 'x', sizeof reason - 1);
	reason[sizeof reason - 1] = '\0';
	assert_int_equal(why_of(0, reason, "", why, sizeof why), -EIO);
	snprintf(want, sizeof want, "%.200s", reason);
	assert_string_equal(why, want);
	assert_int_equal(why_of(500, NULL, "", why, sizeof why), -EIO);
	assert_string_equal(why, "HTTP 500");
	assert_int_equal(why_of(200, NULL, "<html>welcome</html>", why, sizeof why), 0);
	assert_int_equal(why_of(200, NULL, "{\"Attributes\":{}}", why, sizeof why), 0);
	assert_int_equal(why_of(200, NULL, "", why, sizeof why), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_why),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
