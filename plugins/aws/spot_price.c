/*
 * spot_price.c - the source aws.spot_price (docs/aws.spot_price.md): on each collect one
 * signed EC2 DescribeSpotPriceHistory (StartTime now: the price in force per
 * pool), its NextToken pages followed, one request in flight at a time; the
 * newest price of each pool (instance type x zone) published as
 * "<source>.<type>.<zone>" (dots of the type made '_') and the cheapest of
 * them as the source's own series.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_answers.h"
#include "aws_call.h"
#include "aws_client.h"
#include "aws_plugin.h"
#include "aws_query.h"

#define host aws_host

#define SPOT_MAX_ITEMS 64   /* instance types, zones */
#define SPOT_MAX_ITEM 32    /* bytes of one */
#define SPOT_MAX_PAGES 20   /* pages followed per collect */
#define SPOT_MAX_POOLS 1024

enum { K_REGION, K_PROFILE, K_ENDPOINT, K_TYPES, K_ZONES, K_PRODUCT, K_TIMEOUT };

static const struct scaled_key spot_keys[] = {
	[K_REGION] = AWS_CLIENT_KEY_REGION,
	[K_PROFILE] = AWS_CLIENT_KEY_PROFILE,
	[K_ENDPOINT] = AWS_CLIENT_KEY_ENDPOINT("EC2"),
	[K_TYPES] = { "instance_types", SCALED_KEY_STRING, NULL, 1,
		      "comma-separated instance types: \"m5.large,c5.large\"" },
	[K_ZONES] = { "availability_zones", SCALED_KEY_STRING, NULL, 0,
		      "comma-separated zones (default: every zone of the region)" },
	[K_PRODUCT] = { "product", SCALED_KEY_STRING, "Linux/UNIX", 0,
			"product description: \"Linux/UNIX\", \"Windows\", ..." },
	[K_TIMEOUT] = AWS_CLIENT_KEY_TIMEOUT,
	{ NULL, 0, NULL, 0, NULL },
};

struct spot_pool {
	char *suffix; /* "m5_large.us-east-1a" */
	double price;
	int64_t t_ms;
};

struct spot {
	struct aws_client c; /* region, endpoint, credentials, errors logged once */
	char *types[SPOT_MAX_ITEMS];
	size_t n_types;
	char *zones[SPOT_MAX_ITEMS];
	size_t n_zones;
	char *product;
	void *pending;        /* the request in flight */
	int64_t started_ms;   /* the collect's time: StartTime and the samples' */
	int pages;
	struct spot_pool *pools; /* this collect's, newest per pool */
	size_t n_pools;
};

/* "a, b,c" into items: each 1..SPOT_MAX_ITEM-1 of [a-z0-9.-]. */
static int spot_split(const char *key, const char *s, const char *extra, char **items,
		      size_t *n, char *err, size_t errlen)
{
	const char *p = s;

	*n = 0;
	for (;;) {
		const char *b, *e, *sep;
		size_t len, i;

		while (*p == ' ')
			p++;
		b = p;
		sep = e = b + strcspn(b, ",");
		while (e > b && e[-1] == ' ')
			e--;
		len = (size_t)(e - b);
		if (len == 0) {
			snprintf(err, errlen, "%s: an empty item in \"%.200s\"", key, s);
			return -EINVAL;
		}
		if (len >= SPOT_MAX_ITEM) {
			snprintf(err, errlen, "%s: \"%.*s\" is over %d bytes", key, (int)len, b,
				 SPOT_MAX_ITEM - 1);
			return -EINVAL;
		}
		for (i = 0; i < len; i++)
			if (!((b[i] >= 'a' && b[i] <= 'z') || (b[i] >= '0' && b[i] <= '9') ||
			      b[i] == '-' || (b[i] && strchr(extra, b[i])))) {
				snprintf(err, errlen, "%s: \"%.*s\" holds '%c': want lower-case "
					 "letters, digits, '-'%s", key, (int)len, b,
					 b[i] >= 0x20 && b[i] < 0x7f ? b[i] : '?',
					 *extra ? " and '.'" : "");
				return -EINVAL;
			}
		for (i = 0; i < *n; i++)
			if (strlen(items[i]) == len && memcmp(items[i], b, len) == 0) {
				snprintf(err, errlen, "%s: \"%.*s\" is given twice", key, (int)len, b);
				return -EINVAL;
			}
		if (*n == SPOT_MAX_ITEMS) {
			snprintf(err, errlen, "%s: more than %d items", key, SPOT_MAX_ITEMS);
			return -EINVAL;
		}
		if (!(items[(*n)++] = strndup(b, len))) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		if (!*sep)
			break;
		p = sep + 1;
	}
	return 0;
}

static void spot_pools_clear(struct spot *sp)
{
	size_t i;

	for (i = 0; i < sp->n_pools; i++)
		free(sp->pools[i].suffix);
	free(sp->pools);
	sp->pools = NULL;
	sp->n_pools = 0;
}

static void spot_free(struct spot *sp)
{
	size_t i;

	if (!sp)
		return;
	for (i = 0; i < sp->n_types; i++)
		free(sp->types[i]);
	for (i = 0; i < sp->n_zones; i++)
		free(sp->zones[i]);
	free(sp->product);
	aws_client_clear(&sp->c);
	spot_pools_clear(sp);
	free(sp);
}

static int spot_create(struct scaled_instance *inst, const struct scaled_value *cfg,
		       void **state, char *err, size_t errlen)
{
	struct spot *sp = calloc(1, sizeof *sp);
	const char *prod = cfg[K_PRODUCT].u.str;
	size_t i;
	int rc;

	if (!sp) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	aws_client_init(&sp->c, inst, "ec2", "DescribeSpotPriceHistory");
	rc = spot_split("instance_types", cfg[K_TYPES].u.str, ".", sp->types, &sp->n_types,
			err, errlen);
	if (rc == 0 && cfg[K_ZONES].set)
		rc = spot_split("availability_zones", cfg[K_ZONES].u.str, "", sp->zones,
				&sp->n_zones, err, errlen);
	if (rc == 0) {
		for (i = 0; prod[i]; i++)
			if ((unsigned char)prod[i] < 0x20 || prod[i] == 0x7f)
				break;
		if (!*prod || prod[i] || i > 64) {
			snprintf(err, errlen, "product: want 1 to 64 printable characters, "
				 "like \"Linux/UNIX\"");
			rc = -EINVAL;
		} else if (!(sp->product = strdup(prod))) {
			snprintf(err, errlen, "out of memory");
			rc = -ENOMEM;
		}
	}
	if (rc == 0)
		rc = aws_client_timeout(&sp->c, &cfg[K_TIMEOUT], err, errlen);
	if (rc == 0)
		rc = aws_client_resolve(&sp->c, "EC2", AWS_KEY_OR_NULL(cfg[K_PROFILE]),
					AWS_KEY_OR_NULL(cfg[K_REGION]),
					AWS_KEY_OR_NULL(cfg[K_ENDPOINT]), err, errlen);
	if (rc < 0) {
		spot_free(sp);
		return rc;
	}
	*state = sp;
	return 0;
}

static void spot_destroy(void *state)
{
	struct spot *sp = state;

	host->http_cancel(sp->pending);
	spot_free(sp);
}

/* Log msg once until another message (or a success) comes. */
static void spot_fail(struct spot *sp, const char *msg)
{
	aws_client_fail(&sp->c, msg);
	spot_pools_clear(sp);
}

/* Keep the newest price of each pool of the page. */
static int spot_merge(struct spot *sp, const struct aws_spot_answer *a)
{
	size_t i, j, k;

	for (i = 0; i < a->n_prices; i++) {
		const struct aws_spot_price *p = &a->prices[i];
		char suffix[2 * SPOT_MAX_ITEM + 2];
		int n = snprintf(suffix, sizeof suffix, "%s.%s", p->instance_type, p->zone);

		if (n < 0 || (size_t)n >= sizeof suffix)
			continue; /* AWS's names are short; not one of ours */
		for (k = 0; k < strlen(p->instance_type); k++)
			if (suffix[k] == '.')
				suffix[k] = '_';
		for (j = 0; j < sp->n_pools; j++)
			if (strcmp(sp->pools[j].suffix, suffix) == 0)
				break;
		if (j < sp->n_pools) {
			if (p->t_ms > sp->pools[j].t_ms) {
				sp->pools[j].t_ms = p->t_ms;
				sp->pools[j].price = p->price;
			}
			continue;
		}
		if (sp->n_pools == SPOT_MAX_POOLS)
			continue;
		if (!(sp->n_pools % 16)) {
			struct spot_pool *np = realloc(sp->pools, (sp->n_pools + 16) * sizeof *np);

			if (!np)
				return -ENOMEM;
			sp->pools = np;
		}
		if (!(sp->pools[sp->n_pools].suffix = strdup(suffix)))
			return -ENOMEM;
		sp->pools[sp->n_pools].price = p->price;
		sp->pools[sp->n_pools].t_ms = p->t_ms;
		sp->n_pools++;
	}
	return 0;
}

static void spot_publish(struct spot *sp)
{
	double least = 0;
	size_t i;

	if (sp->n_pools == 0) {
		spot_fail(sp, "no price for these instance types, zones and product");
		return;
	}
	for (i = 0; i < sp->n_pools; i++) {
		host->publish(sp->c.inst, sp->pools[i].suffix, sp->started_ms, sp->pools[i].price);
		if (i == 0 || sp->pools[i].price < least)
			least = sp->pools[i].price;
	}
	host->publish(sp->c.inst, NULL, sp->started_ms, least);
	if (aws_client_recovered(&sp->c))
		host->log(sp->c.inst, SCALED_LOG_INFO, "DescribeSpotPriceHistory answers again "
			  "(%zu pools)", sp->n_pools);
	spot_pools_clear(sp);
}

static int spot_request(struct spot *sp, const char *next_token, char *err, size_t errlen);

static void spot_done(void *arg, const struct scaled_http_response *res)
{
	struct spot *sp = arg;
	struct aws_spot_answer a;
	char why[512];
	int rc;

	sp->pending = NULL;
	if (res->error) {
		/* AWS's error answer, else (an HTML 502, a timeout) the client's reason */
		aws_client_why(res, why, sizeof why);
		spot_fail(sp, why);
		return;
	}
	rc = aws_answers_spot(res->body, res->body_len, &a, why, sizeof why);
	if (rc < 0) {
		spot_fail(sp, why);
		return;
	}
	rc = spot_merge(sp, &a);
	if (rc == 0 && a.next_token) {
		if (++sp->pages >= SPOT_MAX_PAGES) {
			snprintf(why, sizeof why, "more than %d pages of prices; narrow "
				 "instance_types or availability_zones", SPOT_MAX_PAGES);
			rc = -E2BIG;
		} else {
			rc = spot_request(sp, a.next_token, why, sizeof why);
		}
		aws_answers_spot_free(&a);
		if (rc < 0)
			spot_fail(sp, rc == -ENOMEM ? "out of memory" : why);
		return;
	}
	aws_answers_spot_free(&a);
	if (rc < 0)
		spot_fail(sp, "out of memory");
	else
		spot_publish(sp);
}

static int spot_request(struct spot *sp, const char *next_token, char *err, size_t errlen)
{
	struct aws_form f = { 0 };
	char start[32];
	size_t i;

	aws_query_time(sp->started_ms, start);
	aws_form_add(&f, "Action", "DescribeSpotPriceHistory");
	aws_form_add(&f, "Version", "2016-11-15");
	for (i = 0; i < sp->n_types; i++)
		aws_form_addf(&f, sp->types[i], "InstanceType.%zu", i + 1);
	aws_form_add(&f, "ProductDescription.1", sp->product);
	/* AvailabilityZone takes one zone; a filter takes them all */
	if (sp->n_zones) {
		aws_form_add(&f, "Filter.1.Name", "availability-zone");
		for (i = 0; i < sp->n_zones; i++)
			aws_form_addf(&f, sp->zones[i], "Filter.1.Value.%zu", i + 1);
	}
	aws_form_add(&f, "StartTime", start);
	if (next_token)
		aws_form_add(&f, "NextToken", next_token);
	if (f.failed) {
		aws_form_free(&f);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	sp->pending = aws_client_call_query(&sp->c, &f, 4u << 20, spot_done, sp, err, errlen);
	aws_form_free(&f);
	return sp->pending ? 0 : -EIO;
}

static int spot_collect(void *state, char *err, size_t errlen);

/* The credentials came (or failed to): collect now, not a period later. */
static void spot_again(void *arg)
{
	struct spot *sp = arg;
	char err[256];

	if (spot_collect(sp, err, sizeof err) < 0)
		aws_client_fail(&sp->c, err);
}

static int spot_collect(void *state, char *err, size_t errlen)
{
	struct spot *sp = state;
	int rc;

	if (sp->pending) /* the last collect's pages are still coming */
		return aws_client_collect_rc(&sp->c, 0, err, errlen);
	rc = aws_client_ready(&sp->c, spot_again, sp, err, errlen);
	if (rc == -EAGAIN)
		/* spot_again collects once they are there; a failure of the last
		 * fetch stays a failure meanwhile */
		return aws_client_collect_rc(&sp->c, 0, err, errlen);
	if (rc < 0)
		return rc;
	spot_pools_clear(sp);
	sp->pages = 0;
	sp->started_ms = host->now_ms(sp->c.inst);
	rc = spot_request(sp, NULL, err, errlen);
	return aws_client_collect_rc(&sp->c, rc, err, errlen);
}

const struct scaled_kind aws_spot_price_kind = {
	.struct_size = sizeof(struct scaled_kind),
	.name = "aws.spot_price",
	.role = SCALED_ROLE_SOURCE,
	.help = "EC2 spot prices (DescribeSpotPriceHistory): the newest per pool, the cheapest",
	.keys = spot_keys,
	.create = spot_create,
	.destroy = spot_destroy,
	.collect = spot_collect,
};
