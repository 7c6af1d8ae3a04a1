/*
 * aws_cw_query.h - what aws.cloudwatch asks CloudWatch: one metric
 * (namespace, name, dimensions), a statistic and a period, over a lookback,
 * checked from the farm's keys, and written as GetMetricData's Query-API
 * form (API version 2010-08-01). No I/O here.
 * Ownership: the query owns its strings; aws_cw_query_free releases them
 * (harmless on a zeroed query).
 */
#ifndef AWS_CW_QUERY_H
#define AWS_CW_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "aws_query.h"

#define AWS_CW_MAX_DIMS 30            /* CloudWatch's limit per metric */
#define AWS_CW_MAX_POINTS 1440        /* periods one lookback may cover */
#define AWS_CW_ID "m"                 /* the query's Id; its result's */

struct aws_cw_dim {
	char *name, *value;
};

struct aws_cw_query {
	char *ns, *metric, *stat;
	struct aws_cw_dim dims[AWS_CW_MAX_DIMS];
	size_t n_dims;
	int64_t period_s;
	int64_t lookback_ms;
};

/* Check the keys' values and fill q: ns and metric (required), dims as
 * "Name=Value,Name=Value" or NULL, stat ("Average", "p99", ...), period_ms
 * (whole seconds: 1, 5, 10, 20, 30 or a multiple of 60, up to a day),
 * lookback_ms (-1: the default, 5 periods but at least 15 minutes, within
 * the limits below). 0, or -EINVAL with the key's name and what is wanted
 * in err (q then holds nothing), -ENOMEM. */
int aws_cw_query_init(struct aws_cw_query *q, const char *ns, const char *metric,
		      const char *dims, const char *stat, int64_t period_ms, int64_t lookback_ms,
		      char *err, size_t errlen);
void aws_cw_query_free(struct aws_cw_query *q);

/* The time range to ask at now_ms: EndTime now (whole seconds), StartTime
 * lookback before it, rounded down to a multiple of the period (as AWS
 * advises, so that the periods are the same ones at each collect). */
void aws_cw_query_window(const struct aws_cw_query *q, int64_t now_ms, int64_t *start_ms,
			 int64_t *end_ms);

/* Action=GetMetricData&Version=2010-08-01 and the query's fields, StartTime,
 * EndTime, ScanBy=TimestampDescending and next_token (NULL on the first
 * page), appended to f. 0 or -ENOMEM. */
int aws_cw_query_form(const struct aws_cw_query *q, int64_t start_ms, int64_t end_ms,
		      const char *next_token, struct aws_form *f);

#endif
