/*
 * aws_sign.c - a signed POST's header lines (aws_sign.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_sign.h"

int aws_sign_post(struct sigv4_signer *s, const struct aws_endpoint *ep,
		  const struct sigv4_credentials *cred, const char *region, const char *service,
		  const struct sigv4_header *h, size_t n, const char *body, size_t len,
		  int64_t t_ms, char **out, size_t cap, char *err, size_t errlen)
{
	struct sigv4_request r = { .method = "POST", .path = ep->path, .headers = h,
				   .n_headers = n, .body = body, .body_len = len };
	struct sigv4_result res;
	size_t i = 0, k;
	int rc, bad = 0;

	memset(out, 0, cap * sizeof *out);
	if (n + 4 > cap) {
		snprintf(err, errlen, "too many headers to sign");
		return -EINVAL;
	}
	rc = sigv4_sign(s, &r, cred, region, service, t_ms, &res, err, errlen);
	if (rc < 0)
		return rc;
	for (k = 0; k < n && !bad; k++)
		bad = asprintf(&out[i++], "%s: %s", h[k].name, h[k].value) < 0;
	if (bad || asprintf(&out[i++], "X-Amz-Date: %s", res.amz_date) < 0 ||
	    asprintf(&out[i++], "Authorization: %s", res.authorization) < 0 ||
	    (res.security_token &&
	     asprintf(&out[i++], "X-Amz-Security-Token: %s", res.security_token) < 0)) {
		out[i - 1] = NULL;
		aws_sign_lines_free(out, cap);
		sigv4_result_free(&res);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	sigv4_result_free(&res);
	return 0;
}

void aws_sign_lines_free(char **out, size_t cap)
{
	size_t i;

	for (i = 0; i < cap; i++) {
		if (out[i])
			explicit_bzero(out[i], strlen(out[i]));
		free(out[i]);
		out[i] = NULL;
	}
}
