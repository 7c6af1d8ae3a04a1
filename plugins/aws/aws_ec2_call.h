/*
 * aws_ec2_call.h - why an EC2 Query API call of a target kind (aws.spot_fleet,
 * aws.ec2) came to no answer, on one line, from what its answer's reader
 * said and what came back (aws_call.h's aws_client_why, which also signs
 * and sends the call). Secrets are never put in a message.
 */
#ifndef AWS_EC2_CALL_H
#define AWS_EC2_CALL_H

#include <stddef.h>

#include "scaled/plugin.h"

/* Why res is no answer, on one line: rc and reason are what the answer's
 * reader said of res->body (rc 0: it read an answer). AWS's "Code:
 * Message" when the body is an error answer of any form; else the HTTP
 * client's reason when the request failed (a status, a timeout, a body
 * that is not XML); else the reader's reason. 0 when res is a good answer
 * (rc 0, no error), else -1 with why filled. */
int aws_ec2_call_why(const struct scaled_http_response *res, int rc, const char *reason,
		     char *why, size_t whylen);

#endif
