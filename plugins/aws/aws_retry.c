/*
 * aws_retry.c - AWS's retryable answers (aws_retry.h). The throttling codes
 * are those the AWS SDKs retry as throttling (their retry-behavior
 * documentation): the Throttling, ThrottlingException,
 * RequestLimitExceeded, SlowDown, and the service-specific spellings.
 */
#include "aws_retry.h"

#include <string.h>

#include "aws_answers.h"
#include "aws_json.h"

static const char *const throttling_codes[] = {
	"Throttling",
	"ThrottlingException",
	"ThrottledException",
	"RequestThrottledException",
	"TooManyRequestsException",
	"ProvisionedThroughputExceededException",
	"TransactionInProgressException",
	"RequestLimitExceeded",
	"BandwidthLimitExceeded",
	"LimitExceededException",
	"RequestThrottled",
	"SlowDown",
	"PriorRequestNotComplete",
	"EC2ThrottledException",
	NULL,
};

int aws_retry_throttling_code(const char *code)
{
	size_t i;

	for (i = 0; throttling_codes[i]; i++)
		if (strcmp(code, throttling_codes[i]) == 0)
			return 1;
	return 0;
}

int aws_retryable(void *arg, long status, const char *body, size_t len)
{
	struct aws_error_answer a;
	char why[256];
	int again;

	(void)arg;
	if (status == 429 || (status >= 500 && status <= 599 && status != 501))
		return 1;
	if (status < 400 || !body || !len)
		return 0;
	if (aws_json_is_xml(body, len)) { /* the Query API's two shapes (EC2's, the others') */
		if (aws_answers_error(body, len, &a, why, sizeof why) < 0)
			return 0;
		again = aws_retry_throttling_code(a.code);
		aws_answers_error_free(&a);
		return again;
	}
	if (aws_json_error(body, len, why, sizeof why) < 0)
		return 0;
	why[strcspn(why, ":")] = '\0'; /* "Code: message" */
	return aws_retry_throttling_code(why);
}
