/*
 * aws_pricing_answer.c - GetProducts for EC2 on-demand prices
 * (aws_pricing_answer.h), with cJSON. The entries' shape is the price
 * list's (AWS's "Price List Query API" guide: product.attributes, and
 * terms.OnDemand.<offer>.priceDimensions.<rate>.pricePerUnit.USD).
 */
#include "aws_pricing_answer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws_answers.h"

/* A page's token, and a PriceList entry, at most this long. */
#define PRICING_TOKEN_MAX 4096
#define PRICING_ENTRY_MAX (1u << 20)

static cJSON *filter(const char *field, const char *value)
{
	cJSON *f = cJSON_CreateObject();

	if (!f || !cJSON_AddStringToObject(f, "Type", "TERM_MATCH") ||
	    !cJSON_AddStringToObject(f, "Field", field) ||
	    !cJSON_AddStringToObject(f, "Value", value)) {
		cJSON_Delete(f);
		return NULL;
	}
	return f;
}

char *aws_pricing_body(const char *instance_type, const char *region_code,
		       const char *operating_system, const char *next_token)
{
	const char *const filters[][2] = {
		{ "instanceType", instance_type }, { "regionCode", region_code },
		{ "operatingSystem", operating_system }, { "tenancy", "Shared" },
		{ "preInstalledSw", "NA" }, { "capacitystatus", "Used" },
		{ "licenseModel", "No License required" },
	};
	cJSON *o = cJSON_CreateObject(), *list, *f;
	char *s = NULL;
	size_t i;

	if (!o || !cJSON_AddStringToObject(o, "ServiceCode", "AmazonEC2") ||
	    !(list = cJSON_AddArrayToObject(o, "Filters")))
		goto out;
	for (i = 0; i < sizeof filters / sizeof filters[0]; i++)
		if (!(f = filter(filters[i][0], filters[i][1])) || !cJSON_AddItemToArray(list, f)) {
			cJSON_Delete(f);
			goto out;
		}
	if (!cJSON_AddStringToObject(o, "FormatVersion", "aws_v1") ||
	    !cJSON_AddNumberToObject(o, "MaxResults", AWS_PRICING_MAX_ENTRIES) ||
	    (next_token && !cJSON_AddStringToObject(o, "NextToken", next_token)))
		goto out;
	s = cJSON_PrintUnformatted(o);
out:
	cJSON_Delete(o);
	return s;
}

void aws_pricing_answer_free(struct aws_pricing_answer *a)
{
	free(a->p);
	free(a->next_token);
	memset(a, 0, sizeof *a);
}

static const cJSON *path(const cJSON *o, const char *a, const char *b)
{
	return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, a), b);
}

/* The least positive hourly USD price of one product's OnDemand terms
 * into *usd (-1: none). 0, or -EBADMSG with why. */
static int entry_price(const cJSON *terms, double *usd, char *why, size_t whylen)
{
	const cJSON *od = cJSON_GetObjectItemCaseSensitive(terms, "OnDemand"), *term, *dim;
	double v;
	int rc;

	*usd = -1;
	if (!od)
		return 0;
	if (!cJSON_IsObject(od)) {
		snprintf(why, whylen, "terms.OnDemand is not an object");
		return -EBADMSG;
	}
	cJSON_ArrayForEach(term, od) {
		const cJSON *dims = cJSON_GetObjectItemCaseSensitive(term, "priceDimensions");

		if (!cJSON_IsObject(term) || !cJSON_IsObject(dims)) {
			snprintf(why, whylen, "an OnDemand term has no priceDimensions object");
			return -EBADMSG;
		}
		cJSON_ArrayForEach(dim, dims) {
			const cJSON *unit = cJSON_GetObjectItemCaseSensitive(dim, "unit");
			const cJSON *p = path(dim, "pricePerUnit", "USD");

			if (!cJSON_IsObject(dim) || !cJSON_IsString(unit)) {
				snprintf(why, whylen, "a price dimension has no unit");
				return -EBADMSG;
			}
			if (strcmp(unit->valuestring, "Hrs") != 0)
				continue;
			if (!cJSON_IsString(p)) {
				snprintf(why, whylen, "an hourly price dimension has no "
					 "pricePerUnit.USD string");
				return -EBADMSG;
			}
			rc = aws_answers_decimal(p->valuestring, "pricePerUnit.USD", &v, why,
						 whylen);
			if (rc < 0)
				return rc;
			if (v > 0 && (*usd < 0 || v < *usd))
				*usd = v;
		}
	}
	return 0;
}

static int entry(const cJSON *s, struct aws_pricing_product *out, char *why, size_t whylen)
{
	cJSON *o;
	const cJSON *type;
	int rc = 0;

	if (!cJSON_IsString(s) || !s->valuestring) {
		snprintf(why, whylen, "not a string");
		return -EBADMSG;
	}
	if (strlen(s->valuestring) > PRICING_ENTRY_MAX) {
		snprintf(why, whylen, "over %u bytes", PRICING_ENTRY_MAX);
		return -EBADMSG;
	}
	o = cJSON_Parse(s->valuestring);
	type = path(cJSON_GetObjectItemCaseSensitive(o, "product"), "attributes", "instanceType");
	if (!cJSON_IsObject(o)) {
		snprintf(why, whylen, "not a JSON object");
		rc = -EBADMSG;
	} else if (!cJSON_IsString(type) || !type->valuestring[0] ||
		   strlen(type->valuestring) >= sizeof out->instance_type) {
		snprintf(why, whylen, "no product.attributes.instanceType (a string of 1 to %zu "
			 "bytes)", sizeof out->instance_type - 1);
		rc = -EBADMSG;
	} else {
		snprintf(out->instance_type, sizeof out->instance_type, "%s", type->valuestring);
		rc = entry_price(cJSON_GetObjectItemCaseSensitive(o, "terms"), &out->usd, why,
				 whylen);
	}
	cJSON_Delete(o);
	return rc;
}

int aws_pricing_read(const char *doc, size_t len, struct aws_pricing_answer *out, char *why,
		     size_t whylen)
{
	cJSON *o = cJSON_ParseWithLength(doc, len);
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(o, "PriceList"), *e;
	const cJSON *tok = cJSON_GetObjectItemCaseSensitive(o, "NextToken");
	char inner[256];
	int rc = 0, n;

	memset(out, 0, sizeof *out);
	n = cJSON_GetArraySize(list);
	if (!cJSON_IsObject(o)) {
		snprintf(why, whylen, "the answer is not a JSON object (%zu bytes)", len);
		rc = -EBADMSG;
	} else if (!cJSON_IsArray(list)) {
		snprintf(why, whylen, "the answer has no PriceList list");
		rc = -EBADMSG;
	} else if (n > AWS_PRICING_MAX_ENTRIES) {
		snprintf(why, whylen, "the answer's PriceList holds %d entries, more than the %d "
			 "asked for", n, AWS_PRICING_MAX_ENTRIES);
		rc = -EBADMSG;
	} else if (tok && !cJSON_IsNull(tok) &&
		   (!cJSON_IsString(tok) || strlen(tok->valuestring) > PRICING_TOKEN_MAX)) {
		snprintf(why, whylen, "the answer's NextToken is not a string of at most %d bytes",
			 PRICING_TOKEN_MAX);
		rc = -EBADMSG;
	} else if (n && !(out->p = calloc((size_t)n, sizeof *out->p))) {
		snprintf(why, whylen, "out of memory");
		rc = -ENOMEM;
	}
	if (rc < 0)
		list = NULL;
	cJSON_ArrayForEach(e, list) {
		inner[0] = '\0';
		if (entry(e, &out->p[out->n], inner, sizeof inner) < 0) {
			snprintf(why, whylen, "PriceList[%zu]: %s", out->n, inner);
			rc = -EBADMSG;
			break;
		}
		out->n++;
	}
	if (rc == 0 && cJSON_IsString(tok) && tok->valuestring[0] &&
	    !(out->next_token = strdup(tok->valuestring))) {
		snprintf(why, whylen, "out of memory");
		rc = -ENOMEM;
	}
	cJSON_Delete(o);
	if (rc < 0)
		aws_pricing_answer_free(out);
	return rc;
}
