/*
 * aws_sign.h - the one SigV4 signing of a POST that aws_query.c and
 * aws_json.c share: the request's own headers signed, then written out as
 * "Name: value" lines with X-Amz-Date, Authorization and (with a session
 * token) X-Amz-Security-Token after them. No I/O here. Secrets are never
 * put in a message.
 */
#ifndef AWS_SIGN_H
#define AWS_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "aws_query.h"
#include "sigv4.h"

/* Sign a POST of body to ep for region and service at t_ms with headers
 * h[0..n) (h[0] the Host), all signed. out[0..cap) receives the header
 * lines, NULL-terminated (cap >= n + 4). 0, or a negative errno with the
 * reason in err; on failure out is all NULL. */
int aws_sign_post(struct sigv4_signer *s, const struct aws_endpoint *ep,
		  const struct sigv4_credentials *cred, const char *region, const char *service,
		  const struct sigv4_header *h, size_t n, const char *body, size_t len,
		  int64_t t_ms, char **out, size_t cap, char *err, size_t errlen);
/* Wipe and free out[0..cap), leaving it all NULL. */
void aws_sign_lines_free(char **out, size_t cap);

#endif
