/*
 * sigv4_canon.c - the canonical request of SigV4 (sigv4_canon.h): method,
 * path, query, headers, signed names, payload hash. Text only: every input
 * is checked before it is used, and a message names the field and the
 * reason, never a header value.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigv4_canon.h"

/* A growing NUL-terminated string; after a failed growth oom is set and
 * every later put does nothing. */
struct sigv4_buf {
	char *p;
	size_t len, cap;
	int oom;
};

/* One header for the canonical form: its lowercased name and canonical
 * value as offsets into a buffer, then pointers once the buffer is done. */
struct sigv4_hd {
	size_t no, nl, vo, vl, idx;
	const char *name, *value;
};

/* One query parameter, encoded, as offsets into base. */
struct sigv4_qp {
	const char *base;
	size_t ko, kl, vo, vl;
};

static int sigv4_canon_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* -EINVAL, and "sigv4: <reason>" in err (may be NULL). */
static int sigv4_canon_fail(char *err, size_t errlen, const char *fmt, ...)
{
	char msg[320];
	va_list ap;

	if (!err || !errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "sigv4: %s", msg);
	return -EINVAL;
}

/* s[0..n) for a message: its first 40 bytes, any but printable ASCII as \xNN. */
const char *sigv4_canon_show(char *dst, size_t dstlen, const char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n && i < 40 && o + 5 < dstlen; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			dst[o++] = (char)c;
		else
			o += (size_t)snprintf(dst + o, dstlen - o, "\\x%02x", c);
	}
	if (n > 40 && o + 4 < dstlen)
		o += (size_t)snprintf(dst + o, dstlen - o, "...");
	dst[o] = '\0';
	return dst;
}

static void sigv4_canon_put(struct sigv4_buf *b, const void *s, size_t n)
{
	if (b->oom)
		return;
	if (n >= SIZE_MAX / 2 - b->len) {
		b->oom = 1;
		return;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sigv4_canon_puts(struct sigv4_buf *b, const char *s)
{
	sigv4_canon_put(b, s, strlen(s));
}

static int sigv4_canon_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '.' || c == '_' || c == '~';
}

/* RFC 3986 encoding: the unreserved set as is, every other byte as %XX. */
static void sigv4_canon_encode(struct sigv4_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t run = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char e[3] = { '%', hex[c >> 4], hex[c & 15] };

		if (sigv4_canon_unreserved(c))
			continue;
		sigv4_canon_put(b, s + run, i - run);
		sigv4_canon_put(b, e, 3);
		run = i + 1;
	}
	sigv4_canon_put(b, s + run, n - run);
}

/* The offset of the first byte of s[0..n) that is not well-formed UTF-8
 * (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF), or n. */
static size_t sigv4_canon_utf8_bad(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i], lo = 0x80, hi = 0xBF;
		size_t k;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			k = 1;
		else if (c >= 0xE0 && c <= 0xEF)
			k = 2, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
		else if (c >= 0xF0 && c <= 0xF4)
			k = 3, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
		else
			return i;
		if (n - i - 1 < k || s[i + 1] < lo || s[i + 1] > hi)
			return i;
		for (size_t j = 2; j <= k; j++)
			if (s[i + j] < 0x80 || s[i + j] > 0xBF)
				return i;
		i += k + 1;
	}
	return n;
}

/* An HTTP token character (RFC 9110 tchar). */
static int sigv4_canon_tchar(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* The canonical path: "." and empty segments dropped, ".." taking one
 * back (never above the root), each segment encoded, a trailing '/' kept. */
static int sigv4_canon_path(struct sigv4_buf *b, const char *path, char *err, size_t errlen)
{
	size_t n = strnlen(path, SIGV4_MAX_PATH + 1), base = b->len, bad;
	const char *p = path, *end = path + n;

	if (n > SIGV4_MAX_PATH)
		return sigv4_canon_fail(err, errlen, "path is longer than %d bytes",
					SIGV4_MAX_PATH);
	if (path[0] != '/')
		return sigv4_canon_fail(err, errlen, "path does not start with '/'");
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)path[i] < 0x20 || path[i] == 0x7f)
			return sigv4_canon_fail(err, errlen,
						"path has the control byte 0x%02x at offset %zu",
						(unsigned char)path[i], i);
	bad = sigv4_canon_utf8_bad((const unsigned char *)path, n);
	if (bad < n)
		return sigv4_canon_fail(err, errlen,
					"path is not UTF-8 (byte 0x%02x at offset %zu)",
					(unsigned char)path[bad], bad);
	while (p < end) {
		const char *seg;

		while (p < end && *p == '/')
			p++;
		for (seg = p; p < end && *p != '/'; p++)
			;
		if (p == seg || (p - seg == 1 && seg[0] == '.'))
			continue;
		if (p - seg == 2 && seg[0] == '.' && seg[1] == '.') {
			while (!b->oom && b->len > base && b->p[b->len - 1] != '/')
				b->len--;
			if (!b->oom && b->len > base)
				b->p[--b->len] = '\0';
			continue;
		}
		sigv4_canon_put(b, "/", 1);
		sigv4_canon_encode(b, seg, (size_t)(p - seg));
	}
	if (b->len == base || end[-1] == '/')
		sigv4_canon_put(b, "/", 1);
	return 0;
}

/* The value of the hex digit c (0-9, a-f, A-F), or -1. */
static int sigv4_canon_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode s[0..n) into dst; the length, or -1 at a bad '%'. */
static long sigv4_canon_decode(char *dst, const char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		int hi, lo;

		if (s[i] != '%') {
			dst[o++] = s[i];
			continue;
		}
		if (n - i < 3)
			return -1;
		hi = sigv4_canon_hexval(s[i + 1]);
		lo = sigv4_canon_hexval(s[i + 2]);
		if (hi < 0 || lo < 0)
			return -1;
		dst[o++] = (char)(hi << 4 | lo);
		i += 2;
	}
	return (long)o;
}

/* Decode s[0..n) (a name or a value of the query) and append it encoded. */
static int sigv4_canon_qpart(struct sigv4_buf *enc, char *tmp, const char *s, size_t n,
			     const char *what, size_t pair, char *err, size_t errlen)
{
	long dn = sigv4_canon_decode(tmp, s, n);
	size_t bad;

	if (dn < 0)
		return sigv4_canon_fail(err, errlen,
					"query parameter %zu: %s has a '%%' without two hex digits",
					pair, what);
	bad = sigv4_canon_utf8_bad((const unsigned char *)tmp, (size_t)dn);
	if (bad < (size_t)dn)
		return sigv4_canon_fail(err, errlen, "query parameter %zu: %s is not UTF-8 once "
					"decoded (offset %zu)", pair, what, bad);
	sigv4_canon_encode(enc, tmp, (size_t)dn);
	return 0;
}

static int sigv4_canon_qp_cmp(const void *a, const void *b)
{
	const struct sigv4_qp *x = a, *y = b;
	int c = memcmp(x->base + x->ko, y->base + y->ko, x->kl < y->kl ? x->kl : y->kl);

	if (c || x->kl != y->kl)
		return c ? c : (x->kl < y->kl ? -1 : 1);
	c = memcmp(x->base + x->vo, y->base + y->vo, x->vl < y->vl ? x->vl : y->vl);
	return c ? c : (x->vl < y->vl ? -1 : x->vl > y->vl);
}

/* The canonical query: each parameter decoded and encoded again, sorted
 * by name then value, "name=value" joined with '&'. */
static int sigv4_canon_query(struct sigv4_buf *b, const char *q, char *err, size_t errlen)
{
	size_t n = strnlen(q, SIGV4_MAX_QUERY + 1), np = 0, cap = 1;
	struct sigv4_buf enc = { 0 };
	struct sigv4_qp *qp = NULL;
	char *tmp = NULL;
	int rc = 0;

	if (n > SIGV4_MAX_QUERY)
		return sigv4_canon_fail(err, errlen, "query is longer than %d bytes",
					SIGV4_MAX_QUERY);
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)q[i] < 0x20 || q[i] == 0x7f)
			return sigv4_canon_fail(err, errlen,
						"query has the control byte 0x%02x at offset %zu",
						(unsigned char)q[i], i);
		cap += q[i] == '&';
	}
	qp = calloc(cap, sizeof *qp);
	tmp = malloc(n + 1);
	if (!qp || !tmp) {
		rc = -ENOMEM;
		goto out;
	}
	for (const char *p = q, *end = q + n; p < end; p++) {
		const char *amp = memchr(p, '&', (size_t)(end - p)), *eq;
		size_t len = amp ? (size_t)(amp - p) : (size_t)(end - p);

		if (len) {
			eq = memchr(p, '=', len);
			qp[np].ko = enc.len;
			rc = sigv4_canon_qpart(&enc, tmp, p, eq ? (size_t)(eq - p) : len, "name",
					       np + 1, err, errlen);
			qp[np].kl = enc.len - qp[np].ko;
			qp[np].vo = enc.len;
			if (!rc && eq)
				rc = sigv4_canon_qpart(&enc, tmp, eq + 1, (size_t)(p + len - eq - 1),
						       "value", np + 1, err, errlen);
			qp[np].vl = enc.len - qp[np].vo;
			if (rc)
				goto out;
			np++;
		}
		p += len;
	}
	if (enc.oom) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < np; i++)
		qp[i].base = enc.p;
	qsort(qp, np, sizeof *qp, sigv4_canon_qp_cmp);
	for (size_t i = 0; i < np; i++) {
		if (i)
			sigv4_canon_put(b, "&", 1);
		sigv4_canon_put(b, enc.p + qp[i].ko, qp[i].kl);
		sigv4_canon_put(b, "=", 1);
		sigv4_canon_put(b, enc.p + qp[i].vo, qp[i].vl);
	}
out:
	free(enc.p);
	free(tmp);
	free(qp);
	return rc;
}

/* Append the canonical form of the value v[0..n): trimmed, each run of
 * spaces, tabs and folds (a line end then a space or tab) one space. 0, or
 * -1 and *bad at a byte that cannot be in a header value. */
static int sigv4_canon_value(struct sigv4_buf *b, const char *v, size_t n, size_t *bad)
{
	int gap = 0, any = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];
		size_t at = i;

		if (c == '\r' && i + 1 < n && v[i + 1] == '\n')
			c = (unsigned char)v[++i];
		if (c == '\n' && !(i + 1 < n && (v[i + 1] == ' ' || v[i + 1] == '\t'))) {
			*bad = at;
			return -1;
		}
		if (c == ' ' || c == '\t' || c == '\n') {
			gap = 1;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			*bad = at;
			return -1;
		}
		if (gap && any)
			sigv4_canon_put(b, " ", 1);
		sigv4_canon_put(b, v + i, 1);
		gap = 0;
		any = 1;
	}
	return 0;
}

static int sigv4_canon_hd_cmp(const void *a, const void *b)
{
	const struct sigv4_hd *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->idx < y->idx ? -1 : x->idx > y->idx);
}

/* Header i's lowercased name and canonical value into hb and hd[i]. */
static int sigv4_canon_header(struct sigv4_buf *hb, struct sigv4_hd *hd, size_t i, const char *name,
			      const char *value, char *err, size_t errlen)
{
	size_t nl, vl, bad;
	char show[200];

	if (!name || !value)
		return sigv4_canon_fail(err, errlen, "header %zu: %s is NULL", i + 1,
					name ? "value" : "name");
	nl = strnlen(name, SIGV4_MAX_FIELD + 1);
	vl = strnlen(value, SIGV4_MAX_FIELD + 1);
	if (!nl || nl + vl > SIGV4_MAX_FIELD)
		return sigv4_canon_fail(err, errlen, "header %zu: %s", i + 1,
					nl ? "name and value are longer than the limit"
					   : "empty name");
	for (size_t k = 0; k < nl; k++)
		if (!sigv4_canon_tchar((unsigned char)name[k]))
			return sigv4_canon_fail(err, errlen, "header %zu (\"%s\"): byte 0x%02x at "
						"offset %zu cannot be in a name", i + 1,
						sigv4_canon_show(show, sizeof show, name, nl),
						(unsigned char)name[k], k);
	hd[i].idx = i;
	hd[i].no = hb->len;
	hd[i].nl = nl;
	for (size_t k = 0; k < nl; k++) {
		char c = name[k] >= 'A' && name[k] <= 'Z' ? (char)(name[k] + 32) : name[k];

		sigv4_canon_put(hb, &c, 1);
	}
	sigv4_canon_put(hb, "", 1); /* keeps the NUL: names are compared as strings */
	hd[i].vo = hb->len;
	if (sigv4_canon_value(hb, value, vl, &bad))
		return sigv4_canon_fail(err, errlen, "header \"%s\": its value has the control "
					"byte 0x%02x at offset %zu",
					sigv4_canon_show(show, sizeof show, name, nl),
					(unsigned char)value[bad], bad);
	hd[i].vl = hb->len - hd[i].vo;
	sigv4_canon_put(hb, "", 1);
	return 0;
}

/* Count and check the headers that signing itself is about. */
static int sigv4_canon_special(const struct sigv4_hd *hd, size_t n, const char *amz_date,
			       const char *token, int have[2], char *err, size_t errlen)
{
	static const char *const once[] = { "host", "x-amz-date", "x-amz-security-token" };
	int seen[3] = { 0, 0, 0 };

	for (size_t i = 0; i < n; i++) {
		if (!strcmp(hd[i].name, "authorization"))
			return sigv4_canon_fail(err, errlen,
						"the request already has an Authorization header");
		for (int k = 0; k < 3; k++)
			if (!strcmp(hd[i].name, once[k]) && seen[k]++)
				return sigv4_canon_fail(err, errlen, "header \"%s\" is given twice",
							once[k]);
		if (!strcmp(hd[i].name, "x-amz-date") && strcmp(hd[i].value, amz_date))
			return sigv4_canon_fail(err, errlen, "the X-Amz-Date header differs from "
						"the signing time %s", amz_date);
		if (!strcmp(hd[i].name, "x-amz-security-token") && token &&
		    strcmp(hd[i].value, token))
			return sigv4_canon_fail(err, errlen,
						"the X-Amz-Security-Token header differs from the "
						"credentials' session token");
	}
	if (!seen[0])
		return sigv4_canon_fail(err, errlen, "the request has no Host header");
	have[0] = seen[1];
	have[1] = seen[2];
	return 0;
}

/* The canonical headers, a blank line and the signed names, into b;
 * *add_token: whether the token is to be added as a header. */
static int sigv4_canon_headers(struct sigv4_buf *b, const struct sigv4_request *req,
			       const char *amz_date, const char *token, int *add_token, char *err,
			       size_t errlen)
{
	size_t n = req->n_headers;
	struct sigv4_buf hb = { 0 };
	struct sigv4_hd *hd;
	int rc = 0, have[2] = { 0, 0 };

	if (n > SIGV4_MAX_HEADERS)
		return sigv4_canon_fail(err, errlen, "%zu headers, more than %d", n,
					SIGV4_MAX_HEADERS);
	if (n && !req->headers)
		return sigv4_canon_fail(err, errlen, "n_headers is %zu but headers is NULL", n);
	hd = calloc(n + 2, sizeof *hd);
	if (!hd)
		return -ENOMEM;
	for (size_t i = 0; i < n && !rc; i++)
		rc = sigv4_canon_header(&hb, hd, i, req->headers[i].name, req->headers[i].value,
					err, errlen);
	if (!rc) /* the two added headers, when they are */
		rc = sigv4_canon_header(&hb, hd, n, "x-amz-date", amz_date, err, errlen);
	if (!rc && token)
		rc = sigv4_canon_header(&hb, hd, n + 1, "x-amz-security-token", token, err, errlen);
	if (rc)
		goto out;
	if (hb.oom) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n + 2; i++)
		hd[i].name = hb.p + hd[i].no, hd[i].value = hb.p + hd[i].vo;
	rc = sigv4_canon_special(hd, n, amz_date, token, have, err, errlen);
	if (rc)
		goto out;
	*add_token = token && !have[1];
	size_t m = n;
	if (!have[0])
		m++; /* hd[n], the X-Amz-Date the signer adds */
	if (token && !have[1] && !(req->flags & SIGV4_TOKEN_UNSIGNED))
		hd[m++] = hd[n + 1];
	qsort(hd, m, sizeof *hd, sigv4_canon_hd_cmp);
	for (size_t i = 0; i < m; i++) {
		int same = i && !strcmp(hd[i].name, hd[i - 1].name);

		sigv4_canon_puts(b, same ? "," : i ? "\n" : "");
		if (!same) {
			sigv4_canon_puts(b, hd[i].name);
			sigv4_canon_put(b, ":", 1);
		}
		sigv4_canon_put(b, hd[i].value, hd[i].vl);
	}
	sigv4_canon_puts(b, "\n\n");
	for (size_t i = 0; i < m; i++)
		if (!i || strcmp(hd[i].name, hd[i - 1].name)) {
			sigv4_canon_puts(b, i ? ";" : "");
			sigv4_canon_puts(b, hd[i].name);
		}
out:
	free(hb.p);
	free(hd);
	return rc;
}

int sigv4_canon_request(const struct sigv4_request *req, const char *amz_date, const char *token,
			const char *payload_hash, char **creq, size_t *names, size_t *nl,
			int *add_token, char *err, size_t errlen)
{
	size_t ml = strnlen(req->method, 33);
	struct sigv4_buf b = { 0 };
	char show[200];
	int rc = ml && ml <= 32 ? 0 : -EINVAL;

	*creq = NULL;
	for (size_t i = 0; i < ml && !rc; i++)
		rc = sigv4_canon_tchar((unsigned char)req->method[i]) ? 0 : -EINVAL;
	if (rc)
		return sigv4_canon_fail(err, errlen, "method \"%s\" is not an HTTP token",
					sigv4_canon_show(show, sizeof show, req->method, ml));
	sigv4_canon_puts(&b, req->method);
	sigv4_canon_put(&b, "\n", 1);
	rc = sigv4_canon_path(&b, req->path, err, errlen);
	sigv4_canon_put(&b, "\n", 1);
	rc = rc ? rc : sigv4_canon_query(&b, req->query ? req->query : "", err, errlen);
	sigv4_canon_put(&b, "\n", 1);
	rc = rc ? rc : sigv4_canon_headers(&b, req, amz_date, token, add_token, err, errlen);
	if (!rc && b.oom)
		rc = -ENOMEM;
	if (!rc) {
		*names = (size_t)(strrchr(b.p, '\n') - b.p) + 1; /* the names end the headers */
		*nl = b.len - *names;
		sigv4_canon_put(&b, "\n", 1);
		sigv4_canon_puts(&b, payload_hash);
		rc = b.oom ? -ENOMEM : 0;
	}
	if (rc)
		free(b.p);
	else
		*creq = b.p;
	return rc;
}
