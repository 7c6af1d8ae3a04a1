/*
 * aws_pricing_answer.h - the AWS Price List Query API's GetProducts (JSON
 * 1.1, botocore's pricing model, 2017-10-15) for EC2 on-demand prices: the
 * request body and the reader of the answer, whose PriceList entries are
 * each a JSON document in a string. No I/O.
 * Ownership: what the reader fills is the caller's, released with
 * aws_pricing_answer_free (harmless on a zeroed struct); a body is the
 * caller's to free().
 */
#ifndef AWS_PRICING_ANSWER_H
#define AWS_PRICING_ANSWER_H

#include <stddef.h>

/* What a GetProducts request asks for: ServiceCode AmazonEC2, TERM_MATCH
 * filters on instanceType, regionCode, operatingSystem, and tenancy Shared,
 * preInstalledSw NA, capacitystatus Used, licenseModel "No License
 * required" (one product per type and region: the plain on-demand
 * instance); FormatVersion aws_v1, MaxResults 100; next_token NULL on the
 * first page. NULL when out of memory. */
char *aws_pricing_body(const char *instance_type, const char *region_code,
		       const char *operating_system, const char *next_token);

struct aws_pricing_product {
	char instance_type[32]; /* product.attributes.instanceType */
	double usd;             /* per hour: the least positive pricePerUnit.USD of
				 * its OnDemand terms' hourly dimensions; -1 none */
};

struct aws_pricing_answer {
	struct aws_pricing_product *p;
	size_t n;
	char *next_token; /* NULL: the last page */
};

/* The most PriceList entries read from one page (MaxResults is 100). */
#define AWS_PRICING_MAX_ENTRIES 100

/* Read a GetProducts answer: {"FormatVersion", "PriceList": ["{...}",
 * ...], "NextToken"}. Each entry must be a string holding a JSON object
 * with product.attributes.instanceType; terms.OnDemand may be absent (no
 * price: usd -1); each priceDimension with unit "Hrs" must have
 * pricePerUnit.USD, a plain decimal; other units are skipped. 0 and out
 * filled, or -EBADMSG with the reason in why (naming the entry: "PriceList[3]:
 * ..."), or -ENOMEM; on failure out is empty. */
int aws_pricing_read(const char *doc, size_t len, struct aws_pricing_answer *out, char *why,
		     size_t whylen);
void aws_pricing_answer_free(struct aws_pricing_answer *a);

#endif
