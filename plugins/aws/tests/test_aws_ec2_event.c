/*
 * test_aws_ec2_event.c - what aws.interruptions reads, without the network:
 * EventBridge's EC2 events as AWS's EC2 user guide shows them (the two
 * events of interest, and another that is not), the payload handed to
 * policies, SQS's ReceiveMessage / DeleteMessageBatch bodies and answers
 * (botocore's sqs model); each reader fed garbage.
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

#include "aws_ec2_event.h"
#include "aws_sqs_batch.h"

/* The guide's examples, with its placeholders (time, action) filled in. */
static const char interruption[] =
	"{\n"
	"    \"version\": \"0\",\n"
	"    \"id\": \"12345678-1234-1234-1234-123456789012\",\n"
	"    \"detail-type\": \"EC2 Spot Instance Interruption Warning\",\n"
	"    \"source\": \"aws.ec2\",\n"
	"    \"account\": \"123456789012\",\n"
	"    \"time\": \"2024-05-01T12:00:00Z\",\n"
	"    \"region\": \"us-east-2\",\n"
	"    \"resources\": [\"arn:aws:ec2:us-east-2a:instance/i-1234567890abcdef0\"],\n"
	"    \"detail\": {\n"
	"        \"instance-id\": \"i-1234567890abcdef0\",\n"
	"        \"instance-action\": \"terminate\"\n"
	"    }\n"
	"}\n";

static const char rebalance[] =
	"{\"version\": \"0\", \"id\": \"12345678-1234-1234-1234-123456789013\", "
	"\"detail-type\": \"EC2 Instance Rebalance Recommendation\", \"source\": \"aws.ec2\", "
	"\"account\": \"123456789012\", \"time\": \"2024-05-01T11:58:30.250Z\", "
	"\"region\": \"us-east-2\", "
	"\"resources\": [\"arn:aws:ec2:us-east-2:123456789012:instance/i-1234567890abcdef0\"], "
	"\"detail\": {\"instance-id\": \"i-1234567890abcdef0\"}}";

static const char state_change[] =
	"{\"version\":\"0\",\"id\":\"7bf73129-1428-4cd3-a780-95db273d1602\","
	"\"detail-type\":\"EC2 Instance State-change Notification\",\"source\":\"aws.ec2\","
	"\"account\":\"123456789012\",\"time\":\"2021-11-11T21:29:54Z\",\"region\":\"us-east-1\","
	"\"resources\":[\"arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111\"],"
	"\"detail\":{\"instance-id\":\"i-abcd1111\",\"state\":\"pending\"}}";

static int read_ev(const char *body, struct aws_ec2_event *ev, char *why, size_t whylen)
{
	why[0] = '\0';
	return aws_ec2_event_read(body, strlen(body), ev, why, whylen);
}

static void test_events(void **state)
{
	struct aws_ec2_event ev;
	char why[256], *p;

	(void)state;
	assert_int_equal(read_ev(interruption, &ev, why, sizeof why), 0);
	assert_int_equal(ev.kind, AWS_EC2_INTERRUPTION);
	assert_string_equal(aws_ec2_event_name(ev.kind), "spot_interruption");
	assert_string_equal(ev.instance_id, "i-1234567890abcdef0");
	assert_string_equal(ev.action, "terminate");
	assert_string_equal(ev.region, "us-east-2");
	assert_string_equal(ev.account, "123456789012");
	assert_string_equal(ev.id, "12345678-1234-1234-1234-123456789012");
	assert_int_equal(ev.time_ms, 1714564800000LL);
	p = aws_ec2_event_payload(&ev);
	assert_string_equal(p, "{\"instance_id\":\"i-1234567890abcdef0\",\"instance_action\":"
			    "\"terminate\",\"time\":\"2024-05-01T12:00:00Z\",\"time_s\":1714564800,"
			    "\"region\":\"us-east-2\",\"account\":\"123456789012\",\"id\":"
			    "\"12345678-1234-1234-1234-123456789012\",\"detail_type\":"
			    "\"EC2 Spot Instance Interruption Warning\"}");
	free(p);

	assert_int_equal(read_ev(rebalance, &ev, why, sizeof why), 0);
	assert_int_equal(ev.kind, AWS_EC2_REBALANCE);
	assert_string_equal(aws_ec2_event_name(ev.kind), "rebalance_recommendation");
	assert_string_equal(ev.action, "");
	assert_int_equal(ev.time_ms, 1714564710250LL);
	p = aws_ec2_event_payload(&ev);
	assert_non_null(strstr(p, "\"time_s\":1714564710.25,"));
	assert_null(strstr(p, "instance_action"));
	free(p);

	/* another event of EC2, or not of EC2 at all: read, not ours */
	assert_int_equal(read_ev(state_change, &ev, why, sizeof why), 0);
	assert_int_equal(ev.kind, AWS_EC2_OTHER);
	assert_null(aws_ec2_event_name(ev.kind));
	assert_string_equal(ev.detail_type, "EC2 Instance State-change Notification");
	assert_int_equal(read_ev("{\"version\":\"0\",\"id\":\"x\",\"detail-type\":"
				 "\"EC2 Spot Instance Interruption Warning\",\"source\":\"my.app\","
				 "\"account\":\"123456789012\",\"time\":\"2024-05-01T12:00:00Z\","
				 "\"region\":\"us-east-1\",\"detail\":{}}", &ev, why, sizeof why), 0);
	assert_int_equal(ev.kind, AWS_EC2_OTHER);
	/* 8-digit ids of older instances, and the other actions */
	assert_int_equal(read_ev("{\"version\":\"0\",\"id\":\"x\",\"detail-type\":"
				 "\"EC2 Spot Instance Interruption Warning\",\"source\":\"aws.ec2\","
				 "\"account\":\"123456789012\",\"time\":\"2024-05-01T12:00:00+02:00\","
				 "\"region\":\"eu-west-1\",\"detail\":{\"instance-id\":\"i-0abc1234\","
				 "\"instance-action\":\"hibernate\"}}", &ev, why, sizeof why), 0);
	assert_string_equal(ev.action, "hibernate");
	assert_int_equal(ev.time_ms, 1714557600000LL);
}

/* interruption with the text `from` replaced by `to`. */
static char *edited(const char *from, const char *to)
{
	const char *at = strstr(interruption, from);
	char *s = NULL;

	assert_non_null(at);
	assert_true(asprintf(&s, "%.*s%s%s", (int)(at - interruption), interruption, to,
			     at + strlen(from)) > 0);
	return s;
}

static void test_garbage(void **state)
{
	static const struct {
		const char *from, *to, *why;
	} edits[] = {
		{ "\"version\": \"0\"", "\"version\": 0", "the event's version is not a string" },
		{ "\"version\": \"0\"", "\"version\": \"1\"", "the event's version \"1\" is not \"0\"" },
		{ "\"id\": \"12345678-1234-1234-1234-123456789012\",", "",
		  "the event has no id" },
		{ "\"source\": \"aws.ec2\"", "\"source\": [\"aws.ec2\"]",
		  "the event's source is not a string" },
		{ "\"account\": \"123456789012\"", "\"account\": \"12345\"",
		  "the event's account \"12345\" is not 12 digits" },
		{ "\"account\": \"123456789012\"", "\"account\": 123456789012",
		  "the event's account is not a string" },
		{ "\"time\": \"2024-05-01T12:00:00Z\"", "\"time\": \"yyyy-mm-ddThh:mm:ssZ\"",
		  "the event's time \"yyyy-mm-ddThh:mm:ssZ\" is not an ISO 8601 time "
		  "(YYYY-MM-DDTHH:MM:SS[.fff][Z|+HH:MM|-HH:MM])" },
		{ "\"time\": \"2024-05-01T12:00:00Z\"", "\"time\": \"2024-02-30T12:00:00Z\"",
		  "the event's time \"2024-02-30T12:00:00Z\" is no such time" },
		{ "\"region\": \"us-east-2\"", "\"region\": \"US East\"",
		  "the event's region \"US East\" is not a region's name" },
		{ "\"region\": \"us-east-2\"", "\"region\": \"\"",
		  "the event's region is empty, over 31 bytes or holds control characters" },
		{ "\"region\": \"us-east-2\"", "\"region\": \"us-\\u0001east\"",
		  "the event's region is empty, over 31 bytes or holds control characters" },
		{ "\"detail\": {", "\"detail\": 1, \"x\": {", "the event has no detail object" },
		{ "\"instance-id\": \"i-1234567890abcdef0\",", "",
		  "the event has no detail.instance-id" },
		{ "i-1234567890abcdef0\",\n        \"instance-action",
		  "i-XYZ\",\n        \"instance-action",
		  "the event's detail.instance-id \"i-XYZ\" is not an instance id" },
		{ "i-1234567890abcdef0\",\n        \"instance-action",
		  "i-1234567890abcdef\",\n        \"instance-action",
		  "the event's detail.instance-id \"i-1234567890abcdef\" is not an instance id" },
		{ "\"instance-action\": \"terminate\"", "\"instance-action\": \"reboot\"",
		  "the event's detail.instance-action \"reboot\" is not terminate, stop or "
		  "hibernate" },
		{ "\"instance-action\": \"terminate\"", "\"instance-action\": 1e999",
		  "the event's detail.instance-action is not a string" },
		{ ",\n        \"instance-action\": \"terminate\"", "",
		  "the event has no detail.instance-action" },
		{ "\"id\": \"12345678", "\"id\": \"1234567812345678123456781234567812345678123456781"
		  "2345678123456781234567812345678",
		  "the event's id is empty, over 79 bytes or holds control characters" },
	};
	static const struct {
		const char *body, *why;
	} bad[] = {
		{ "", "the message is not a JSON object (0 bytes)" },
		{ "{\"version\": \"0\", \"id\":", "the message is not a JSON object (22 bytes)" },
		{ "[]", "the message is not a JSON object (2 bytes)" },
		{ "null", "the message is not a JSON object (4 bytes)" },
		{ "\"a string\"", "the message is not a JSON object (10 bytes)" },
		{ "<html><body>502 Bad Gateway</body></html>",
		  "the message is not a JSON object (41 bytes)" },
		{ "<!DOCTYPE x [<!ENTITY a \"b\">]><x>&a;</x>",
		  "the message is not a JSON object (40 bytes)" },
		{ "{}", "the event has no version" },
		{ "{\"Type\":\"Notification\",\"Message\":\"{}\"}", "the event has no version" },
	};
	struct aws_ec2_event ev;
	char why[256], *big;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof edits / sizeof edits[0]; i++) {
		char *s = edited(edits[i].from, edits[i].to);

		memset(&ev, 0x55, sizeof ev);
		assert_int_equal(read_ev(s, &ev, why, sizeof why), -EBADMSG);
		assert_string_equal(why, edits[i].why);
		assert_int_equal(ev.kind, 0); /* nothing handed back */
		assert_string_equal(ev.instance_id, "");
		free(s);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(read_ev(bad[i].body, &ev, why, sizeof why), -EBADMSG);
		assert_string_equal(why, bad[i].why);
	}
	/* over the limit, even when it is an event padded out */
	big = malloc(AWS_EC2_EVENT_MAX + 2);
	assert_non_null(big);
	memset(big, ' ', AWS_EC2_EVENT_MAX + 1);
	memcpy(big, interruption, strlen(interruption));
	big[AWS_EC2_EVENT_MAX + 1] = '\0';
	assert_int_equal(read_ev(big, &ev, why, sizeof why), -EBADMSG);
	assert_string_equal(why, "the message is 65537 bytes, over 65536: no EC2 event");
	big[AWS_EC2_EVENT_MAX] = '\0';
	assert_int_equal(read_ev(big, &ev, why, sizeof why), 0);
	free(big);
	/* not NUL-terminated: only len bytes are read */
	assert_int_equal(aws_ec2_event_read(interruption, strlen(interruption) - 3, &ev, why,
					    sizeof why), -EBADMSG);
}

static void test_sqs_bodies(void **state)
{
	char *const receipts[] = { (char *)"AQEB1", (char *)"AQEB\"2" };
	char *s;

	(void)state;
	s = aws_sqs_receive_body("http://127.0.0.1:5000/123456789012/q");
	assert_string_equal(s, "{\"QueueUrl\":\"http://127.0.0.1:5000/123456789012/q\","
			    "\"MaxNumberOfMessages\":10,\"WaitTimeSeconds\":0}");
	free(s);
	s = aws_sqs_delete_body("https://q", receipts, 2);
	assert_string_equal(s, "{\"QueueUrl\":\"https://q\",\"Entries\":[{\"Id\":\"m0\","
			    "\"ReceiptHandle\":\"AQEB1\"},{\"Id\":\"m1\",\"ReceiptHandle\":"
			    "\"AQEB\\\"2\"}]}");
	free(s);
	assert_null(aws_sqs_delete_body("https://q", receipts, 0));
	assert_null(aws_sqs_delete_body("https://q", receipts, 11));
}

static int received(const char *doc, struct aws_sqs_received *r, char *why, size_t whylen)
{
	why[0] = '\0';
	return aws_sqs_received_read(doc, strlen(doc), r, why, whylen);
}

static void test_sqs_received(void **state)
{
	static const struct {
		const char *doc, *why;
	} bad[] = {
		{ "", "the answer is not a JSON object (0 bytes)" },
		{ "[]", "the answer is not a JSON object (2 bytes)" },
		{ "{\"Messages\":[", "the answer is not a JSON object (13 bytes)" },
		{ "<html>500</html>", "the answer is not a JSON object (16 bytes)" },
		{ "{\"Messages\":{}}", "the answer's Messages is not a list" },
		{ "{\"Messages\":\"x\"}", "the answer's Messages is not a list" },
		{ "{\"Messages\":[1]}", "message 1 of the answer has no MessageId or ReceiptHandle "
		  "(a string of 1 to 8192 bytes)" },
		{ "{\"Messages\":[{\"MessageId\":\"a\",\"ReceiptHandle\":\"r\",\"Body\":\"b\"},"
		  "{\"MessageId\":\"b\",\"Body\":\"x\"}]}", "message 2 of the answer has no "
		  "MessageId or ReceiptHandle (a string of 1 to 8192 bytes)" },
		{ "{\"Messages\":[{\"MessageId\":\"a\",\"ReceiptHandle\":\"\"}]}", "message 1 of "
		  "the answer has no MessageId or ReceiptHandle (a string of 1 to 8192 bytes)" },
		{ "{\"Messages\":[{\"MessageId\":7,\"ReceiptHandle\":\"r\"}]}", "message 1 of "
		  "the answer has no MessageId or ReceiptHandle (a string of 1 to 8192 bytes)" },
	};
	struct aws_sqs_received r;
	char why[256], eleven[1024];
	size_t i, n;

	(void)state;
	assert_int_equal(received("{}", &r, why, sizeof why), 0);
	assert_int_equal(r.n, 0);
	assert_int_equal(received("{\"Messages\":[]}", &r, why, sizeof why), 0);
	assert_int_equal(r.n, 0);
	assert_int_equal(received("{\"Messages\":null}", &r, why, sizeof why), 0);
	assert_int_equal(r.n, 0);
	/* botocore's shape: MessageId, ReceiptHandle, MD5OfBody, Body, ... */
	assert_int_equal(received("{\"Messages\":[{\"MessageId\":\"5fea7756-0ea4-451a-a703-"
				  "a558b933e274\",\"ReceiptHandle\":\"MbZj6wDWli+JvwwJaBV+3dcjk2YW2"
				  "vA3+STFFljTM8tJJg6HRG6PYSasuWXPJB+Cw\",\"MD5OfBody\":\"fafb00f5732"
				  "ab283681e124bf8747ed1\",\"Body\":\"This is a test message\"},"
				  "{\"MessageId\":\"m2\",\"ReceiptHandle\":\"r2\",\"Body\":7},"
				  "{\"MessageId\":\"m3\",\"ReceiptHandle\":\"r3\"}]}", &r, why,
				  sizeof why), 0);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.m[0].id, "5fea7756-0ea4-451a-a703-a558b933e274");
	assert_string_equal(r.m[0].body, "This is a test message");
	assert_int_equal(r.m[0].body_len, 22);
	assert_string_equal(r.m[1].receipt, "r2");
	assert_null(r.m[1].body); /* not a string: no body, a malformed message */
	assert_null(r.m[2].body);
	aws_sqs_received_free(&r);
	aws_sqs_received_free(&r); /* harmless twice */
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(received(bad[i].doc, &r, why, sizeof why), -EBADMSG);
		assert_string_equal(why, bad[i].why);
		assert_int_equal(r.n, 0);
	}
	n = (size_t)snprintf(eleven, sizeof eleven, "{\"Messages\":[");
	for (i = 0; i < 11; i++)
		n += (size_t)snprintf(eleven + n, sizeof eleven - n, "%s{\"MessageId\":\"%zu\","
				      "\"ReceiptHandle\":\"r\"}", i ? "," : "", i);
	snprintf(eleven + n, sizeof eleven - n, "]}");
	assert_int_equal(received(eleven, &r, why, sizeof why), -EBADMSG);
	assert_string_equal(why, "the answer holds 11 messages, more than the 10 asked for");
}

static int deleted(const char *doc, size_t n, int done[], char *why, size_t whylen)
{
	why[0] = '\0';
	return aws_sqs_deleted_read(doc, strlen(doc), n, done, why, whylen);
}

static void test_sqs_deleted(void **state)
{
	static const char *const bad[] = {
		"", "[]", "{\"Successful\":", "{\"Successful\":{}}", "{\"Failed\":\"x\"}",
		"{\"Successful\":[{\"Id\":\"m7\"}]}", "{\"Successful\":[{\"Id\":\"x1\"}]}",
		"{\"Successful\":[{\"Id\":\"m01\"}]}", "{\"Successful\":[{\"Id\":\"m\"}]}",
		"{\"Successful\":[{\"Id\":\"m-1\"}]}", "{\"Successful\":[{\"Id\":1}]}",
		"{\"Successful\":[{\"Id\":\"m1\"}],\"Failed\":[{\"Id\":\"m1\",\"Code\":\"X\"}]}",
		"{\"Successful\":[{\"Id\":\"m99999999999999999999999\"}]}",
	};
	int done[3];
	char why[256];
	size_t i;

	(void)state;
	assert_int_equal(deleted("{\"Successful\":[{\"Id\":\"m0\"},{\"Id\":\"m2\"},"
				 "{\"Id\":\"m1\"}]}", 3, done, why, sizeof why), 0);
	assert_true(done[0] && done[1] && done[2]);
	assert_int_equal(deleted("{\"Successful\":[{\"Id\":\"m0\"}],\"Failed\":[{\"Id\":\"m1\","
				 "\"SenderFault\":true,\"Code\":\"ReceiptHandleIsInvalid\","
				 "\"Message\":\"The input receipt handle\\nis invalid.\"}]}", 2, done,
				 why, sizeof why), 1);
	assert_true(done[0] && !done[1]);
	assert_string_equal(why, "m1: ReceiptHandleIsInvalid: The input receipt handle is invalid.");
	assert_int_equal(deleted("{}", 2, done, why, sizeof why), 2);
	assert_string_equal(why, "2 entries are in neither Successful nor Failed");
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		done[0] = 1;
		assert_int_equal(deleted(bad[i], 2, done, why, sizeof why), -EBADMSG);
		assert_int_equal(done[0], 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_sqs_bodies),
		cmocka_unit_test(test_sqs_received),
		cmocka_unit_test(test_sqs_deleted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
