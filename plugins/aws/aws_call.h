/*
 * aws_call.h - one request of a kind to its service, and why it failed:
 * a Query API form or a JSON-protocol body signed with the kind's client
 * (aws_client.h: endpoint, region, service, credentials) at the engine's
 * time and started on the loop (host->http_start, each attempt's timeout
 * the client's, retried as aws_retry.h says); and, when it comes back, one
 * line saying why it is no answer, in AWS's words where AWS gave any.
 * Ownership: the caller keeps what it passes (the core copies the body).
 * Secrets are never put in a message.
 */
#ifndef AWS_CALL_H
#define AWS_CALL_H

#include <stddef.h>

#include "aws_client.h"
#include "aws_query.h"
#include "scaled/plugin.h"

/* Sign f (Action=...&Version=...&...) and POST it to c's endpoint;
 * done(arg, res) runs once on the loop (host->http_start's rules). The
 * handle, or NULL with the reason in err (a form whose allocation failed:
 * "out of memory"). Ask aws_client_ready first. */
void *aws_client_call_query(struct aws_client *c, const struct aws_form *f,
			    size_t max_response, scaled_http_done done, void *arg, char *err,
			    size_t errlen);

/* The same for a JSON-protocol POST of body (len bytes) with Content-Type
 * content_type ("application/x-amz-json-1.0") and X-Amz-Target target
 * ("AmazonSQS.GetQueueAttributes"). */
void *aws_client_call_json(struct aws_client *c, const char *content_type, const char *target,
			   const char *body, size_t len, size_t max_response,
			   scaled_http_done done, void *arg, char *err, size_t errlen);

/* Why res is no answer, on one line (control bytes as spaces, AWS's
 * signature details cut: aws_values_clean):
 *   -EREMOTEIO  its body is AWS's error answer, in any status and any of
 *               its shapes (Auto Scaling's and the Query protocol's
 *               <ErrorResponse><Error>, EC2's <Response><Errors>, moto's
 *               <ErrorResponse><Errors>, JSON's __type/code): "Code: Message"
 *   -EIO        it failed otherwise: the HTTP client's reason, at most 200
 *               bytes of it (a status with the body's start, a timeout)
 *   0           a 2xx answer that is no error answer: the reader's to read
 *               (why untouched).
 * XML readers tell an error answer apart themselves, so the Query API's
 * kinds ask only of an answer that failed; the JSON kinds ask of each. */
int aws_client_why(const struct scaled_http_response *res, char *why, size_t whylen);

/* Why res is no answer, on one line, for a kind whose reader has looked
 * at res->body: rc and reason are what it said (rc 0: it read an answer).
 * AWS's "Code: Message" when the reader found an error answer; else the
 * HTTP client's reason (aws_client_why) when the request failed; else the
 * reader's reason. 0 when res is a good answer (rc 0, no error), else -1
 * with why filled. */
int aws_client_why_read(const struct scaled_http_response *res, int rc, const char *reason,
			char *why, size_t whylen);

#endif
