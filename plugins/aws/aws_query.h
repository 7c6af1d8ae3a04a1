/*
 * aws_query.h - one signed AWS Query API request (EC2, Auto Scaling): the
 * form body, the endpoint's URL split into what SigV4 signs, and the
 * headers to hand to host->http_start. No I/O here.
 * Ownership: every struct owns its strings; the matching _free releases
 * them (harmless on a zeroed struct). Secrets are never put in a message.
 */
#ifndef AWS_QUERY_H
#define AWS_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "sigv4.h"

/* A growing form body: "Action=...&Version=...&Name=value...". */
struct aws_form {
	char *buf;
	size_t len, cap;
	int failed; /* an allocation failed: aws_form_add did nothing since */
};

/* Append "&name=value" (no '&' first), value percent-encoded with RFC
 * 3986's unreserved set. 0 or -ENOMEM (then form->failed stays set). */
int aws_form_add(struct aws_form *f, const char *name, const char *value);
/* The same with a name made by printf ("InstanceType.%zu"). */
int aws_form_addf(struct aws_form *f, const char *value, const char *name_fmt, ...)
	__attribute__((format(printf, 3, 4)));
void aws_form_free(struct aws_form *f);

/* An endpoint: http(s)://host[:port][/path]. */
struct aws_endpoint {
	char *url;  /* as given, without a trailing '/' after the host */
	char *host; /* "host[:port]", the Host header */
	char *path; /* "/" or the URL's path */
};

/* 0, or -EINVAL with the reason in err, -ENOMEM. */
int aws_endpoint_parse(const char *url, struct aws_endpoint *ep, char *err, size_t errlen);
void aws_endpoint_free(struct aws_endpoint *ep);

/* The headers of one signed form POST, "Name: value", NULL-terminated. */
struct aws_query_headers {
	char *h[6];
};

/* Sign a form POST of body to ep for region and service at t_ms. 0 and
 * out filled, or a negative errno with the reason in err (sigv4_sign's). */
int aws_query_sign(struct sigv4_signer *s, const struct aws_endpoint *ep,
		   const struct sigv4_credentials *cred, const char *region, const char *service,
		   const char *body, size_t len, int64_t t_ms, struct aws_query_headers *out,
		   char *err, size_t errlen);
void aws_query_headers_free(struct aws_query_headers *h);

/* t_ms as "2024-05-01T12:00:00Z" (21 bytes with the NUL). */
void aws_query_time(int64_t t_ms, char out[32]);

#endif
