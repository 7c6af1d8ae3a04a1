/*
 * aws_creds_fetch.c - the fetching of credentials (aws_creds_fetch.h): a
 * state machine over host->http_start, one request in flight at a time,
 * its requests built by aws_creds_req.c and its answers read by
 * aws_creds_answer.c. It owns the credentials in use (cur), those of the
 * chain being fetched (next), the IMDSv2 token, and the list of again()
 * callbacks waiting for the fetch in flight.
 */
#include "aws_creds_fetch.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_creds_answer.h"
#include "aws_creds_req.h"
#include "aws_json.h"
#include "aws_plugin.h"

#define host aws_host

#define FETCH_BACKOFF_MS 5000LL      /* after the first failure, doubled after each */
#define FETCH_BACKOFF_MAX_MS 300000LL
#define FETCH_REFRESH_MS 300000LL    /* refresh this long before Expiration (L/2 at most) */
#define FETCH_STALE_MS 10000LL       /* stop using them this long before (L/10 at most) */
#define FETCH_IMDS_TOKEN_MS ((AWS_CREDS_IMDS_TTL_S - 300) * 1000LL)

enum fetch_step { F_IDLE, F_IMDS_TOKEN, F_IMDS_ROLE, F_IMDS_CREDS, F_ECS, F_WEB, F_ROLE };

struct fetch_waiter {
	void (*fn)(void *arg);
	void *arg;
};

struct aws_creds_fetch {
	struct scaled_instance *inst;
	struct aws_creds src;        /* what to fetch (aws_creds_resolve's) */
	char *region;
	struct aws_endpoint sts;     /* url NULL: no STS needed */
	struct sigv4_signer signer;  /* AssumeRole's */

	struct aws_creds_got cur;    /* in use; access_key_id NULL: none yet */
	int64_t refresh_ms, stale_ms;

	void *pending;               /* the request in flight */
	enum fetch_step step;
	size_t role;                 /* F_ROLE: src.roles[role] */
	struct aws_creds_got next;   /* the chain's credentials so far */
	int imds_retried;            /* a 401 made us get a new token once */
	char *imds_token;            /* wiped when freed */
	int64_t imds_token_until;
	char imds_role[AWS_CREDS_MAX_ROLE_NAME + 1];
	char session[32];            /* RoleSessionName when the profile gives none */

	int failures;                /* in a row */
	int64_t retry_ms;            /* no fetch before this after a failure */
	int error_rc;
	char error[256];             /* the last failure, "credentials: ..."; "" after a success */

	struct fetch_waiter w[AWS_CREDS_FETCH_WAITERS];
	size_t n_w;
};

static void fetch_wipe(char **s)
{
	if (*s) {
		explicit_bzero(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

int aws_creds_fetch_new(struct aws_creds_fetch **out, struct scaled_instance *inst,
			struct aws_creds *creds, const char *region, const char *sts_url,
			char *err, size_t errlen)
{
	struct aws_creds_fetch *f = calloc(1, sizeof *f);
	char url[128];
	int rc = 0;

	*out = NULL;
	if (!f || !(f->region = strdup(region))) {
		snprintf(err, errlen, "out of memory");
		rc = -ENOMEM;
	} else if (creds->kind == AWS_CREDS_STATIC && !creds->n_roles) {
		snprintf(err, errlen, "credentials: static keys: nothing to fetch");
		rc = -EINVAL;
	} else if (creds->n_roles || creds->kind == AWS_CREDS_NEEDS_WEB_IDENTITY) {
		if (!sts_url) {
			snprintf(url, sizeof url, "https://sts.%s.amazonaws.com", region);
			sts_url = url;
		}
		rc = aws_endpoint_parse(sts_url, &f->sts, err, errlen);
	}
	if (rc < 0) {
		aws_creds_free(creds);
		if (f)
			free(f->region);
		free(f);
		return rc;
	}
	f->inst = inst;
	f->src = *creds;
	memset(creds, 0, sizeof *creds);
	sigv4_signer_init(&f->signer);
	*out = f;
	return 0;
}

void aws_creds_fetch_free(struct aws_creds_fetch *f)
{
	if (!f)
		return;
	host->http_cancel(f->pending);
	aws_creds_free(&f->src);
	free(f->region);
	aws_endpoint_free(&f->sts);
	sigv4_signer_clear(&f->signer);
	aws_creds_got_free(&f->cur);
	aws_creds_got_free(&f->next);
	fetch_wipe(&f->imds_token);
	explicit_bzero(f, sizeof *f);
	free(f);
}

struct sigv4_credentials aws_creds_fetch_cred(const struct aws_creds_fetch *f)
{
	struct sigv4_credentials c = { f->cur.access_key_id, f->cur.secret_access_key,
				       f->cur.session_token };

	return c;
}

/* Run the again() callbacks waiting, each once; they may wait again. */
static void fetch_wake(struct aws_creds_fetch *f)
{
	struct fetch_waiter w[AWS_CREDS_FETCH_WAITERS];
	size_t n = f->n_w;

	memcpy(w, f->w, n * sizeof *w);
	f->n_w = 0;
	for (size_t i = 0; i < n; i++)
		w[i].fn(w[i].arg);
}

/* What the credentials are, for the log: "IMDSv2 (role 'r'), then STS
 * AssumeRole arn:..." */
static void fetch_source(const struct aws_creds_fetch *f, char *buf, size_t len)
{
	size_t n;

	snprintf(buf, len, "%s", aws_creds_kind_name(f->src.kind));
	n = strlen(buf);
	if (f->src.kind == AWS_CREDS_NEEDS_IMDS && f->imds_role[0])
		snprintf(buf + n, len - n, " (role '%s')", f->imds_role);
	else if (f->src.kind == AWS_CREDS_NEEDS_WEB_IDENTITY)
		snprintf(buf + n, len - n, " of %s", f->src.web.role_arn);
	for (size_t i = 0; i < f->src.n_roles; i++) {
		n = strlen(buf);
		snprintf(buf + n, len - n, ", then STS AssumeRole %s", f->src.roles[i].role_arn);
	}
}

static void fetch_succeed(struct aws_creds_fetch *f)
{
	int64_t now = host->now_ms(f->inst), life, lead, stale;
	const char *id;
	char src[512], exp[32], ref[32];

	aws_creds_got_free(&f->cur);
	f->cur = f->next;
	memset(&f->next, 0, sizeof f->next);
	life = f->cur.expires_ms - now;
	lead = life / 2 < FETCH_REFRESH_MS ? life / 2 : FETCH_REFRESH_MS;
	stale = life / 10 < FETCH_STALE_MS ? life / 10 : FETCH_STALE_MS;
	f->refresh_ms = f->cur.expires_ms - lead;
	f->stale_ms = f->cur.expires_ms - stale;
	f->failures = 0;
	f->retry_ms = 0;
	f->error[0] = '\0';
	fetch_source(f, src, sizeof src);
	id = f->cur.access_key_id;
	aws_query_time(f->cur.expires_ms, exp);
	aws_query_time(f->refresh_ms, ref);
	/* the key id's end, as the AWS CLI shows it; never the secret */
	host->log(f->inst, SCALED_LOG_INFO, "credentials from %s: access key id ...%s, "
		  "expire %s, refreshed from %s", src, id + (strlen(id) > 4 ? strlen(id) - 4 : 0),
		  exp, ref);
	fetch_wake(f);
}

/* The fetch failed: why (never a secret). Logged once per distinct
 * reason; no new fetch before the backoff. */
static void fetch_fail(struct aws_creds_fetch *f, int rc, const char *why)
{
	int64_t now = host->now_ms(f->inst), wait = FETCH_BACKOFF_MS;
	int usable = f->cur.access_key_id && now < f->stale_ms;
	char msg[sizeof f->error], until[32];

	for (int i = 0; i < f->failures && wait < FETCH_BACKOFF_MAX_MS; i++)
		wait *= 2;
	if (wait > FETCH_BACKOFF_MAX_MS)
		wait = FETCH_BACKOFF_MAX_MS;
	f->failures++;
	f->retry_ms = now + wait;
	f->error_rc = rc < 0 ? rc : -EIO;
	aws_creds_got_free(&f->next);
	snprintf(msg, sizeof msg, "credentials: %s", why);
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	if (strcmp(msg, f->error)) {
		if (usable) {
			aws_query_time(f->stale_ms, until);
			host->log(f->inst, SCALED_LOG_WARN, "%s; the current ones are used until "
				  "%s; next try in %lld s", msg, until, (long long)(wait / 1000));
		} else {
			host->log(f->inst, SCALED_LOG_ERROR, "%s; next try in %lld s", msg,
				  (long long)(wait / 1000));
		}
	}
	snprintf(f->error, sizeof f->error, "%s", msg);
	fetch_wake(f);
}

static void fetch_done(void *arg, const struct scaled_http_response *res);

/* Start req as the fetch's step: 0, or a negative errno with why. */
static int fetch_send(struct aws_creds_fetch *f, enum fetch_step step, struct aws_creds_req *req,
		      char *why, size_t whylen)
{
	struct scaled_http_request http = aws_creds_req_http(req);

	f->step = step;
	f->pending = host->http_start(f->inst, &http, fetch_done, f, why, whylen);
	aws_creds_req_free(req);
	return f->pending ? 0 : -EIO;
}

/* The next role of the chain, or the end. */
static int fetch_roles(struct aws_creds_fetch *f, char *why, size_t whylen)
{
	struct sigv4_credentials cred = { f->next.access_key_id, f->next.secret_access_key,
					  f->next.session_token };
	struct aws_creds_req req;
	int rc;

	if (f->role >= f->src.n_roles) {
		fetch_succeed(f);
		return 0;
	}
	rc = aws_creds_req_assume(&f->signer, &f->sts, &cred, f->region, &f->src.roles[f->role],
				  f->session, host->now_ms(f->inst), &req, why, whylen);
	return rc < 0 ? rc : fetch_send(f, F_ROLE, &req, why, whylen);
}

static int fetch_imds(struct aws_creds_fetch *f, char *why, size_t whylen)
{
	int have = f->imds_token && host->now_ms(f->inst) < f->imds_token_until;
	struct aws_creds_req req;
	int rc;

	/* the token is kept for its life (less 5 min): one PUT per 6 hours */
	if (have)
		rc = aws_creds_req_imds_get(f->src.url, f->imds_token, NULL, &req, why, whylen);
	else
		rc = aws_creds_req_imds_token(f->src.url, &req, why, whylen);
	if (rc < 0)
		return rc;
	return fetch_send(f, have ? F_IMDS_ROLE : F_IMDS_TOKEN, &req, why, whylen);
}

/* The first step of a fetch. */
static int fetch_begin(struct aws_creds_fetch *f, char *why, size_t whylen)
{
	const char *file = f->src.kind == AWS_CREDS_NEEDS_ECS ? f->src.auth_token_file
			   : f->src.token_file;
	const char *fname = f->src.kind == AWS_CREDS_NEEDS_ECS
			    ? "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"
			    : "the web identity token file";
	struct aws_creds_req req;
	char *token = NULL;
	int rc;

	aws_creds_got_free(&f->next);
	f->role = 0;
	f->imds_retried = 0;
	snprintf(f->session, sizeof f->session, "scaled-%lld",
		 (long long)(host->now_ms(f->inst) / 1000));
	if ((f->src.kind == AWS_CREDS_NEEDS_ECS || f->src.kind == AWS_CREDS_NEEDS_WEB_IDENTITY) &&
	    file && (rc = aws_creds_req_token_file(fname, file, &token, why, whylen)) < 0)
		return rc;
	switch (f->src.kind) {
	case AWS_CREDS_STATIC:
		f->next.access_key_id = strdup(f->src.access_key_id);
		f->next.secret_access_key = strdup(f->src.secret_access_key);
		f->next.session_token = f->src.session_token ? strdup(f->src.session_token) : NULL;
		if (!f->next.access_key_id || !f->next.secret_access_key ||
		    (f->src.session_token && !f->next.session_token)) {
			snprintf(why, whylen, "out of memory");
			return -ENOMEM;
		}
		return fetch_roles(f, why, whylen);
	case AWS_CREDS_NEEDS_ECS:
		rc = aws_creds_req_ecs(f->src.url, token ? token : f->src.auth_token, &req, why,
				       whylen);
		fetch_wipe(&token);
		return rc < 0 ? rc : fetch_send(f, F_ECS, &req, why, whylen);
	case AWS_CREDS_NEEDS_IMDS:
		return fetch_imds(f, why, whylen);
	case AWS_CREDS_NEEDS_WEB_IDENTITY:
		rc = aws_creds_req_web(&f->sts, &f->src.web, f->session, token, &req, why, whylen);
		fetch_wipe(&token);
		return rc < 0 ? rc : fetch_send(f, F_WEB, &req, why, whylen);
	}
	fetch_wipe(&token);
	snprintf(why, whylen, "nothing to fetch");
	return -EINVAL;
}

/* A failed HTTP exchange in words: the transport's reason, or the status
 * (never the body, which could echo a header). */
static void fetch_http_why(const char *what, const struct scaled_http_response *res, char *why,
			   size_t whylen)
{
	if (res->status >= 200 && res->status <= 299 && !res->error)
		snprintf(why, whylen, "%s: no error", what);
	else if (res->status == 0 || (res->status >= 200 && res->status <= 299)) {
		/* the transport's reason, cut to what why holds */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-truncation"
		snprintf(why, whylen, "%s: %.160s", what, res->error ? res->error : "no answer");
#pragma GCC diagnostic pop
	}
	else
		snprintf(why, whylen, "%s: HTTP %ld", what, res->status);
}

static int fetch_ok(const struct scaled_http_response *res)
{
	return !res->error && res->status >= 200 && res->status <= 299;
}

/* One IMDS answer: the next step, or a failure. */
static int fetch_imds_done(struct aws_creds_fetch *f, const struct scaled_http_response *res,
			   char *why, size_t whylen)
{
	struct aws_creds_req req;
	char what[160];
	int rc;

	if (f->step == F_IMDS_TOKEN) {
		if (!fetch_ok(res)) {
			fetch_http_why("IMDS: PUT /latest/api/token", res, why, whylen);
			return -EIO;
		}
		fetch_wipe(&f->imds_token);
		if ((rc = aws_creds_answer_token(res->body, res->body_len, &f->imds_token, why,
						 whylen)) < 0)
			return rc;
		f->imds_token_until = host->now_ms(f->inst) + FETCH_IMDS_TOKEN_MS;
		return fetch_imds(f, why, whylen);
	}
	snprintf(what, sizeof what, "IMDS: GET /latest/meta-data/iam/security-credentials/%s",
		 f->step == F_IMDS_CREDS ? f->imds_role : "");
	if (res->status == 401 && !f->imds_retried) {
		/* the token expired or was revoked: a new one, once */
		f->imds_retried = 1;
		fetch_wipe(&f->imds_token);
		return fetch_imds(f, why, whylen);
	}
	if (!fetch_ok(res)) {
		fetch_http_why(what, res, why, whylen);
		if (res->status == 404 && f->step == F_IMDS_ROLE)
			snprintf(why + strlen(why), whylen - strlen(why), " (no IAM role attached "
				 "to the instance?)");
		return -EIO;
	}
	if (f->step == F_IMDS_ROLE) {
		rc = aws_creds_answer_role(res->body, res->body_len, f->imds_role,
					   sizeof f->imds_role, why, whylen);
		if (rc == 0 && (rc = aws_creds_req_imds_get(f->src.url, f->imds_token, f->imds_role,
							    &req, why, whylen)) == 0)
			rc = fetch_send(f, F_IMDS_CREDS, &req, why, whylen);
		return rc;
	}
	rc = aws_creds_answer_json(res->body, res->body_len, "IMDS", host->now_ms(f->inst),
				   &f->next, why, whylen);
	return rc < 0 ? rc : fetch_roles(f, why, whylen);
}

/* The ECS endpoint's answer. */
static int fetch_ecs_done(struct aws_creds_fetch *f, const struct scaled_http_response *res,
			  char *why, size_t whylen)
{
	char aws[200];
	int rc;

	if (!fetch_ok(res)) {
		fetch_http_why("ECS: GET", res, why, whylen);
		/* the agent says why: {"code": ..., "message": ...} */
		if (res->status >= 400 && aws_json_error(res->body, res->body_len, aws,
							 sizeof aws) == 0)
			snprintf(why + strlen(why), whylen - strlen(why), ": %s", aws);
		return res->status == 401 || res->status == 403 ? -EACCES : -EIO;
	}
	rc = aws_creds_answer_json(res->body, res->body_len, "ECS", host->now_ms(f->inst),
				   &f->next, why, whylen);
	return rc < 0 ? rc : fetch_roles(f, why, whylen);
}

/* STS's answer (AssumeRole or AssumeRoleWithWebIdentity). */
static int fetch_sts_done(struct aws_creds_fetch *f, const struct scaled_http_response *res,
			  char *why, size_t whylen)
{
	const char *arn = f->step == F_WEB ? f->src.web.role_arn : f->src.roles[f->role].role_arn;
	int web = f->step == F_WEB;
	size_t n;
	int rc;

	if (res->status == 0 || (res->error && res->body_len == 0)) {
		fetch_http_why(web ? "AssumeRoleWithWebIdentity" : "AssumeRole", res, why, whylen);
		rc = -EIO;
	} else {
		aws_creds_got_free(&f->next); /* the keys that signed it are spent */
		rc = aws_creds_answer_sts(res->body, res->body_len, web, host->now_ms(f->inst),
					  &f->next, why, whylen);
		if (rc == 0 && !fetch_ok(res)) {
			aws_creds_got_free(&f->next);
			fetch_http_why(web ? "AssumeRoleWithWebIdentity" : "AssumeRole", res, why,
				       whylen);
			rc = -EIO;
		} else if (rc == -EBADMSG && !fetch_ok(res)) {
			/* not STS's XML: say the status, not the parser's complaint */
			fetch_http_why(web ? "AssumeRoleWithWebIdentity" : "AssumeRole", res, why,
				       whylen);
			rc = -EIO;
		}
	}
	if (rc < 0) {
		n = strlen(why);
		snprintf(why + n, whylen - n, " (role %s)", arn);
		return rc;
	}
	if (!web)
		f->role++;
	return fetch_roles(f, why, whylen);
}

static void fetch_done(void *arg, const struct scaled_http_response *res)
{
	struct aws_creds_fetch *f = arg;
	char why[256] = "";
	int rc;

	f->pending = NULL;
	if (res->status == 0 && res->error && !strncmp(res->error, "cancelled", 9)) {
		/* the engine stopped running (plugin.h): not a failure of the
		 * source (no backoff), but the waiters hear of it now, so that an
		 * apply waiting on the credentials ends in this run; until the
		 * clock moves on they are told so, then a next run fetches anew */
		aws_creds_got_free(&f->next);
		f->step = F_IDLE;
		snprintf(f->error, sizeof f->error, "cancelled: the engine stopped running "
			 "before the credentials came");
		f->error_rc = -ECANCELED;
		f->retry_ms = host->now_ms(f->inst) + 1;
		fetch_wake(f);
		return;
	}
	switch (f->step) {
	case F_IMDS_TOKEN:
	case F_IMDS_ROLE:
	case F_IMDS_CREDS:
		rc = fetch_imds_done(f, res, why, sizeof why);
		break;
	case F_ECS:
		rc = fetch_ecs_done(f, res, why, sizeof why);
		break;
	case F_WEB:
	case F_ROLE:
		rc = fetch_sts_done(f, res, why, sizeof why);
		break;
	default:
		rc = -EINVAL;
		snprintf(why, sizeof why, "an answer to no request");
	}
	if (rc < 0)
		fetch_fail(f, rc, why);
}

/* Start a fetch now: 0 (in flight, or done at once), or its failure
 * (recorded). */
static int fetch_start(struct aws_creds_fetch *f)
{
	char why[256] = "";
	int rc = fetch_begin(f, why, sizeof why);

	if (rc < 0)
		fetch_fail(f, rc, why);
	return rc;
}

int aws_creds_fetch_ready(struct aws_creds_fetch *f, void (*again)(void *arg), void *arg,
			  char *err, size_t errlen)
{
	int64_t now = host->now_ms(f->inst);
	size_t i;

	if (f->cur.access_key_id && now < f->stale_ms) {
		if (!f->pending && now >= f->refresh_ms && now >= f->retry_ms)
			fetch_start(f); /* a failure is logged; these serve meanwhile */
		return 0;
	}
	if (!f->pending) {
		if (f->error[0] && now < f->retry_ms) {
			snprintf(err, errlen, "%s", f->error);
			return f->error_rc;
		}
		if (fetch_start(f) < 0) {
			snprintf(err, errlen, "%s", f->error);
			return f->error_rc;
		}
		if (!f->pending) /* done at once: nothing was fetched */
			return f->cur.access_key_id ? 0 : -EIO;
	}
	for (i = 0; i < f->n_w; i++)
		if (f->w[i].fn == again && f->w[i].arg == arg)
			return -EAGAIN;
	if (f->n_w == AWS_CREDS_FETCH_WAITERS) {
		snprintf(err, errlen, "credentials: more than %d callers wait for them",
			 AWS_CREDS_FETCH_WAITERS);
		return -EBUSY;
	}
	f->w[f->n_w].fn = again;
	f->w[f->n_w++].arg = arg;
	return -EAGAIN;
}
