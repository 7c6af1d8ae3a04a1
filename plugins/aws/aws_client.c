/*
 * aws_client.c - one AWS service as a kind talks to it (aws_client.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_client.h"
#include "aws_plugin.h"
#include "aws_values.h"

#define host aws_host

void aws_client_init(struct aws_client *c, struct scaled_instance *inst, const char *service,
		     const char *action)
{
	memset(c, 0, sizeof *c);
	c->inst = inst;
	c->service = service;
	c->action = action;
	sigv4_signer_init(&c->signer);
}

void aws_client_clear(struct aws_client *c)
{
	free(c->region);
	aws_endpoint_free(&c->ep);
	aws_creds_free(&c->creds);
	sigv4_signer_clear(&c->signer);
	free(c->last_error);
	aws_creds_fetch_free(c->fetch);
	c->region = NULL;
	c->last_error = NULL;
	c->fetch = NULL;
}

static const char *client_getenv(void *ctx, const char *name)
{
	(void)ctx;
	return getenv(name);
}

int aws_client_resolve(struct aws_client *c, const char *env_name, const char *profile,
		       const char *region_key, const char *endpoint_key, char *err, size_t errlen)
{
	struct aws_creds_env env = { client_getenv, NULL };
	struct aws_creds_config cc;
	struct aws_creds_value region = { 0 }, endpoint = { 0 }, sts = { 0 };
	char line[1024];
	int rc;

	rc = aws_creds_config_load(&cc, &env, profile, err, errlen);
	if (rc < 0)
		return rc;
	if ((rc = aws_creds_resolve(&cc, &c->creds, err, errlen)) < 0 ||
	    (rc = aws_creds_region(&cc, region_key, &region, err, errlen)) < 0 ||
	    (rc = aws_creds_endpoint(&cc, endpoint_key, env_name, &endpoint, err, errlen)) < 0)
		goto out;
	c->region = region.value;
	region.value = NULL;
	if (endpoint.value) {
		rc = aws_endpoint_parse(endpoint.value, &c->ep, err, errlen);
	} else {
		char url[128];

		snprintf(url, sizeof url, "https://%s.%s.amazonaws.com", c->service, c->region);
		rc = aws_endpoint_parse(url, &c->ep, err, errlen);
	}
	if (rc == 0 && (c->creds.kind != AWS_CREDS_STATIC || c->creds.n_roles)) {
		aws_creds_describe(&c->creds, line, sizeof line);
		if ((c->creds.n_roles || c->creds.kind == AWS_CREDS_NEEDS_WEB_IDENTITY) &&
		    (rc = aws_creds_endpoint(&cc, NULL, "STS", &sts, err, errlen)) < 0)
			goto out;
		rc = aws_creds_fetch_new(&c->fetch, c->inst, &c->creds, c->region, sts.value, err,
					 errlen);
		if (rc == 0)
			host->log(c->inst, SCALED_LOG_INFO, "credentials: %s%s%s; fetched at the "
				  "first request", line, sts.value ? "; STS at " : "",
				  sts.value ? sts.value : "");
	}
	if (rc == 0)
		host->log(c->inst, SCALED_LOG_INFO, "%s in %s at %s (region from %s)",
			  c->fetch ? "fetched credentials" : aws_creds_kind_name(c->creds.kind),
			  c->region, c->ep.url, region.origin);
out:
	aws_creds_value_free(&region);
	aws_creds_value_free(&endpoint);
	aws_creds_value_free(&sts);
	aws_creds_config_free(&cc);
	return rc;
}

int aws_client_timeout(struct aws_client *c, const struct scaled_value *v, char *err,
		       size_t errlen)
{
	if (v->u.ms < 100 || v->u.ms > 120000) {
		snprintf(err, errlen, "timeout: want 100ms to 2m for each attempt of a request, "
			 "not %lld ms", (long long)v->u.ms);
		return -EINVAL;
	}
	c->timeout_ms = v->u.ms;
	return 0;
}

int aws_client_ready(struct aws_client *c, void (*again)(void *arg), void *arg, char *err,
		     size_t errlen)
{
	/* static keys are always ready; fetched ones as the fetcher says */
	return c->fetch ? aws_creds_fetch_ready(c->fetch, again, arg, err, errlen) : 0;
}

struct sigv4_credentials aws_client_cred(const struct aws_client *c)
{
	struct sigv4_credentials cred = { c->creds.access_key_id, c->creds.secret_access_key,
					  c->creds.session_token };

	return c->fetch ? aws_creds_fetch_cred(c->fetch) : cred;
}

/* Whether a and b say the same but for their numbers ("timed out after
 * 500 ms" and "... 503 ms" are one error, not two). */
static int same_but_numbers(const char *a, const char *b)
{
	for (;;) {
		while (*a >= '0' && *a <= '9')
			a++;
		while (*b >= '0' && *b <= '9')
			b++;
		if (*a != *b)
			return 0;
		if (!*a)
			return 1;
		a++, b++;
	}
}

void aws_client_fail(struct aws_client *c, const char *text)
{
	char msg[1024];
	size_t n = strlen(c->action);
	int stopping;

	/* whatever the kind's reader did: never the signed headers AWS quotes */
	snprintf(msg, sizeof msg, "%s", text);
	aws_values_cut_details(msg);
	/* the HTTP client's word for a request ended by the engine's stop */
	stopping = strncmp(msg, "cancelled:", 10) == 0;

	if (c->last_error && same_but_numbers(c->last_error, msg))
		return;
	if (strncmp(msg, c->action, n) == 0 && msg[n] == ':')
		host->log(c->inst, stopping ? SCALED_LOG_INFO : SCALED_LOG_ERROR, "%s", msg);
	else
		host->log(c->inst, stopping ? SCALED_LOG_INFO : SCALED_LOG_ERROR, "%s: %s",
			  c->action, msg);
	free(c->last_error);
	c->last_error = strdup(msg);
}

int aws_client_recovered(struct aws_client *c)
{
	if (!c->last_error)
		return 0;
	free(c->last_error);
	c->last_error = NULL;
	return 1;
}

int aws_client_collect_rc(const struct aws_client *c, int rc, char *err, size_t errlen)
{
	if (rc == 0 && c->last_error) {
		/* still failing: say so to the core too (it counts failures) */
		snprintf(err, errlen, "%s", c->last_error);
		return -EIO;
	}
	return rc;
}
