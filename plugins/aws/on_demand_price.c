/*
 * on_demand_price.c - the source aws.on_demand_price (docs/aws.on_demand_price.md): EC2
 * on-demand prices per instance type, published as "<source>.<type>" (dots
 * of the type made '_') and the cheapest as the source's own series, as
 * aws.spot_price names its pools. Two ways, chosen by the keys: `prices`, a
 * table in the farm (no network); or the Price List Query API's
 * GetProducts (aws_pricing_answer.c), one instance type after the other,
 * NextToken pages followed, one request in flight at a time. Prices change
 * rarely: AWS is asked every `refresh` (12h), and each collect publishes the
 * prices known, so that the series stay fresh in between; a failed refresh
 * keeps them and is tried again after a backoff (1 min, doubling, at most
 * `refresh`).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_answers.h"
#include "aws_call.h"
#include "aws_client.h"
#include "aws_plugin.h"
#include "aws_pricing_answer.h"

#define host aws_host

#define ODP_MAX_TYPES 64
#define ODP_MAX_TYPE 32      /* bytes of one, with its NUL */
#define ODP_MAX_PAGES 10     /* pages followed per type */
#define ODP_BACKOFF_MS 60000 /* the first retry after a failed refresh */
#define ODP_TYPE "application/x-amz-json-1.1"
#define ODP_TARGET "AWSPriceListService.GetProducts"

enum { K_TYPES, K_PRICES, K_OS, K_REFRESH, K_PRICING_REGION, K_REGION, K_PROFILE, K_ENDPOINT,
       K_TIMEOUT };

static const struct scaled_key odp_keys[] = {
	[K_TYPES] = { "instance_types", SCALED_KEY_STRING, NULL, 0,
		      "comma-separated instance types whose prices the Pricing API gives" },
	[K_PRICES] = { "prices", SCALED_KEY_STRING, NULL, 0,
		       "a price table instead of the API: \"m5.large=0.096,c5.large=0.085\"" },
	[K_OS] = { "operating_system", SCALED_KEY_STRING, "Linux", 0,
		   "the price list's operatingSystem: Linux, Windows, RHEL, SUSE, ..." },
	[K_REFRESH] = { "refresh", SCALED_KEY_DURATION, "12h", 0,
			"how often the Pricing API is asked (prices change rarely)" },
	[K_PRICING_REGION] = { "pricing_region", SCALED_KEY_ENUM, "us-east-1", 0,
			       "the Pricing API's own region (its endpoint and signature)" },
	[K_REGION] = { "region", SCALED_KEY_STRING, NULL, 0,
		       "the region whose prices; default AWS_REGION, AWS_DEFAULT_REGION, the "
		       "profile's" },
	[K_PROFILE] = AWS_CLIENT_KEY_PROFILE,
	[K_ENDPOINT] = AWS_CLIENT_KEY_ENDPOINT("PRICING"),
	[K_TIMEOUT] = AWS_CLIENT_KEY_TIMEOUT,
	{ NULL, 0, NULL, 0, NULL },
};

static const struct scaled_key_limit odp_limits[] = {
	{ .key = "refresh", .min = "1m", .max = "7d" },
	{ .key = "pricing_region",
	  .choices = (const char *const[]){ "us-east-1", "eu-central-1", "ap-south-1", NULL } },
	{ 0 },
};

struct odp {
	struct aws_client c;    /* the API's: endpoint, credentials, errors once */
	bool api;               /* false: the farm's table */
	char types[ODP_MAX_TYPES][ODP_MAX_TYPE];
	double price[ODP_MAX_TYPES]; /* USD per hour; < 0 not known */
	size_t n_types;
	char *region;           /* whose prices (regionCode) */
	char *os;
	int64_t refresh_ms, next_ms; /* when to ask AWS next */
	int fails;              /* refreshes failed in a row */
	void *pending;          /* the request in flight */
	bool busy;              /* a refresh is under way */
	size_t at;              /* the type being asked for */
	int pages;
	double least;           /* the type's least price so far, < 0 none */
	double fetched[ODP_MAX_TYPES];
	char missing[160];      /* types AWS gave no price for, this refresh */
};

static void odp_free(struct odp *o)
{
	if (!o)
		return;
	free(o->region);
	free(o->os);
	aws_client_clear(&o->c);
	free(o);
}

/* One item of a list: 1 to ODP_MAX_TYPE - 1 of [a-z0-9.-], not seen before. */
static int odp_type(struct odp *o, const char *key, const char *b, size_t len, char *err,
		    size_t errlen)
{
	size_t i;

	if (len == 0 || len >= ODP_MAX_TYPE) {
		snprintf(err, errlen, "%s: an instance type must be 1 to %d characters, not \"%.*s\"",
			 key, ODP_MAX_TYPE - 1, (int)(len > 40 ? 40 : len), b);
		return -EINVAL;
	}
	for (i = 0; i < len; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789.-", b[i]) || !b[i]) {
			snprintf(err, errlen, "%s: \"%.*s\" is not an instance type: want lower-case "
				 "letters, digits, '.', '-'", key, (int)len, b);
			return -EINVAL;
		}
	for (i = 0; i < o->n_types; i++)
		if (strlen(o->types[i]) == len && memcmp(o->types[i], b, len) == 0) {
			snprintf(err, errlen, "%s: \"%.*s\" is given twice", key, (int)len, b);
			return -EINVAL;
		}
	if (o->n_types == ODP_MAX_TYPES) {
		snprintf(err, errlen, "%s: more than %d instance types", key, ODP_MAX_TYPES);
		return -EINVAL;
	}
	memcpy(o->types[o->n_types], b, len);
	o->types[o->n_types][len] = '\0';
	o->price[o->n_types++] = -1;
	return 0;
}

static const char *odp_trim(const char *b, const char **e)
{
	while (b < *e && *b == ' ')
		b++;
	while (*e > b && (*e)[-1] == ' ')
		(*e)--;
	return b;
}

/* "a, b" (instance_types) or "a=0.1, b=0.2" (prices) into o. */
static int odp_list(struct odp *o, const char *key, const char *s, bool priced, char *err,
		    size_t errlen)
{
	const char *p = s;
	char num[32], why[128];
	int rc;

	for (;;) {
		const char *end = p + strcspn(p, ","), *eq, *b, *e, *vb, *ve;

		eq = priced ? memchr(p, '=', (size_t)(end - p)) : NULL;
		if (priced && !eq) {
			snprintf(err, errlen, "%s: want \"type=price\" items, like \"m5.large=0.096\"; "
				 "\"%.*s\" has no '='", key, (int)((end - p) > 40 ? 40 : end - p), p);
			return -EINVAL;
		}
		e = eq ? eq : end;
		b = odp_trim(p, &e);
		if ((rc = odp_type(o, key, b, (size_t)(e - b), err, errlen)) < 0)
			return rc;
		if (priced) {
			ve = end;
			vb = odp_trim(eq + 1, &ve);
			snprintf(num, sizeof num, "%.*s", (int)(ve - vb), vb);
			if ((size_t)(ve - vb) >= sizeof num ||
			    aws_answers_decimal(num, "price", &o->price[o->n_types - 1], why,
						sizeof why) < 0 ||
			    !(o->price[o->n_types - 1] > 0) || o->price[o->n_types - 1] >= 1e6) {
				snprintf(err, errlen, "%s: the price of %s must be a plain decimal "
					 "number of dollars per hour above 0 and below 1000000, not "
					 "\"%.*s\"", key, o->types[o->n_types - 1],
					 (int)((ve - vb) > 40 ? 40 : ve - vb), vb);
				return -EINVAL;
			}
		}
		if (!*end)
			return 0;
		p = end + 1;
	}
}

static const char *odp_getenv(void *ctx, const char *name)
{
	(void)ctx;
	return getenv(name);
}

/* The API's client, and the region whose prices. */
static int odp_api(struct odp *o, const struct scaled_value *cfg, char *err, size_t errlen)
{
	struct aws_creds_env env = { odp_getenv, NULL };
	struct aws_creds_config cc;
	struct aws_creds_value region = { 0 };
	const char *os = cfg[K_OS].u.str;
	size_t i;
	int rc;

	for (i = 0; os[i]; i++)
		if ((unsigned char)os[i] < 0x20 || os[i] == 0x7f)
			break;
	if (!*os || os[i] || i > 64) {
		snprintf(err, errlen, "operating_system: want 1 to 64 printable characters, like "
			 "\"Linux\"");
		return -EINVAL;
	}
	if (!(o->os = strdup(os))) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = aws_creds_config_load(&cc, &env, AWS_KEY_OR_NULL(cfg[K_PROFILE]), err, errlen);
	if (rc < 0)
		return rc;
	rc = aws_creds_region(&cc, AWS_KEY_OR_NULL(cfg[K_REGION]), &region, err, errlen);
	o->region = region.value;
	region.value = NULL;
	aws_creds_value_free(&region);
	aws_creds_config_free(&cc);
	if (rc < 0)
		return rc;
	/* The API lives in a few regions of its own, at api.pricing.REGION:
	 * the client's region is that one, its service named so only while
	 * the endpoint is made. */
	rc = aws_client_timeout(&o->c, &cfg[K_TIMEOUT], err, errlen);
	if (rc < 0)
		return rc;
	o->c.service = "api.pricing";
	rc = aws_client_resolve(&o->c, "PRICING", AWS_KEY_OR_NULL(cfg[K_PROFILE]),
				cfg[K_PRICING_REGION].u.str, AWS_KEY_OR_NULL(cfg[K_ENDPOINT]), err,
				errlen);
	o->c.service = "pricing";
	return rc;
}

static int odp_create(struct scaled_instance *inst, const struct scaled_value *cfg,
		      void **state, char *err, size_t errlen)
{
	struct odp *o;
	int rc;

	if (cfg[K_TYPES].set == cfg[K_PRICES].set) {
		snprintf(err, errlen, "give instance_types (the Pricing API) or prices (a table), "
			 "one of the two");
		return -EINVAL;
	}
	o = calloc(1, sizeof *o);
	if (!o) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	aws_client_init(&o->c, inst, "pricing", "GetProducts");
	o->api = cfg[K_TYPES].set;
	o->refresh_ms = cfg[K_REFRESH].u.ms;
	if (o->api)
		rc = odp_list(o, "instance_types", cfg[K_TYPES].u.str, false, err, errlen);
	else
		rc = odp_list(o, "prices", cfg[K_PRICES].u.str, true, err, errlen);
	if (rc == 0 && o->api)
		rc = odp_api(o, cfg, err, errlen);
	if (rc < 0) {
		odp_free(o);
		return rc;
	}
	*state = o;
	return 0;
}

static void odp_destroy(void *state)
{
	struct odp *o = state;

	host->http_cancel(o->pending);
	odp_free(o);
}

/* The prices known, at now: each type's, and the least as the source's.
 * How many were known. */
static size_t odp_publish(struct odp *o)
{
	int64_t now = host->now_ms(o->c.inst);
	char suffix[ODP_MAX_TYPE];
	double least = -1;
	size_t i, k, n = 0;

	for (i = 0; i < o->n_types; i++) {
		if (o->price[i] < 0)
			continue;
		snprintf(suffix, sizeof suffix, "%s", o->types[i]);
		for (k = 0; suffix[k]; k++)
			if (suffix[k] == '.')
				suffix[k] = '_';
		host->publish(o->c.inst, suffix, now, o->price[i]);
		if (least < 0 || o->price[i] < least)
			least = o->price[i];
		n++;
	}
	if (least >= 0)
		host->publish(o->c.inst, NULL, now, least);
	return n;
}

static void odp_failed(struct odp *o, const char *why)
{
	int64_t wait = (int64_t)ODP_BACKOFF_MS << (o->fails < 20 ? o->fails : 20);

	o->busy = false;
	o->fails++;
	o->next_ms = host->now_ms(o->c.inst) + (wait < o->refresh_ms ? wait : o->refresh_ms);
	aws_client_fail(&o->c, why);
}

static int odp_request(struct odp *o, const char *next_token, char *err, size_t errlen);

/* One type asked for to the last page: its price, and on to the next type
 * or the end of the refresh. */
static void odp_type_done(struct odp *o)
{
	char err[256];
	size_t i, n;

	o->fetched[o->at] = o->least;
	if (o->least < 0) {
		n = strlen(o->missing);
		snprintf(o->missing + n, sizeof o->missing - n, "%s%s", n ? ", " : "", o->types[o->at]);
	}
	if (++o->at < o->n_types) {
		o->least = -1;
		o->pages = 0;
		if (odp_request(o, NULL, err, sizeof err) < 0)
			odp_failed(o, err);
		return;
	}
	o->busy = false;
	o->fails = 0;
	o->next_ms = host->now_ms(o->c.inst) + o->refresh_ms;
	for (i = 0; i < o->n_types; i++)
		if (o->fetched[i] >= 0)
			o->price[i] = o->fetched[i];
	odp_publish(o);
	if (o->missing[0]) {
		snprintf(err, sizeof err, "no on-demand price for %s in %s (%s); check "
			 "instance_types, region and operating_system", o->missing, o->region, o->os);
		aws_client_fail(&o->c, err);
	} else if (aws_client_recovered(&o->c)) {
		host->log(o->c.inst, SCALED_LOG_INFO, "GetProducts answers again");
	}
}

static void odp_done(void *arg, const struct scaled_http_response *res)
{
	struct odp *o = arg;
	struct aws_pricing_answer a;
	char why[512];
	size_t i;
	int rc;

	o->pending = NULL;
	if (aws_client_why(res, why, sizeof why) < 0 ||
	    aws_pricing_read(res->body, res->body_len, &a, why, sizeof why) < 0) {
		odp_failed(o, why);
		return;
	}
	for (i = 0; i < a.n; i++)
		if (strcmp(a.p[i].instance_type, o->types[o->at]) == 0 && a.p[i].usd > 0 &&
		    (o->least < 0 || a.p[i].usd < o->least))
			o->least = a.p[i].usd;
	if (a.next_token && ++o->pages < ODP_MAX_PAGES) {
		rc = odp_request(o, a.next_token, why, sizeof why);
		aws_pricing_answer_free(&a);
		if (rc < 0)
			odp_failed(o, why);
		return;
	}
	aws_pricing_answer_free(&a);
	odp_type_done(o);
}

static int odp_request(struct odp *o, const char *next_token, char *err, size_t errlen)
{
	char *body = aws_pricing_body(o->types[o->at], o->region, o->os, next_token);

	if (!body) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	/* 100 products of the price list */
	o->pending = aws_client_call_json(&o->c, ODP_TYPE, ODP_TARGET, body, strlen(body),
					  8u << 20, odp_done, o, err, errlen);
	free(body);
	return o->pending ? 0 : -EIO;
}

static int odp_collect(void *state, char *err, size_t errlen);

/* The credentials came (or failed to): collect now, not a period later. */
static void odp_again(void *arg)
{
	struct odp *o = arg;
	char err[256];

	if (odp_collect(o, err, sizeof err) < 0)
		aws_client_fail(&o->c, err);
}

static int odp_collect(void *state, char *err, size_t errlen)
{
	struct odp *o = state;
	int rc = 0;

	if (!o->api) {
		odp_publish(o);
		return 0;
	}
	if (!o->busy && host->now_ms(o->c.inst) >= o->next_ms) {
		rc = aws_client_ready(&o->c, odp_again, o, err, errlen);
		if (rc == -EAGAIN)
			rc = 0; /* odp_again asks once they are there */
		else if (rc == 0) {
			o->busy = true;
			o->at = 0;
			o->pages = 0;
			o->least = -1;
			o->missing[0] = '\0';
			rc = odp_request(o, NULL, err, errlen);
			if (rc < 0)
				o->busy = false;
		}
	}
	/* What is known, while AWS is asked or not. A failed refresh is
	 * logged once (aws_client_fail); the core hears of it only while no
	 * price is known, since the older ones stand meanwhile. */
	if (odp_publish(o) > 0 || rc < 0)
		return rc;
	return aws_client_collect_rc(&o->c, rc, err, errlen);
}

const struct scaled_kind aws_on_demand_price_kind = {
	.struct_size = sizeof(struct scaled_kind),
	.name = "aws.on_demand_price",
	.role = SCALED_ROLE_SOURCE,
	.help = "EC2 on-demand prices per instance type (Pricing API GetProducts, or a table in "
		"the farm) and the cheapest",
	.keys = odp_keys,
	.create = odp_create,
	.destroy = odp_destroy,
	.collect = odp_collect,
	.limits = odp_limits,
	.limit_size = sizeof(struct scaled_key_limit),
};
