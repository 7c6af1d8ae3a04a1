/*
 * aws_query.c - a signed AWS Query API request (aws_query.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "aws_query.h"
#include "aws_sign.h"

static int form_reserve(struct aws_form *f, size_t more)
{
	size_t cap;
	char *p;

	if (f->failed)
		return -ENOMEM;
	if (f->len + more + 1 <= f->cap)
		return 0;
	cap = f->cap ? f->cap : 256;
	while (cap < f->len + more + 1)
		cap *= 2;
	p = realloc(f->buf, cap);
	if (!p) {
		f->failed = 1;
		return -ENOMEM;
	}
	f->buf = p;
	f->cap = cap;
	return 0;
}

static void form_enc(struct aws_form *f, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			f->buf[f->len++] = (char)c;
		} else {
			f->buf[f->len++] = '%';
			f->buf[f->len++] = hex[c >> 4];
			f->buf[f->len++] = hex[c & 15];
		}
	}
}

int aws_form_add(struct aws_form *f, const char *name, const char *value)
{
	if (form_reserve(f, 1 + 3 * strlen(name) + 1 + 3 * strlen(value)) < 0)
		return -ENOMEM;
	if (f->len)
		f->buf[f->len++] = '&';
	form_enc(f, name);
	f->buf[f->len++] = '=';
	form_enc(f, value);
	f->buf[f->len] = '\0';
	return 0;
}

int aws_form_addf(struct aws_form *f, const char *value, const char *name_fmt, ...)
{
	char name[128];
	va_list ap;
	int n;

	va_start(ap, name_fmt);
	n = vsnprintf(name, sizeof name, name_fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof name)
		return -EINVAL;
	return aws_form_add(f, name, value);
}

void aws_form_free(struct aws_form *f)
{
	free(f->buf);
	memset(f, 0, sizeof *f);
}

int aws_endpoint_parse(const char *url, struct aws_endpoint *ep, char *err, size_t errlen)
{
	const char *h, *slash;
	size_t n;

	memset(ep, 0, sizeof *ep);
	if (strncasecmp(url, "https://", 8) == 0)
		h = url + 8;
	else if (strncasecmp(url, "http://", 7) == 0)
		h = url + 7;
	else {
		snprintf(err, errlen, "endpoint '%.200s' is not an http:// or https:// URL", url);
		return -EINVAL;
	}
	slash = strchr(h, '/');
	n = slash ? (size_t)(slash - h) : strlen(h);
	if (n == 0 || memchr(h, '@', n) || memchr(h, '?', n) || memchr(h, '#', n) ||
	    (slash && strpbrk(slash, "?#"))) {
		snprintf(err, errlen, "endpoint '%.200s': want http(s)://host[:port][/path], "
			 "without user, query or fragment", url);
		return -EINVAL;
	}
	ep->host = strndup(h, n);
	ep->path = strdup(slash && slash[1] ? slash : "/");
	ep->url = strdup(url);
	if (!ep->host || !ep->path || !ep->url) {
		aws_endpoint_free(ep);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	/* "http://h:1/" and "http://h:1" name the same: keep it without the '/' */
	if (slash && !slash[1])
		ep->url[slash - url] = '\0';
	return 0;
}

void aws_endpoint_free(struct aws_endpoint *ep)
{
	free(ep->url);
	free(ep->host);
	free(ep->path);
	memset(ep, 0, sizeof *ep);
}

#define AWS_FORM_TYPE "application/x-www-form-urlencoded; charset=utf-8"

int aws_query_sign(struct sigv4_signer *s, const struct aws_endpoint *ep,
		   const struct sigv4_credentials *cred, const char *region, const char *service,
		   const char *body, size_t len, int64_t t_ms, struct aws_query_headers *out,
		   char *err, size_t errlen)
{
	struct sigv4_header h[] = { { "Host", ep->host }, { "Content-Type", AWS_FORM_TYPE } };

	return aws_sign_post(s, ep, cred, region, service, h, 2, body, len, t_ms, out->h,
			     sizeof out->h / sizeof out->h[0], err, errlen);
}

void aws_query_headers_free(struct aws_query_headers *h)
{
	aws_sign_lines_free(h->h, sizeof h->h / sizeof h->h[0]);
}

void aws_query_time(int64_t t_ms, char out[32])
{
	time_t t = (time_t)(t_ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
