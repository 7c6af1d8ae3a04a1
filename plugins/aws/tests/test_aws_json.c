/*
 * test_aws_json.c - the JSON protocol's answers without the network: AWS's
 * error forms (JSON __type/message, Code/Message, moto's XML
 * ErrorResponse) and SQS's GetQueueAttributes counts, each fed garbage.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "aws_json.h"
#include "aws_values.h"
#include "aws_sqs_answer.h"

static int err_of(const char *doc, char *why, size_t whylen)
{
	why[0] = '\0';
	return aws_json_error(doc, strlen(doc), why, whylen);
}

static void test_errors(void **state)
{
	char why[128];

	(void)state;
	assert_int_equal(err_of("{\"__type\":\"com.amazonaws.sqs#QueueDoesNotExist\","
				"\"message\":\"The specified queue does not exist.\"}", why,
				sizeof why), 0);
	assert_string_equal(why, "QueueDoesNotExist: The specified queue does not exist.");
	assert_int_equal(err_of("{\"Code\":\"Throttling\",\"Message\":\"Rate\\nexceeded\"}", why,
				sizeof why), 0);
	assert_string_equal(why, "Throttling: Rate exceeded"); /* control bytes made spaces */
	assert_int_equal(err_of("{\"code\":\"AccessDenied\"}", why, sizeof why), 0);
	assert_string_equal(why, "AccessDenied");
	assert_int_equal(err_of("<ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch</Code>"
				"<Message>bad signature</Message></Error></Errors></ErrorResponse>",
				why, sizeof why), 0);
	assert_string_equal(why, "SignatureDoesNotMatch: bad signature");
	/* not an error answer: said so, nothing made up */
	assert_int_equal(err_of("", why, sizeof why), -EBADMSG);
	assert_int_equal(err_of("{\"message\":\"no code\"}", why, sizeof why), -EBADMSG);
	assert_int_equal(err_of("[1,2]", why, sizeof why), -EBADMSG);
	assert_int_equal(err_of("{\"__type\":", why, sizeof why), -EBADMSG);
	assert_int_equal(err_of("<html>502 Bad Gateway", why, sizeof why), -EBADMSG);
	assert_int_equal(err_of("<!DOCTYPE x [<!ENTITY a \"b\">]><ErrorResponse/>", why,
				sizeof why), -EBADMSG);
}

static int counts_of(const char *doc, double out[3], char *why, size_t whylen)
{
	why[0] = '\0';
	return aws_sqs_counts(doc, strlen(doc), out, why, whylen);
}

/* AWS's SignatureDoesNotMatch quotes the canonical request it expected,
 * signed headers and all, an X-Amz-Security-Token among them: the message
 * is cut before that, in JSON, in moto's XML, in the Query API's XML, and
 * in whatever reaches aws_values_clean. */
#define SIG_MSG "The request signature we calculated does not match the signature you " \
	"provided. Check your AWS Secret Access Key and signing method. Consult the service " \
	"documentation for details."
#define SIG_DETAILS "\n\nThe Canonical String for this request should have been\n'POST\n/\n" \
	"\ncontent-type:application/x-amz-json-1.0\nhost:sqs.us-east-1.amazonaws.com\n" \
	"x-amz-date:20261203T120000Z\nx-amz-security-token:FwoGZXIvYXdzEXAMPLETOKENSECRET\n'" \
	"\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n20261203T120000Z\n...'\n"

static void test_signature_details(void **state)
{
	static const char json[] = "{\"__type\":\"com.amazonaws.sqs#SignatureDoesNotMatch\","
				   "\"message\":\"" SIG_MSG "\\n\\nThe Canonical String for this "
				   "request should have been\\n'POST\\n/\\n\\nx-amz-security-token:"
				   "FwoGZXIvYXdzEXAMPLETOKENSECRET\\n'\"}";
	static const char xml[] = "<ErrorResponse><Error><Type>Sender</Type><Code>"
				  "SignatureDoesNotMatch</Code><Message>" SIG_MSG SIG_DETAILS
				  "</Message></Error><RequestId>r</RequestId></ErrorResponse>";
	char why[2048], text[2048];

	(void)state;
	assert_int_equal(aws_json_error(json, sizeof json - 1, why, sizeof why), 0);
	assert_string_equal(why, "SignatureDoesNotMatch: " SIG_MSG);
	assert_int_equal(aws_json_error(xml, sizeof xml - 1, why, sizeof why), 0);
	assert_string_equal(why, "SignatureDoesNotMatch: " SIG_MSG);
	/* already flattened to one line, the marker still cuts */
	snprintf(text, sizeof text, "%s", "Code: " SIG_MSG " The Canonical String for this request "
		 "should have been 'x-amz-security-token:FwoGZXIvYXdzEXAMPLETOKENSECRET'");
	aws_values_clean(text);
	assert_string_equal(text, "Code: " SIG_MSG);
	assert_null(strstr(why, "EXAMPLETOKEN"));
}

static void test_counts(void **state)
{
	static const struct {
		const char *doc, *why;
	} bad[] = {
		{ "", "the answer is not a JSON object (0 bytes)" },
		{ "{\"Attributes\":", "the answer is not a JSON object (14 bytes)" },
		{ "[]", "the answer is not a JSON object (2 bytes)" },
		{ "{}", "the answer has no Attributes object" },
		{ "{\"Attributes\":[1]}", "the answer has no Attributes object" },
		{ "{\"Attributes\":{\"ApproximateNumberOfMessages\":\"1\","
		  "\"ApproximateNumberOfMessagesNotVisible\":\"0\"}}",
		  "the answer has no ApproximateNumberOfMessagesDelayed" },
		{ "{\"Attributes\":{\"ApproximateNumberOfMessages\":\"-1\"}}",
		  "ApproximateNumberOfMessages is not a count: want a whole number of messages" },
		{ "{\"Attributes\":{\"ApproximateNumberOfMessages\":\"12a\"}}",
		  "ApproximateNumberOfMessages is not a count: want a whole number of messages" },
		{ "{\"Attributes\":{\"ApproximateNumberOfMessages\":1.5}}",
		  "ApproximateNumberOfMessages is not a count: want a whole number of messages" },
		{ "{\"Attributes\":{\"ApproximateNumberOfMessages\":\"9999999999999999\"}}",
		  "ApproximateNumberOfMessages is not a count: want a whole number of messages" },
		{ "{\"Attributes\":{\"ApproximateNumberOfMessages\":true}}",
		  "ApproximateNumberOfMessages is not a count: want a whole number of messages" },
	};
	double out[3] = { -1, -1, -1 };
	char why[160];
	size_t i;

	(void)state;
	assert_int_equal(counts_of("{\"Attributes\":{\"ApproximateNumberOfMessages\":\"2\","
				   "\"ApproximateNumberOfMessagesNotVisible\":1,"
				   "\"ApproximateNumberOfMessagesDelayed\":\"0\"}}",
				   out, why, sizeof why), 0);
	assert_true(out[0] == 2 && out[1] == 1 && out[2] == 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(counts_of(bad[i].doc, out, why, sizeof why), -EBADMSG);
		assert_string_equal(why, bad[i].why);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_signature_details),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
