/*
 * aws_sqs_batch.c - ReceiveMessage and DeleteMessageBatch bodies and
 * answers (aws_sqs_batch.h), with cJSON.
 */
#include "aws_sqs_batch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws_values.h"

#define SQS_HANDLE_MAX 8192

char *aws_sqs_receive_body(const char *queue_url)
{
	cJSON *o = cJSON_CreateObject();
	char *s = NULL;

	if (o && cJSON_AddStringToObject(o, "QueueUrl", queue_url) &&
	    cJSON_AddNumberToObject(o, "MaxNumberOfMessages", AWS_SQS_BATCH_MAX) &&
	    cJSON_AddNumberToObject(o, "WaitTimeSeconds", 0))
		s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

char *aws_sqs_delete_body(const char *queue_url, char *const *receipts, size_t n)
{
	cJSON *o = cJSON_CreateObject(), *list = NULL, *e;
	char id[16], *s = NULL;
	size_t i;

	if (!o || n < 1 || n > AWS_SQS_BATCH_MAX || !cJSON_AddStringToObject(o, "QueueUrl", queue_url) ||
	    !(list = cJSON_AddArrayToObject(o, "Entries")))
		goto out;
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof id, "m%zu", i);
		if (!(e = cJSON_CreateObject()) || !cJSON_AddItemToArray(list, e) ||
		    !cJSON_AddStringToObject(e, "Id", id) ||
		    !cJSON_AddStringToObject(e, "ReceiptHandle", receipts[i]))
			goto out;
	}
	s = cJSON_PrintUnformatted(o);
out:
	cJSON_Delete(o);
	return s;
}

void aws_sqs_received_free(struct aws_sqs_received *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->m[i].id);
		free(r->m[i].receipt);
		free(r->m[i].body);
	}
	memset(r, 0, sizeof *r);
}

/* The string member name of entry i, 1 to SQS_HANDLE_MAX bytes, or NULL. */
static const char *entry_str(const cJSON *e, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, name);
	size_t n;

	if (!cJSON_IsString(v) || !v->valuestring)
		return NULL;
	n = strlen(v->valuestring);
	return n && n <= SQS_HANDLE_MAX ? v->valuestring : NULL;
}

int aws_sqs_received_read(const char *doc, size_t len, struct aws_sqs_received *out,
			  char *why, size_t whylen)
{
	cJSON *o = cJSON_ParseWithLength(doc, len);
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(o, "Messages"), *e, *b;
	int rc = 0;

	memset(out, 0, sizeof *out);
	if (!cJSON_IsObject(o)) {
		snprintf(why, whylen, "the answer is not a JSON object (%zu bytes)", len);
		rc = -EBADMSG;
	} else if (list && !cJSON_IsArray(list) && !cJSON_IsNull(list)) {
		snprintf(why, whylen, "the answer's Messages is not a list");
		rc = -EBADMSG;
	} else if (cJSON_GetArraySize(list) > AWS_SQS_BATCH_MAX) {
		snprintf(why, whylen, "the answer holds %d messages, more than the %d asked for",
			 cJSON_GetArraySize(list), AWS_SQS_BATCH_MAX);
		rc = -EBADMSG;
	}
	if (rc < 0 || !cJSON_IsArray(list))
		list = NULL;
	cJSON_ArrayForEach(e, list) {
		struct aws_sqs_message *m = &out->m[out->n];
		const char *id = entry_str(e, "MessageId"), *rh = entry_str(e, "ReceiptHandle");

		if (!cJSON_IsObject(e) || !id || !rh) {
			snprintf(why, whylen, "message %zu of the answer has no MessageId or "
				 "ReceiptHandle (a string of 1 to %d bytes)", out->n + 1,
				 SQS_HANDLE_MAX);
			rc = -EBADMSG;
			break;
		}
		out->n++;
		b = cJSON_GetObjectItemCaseSensitive(e, "Body");
		if (!(m->id = strdup(id)) || !(m->receipt = strdup(rh)) ||
		    (cJSON_IsString(b) && b->valuestring && !(m->body = strdup(b->valuestring)))) {
			snprintf(why, whylen, "out of memory");
			rc = -ENOMEM;
			break;
		}
		m->body_len = m->body ? strlen(m->body) : 0;
	}
	cJSON_Delete(o);
	if (rc < 0)
		aws_sqs_received_free(out);
	return rc;
}

/* "m<i>" with i < n, as aws_sqs_delete_body names them: i, or -1. */
static int entry_index(const cJSON *e, size_t n)
{
	const char *id = entry_str(e, "Id");
	char *end;
	unsigned long i;

	if (!id || id[0] != 'm' || id[1] < '0' || id[1] > '9' || (id[1] == '0' && id[2]))
		return -1;
	i = strtoul(id + 1, &end, 10);
	return *end || i >= n ? -1 : (int)i;
}

int aws_sqs_deleted_read(const char *doc, size_t len, size_t n, int deleted[], char *why,
			 size_t whylen)
{
	cJSON *o = cJSON_ParseWithLength(doc, len);
	const cJSON *ok = cJSON_GetObjectItemCaseSensitive(o, "Successful");
	const cJSON *bad = cJSON_GetObjectItemCaseSensitive(o, "Failed"), *e;
	int rc = 0, i, first = 1;
	size_t k, left = 0;

	for (k = 0; k < n; k++)
		deleted[k] = 0;
	if (!cJSON_IsObject(o)) {
		snprintf(why, whylen, "the answer is not a JSON object (%zu bytes)", len);
		rc = -EBADMSG;
	} else if ((ok && !cJSON_IsArray(ok)) || (bad && !cJSON_IsArray(bad))) {
		snprintf(why, whylen, "the answer's Successful or Failed is not a list");
		rc = -EBADMSG;
	}
	if (rc < 0)
		ok = bad = NULL;
	cJSON_ArrayForEach(e, ok) {
		if ((i = entry_index(e, n)) < 0) {
			snprintf(why, whylen, "the answer's Successful names an entry not sent");
			rc = -EBADMSG;
			break;
		}
		deleted[i] = 1;
	}
	if (rc < 0)
		bad = NULL;
	cJSON_ArrayForEach(e, bad) {
		const char *code = entry_str(e, "Code"), *msg = entry_str(e, "Message");

		if ((i = entry_index(e, n)) < 0 || deleted[i]) {
			snprintf(why, whylen, "the answer's Failed names an entry not sent, or one "
				 "deleted");
			rc = -EBADMSG;
			break;
		}
		if (first) {
			snprintf(why, whylen, "m%d: %s%s%s", i, code ? code : "no code",
				 msg ? ": " : "", msg ? msg : "");
			aws_values_clean(why);
			first = 0;
		}
	}
	cJSON_Delete(o);
	if (rc < 0) {
		for (k = 0; k < n; k++)
			deleted[k] = 0;
		return rc;
	}
	for (k = 0; k < n; k++)
		left += !deleted[k];
	if (left && first)
		snprintf(why, whylen, "%zu entries are in neither Successful nor Failed", left);
	return (int)left;
}
