/*
 * jobs_url.c - --input parsed and opened: a path is a spool directory, a
 * redis:// URL a Redis list (grammar in jobs_url.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errfmt.h"
#include "jobs.h"
#include "jobs_url.h"

int jobs_is_url(const char *s)
{
	const char *p = s;

	while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
	       (*p >= '0' && *p <= '9') || *p == '+' || *p == '-' || *p == '.')
		p++;
	return p != s && strncmp(p, "://", 3) == 0;
}

/* Copy [from, to) into dst (size cap) or fail. */
static int span(char *dst, size_t cap, const char *from, const char *to)
{
	size_t n = (size_t)(to - from);

	if (n >= cap)
		return -1;
	memcpy(dst, from, n);
	dst[n] = '\0';
	return 0;
}

/* A decimal in [lo, hi] that fills [s, end) exactly. */
static int number(const char *s, const char *end, long lo, long hi, long *out)
{
	long v = 0;

	if (s == end || end - s > 10)
		return -1;
	for (const char *p = s; p < end; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* The URL as messages show it: "redis://HOST:PORT/DB/KEY", no password. */
static void shown(struct redis_url *u)
{
	int v6 = strchr(u->host, ':') != NULL;

	snprintf(u->shown, sizeof(u->shown), "redis://%s%s%s%s%s:%d/%d/%s",
		 u->user, u->user[0] ? "@" : "", v6 ? "[" : "", u->host,
		 v6 ? "]" : "", u->port, u->db, u->key);
}

static int bad(char **errmsg, const char *url, const char *why)
{
	/* Never echo a password: leave out everything up to the last '@'
	 * before the path, as the parser does, and the scheme. */
	const char *p = strstr(url, "://"), *host, *slash;

	p = p ? p + 3 : url;
	slash = strchr(p, '/');
	host = p;
	for (const char *a = p; *a && a != slash; a++)
		if (*a == '@')
			host = a + 1;
	*errmsg = errfmt("%.*s%s%s: %s", (int)(p - url), url, host != p ? "***@" : "",
			 host, why);
	return -EINVAL;
}

static int parse_query(const char *q, struct redis_url *u, const char *url,
		       char **errmsg)
{
	while (*q) {
		const char *amp = strchr(q, '&'), *end = amp ? amp : q + strlen(q);
		long v;

		if (strncmp(q, "lease=", 6) == 0) {
			if (number(q + 6, end, 1, 86400, &v))
				return bad(errmsg, url, "lease must be whole seconds, 1 to 86400");
			u->lease_ms = v * 1000;
		} else if (strncmp(q, "timeout=", 8) == 0) {
			if (number(q + 8, end, 1, 3600, &v))
				return bad(errmsg, url, "timeout must be whole seconds, 1 to 3600");
			u->timeout_ms = v * 1000;
		} else {
			char name[64];

			if (span(name, sizeof(name), q, end))
				snprintf(name, sizeof(name), "(too long)");
			char *why = errfmt("unknown option \"%s\" (there are lease and timeout)",
					   name);
			int ret = bad(errmsg, url, why ? why : "unknown option");

			free(why);
			return ret;
		}
		q = amp ? amp + 1 : end;
	}
	return 0;
}

int jobs_redis_url_parse(const char *url, struct redis_url *u, char **errmsg)
{
	const char *p, *auth_end, *host_end, *path, *query;
	long v;

	memset(u, 0, sizeof(*u));
	u->port = JOBS_REDIS_PORT;
	u->lease_ms = JOBS_REDIS_LEASE_MS;
	u->timeout_ms = JOBS_REDIS_TIMEOUT_MS;
	if (strncmp(url, "rediss://", 9) == 0)
		return bad(errmsg, url, "rediss:// (TLS) is not supported; use redis:// "
			   "on a trusted network or a TLS tunnel (stunnel)");
	if (strncmp(url, "redis://", 8) != 0)
		return bad(errmsg, url, "not a redis:// URL");
	p = url + 8;
	path = strchr(p, '/');
	if (!path)
		return bad(errmsg, url, "no list key: give one as redis://HOST/KEY");
	query = strchr(path, '?');

	/* [[USER]:PASSWORD@] — the last '@' before the path ends it. */
	auth_end = NULL;
	for (const char *a = p; a < path; a++)
		if (*a == '@')
			auth_end = a;
	if (auth_end) {
		const char *colon = memchr(p, ':', (size_t)(auth_end - p));

		if (!colon)
			return bad(errmsg, url, "credentials must be USER:PASSWORD or :PASSWORD");
		if (span(u->user, sizeof(u->user), p, colon) ||
		    span(u->password, sizeof(u->password), colon + 1, auth_end))
			return bad(errmsg, url, "user or password too long");
		p = auth_end + 1;
	}

	/* HOST[:PORT], HOST may be [IPv6] */
	if (*p == '[') {
		const char *close = memchr(p, ']', (size_t)(path - p));

		if (!close)
			return bad(errmsg, url, "unclosed [ in the host");
		if (span(u->host, sizeof(u->host), p + 1, close))
			return bad(errmsg, url, "host too long");
		host_end = close + 1;
	} else {
		host_end = memchr(p, ':', (size_t)(path - p));
		if (!host_end)
			host_end = path;
		if (span(u->host, sizeof(u->host), p, host_end))
			return bad(errmsg, url, "host too long");
	}
	if (!u->host[0])
		return bad(errmsg, url, "no host");
	if (host_end < path) {
		if (*host_end != ':' || number(host_end + 1, path, 1, 65535, &v))
			return bad(errmsg, url, "port must be a number from 1 to 65535");
		u->port = (int)v;
	}

	/* /[DB/]KEY */
	const char *pend = query ? query : path + strlen(path);
	const char *seg = path + 1, *slash = memchr(seg, '/', (size_t)(pend - seg));

	if (slash && number(seg, slash, 0, INT_MAX, &v) == 0) {
		u->db = (int)v;
		seg = slash + 1;
	}
	if (seg == pend)
		return bad(errmsg, url, "no list key: give one as redis://HOST/KEY");
	if (span(u->key, sizeof(u->key), seg, pend))
		return bad(errmsg, url, "key longer than 511 bytes");
	if (query && parse_query(query + 1, u, url, errmsg))
		return -EINVAL;
	if (!u->password[0] && getenv("REDISCLI_AUTH"))
		snprintf(u->password, sizeof(u->password), "%s", getenv("REDISCLI_AUTH"));
	shown(u);
	return 0;
}

int jobs_check_url(const char *url, char **errmsg)
{
	struct redis_url u;

	if (!jobs_is_url(url))
		return 0;
	if (strncmp(url, "redis://", 8) == 0 || strncmp(url, "rediss://", 9) == 0)
		return jobs_redis_url_parse(url, &u, errmsg) ? -EINVAL : 0;
	*errmsg = errfmt("%s: unknown queue kind (give a spool directory or a "
			  "redis:// URL)", url);
	return -EINVAL;
}

int jobs_open(const char *input, struct job_queue **out, char **errmsg)
{
	struct redis_url u;
	int ret;

	*out = NULL;
	if (!jobs_is_url(input))
		return jobs_spool_open(input, out, errmsg);
	if (strncmp(input, "redis://", 8) != 0 && strncmp(input, "rediss://", 9) != 0)
		return jobs_check_url(input, errmsg); /* an unknown kind */
	ret = jobs_redis_url_parse(input, &u, errmsg);
	if (ret)
		return ret;
	ret = jobs_redis_open(&u, out, errmsg);
	explicit_bzero(u.password, sizeof(u.password));
	return ret;
}
