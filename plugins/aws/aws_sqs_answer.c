/*
 * aws_sqs_answer.c - SQS's GetQueueAttributes answer (aws_sqs_answer.h).
 */
#include "aws_sqs_answer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

const char *const aws_sqs_attrs[3] = { "ApproximateNumberOfMessages",
				       "ApproximateNumberOfMessagesNotVisible",
				       "ApproximateNumberOfMessagesDelayed" };

/* One attribute: a string of decimal digits (as SQS sends them) or a
 * non-negative whole number. 0 and *out, or -EBADMSG with why. */
static int sqs_count(const cJSON *attrs, const char *name, double *out, char *why,
		     size_t whylen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(attrs, name);
	const char *s;
	char *end;
	unsigned long long n;

	if (!v) {
		snprintf(why, whylen, "the answer has no %s", name);
		return -EBADMSG;
	}
	if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= 1e15 &&
	    v->valuedouble == (double)(long long)v->valuedouble) {
		*out = v->valuedouble;
		return 0;
	}
	s = cJSON_IsString(v) ? v->valuestring : NULL;
	if (s && *s >= '0' && *s <= '9' && strlen(s) <= 15) {
		errno = 0;
		n = strtoull(s, &end, 10);
		if (!*end && !errno) {
			*out = (double)n;
			return 0;
		}
	}
	snprintf(why, whylen, "%s is not a count: want a whole number of messages", name);
	return -EBADMSG;
}

int aws_sqs_counts(const char *doc, size_t len, double out[3], char *why, size_t whylen)
{
	cJSON *o = cJSON_ParseWithLength(doc, len);
	const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(o, "Attributes");
	int i, rc = 0;

	if (!cJSON_IsObject(o)) {
		snprintf(why, whylen, "the answer is not a JSON object (%zu bytes)", len);
		rc = -EBADMSG;
	} else if (!cJSON_IsObject(attrs)) {
		snprintf(why, whylen, "the answer has no Attributes object");
		rc = -EBADMSG;
	}
	for (i = 0; rc == 0 && i < 3; i++)
		rc = sqs_count(attrs, aws_sqs_attrs[i], &out[i], why, whylen);
	cJSON_Delete(o);
	return rc;
}
