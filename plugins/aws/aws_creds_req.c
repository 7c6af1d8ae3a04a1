/*
 * aws_creds_req.c - the requests of a credential fetch (aws_creds_req.h)
 * and the token files they carry. No I/O but reading those files.
 */
#include "aws_creds_req.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define IMDS_CREDS_PATH "/latest/meta-data/iam/security-credentials/"
#define FORM_TYPE "Content-Type: application/x-www-form-urlencoded; charset=utf-8"

static int req_nomem(struct aws_creds_req *r, char *err, size_t errlen)
{
	aws_creds_req_free(r);
	snprintf(err, errlen, "out of memory");
	return -ENOMEM;
}

static void req_wipe(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void aws_creds_req_free(struct aws_creds_req *r)
{
	free(r->url);
	for (size_t i = 0; i < sizeof r->h / sizeof r->h[0]; i++)
		req_wipe(r->h[i]);
	if (r->body)
		explicit_bzero(r->body, r->body_len);
	free(r->body);
	memset(r, 0, sizeof *r);
}

struct scaled_http_request aws_creds_req_http(const struct aws_creds_req *r)
{
	return (struct scaled_http_request){
		.struct_size = sizeof(struct scaled_http_request),
		.method = r->method,
		.url = r->url,
		.headers = (const char *const *)r->h,
		.body = r->body,
		.body_len = r->body_len,
		.timeout_ms = r->timeout_ms,
		.max_response = 64u << 10,
		.max_attempts = r->max_attempts,
		.max_total_ms = r->max_total_ms,
	};
}

/* base without its trailing '/'s, then path and tail. */
static char *req_url(const char *base, const char *path, const char *tail)
{
	size_t n = strlen(base);
	char *url;

	while (n && base[n - 1] == '/')
		n--;
	if (asprintf(&url, "%.*s%s%s", (int)n, base, path, tail ? tail : "") < 0)
		return NULL;
	return url;
}

int aws_creds_req_imds_token(const char *base, struct aws_creds_req *r, char *err,
			     size_t errlen)
{
	memset(r, 0, sizeof *r);
	r->method = "PUT";
	r->timeout_ms = 1000;
	r->max_attempts = 2;
	r->max_total_ms = 4000;
	if (!(r->url = req_url(base, "/latest/api/token", NULL)) ||
	    asprintf(&r->h[0], "X-aws-ec2-metadata-token-ttl-seconds: %d",
		     AWS_CREDS_IMDS_TTL_S) < 0) {
		r->h[0] = NULL;
		return req_nomem(r, err, errlen);
	}
	return 0;
}

int aws_creds_req_imds_get(const char *base, const char *token, const char *role,
			   struct aws_creds_req *r, char *err, size_t errlen)
{
	memset(r, 0, sizeof *r);
	r->method = "GET";
	r->timeout_ms = 1000;
	r->max_attempts = 2;
	r->max_total_ms = 4000;
	if (!(r->url = req_url(base, IMDS_CREDS_PATH, role)) ||
	    asprintf(&r->h[0], "X-aws-ec2-metadata-token: %s", token) < 0) {
		r->h[0] = NULL;
		return req_nomem(r, err, errlen);
	}
	return 0;
}

int aws_creds_req_ecs(const char *url, const char *auth, struct aws_creds_req *r, char *err,
		      size_t errlen)
{
	memset(r, 0, sizeof *r);
	r->method = "GET";
	r->timeout_ms = 2000;
	r->max_attempts = 3;
	r->max_total_ms = 10000;
	for (size_t i = 0; auth && auth[i]; i++)
		if ((unsigned char)auth[i] < 0x20 || auth[i] == 0x7f) {
			snprintf(err, errlen, "the container authorization token holds a control "
				 "byte (a line break?)");
			return -EINVAL;
		}
	if (!(r->url = strdup(url)) ||
	    (auth && asprintf(&r->h[0], "Authorization: %s", auth) < 0)) {
		r->h[0] = NULL;
		return req_nomem(r, err, errlen);
	}
	return 0;
}

/* Action, Version, RoleArn, RoleSessionName, DurationSeconds into f. */
static void req_role_form(struct aws_form *f, const char *action,
			  const struct aws_creds_role *role, const char *session_name)
{
	char dur[24];

	aws_form_add(f, "Action", action);
	aws_form_add(f, "Version", AWS_CREDS_STS_VERSION);
	aws_form_add(f, "RoleArn", role->role_arn);
	aws_form_add(f, "RoleSessionName", role->session_name ? role->session_name
			 : session_name);
	if (role->duration_s > 0) {
		snprintf(dur, sizeof dur, "%ld", role->duration_s);
		aws_form_add(f, "DurationSeconds", dur);
	}
}

int aws_creds_req_assume(struct sigv4_signer *s, const struct aws_endpoint *sts,
			 const struct sigv4_credentials *cred, const char *region,
			 const struct aws_creds_role *role, const char *session_name,
			 int64_t now_ms, struct aws_creds_req *r, char *err, size_t errlen)
{
	struct aws_form f = { 0 };
	struct aws_query_headers hs;
	int rc;

	memset(r, 0, sizeof *r);
	r->method = "POST";
	req_role_form(&f, "AssumeRole", role, session_name);
	if (role->external_id)
		aws_form_add(&f, "ExternalId", role->external_id);
	if (f.failed) {
		aws_form_free(&f);
		return req_nomem(r, err, errlen);
	}
	rc = aws_query_sign(s, sts, cred, region, "sts", f.buf, f.len, now_ms, &hs, err, errlen);
	if (rc < 0) {
		aws_form_free(&f);
		return rc;
	}
	for (size_t i = 0; i < sizeof hs.h / sizeof hs.h[0] && i + 1 < sizeof r->h / sizeof r->h[0];
	     i++) {
		r->h[i] = hs.h[i];
		hs.h[i] = NULL;
	}
	aws_query_headers_free(&hs);
	r->body = f.buf;
	r->body_len = f.len;
	if (!(r->url = strdup(sts->url)))
		return req_nomem(r, err, errlen);
	return 0;
}

int aws_creds_req_web(const struct aws_endpoint *sts, const struct aws_creds_role *role,
		      const char *session_name, const char *token, struct aws_creds_req *r,
		      char *err, size_t errlen)
{
	struct aws_form f = { 0 };

	memset(r, 0, sizeof *r);
	r->method = "POST";
	req_role_form(&f, "AssumeRoleWithWebIdentity", role, session_name);
	aws_form_add(&f, "WebIdentityToken", token);
	r->body = f.buf;
	r->body_len = f.len;
	if (f.failed || !(r->url = strdup(sts->url)) || !(r->h[0] = strdup(FORM_TYPE)))
		return req_nomem(r, err, errlen);
	return 0;
}

static int req_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int aws_creds_req_token_file(const char *what, const char *path, char **out, char *err,
			     size_t errlen)
{
	struct stat st;
	size_t got = 0, b = 0, e;
	char *buf = NULL;
	int fd, rc = 0;

	*out = NULL;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s %s: %s", what, path, strerror(-rc));
		return rc;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		snprintf(err, errlen, "%s %s: not a regular file", what, path);
	} else if (st.st_size <= 0 || (unsigned long long)st.st_size > AWS_CREDS_MAX_TOKEN_FILE) {
		rc = -EINVAL;
		snprintf(err, errlen, "%s %s: %s", what, path, st.st_size <= 0 ? "empty"
			 : "over 64 KiB: not a token");
	} else if (!(buf = malloc((size_t)st.st_size + 1))) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
	}
	while (!rc && got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			snprintf(err, errlen, "%s %s: %s", what, path, strerror(-rc));
		}
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (rc) {
		if (buf)
			explicit_bzero(buf, got);
		free(buf);
		return rc;
	}
	e = got;
	while (b < e && req_space(buf[b]))
		b++;
	while (e > b && req_space(buf[e - 1]))
		e--;
	for (size_t i = b; i < e && !rc; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			rc = -EINVAL;
	if (rc || b == e)
		snprintf(err, errlen, "%s %s: %s", what, path, rc ? "holds a control byte: not "
			 "a token" : "holds only white space");
	if (!rc && b < e) {
		memmove(buf, buf + b, e - b);
		explicit_bzero(buf + (e - b), got - (e - b));
		buf[e - b] = '\0';
		*out = buf;
		return 0;
	}
	explicit_bzero(buf, got);
	free(buf);
	return -EINVAL;
}
