/*
 * aws_cw_query.c - aws.cloudwatch's keys checked, and its GetMetricData
 * request written (aws_cw_query.h). The limits are CloudWatch's own (its
 * API model and user guide): names of printable ASCII, 255 bytes for a
 * namespace, metric or dimension name, 1024 for a dimension's value, 30
 * dimensions; periods of 1, 5, 10, 20, 30 s (high resolution) or a
 * multiple of 60 s; high-resolution datapoints kept 3 hours and 1-minute
 * ones 15 days.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_cw_query.h"

#define CW_DAY_S 86400
#define CW_HIGHRES_KEPT_S (3 * 3600)
#define CW_KEPT_S (15 * CW_DAY_S)
#define CW_MIN_LOOKBACK_S 900 /* the default's floor: basic monitoring's 5-minute points */
#define CW_FIELD "MetricDataQueries.member.1."

void aws_cw_query_free(struct aws_cw_query *q)
{
	size_t i;

	free(q->ns);
	free(q->metric);
	free(q->stat);
	for (i = 0; i < q->n_dims; i++) {
		free(q->dims[i].name);
		free(q->dims[i].value);
	}
	memset(q, 0, sizeof *q);
}

/* 1 when s[0..n) is 1..max bytes of printable ASCII, not all spaces. */
static int cw_printable(const char *s, size_t n, size_t max)
{
	size_t i, spaces = 0;

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return 0;
		spaces += s[i] == ' ';
	}
	return spaces < n;
}

static int cw_namespace(const char *s)
{
	size_t n = strlen(s);

	return cw_printable(s, n, 255) && s[0] != ':' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
			 "._/#: -") == n;
}

/* A percentile-like statistic's number: 0 to 100, at most 2 decimals. */
static int cw_percent(const char *s)
{
	size_t n = strspn(s, "0123456789"), frac = 0;
	double v;

	if (n < 1 || n > 3)
		return 0;
	if (s[n] == '.') {
		frac = strspn(s + n + 1, "0123456789");
		if (frac < 1 || frac > 2)
			return 0;
	}
	if (s[n + (frac ? frac + 1 : 0)])
		return 0;
	v = strtod(s, NULL);
	return v >= 0 && v <= 100;
}

static int cw_stat(const char *s)
{
	static const char *const plain[] = { "Average", "Sum", "Minimum", "Maximum",
					     "SampleCount", "IQM", NULL };
	static const char *const prefixes[] = { "p", "tm", "wm", "tc", "ts", NULL };
	size_t i;

	for (i = 0; plain[i]; i++)
		if (!strcmp(s, plain[i]))
			return 1;
	for (i = 0; prefixes[i]; i++)
		if (!strncmp(s, prefixes[i], strlen(prefixes[i])) &&
		    cw_percent(s + strlen(prefixes[i])))
			return 1;
	return 0;
}

/* s[0..n) without the spaces around it. */
static void cw_trim(const char **s, size_t *n)
{
	while (*n && **s == ' ')
		(*s)++, (*n)--;
	while (*n && (*s)[*n - 1] == ' ')
		(*n)--;
}

/* "Name=Value,Name=Value" into q->dims. */
static int cw_dims(struct aws_cw_query *q, const char *spec, char *err, size_t errlen)
{
	const char *p = spec;

	for (;;) {
		const char *item = p, *eq, *name, *value;
		size_t len = strcspn(p, ","), nn, vn, i;

		eq = memchr(item, '=', len);
		if (!eq) {
			snprintf(err, errlen, "dimensions: \"%.*s\" has no '=': want "
				 "\"Name=Value,Name=Value\", like \"AutoScalingGroupName=web\"",
				 (int)(len > 200 ? 200 : len), item);
			return -EINVAL;
		}
		name = item;
		nn = (size_t)(eq - item);
		value = eq + 1;
		vn = len - nn - 1;
		cw_trim(&name, &nn);
		cw_trim(&value, &vn);
		if (!cw_printable(name, nn, 255) || name[0] == ':') {
			snprintf(err, errlen, "dimensions: the name \"%.*s\" is not 1 to 255 "
				 "printable ASCII characters not starting with ':'",
				 (int)(nn > 200 ? 200 : nn), name);
			return -EINVAL;
		}
		if (!cw_printable(value, vn, 1024)) {
			snprintf(err, errlen, "dimensions: the value of %.*s is not 1 to 1024 "
				 "printable ASCII characters", (int)nn, name);
			return -EINVAL;
		}
		for (i = 0; i < q->n_dims; i++)
			if (strlen(q->dims[i].name) == nn && !memcmp(q->dims[i].name, name, nn)) {
				snprintf(err, errlen, "dimensions: %.*s is given twice", (int)nn, name);
				return -EINVAL;
			}
		if (q->n_dims == AWS_CW_MAX_DIMS) {
			snprintf(err, errlen, "dimensions: more than %d (CloudWatch's limit)",
				 AWS_CW_MAX_DIMS);
			return -EINVAL;
		}
		q->dims[q->n_dims].name = strndup(name, nn);
		q->dims[q->n_dims].value = strndup(value, vn);
		q->n_dims++; /* freed with the others, even half made */
		if (!q->dims[q->n_dims - 1].name || !q->dims[q->n_dims - 1].value) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

static int cw_period(int64_t ms, char *err, size_t errlen)
{
	int64_t s = ms / 1000;

	if (ms % 1000 || s < 1 || s > CW_DAY_S ||
	    (s < 60 && s != 1 && s != 5 && s != 10 && s != 20 && s != 30) ||
	    (s >= 60 && s % 60)) {
		snprintf(err, errlen, "period: %lldms is not a CloudWatch period: want 1s, 5s, 10s, "
			 "20s or 30s (high-resolution metrics only) or a multiple of 60s, up to 1d",
			 (long long)ms);
		return -EINVAL;
	}
	return 0;
}

static int cw_lookback(struct aws_cw_query *q, int64_t ms, char *err, size_t errlen)
{
	int64_t p = q->period_s * 1000, kept = q->period_s < 60 ? CW_HIGHRES_KEPT_S : CW_KEPT_S;

	if (ms < 0) {
		/* 5 periods, at least 15 minutes (5-minute datapoints arrive late), within
		 * what CloudWatch keeps and AWS_CW_MAX_POINTS */
		ms = 5 * p > CW_MIN_LOOKBACK_S * 1000 ? 5 * p : CW_MIN_LOOKBACK_S * 1000;
		if (ms > kept * 1000)
			ms = kept * 1000;
		if (ms > AWS_CW_MAX_POINTS * p)
			ms = AWS_CW_MAX_POINTS * p;
	} else if (ms < p) {
		snprintf(err, errlen, "lookback: %llds is shorter than the period (%llds): want "
			 "at least one period", (long long)(ms / 1000), (long long)q->period_s);
		return -EINVAL;
	} else if (ms > kept * 1000) {
		snprintf(err, errlen, "lookback: %llds is longer than CloudWatch keeps %s "
			 "datapoints (%llds)", (long long)(ms / 1000),
			 q->period_s < 60 ? "high-resolution" : "1-minute", (long long)kept);
		return -EINVAL;
	} else if (ms / p > AWS_CW_MAX_POINTS) {
		snprintf(err, errlen, "lookback: %llds covers more than %d periods of %llds; "
			 "shorten it or lengthen the period", (long long)(ms / 1000),
			 AWS_CW_MAX_POINTS, (long long)q->period_s);
		return -EINVAL;
	}
	q->lookback_ms = ms;
	return 0;
}

int aws_cw_query_init(struct aws_cw_query *q, const char *ns, const char *metric,
		      const char *dims, const char *stat, int64_t period_ms, int64_t lookback_ms,
		      char *err, size_t errlen)
{
	int rc = 0;

	memset(q, 0, sizeof *q);
	if (!cw_namespace(ns)) {
		snprintf(err, errlen, "namespace: want 1 to 255 of letters, digits and . _ / # : - "
			 "and spaces, not starting with ':', like \"AWS/EC2\"");
		rc = -EINVAL;
	} else if (!cw_printable(metric, strlen(metric), 255)) {
		snprintf(err, errlen, "metric: want 1 to 255 printable ASCII characters, like "
			 "\"CPUUtilization\"");
		rc = -EINVAL;
	} else if (!cw_stat(stat)) {
		snprintf(err, errlen, "statistic: \"%.64s\" is not one of Average, Sum, Minimum, "
			 "Maximum, SampleCount, IQM, or pNN, tmNN, wmNN, tcNN, tsNN with NN from 0 "
			 "to 100 (p99, p99.9)", stat);
		rc = -EINVAL;
	} else if (dims && !*dims) {
		snprintf(err, errlen, "dimensions: empty; leave the key out for a metric without "
			 "dimensions");
		rc = -EINVAL;
	} else if ((rc = cw_period(period_ms, err, errlen)) == 0) {
		q->period_s = period_ms / 1000;
		rc = cw_lookback(q, lookback_ms, err, errlen);
	}
	if (rc == 0 && dims)
		rc = cw_dims(q, dims, err, errlen);
	if (rc == 0 && (!(q->ns = strdup(ns)) || !(q->metric = strdup(metric)) ||
			!(q->stat = strdup(stat)))) {
		snprintf(err, errlen, "out of memory");
		rc = -ENOMEM;
	}
	if (rc < 0)
		aws_cw_query_free(q);
	return rc;
}

void aws_cw_query_window(const struct aws_cw_query *q, int64_t now_ms, int64_t *start_ms,
			 int64_t *end_ms)
{
	int64_t p = q->period_s * 1000, start;

	*end_ms = now_ms - now_ms % 1000;
	start = *end_ms - q->lookback_ms;
	/* down to a multiple of the period (floor, also before 1970) */
	start -= ((start % p) + p) % p;
	*start_ms = start;
}

int aws_cw_query_form(const struct aws_cw_query *q, int64_t start_ms, int64_t end_ms,
		      const char *next_token, struct aws_form *f)
{
	char t[32], period[24];
	size_t i;

	snprintf(period, sizeof period, "%lld", (long long)q->period_s);
	aws_form_add(f, "Action", "GetMetricData");
	aws_form_add(f, "Version", "2010-08-01");
	aws_form_add(f, CW_FIELD "Id", AWS_CW_ID);
	aws_form_add(f, CW_FIELD "MetricStat.Metric.Namespace", q->ns);
	aws_form_add(f, CW_FIELD "MetricStat.Metric.MetricName", q->metric);
	for (i = 0; i < q->n_dims; i++) {
		aws_form_addf(f, q->dims[i].name, CW_FIELD "MetricStat.Metric.Dimensions.member.%zu."
			      "Name", i + 1);
		aws_form_addf(f, q->dims[i].value, CW_FIELD "MetricStat.Metric.Dimensions.member.%zu."
			      "Value", i + 1);
	}
	aws_form_add(f, CW_FIELD "MetricStat.Period", period);
	aws_form_add(f, CW_FIELD "MetricStat.Stat", q->stat);
	aws_query_time(start_ms, t);
	aws_form_add(f, "StartTime", t);
	aws_query_time(end_ms, t);
	aws_form_add(f, "EndTime", t);
	aws_form_add(f, "ScanBy", "TimestampDescending");
	if (next_token)
		aws_form_add(f, "NextToken", next_token);
	return f->failed ? -ENOMEM : 0;
}
