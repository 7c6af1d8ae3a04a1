/*
 * test_aws_retry.c - which AWS answers are tried again (aws_retry.c): the
 * HTTP statuses, AWS's throttling codes in each protocol's error shape, and
 * error answers that must not be retried or that are garbage.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "aws_retry.h"

static int retry(long status, const char *body)
{
	return aws_retryable(NULL, status, body, body ? strlen(body) : 0);
}

static void statuses(void **st)
{
	(void)st;
	assert_true(retry(429, ""));
	assert_true(retry(500, ""));
	assert_true(retry(503, "<html>busy</html>"));
	assert_false(retry(501, ""));
	assert_false(retry(200, ""));
	assert_false(retry(404, ""));
	assert_false(retry(400, ""));
	assert_false(retry(400, NULL));
}

static void throttling_in_each_shape(void **st)
{
	(void)st;
	/* Auto Scaling / CloudWatch (Query API) */
	assert_true(retry(400, "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling"
			       "</Code><Message>Rate exceeded</Message></Error></ErrorResponse>"));
	/* EC2 */
	assert_true(retry(503, "<Response><Errors><Error><Code>RequestLimitExceeded</Code>"
			       "<Message>Request limit exceeded.</Message></Error></Errors>"
			       "</Response>"));
	assert_true(retry(400, "<Response><Errors><Error><Code>RequestLimitExceeded</Code>"
			       "<Message>Request limit exceeded.</Message></Error></Errors>"
			       "</Response>"));
	/* JSON 1.0/1.1 (SQS, ECS), with and without a namespace */
	assert_true(retry(400, "{\"__type\":\"com.amazonaws.ecs#ThrottlingException\","
			       "\"message\":\"Rate exceeded\"}"));
	assert_true(retry(400, "{\"__type\":\"ThrottlingException\"}"));
	/* XML after white space */
	assert_true(retry(400, "\n <ErrorResponse><Error><Code>Throttling</Code></Error>"
			       "</ErrorResponse>"));
	assert_true(retry(403, "{\"code\":\"SlowDown\",\"message\":\"x\"}"));
}

static void other_errors_are_final(void **st)
{
	(void)st;
	assert_false(retry(400, "<ErrorResponse><Error><Code>ValidationError</Code>"
				"<Message>bad</Message></Error></ErrorResponse>"));
	assert_false(retry(401, "<Response><Errors><Error><Code>AuthFailure</Code>"
				"</Error></Errors></Response>"));
	assert_false(retry(400, "{\"__type\":\"com.amazonaws.sqs#QueueDoesNotExist\"}"));
	/* a code that only starts like a throttling one */
	assert_false(retry(400, "{\"__type\":\"ThrottlingExceptionNot\"}"));
	assert_false(retry(400, "{\"__type\":\"Throttl\"}"));
}

static void garbage_is_final(void **st)
{
	(void)st;
	assert_false(retry(400, "Throttling"));
	assert_false(retry(400, "<ErrorResponse><Error><Code>Throttling"));
	assert_false(retry(400, "{\"__type\":"));
	assert_false(retry(400, "{\"__type\":42}"));
	assert_false(retry(400, "[\"Throttling\"]"));
	assert_false(retry(400, "<!DOCTYPE x [<!ENTITY a \"Throttling\">]><x>&a;</x>"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(statuses),
		cmocka_unit_test(throttling_in_each_shape),
		cmocka_unit_test(other_errors_are_final),
		cmocka_unit_test(garbage_is_final),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
