/*
 * aws_sqs_batch.h - SQS's ReceiveMessage and DeleteMessageBatch in the
 * JSON protocol (botocore's sqs model, 2012-11-05): the request bodies and
 * the readers of the answers. No I/O.
 * Ownership: what a reader fills is the caller's, released with the
 * matching _free (harmless on a zeroed struct); bodies are the caller's to
 * free().
 */
#ifndef AWS_SQS_BATCH_H
#define AWS_SQS_BATCH_H

#include <stddef.h>

/* SQS's own limit: at most 10 messages per receive and per delete batch. */
#define AWS_SQS_BATCH_MAX 10

struct aws_sqs_message {
	char *id;      /* MessageId */
	char *receipt; /* ReceiptHandle: what deletes it */
	char *body;    /* Body, or NULL when the answer had none (a string) */
	size_t body_len;
};

struct aws_sqs_received {
	struct aws_sqs_message m[AWS_SQS_BATCH_MAX];
	size_t n;
};

/* {"QueueUrl": url, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 0}: no
 * long poll, so that a receive never holds a request open. NULL when out
 * of memory. */
char *aws_sqs_receive_body(const char *queue_url);

/* {"QueueUrl": url, "Entries": [{"Id": "m0", "ReceiptHandle": ...}, ...]}
 * for receipts[0..n), n 1 to AWS_SQS_BATCH_MAX; entry i has Id "m<i>".
 * NULL when out of memory or n is out of range. */
char *aws_sqs_delete_body(const char *queue_url, char *const *receipts, size_t n);

/* A ReceiveMessage answer: {} or {"Messages": [...]}, at most
 * AWS_SQS_BATCH_MAX, each with MessageId and ReceiptHandle strings (1 to
 * 8 KiB) and a Body string (or none: body NULL). 0 and out filled, or
 * -EBADMSG with the reason in why (not a JSON object, Messages not a list
 * or too long, an entry not an object or without its id or receipt), or
 * -ENOMEM; on failure out is empty. */
int aws_sqs_received_read(const char *doc, size_t len, struct aws_sqs_received *out,
			  char *why, size_t whylen);
void aws_sqs_received_free(struct aws_sqs_received *r);

/* A DeleteMessageBatch answer for the n entries aws_sqs_delete_body made:
 * {"Successful": [{"Id"}...], "Failed": [{"Id", "Code", "Message",
 * "SenderFault"}...]} (either may be absent). deleted[i] is set to 1 for
 * each entry in Successful, 0 otherwise. Returns the number of entries not
 * deleted (Failed, or named in neither list), the first Failed one's
 * "Id: Code: Message" in why; or -EBADMSG with the reason in why (not an
 * object, a list that is not one, an Id that is not one of ours). */
int aws_sqs_deleted_read(const char *doc, size_t len, size_t n, int deleted[], char *why,
			 size_t whylen);

#endif
