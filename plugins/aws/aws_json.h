/*
 * aws_json.h - one signed AWS JSON-protocol request (SQS, ECS: POST of a
 * JSON body with X-Amz-Target) and the reading of its error answers. No
 * I/O here. Secrets are never put in a message.
 */
#ifndef AWS_JSON_H
#define AWS_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "aws_query.h"
#include "sigv4.h"

/* The headers of one signed JSON POST, "Name: value", NULL-terminated. */
struct aws_json_headers {
	char *h[8];
};

/* Sign a POST of body to ep for region and service at t_ms, with
 * Content-Type content_type ("application/x-amz-json-1.0") and X-Amz-Target
 * target ("AmazonSQS.GetQueueAttributes"), both signed. 0 and out filled,
 * or a negative errno with the reason in err. */
int aws_json_sign(struct sigv4_signer *s, const struct aws_endpoint *ep,
		  const struct sigv4_credentials *cred, const char *region, const char *service,
		  const char *content_type, const char *target, const char *body, size_t len,
		  int64_t t_ms, struct aws_json_headers *out, char *err, size_t errlen);
void aws_json_headers_free(struct aws_json_headers *h);

/* Nonzero when doc, past leading white space, starts with '<': an XML
 * answer (an error in the Query API's shape), not JSON. */
int aws_json_is_xml(const char *doc, size_t len);

/* An AWS JSON error answer: {"__type": "[prefix#]Code", "message": "..."}
 * (or "Message", or "code"/"Code"), or the XML <ErrorResponse> moto answers
 * authentication failures with. 0 and "Code: message" in why (control
 * characters made spaces), or -EBADMSG when doc is not such an answer. */
int aws_json_error(const char *doc, size_t len, char *why, size_t whylen);

#endif
