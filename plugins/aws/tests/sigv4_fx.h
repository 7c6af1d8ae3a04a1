/*
 * sigv4_fx.h - what test_sigv4.c reads of AWS's SigV4 conformance suite:
 * the case folders, and a raw HTTP request (.req, .sreq) parsed as the
 * suite writes it (sigv4_fx.c).
 */
#ifndef SIGV4_FX_H
#define SIGV4_FX_H

#include <stddef.h>

#include "sigv4.h"

#define SIGV4_FX_MAX_HEADERS 16

/* One request: every pointer is into buf, which it owns. */
struct sigv4_fx_req {
	char *buf;
	const char *method, *path, *query; /* query: NULL when the target has no '?' */
	struct sigv4_header headers[SIGV4_FX_MAX_HEADERS];
	size_t n_headers;
	const char *body; /* after the blank line; "" when there is none */
	size_t body_len;
};

/* The whole file at path, NUL-terminated (*len without the NUL), or NULL. */
char *sigv4_fx_read(const char *path, size_t *len);

/* Parse the raw request in file path: the request line (method, target,
 * version; the target may hold spaces), header lines "Name:value" with
 * folded lines (starting with a space or tab) kept in the value as they
 * are, a blank line, the body. 0, or -1 and a reason in err. */
int sigv4_fx_load(const char *path, struct sigv4_fx_req *r, char *err, size_t errlen);
void sigv4_fx_free(struct sigv4_fx_req *r);

/* The value of the first header named name (any case), or NULL. */
const char *sigv4_fx_header(const struct sigv4_fx_req *r, const char *name);

/* The cases under dir: each folder D (at most two levels down) holding
 * D/<D's name>.req, as "<dir>/.../<name>/<name>" (add ".req", ".creq"...),
 * sorted. The count, the list in *out (free each, then the list); -1 when
 * dir cannot be read. */
long sigv4_fx_cases(const char *dir, char ***out);

#endif
