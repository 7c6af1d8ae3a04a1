/*
 * aws_sqs_answer.h - SQS's GetQueueAttributes answer in the JSON protocol:
 * {"Attributes": {"ApproximateNumberOfMessages": "2", ...}}. No I/O.
 */
#ifndef AWS_SQS_ANSWER_H
#define AWS_SQS_ANSWER_H

#include <stddef.h>

/* The attributes asked for, in the order of aws_sqs_counts' out[]:
 * visible, in flight (NotVisible), delayed. */
extern const char *const aws_sqs_attrs[3];

/* The three counts (decimal strings, as SQS sends them, or whole JSON
 * numbers, 0 to 10^15), or -EBADMSG with the reason in why: not a JSON
 * object, no Attributes object, an attribute missing or not a count. */
int aws_sqs_counts(const char *doc, size_t len, double out[3], char *why, size_t whylen);

#endif
