/*
 * test_aws_ecs.c - ECS's answers without the network (aws_ecs_answer.c):
 * DescribeServices and UpdateService answers shaped as ECS sends them (the
 * members of botocore's ecs 2014-11-13 model, as moto 5 and AWS's
 * documentation show them), a missing service, one being deleted or gone,
 * and garbage: empty, truncated, arrays, HTML, XML, wrong types, counts
 * negative, fractional, huge, boolean, as strings, missing.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "aws_ecs_answer.h"

/* A Service object with these status and counts (text spliced in). */
#define SVC(status, desired, running, pending)                                           \
	"{\"serviceArn\":\"arn:aws:ecs:us-east-1:123456789012:service/gpu/workers\","     \
	"\"serviceName\":\"workers\","                                                    \
	"\"clusterArn\":\"arn:aws:ecs:us-east-1:123456789012:cluster/gpu\","              \
	"\"loadBalancers\":[],\"status\":\"" status "\",\"desiredCount\":" desired ","    \
	"\"runningCount\":" running ",\"pendingCount\":" pending ",\"launchType\":\"EC2\"," \
	"\"taskDefinition\":\"arn:aws:ecs:us-east-1:123456789012:task-definition/infer:1\"," \
	"\"deployments\":[{\"id\":\"ecs-svc/6171\",\"status\":\"PRIMARY\","               \
	"\"desiredCount\":1,\"pendingCount\":1,\"runningCount\":0,\"failedTasks\":0,"     \
	"\"createdAt\":1.7963148E9,\"rolloutState\":\"IN_PROGRESS\"}],"                    \
	"\"events\":[{\"id\":\"e1\",\"createdAt\":1.7963148E9,\"message\":\"(service "    \
	"workers) has reached a steady state.\"}],\"schedulingStrategy\":\"REPLICA\"}"

static int describe(const char *doc, const char *name, struct aws_ecs_service *s, char *why,
		    size_t whylen)
{
	why[0] = '\0';
	memset(s, 0xff, sizeof *s);
	return aws_ecs_describe(doc, strlen(doc), name, s, why, whylen);
}

static void test_describe(void **state)
{
	struct aws_ecs_service s;
	char why[256];

	(void)state;
	assert_int_equal(describe("{\"services\":[" SVC("ACTIVE", "3", "2", "1") "],"
				  "\"failures\":[]}", "workers", &s, why, sizeof why), 0);
	assert_int_equal(s.desired, 3);
	assert_int_equal(s.running, 2);
	assert_int_equal(s.pending, 1);
	/* no failures member at all; an ARN given (name not checked) */
	assert_int_equal(describe("{\"services\":[" SVC("ACTIVE", "0", "0", "0") "]}", NULL, &s,
				  why, sizeof why), 0);
	assert_int_equal(s.desired, 0);
	/* the largest count there is */
	assert_int_equal(describe("{\"services\":[" SVC("ACTIVE", "2147483647", "0", "0") "]}",
				  NULL, &s, why, sizeof why), 0);
	assert_int_equal(s.desired, 2147483647);
}

static void test_missing_and_gone(void **state)
{
	struct aws_ecs_service s;
	char why[256];

	(void)state;
	assert_int_equal(describe("{\"services\":[],\"failures\":[{\"arn\":\"arn:aws:ecs:"
				  "us-east-1:123456789012:service/nope\",\"reason\":\"MISSING\"}]}",
				  "nope", &s, why, sizeof why), -ENOENT);
	assert_string_equal(why, "arn:aws:ecs:us-east-1:123456789012:service/nope: MISSING "
			    "(no such service in this cluster)");
	assert_int_equal(describe("{\"services\":[],\"failures\":[{\"arn\":\"x\",\"reason\":"
				  "\"ACCESS_DENIED\",\"detail\":\"not\\nyours\"}]}", "x", &s, why,
				  sizeof why), -ENOENT);
	assert_string_equal(why, "x: ACCESS_DENIED (not yours)"); /* control bytes made spaces */
	assert_int_equal(describe("{\"failures\":[{}]}", "x", &s, why, sizeof why), -ENOENT);
	assert_string_equal(why, "the service: a failure without a reason");
	assert_int_equal(describe("{\"services\":[" SVC("DRAINING", "3", "2", "1") "]}", "workers",
				  &s, why, sizeof why), -ENOENT);
	assert_string_equal(why, "the service is DRAINING (being deleted), not ACTIVE: nothing to "
			    "scale");
	assert_int_equal(describe("{\"services\":[" SVC("INACTIVE", "3", "2", "1") "]}", "workers",
				  &s, why, sizeof why), -ENOENT);
	assert_string_equal(why, "the service is INACTIVE (deleted), not ACTIVE: nothing to scale");
	assert_int_equal(describe("{\"services\":[" SVC("PAUSED\\u0007", "3", "2", "1") "]}",
				  "workers", &s, why, sizeof why), -ENOENT);
	assert_string_equal(why, "the service is PAUSED , not ACTIVE: nothing to scale");
}

static void test_garbage(void **state)
{
	static const struct {
		const char *doc, *why;
	} bad[] = {
		{ "", "the answer is not a JSON object (0 bytes)" },
		{ "{\"services\":[", "the answer is not a JSON object (13 bytes)" },
		{ "[]", "the answer is not a JSON object (2 bytes)" },
		{ "null", "the answer is not a JSON object (4 bytes)" },
		{ "<html><body>502 Bad Gateway</body></html>",
		  "the answer is not a JSON object (41 bytes)" },
		{ "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]><x>&a;</x>",
		  "the answer is not a JSON object (61 bytes)" },
		{ "{}", "the answer has no services array" },
		{ "{\"services\":{}}", "the answer has no services array" },
		{ "{\"services\":[],\"failures\":\"MISSING\"}", "the answer's failures is not an "
		  "array" },
		{ "{\"services\":[]}", "the answer has 0 services and no failure, want one service" },
		{ "{\"services\":[" SVC("ACTIVE", "1", "1", "0") "," SVC("ACTIVE", "1", "1", "0") "]}",
		  "the answer has 2 services and no failure, want one service" },
		{ "{\"services\":[7]}", "the service is not a JSON object" },
		{ "{\"services\":[{\"serviceName\":\"other\",\"status\":\"ACTIVE\"}]}",
		  "the answer is about service \"other\", not \"workers\"" },
		{ "{\"services\":[{\"status\":\"ACTIVE\"}]}",
		  "the answer is about service \"(no serviceName)\", not \"workers\"" },
		{ "{\"services\":[{\"serviceName\":\"workers\",\"desiredCount\":1}]}",
		  "the service has no status" },
		{ "{\"services\":[{\"serviceName\":\"workers\",\"status\":1}]}",
		  "the service has no status" },
		{ "{\"services\":[{\"serviceName\":\"workers\",\"status\":\"ACTIVE\"}]}",
		  "the service has no desiredCount" },
		{ "{\"services\":[" SVC("ACTIVE", "-1", "0", "0") "]}",
		  "the service's desiredCount is not a count: want a whole number from 0 to "
		  "2147483647" },
		{ "{\"services\":[" SVC("ACTIVE", "1.5", "0", "0") "]}",
		  "the service's desiredCount is not a count: want a whole number from 0 to "
		  "2147483647" },
		{ "{\"services\":[" SVC("ACTIVE", "2147483648", "0", "0") "]}",
		  "the service's desiredCount is not a count: want a whole number from 0 to "
		  "2147483647" },
		{ "{\"services\":[" SVC("ACTIVE", "1e300", "0", "0") "]}",
		  "the service's desiredCount is not a count: want a whole number from 0 to "
		  "2147483647" },
		{ "{\"services\":[" SVC("ACTIVE", "1", "true", "0") "]}",
		  "the service's runningCount is not a count: want a whole number from 0 to "
		  "2147483647" },
		{ "{\"services\":[" SVC("ACTIVE", "1", "1", "\"2\"") "]}",
		  "the service's pendingCount is not a count: want a whole number from 0 to "
		  "2147483647" },
		{ "{\"services\":[" SVC("ACTIVE", "1", "1", "null") "]}",
		  "the service's pendingCount is not a count: want a whole number from 0 to "
		  "2147483647" },
	};
	struct aws_ecs_service s;
	char why[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(describe(bad[i].doc, "workers", &s, why, sizeof why), -EBADMSG);
		assert_string_equal(why, bad[i].why);
	}
	/* not NUL-terminated: only len bytes are read */
	assert_int_equal(aws_ecs_describe("{}garbage", 2, "x", &s, why, sizeof why), -EBADMSG);
	assert_string_equal(why, "the answer has no services array");
	/* a message cut to the room given, still terminated */
	assert_int_equal(describe("{\"services\":[]}", "w", &s, why, 10), -EBADMSG);
	assert_string_equal(why, "the answe");
}

static void test_updated(void **state)
{
	struct aws_ecs_service s;
	char why[256];

	(void)state;
	why[0] = '\0';
	assert_int_equal(aws_ecs_updated("{\"service\":" SVC("ACTIVE", "4", "3", "1") "}",
					 strlen("{\"service\":" SVC("ACTIVE", "4", "3", "1") "}"),
					 "workers", &s, why, sizeof why), 0);
	assert_int_equal(s.desired, 4);
	assert_int_equal(s.running, 3);
	assert_int_equal(s.pending, 1);
	assert_int_equal(aws_ecs_updated("{}", 2, "workers", &s, why, sizeof why), -EBADMSG);
	assert_string_equal(why, "the answer has no service");
	assert_int_equal(aws_ecs_updated("{\"service\":[]}", 14, "workers", &s, why, sizeof why),
			 -EBADMSG);
	assert_string_equal(why, "the service is not a JSON object");
	assert_int_equal(aws_ecs_updated("{\"service\":", 11, "workers", &s, why, sizeof why),
			 -EBADMSG);
	assert_string_equal(why, "the answer is not a JSON object (11 bytes)");
	assert_int_equal(aws_ecs_updated("{\"service\":" SVC("DRAINING", "4", "3", "1") "}",
					 strlen("{\"service\":" SVC("DRAINING", "4", "3", "1") "}"),
					 NULL, &s, why, sizeof why), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_missing_and_gone),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_updated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
