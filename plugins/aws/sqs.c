/*
 * sqs.c - the source aws.sqs (docs/aws.sqs.md): on each collect one signed SQS
 * GetQueueAttributes in SQS's JSON protocol (aws_json.c), one request in
 * flight at a time; ApproximateNumberOfMessages published as the source's
 * own series, ...NotVisible as "<source>.in_flight" and ...Delayed as
 * "<source>.delayed".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws_call.h"
#include "aws_client.h"
#include "aws_sqs_answer.h"
#include "aws_plugin.h"

#define host aws_host

#define SQS_MAX_URL 1024
#define SQS_TYPE "application/x-amz-json-1.0"
#define SQS_TARGET "AmazonSQS.GetQueueAttributes"

enum { K_QUEUE_URL, K_REGION, K_PROFILE, K_ENDPOINT, K_TIMEOUT };

static const struct scaled_key sqs_keys[] = {
	[K_QUEUE_URL] = { "queue_url", SCALED_KEY_STRING, NULL, 1,
			  "the queue's URL as SQS gives it (GetQueueUrl, CreateQueue)" },
	[K_REGION] = AWS_CLIENT_KEY_REGION,
	[K_PROFILE] = AWS_CLIENT_KEY_PROFILE,
	[K_ENDPOINT] = AWS_CLIENT_KEY_ENDPOINT("SQS"),
	[K_TIMEOUT] = AWS_CLIENT_KEY_TIMEOUT,
	{ NULL, 0, NULL, 0, NULL },
};

/* The series of the attributes asked for (aws_sqs_attrs, in order). */
static const char *const sqs_suffix[] = { NULL, "in_flight", "delayed" };

struct sqs {
	struct aws_client c; /* region, endpoint, credentials, errors logged once */
	char *body;          /* the request's JSON, the same each collect */
	void *pending;       /* the request in flight */
	int64_t started_ms;  /* the collect's time: the samples' */
};

static void sqs_free(struct sqs *q)
{
	if (!q)
		return;
	free(q->body);
	aws_client_clear(&q->c);
	free(q);
}

/* {"QueueUrl": url, "AttributeNames": [...]} into q->body. */
static int sqs_body(struct sqs *q, const char *url, char *err, size_t errlen)
{
	cJSON *o = cJSON_CreateObject(), *names = cJSON_CreateStringArray(aws_sqs_attrs, 3);
	size_t i;

	for (i = 0; url[i]; i++)
		if ((unsigned char)url[i] <= 0x20 || url[i] == 0x7f)
			break;
	if (url[i] || (strncmp(url, "https://", 8) && strncmp(url, "http://", 7)) ||
	    i >= SQS_MAX_URL) {
		cJSON_Delete(o);
		cJSON_Delete(names);
		snprintf(err, errlen, "queue_url: want the queue's http(s):// URL without spaces, "
			 "under %d bytes, like \"https://sqs.us-east-1.amazonaws.com/"
			 "123456789012/jobs\"", SQS_MAX_URL);
		return -EINVAL;
	}
	if (!o || !names || !cJSON_AddStringToObject(o, "QueueUrl", url) ||
	    !cJSON_AddItemToObject(o, "AttributeNames", names) ||
	    !(q->body = cJSON_PrintUnformatted(o))) {
		if (o && !cJSON_GetObjectItemCaseSensitive(o, "AttributeNames"))
			cJSON_Delete(names);
		cJSON_Delete(o);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	cJSON_Delete(o);
	return 0;
}

static int sqs_create(struct scaled_instance *inst, const struct scaled_value *cfg,
		      void **state, char *err, size_t errlen)
{
	struct sqs *q = calloc(1, sizeof *q);
	int rc;

	if (!q) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	aws_client_init(&q->c, inst, "sqs", "GetQueueAttributes");
	rc = aws_client_timeout(&q->c, &cfg[K_TIMEOUT], err, errlen);
	if (rc == 0)
		rc = sqs_body(q, cfg[K_QUEUE_URL].u.str, err, errlen);
	if (rc == 0)
		rc = aws_client_resolve(&q->c, "SQS", AWS_KEY_OR_NULL(cfg[K_PROFILE]),
					AWS_KEY_OR_NULL(cfg[K_REGION]),
					AWS_KEY_OR_NULL(cfg[K_ENDPOINT]), err, errlen);
	if (rc < 0) {
		sqs_free(q);
		return rc;
	}
	*state = q;
	return 0;
}

static void sqs_destroy(void *state)
{
	struct sqs *q = state;

	host->http_cancel(q->pending);
	sqs_free(q);
}

static void sqs_done(void *arg, const struct scaled_http_response *res)
{
	struct sqs *q = arg;
	double n[3];
	char why[512];
	int i;

	q->pending = NULL;
	if (aws_client_why(res, why, sizeof why) < 0 ||
	    aws_sqs_counts(res->body, res->body_len, n, why, sizeof why) < 0) {
		aws_client_fail(&q->c, why);
		return;
	}
	for (i = 0; i < 3; i++)
		host->publish(q->c.inst, sqs_suffix[i], q->started_ms, n[i]);
	if (aws_client_recovered(&q->c))
		host->log(q->c.inst, SCALED_LOG_INFO, "GetQueueAttributes answers again");
}

static int sqs_request(struct sqs *q, char *err, size_t errlen)
{
	q->pending = aws_client_call_json(&q->c, SQS_TYPE, SQS_TARGET, q->body, strlen(q->body),
					  64u << 10, sqs_done, q, err, errlen);
	return q->pending ? 0 : -EIO;
}

static int sqs_collect(void *state, char *err, size_t errlen);

/* The credentials came (or failed to): collect now, not a period later. */
static void sqs_again(void *arg)
{
	struct sqs *q = arg;
	char err[256];

	if (sqs_collect(q, err, sizeof err) < 0)
		aws_client_fail(&q->c, err);
}

static int sqs_collect(void *state, char *err, size_t errlen)
{
	struct sqs *q = state;
	int rc;

	if (q->pending) /* the last collect's answer is still coming */
		return aws_client_collect_rc(&q->c, 0, err, errlen);
	rc = aws_client_ready(&q->c, sqs_again, q, err, errlen);
	if (rc == -EAGAIN)
		/* sqs_again collects once they are there; a failure of the last
		 * fetch stays a failure meanwhile */
		return aws_client_collect_rc(&q->c, 0, err, errlen);
	if (rc < 0)
		return rc;
	q->started_ms = host->now_ms(q->c.inst);
	rc = sqs_request(q, err, errlen);
	return aws_client_collect_rc(&q->c, rc, err, errlen);
}

const struct scaled_kind aws_sqs_kind = {
	.struct_size = sizeof(struct scaled_kind),
	.name = "aws.sqs",
	.role = SCALED_ROLE_SOURCE,
	.help = "an SQS queue's depth (GetQueueAttributes): visible, in flight, delayed",
	.keys = sqs_keys,
	.create = sqs_create,
	.destroy = sqs_destroy,
	.collect = sqs_collect,
};
