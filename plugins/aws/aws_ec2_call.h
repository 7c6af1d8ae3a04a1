/*
 * aws_ec2_call.h - one EC2 Query API call of a target kind (aws.spot_fleet,
 * aws.ec2): the form signed with the kind's client (aws_client.h) and
 * started on the loop (host->http_start); and, when it comes back, one
 * line saying why it failed, in AWS's words where AWS gave any.
 * Secrets are never put in a message.
 */
#ifndef AWS_EC2_CALL_H
#define AWS_EC2_CALL_H

#include <stddef.h>

#include "aws_client.h"
#include "aws_query.h"
#include "scaled/plugin.h"

/* Sign f (Action=...&Version=...&...) for c's region and service at the
 * engine's time and POST it to c's endpoint; done(arg, res) runs once on
 * the loop (host->http_start's rules). The handle, or NULL with the reason
 * in err (a form whose allocation failed: "out of memory"). The caller
 * keeps f. */
void *aws_ec2_call_start(struct aws_client *c, const struct aws_form *f, size_t max_response,
			 scaled_http_done done, void *arg, char *err, size_t errlen);

/* Why res is no answer, on one line: rc and reason are what the answer's
 * reader said of res->body (rc 0: it read an answer). AWS's "Code:
 * Message" when the body is an error answer of any form; else the HTTP
 * client's reason when the request failed (a status, a timeout, a body
 * that is not XML); else the reader's reason. 0 when res is a good answer
 * (rc 0, no error), else -1 with why filled. */
int aws_ec2_call_why(const struct scaled_http_response *res, int rc, const char *reason,
		     char *why, size_t whylen);

#endif
