/*
 * sigv4_canon.h - the canonical request of SigV4 (sigv4_canon.c): text
 * only, no crypto, so that it can be read and fuzzed alone. Internal to
 * the aws plugin; sigv4.c is its user.
 */
#ifndef SIGV4_CANON_H
#define SIGV4_CANON_H

#include <stddef.h>

#include "sigv4.h"

/* The canonical request of req, signed at amz_date ("20150830T123600Z")
 * with the session token token (NULL: none) over the payload hash given.
 * The caller checked that req, its method and path are not NULL. 0 and
 * *creq (the caller frees it), the signed header names at
 * (*creq)[*names .. *names + *nl), *add_token whether the token is to be
 * sent as an X-Amz-Security-Token header the request lacks; or -EINVAL
 * and a reason in err, or -ENOMEM; *creq NULL then. */
int sigv4_canon_request(const struct sigv4_request *req, const char *amz_date, const char *token,
			const char *payload_hash, char **creq, size_t *names, size_t *nl,
			int *add_token, char *err, size_t errlen);

/* s[0..n) for a message into dst: its first 40 bytes, any but printable
 * ASCII as \xNN. Returns dst. */
const char *sigv4_canon_show(char *dst, size_t dstlen, const char *s, size_t n);

#endif
