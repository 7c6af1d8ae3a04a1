/*
 * cloudwatch.c - the source aws.cloudwatch (docs/aws.cloudwatch.md): on each collect one
 * signed CloudWatch GetMetricData in the Query protocol (aws_cw_query.c
 * writes it, aws_cw_answer.c reads the XML), one request in flight at a
 * time, NextToken pages followed until a datapoint is in hand (the scan is
 * newest first); the newest datapoint published as the source's series at
 * the collect's time, and its age in seconds as "<source>.age". No
 * datapoint in the lookback: nothing published (the series goes stale),
 * logged once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_call.h"
#include "aws_client.h"
#include "aws_cw_answer.h"
#include "aws_cw_query.h"
#include "aws_plugin.h"
#include "aws_query.h"

#define host aws_host

#define CW_MAX_PAGES 10
/* what done() is told of a request still pending when the engine stops
 * (plugin.h): not a failure of AWS's, not logged */
#define CW_STOPPED "cancelled: the engine stopped running"

enum { K_NAMESPACE, K_METRIC, K_DIMENSIONS, K_STATISTIC, K_PERIOD, K_LOOKBACK, K_REGION,
       K_PROFILE, K_ENDPOINT, K_TIMEOUT };

static const struct scaled_key cw_keys[] = {
	[K_NAMESPACE] = { "namespace", SCALED_KEY_STRING, NULL, 1,
			  "the metric's namespace: \"AWS/EC2\", \"AWS/ECS\", your own" },
	[K_METRIC] = { "metric", SCALED_KEY_STRING, NULL, 1,
		       "the metric's name: \"CPUUtilization\"" },
	[K_DIMENSIONS] = { "dimensions", SCALED_KEY_STRING, NULL, 0,
			   "\"Name=Value,Name=Value\": \"AutoScalingGroupName=web\"" },
	[K_STATISTIC] = { "statistic", SCALED_KEY_STRING, "Average", 0,
			  "Average, Sum, Minimum, Maximum, SampleCount, IQM, pNN (p99.9), ..." },
	[K_PERIOD] = { "period", SCALED_KEY_DURATION, "60s", 0,
		       "each datapoint's period: a multiple of 60s (or 1, 5, 10, 20, 30s "
		       "for high-resolution metrics)" },
	[K_LOOKBACK] = { "lookback", SCALED_KEY_DURATION, NULL, 0,
			 "how far back to ask (default 5 periods, at least 15m)" },
	[K_REGION] = AWS_CLIENT_KEY_REGION,
	[K_PROFILE] = AWS_CLIENT_KEY_PROFILE,
	[K_ENDPOINT] = AWS_CLIENT_KEY_ENDPOINT("CLOUDWATCH"),
	[K_TIMEOUT] = AWS_CLIENT_KEY_TIMEOUT,
	{ NULL, 0, NULL, 0, NULL },
};

static const struct scaled_key_limit cw_limits[] = {
	{ .key = "period", .min = "1s", .max = "1d" },
	{ .key = "lookback", .min = "1s", .max = "15d" },
	{ .key = NULL },
};

struct cw {
	struct aws_client c; /* region, endpoint, credentials, errors logged once */
	struct aws_cw_query q;
	void *pending;        /* the request in flight */
	int64_t started_ms;   /* the collect's time: the samples' */
	int64_t start_ms, end_ms; /* its window, the same for each page */
	int pages;
	size_t n_points;      /* this collect's datapoints so far, and the newest */
	int64_t newest_ms;
	double newest;
	int no_data;          /* "no datapoint" logged; cleared by a datapoint */
};

static void cw_free(struct cw *w)
{
	if (!w)
		return;
	aws_cw_query_free(&w->q);
	aws_client_clear(&w->c);
	free(w);
}

static int cw_create(struct scaled_instance *inst, const struct scaled_value *cfg, void **state,
		     char *err, size_t errlen)
{
	struct cw *w = calloc(1, sizeof *w);
	int rc;

	if (!w) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	aws_client_init(&w->c, inst, "monitoring", "GetMetricData");
	rc = aws_cw_query_init(&w->q, cfg[K_NAMESPACE].u.str, cfg[K_METRIC].u.str,
			       AWS_KEY_OR_NULL(cfg[K_DIMENSIONS]), cfg[K_STATISTIC].u.str,
			       cfg[K_PERIOD].u.ms, cfg[K_LOOKBACK].set ? cfg[K_LOOKBACK].u.ms : -1,
			       err, errlen);
	if (rc == 0)
		rc = aws_client_timeout(&w->c, &cfg[K_TIMEOUT], err, errlen);
	if (rc == 0)
		rc = aws_client_resolve(&w->c, "CLOUDWATCH", AWS_KEY_OR_NULL(cfg[K_PROFILE]),
					AWS_KEY_OR_NULL(cfg[K_REGION]),
					AWS_KEY_OR_NULL(cfg[K_ENDPOINT]), err, errlen);
	if (rc < 0) {
		cw_free(w);
		return rc;
	}
	*state = w;
	return 0;
}

static void cw_destroy(void *state)
{
	struct cw *w = state;

	host->http_cancel(w->pending);
	cw_free(w);
}

static void cw_publish(struct cw *w)
{
	if (!w->n_points) {
		/* not an error: a metric no one reports now (a group at zero) */
		if (aws_client_recovered(&w->c))
			host->log(w->c.inst, SCALED_LOG_INFO, "GetMetricData answers again");
		if (!w->no_data)
			host->log(w->c.inst, SCALED_LOG_WARN, "no datapoint of %s %s %s in the "
				  "last %llds; nothing published while there is none (the series "
				  "goes stale)", w->q.ns, w->q.metric, w->q.stat,
				  (long long)(w->end_ms - w->start_ms) / 1000);
		w->no_data = 1;
		return;
	}
	host->publish(w->c.inst, NULL, w->started_ms, w->newest);
	host->publish(w->c.inst, "age", w->started_ms,
		      (double)(w->started_ms - w->newest_ms) / 1000.0);
	if (aws_client_recovered(&w->c) || w->no_data)
		host->log(w->c.inst, SCALED_LOG_INFO, "GetMetricData gives datapoints again");
	w->no_data = 0;
}

static int cw_request(struct cw *w, const char *next_token, char *err, size_t errlen);

/* One page: keep its newest datapoint, then the next page or the end. */
static void cw_page(struct cw *w, struct aws_cw_answer *a)
{
	char why[512];
	int rc;

	if (a->n_points && (!w->n_points || a->newest_ms > w->newest_ms)) {
		w->newest_ms = a->newest_ms;
		w->newest = a->newest;
	}
	w->n_points += a->n_points;
	if (!w->n_points && a->next_token) { /* newest first: stop at the first point */
		if (++w->pages >= CW_MAX_PAGES) {
			snprintf(why, sizeof why, "%d pages without a datapoint", CW_MAX_PAGES);
			aws_client_fail(&w->c, why);
		} else if ((rc = cw_request(w, a->next_token, why, sizeof why)) < 0) {
			aws_client_fail(&w->c, why);
		}
		return;
	}
	if (!w->n_points && (!strcmp(a->status, "Forbidden") ||
			     !strcmp(a->status, "InternalError"))) {
		snprintf(why, sizeof why, "StatusCode %s%s%s", a->status,
			 a->message ? ": " : "", a->message ? a->message : "");
		aws_client_fail(&w->c, why);
		return;
	}
	cw_publish(w);
}

static void cw_done(void *arg, const struct scaled_http_response *res)
{
	struct cw *w = arg;
	struct aws_cw_answer a;
	char why[512];
	int rc;

	w->pending = NULL;
	if (res->error && !strcmp(res->error, CW_STOPPED))
		return;
	if (res->error) {
		/* AWS's error answer, else (an HTML 502, a timeout) the client's reason */
		aws_client_why(res, why, sizeof why);
		aws_client_fail(&w->c, why);
		return;
	}
	rc = aws_cw_answer_read(res->body, res->body_len, AWS_CW_ID, &a, why, sizeof why);
	if (rc < 0) {
		aws_cw_answer_free(&a);
		aws_client_fail(&w->c, why);
		return;
	}
	cw_page(w, &a);
	aws_cw_answer_free(&a);
}

static int cw_request(struct cw *w, const char *next_token, char *err, size_t errlen)
{
	struct aws_form f = { 0 };

	if (aws_cw_query_form(&w->q, w->start_ms, w->end_ms, next_token, &f) < 0) {
		aws_form_free(&f);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	/* AWS_CW_MAX_POINTS datapoints are ~150 KiB of XML */
	w->pending = aws_client_call_query(&w->c, &f, 1u << 20, cw_done, w, err, errlen);
	aws_form_free(&f);
	return w->pending ? 0 : -EIO;
}

static int cw_collect(void *state, char *err, size_t errlen);

/* The credentials came (or failed to): collect now, not a period later. */
static void cw_again(void *arg)
{
	struct cw *w = arg;
	char err[256];

	if (cw_collect(w, err, sizeof err) < 0)
		aws_client_fail(&w->c, err);
}

static int cw_collect(void *state, char *err, size_t errlen)
{
	struct cw *w = state;
	int rc;

	if (w->pending)
		return 0; /* the last collect's pages are still coming */
	rc = aws_client_ready(&w->c, cw_again, w, err, errlen);
	if (rc == -EAGAIN)
		return 0; /* cw_again collects once they are there */
	if (rc < 0)
		return rc;
	w->started_ms = host->now_ms(w->c.inst);
	aws_cw_query_window(&w->q, w->started_ms, &w->start_ms, &w->end_ms);
	w->pages = 0;
	w->n_points = 0;
	rc = cw_request(w, NULL, err, errlen);
	return aws_client_collect_rc(&w->c, rc, err, errlen);
}

const struct scaled_kind aws_cloudwatch_kind = {
	.struct_size = sizeof(struct scaled_kind),
	.name = "aws.cloudwatch",
	.role = SCALED_ROLE_SOURCE,
	.help = "a CloudWatch metric (GetMetricData): its newest datapoint of a statistic",
	.keys = cw_keys,
	.limits = cw_limits,
	.limit_size = sizeof(struct scaled_key_limit),
	.create = cw_create,
	.destroy = cw_destroy,
	.collect = cw_collect,
};
