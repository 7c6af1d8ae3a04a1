/*
 * sim_report.c - summary.json (sim_report.h): a fixed key order, costs with
 * six decimals, seconds with three, counts as integers.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sim_report.h"

void sim_report_iso(int64_t t, char *buf, size_t len)
{
	time_t s = (time_t)(t >= 0 ? t / 1000 : (t - 999) / 1000);
	struct tm tm;

	if (!gmtime_r(&s, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "?");
}

int64_t sim_report_lost(const struct sim_report *r)
{
	uint64_t kept = r->st->served + r->queued_end + r->in_flight_end;

	/* signed: a job counted twice shows as a negative loss, not as 0 */
	return (int64_t)r->st->arrived - (int64_t)kept;
}

/* "key": x / of, or null when of is 0 (six decimals). */
static void sim_report_ratio(FILE *f, const char *key, double x, double of, const char *end)
{
	if (of > 0)
		fprintf(f, "\"%s\": %.6f%s", key, x / of, end);
	else
		fprintf(f, "\"%s\": null%s", key, end);
}

static double sim_report_cost(const struct sim_stats *st)
{
	return st->cost[SIM_MKT_SPOT] + st->cost[SIM_MKT_OD];
}

/* "baselines": each run on one line. */
static void sim_report_baselines(FILE *f, const struct sim_report *r)
{
	size_t i;

	fprintf(f, ",\n  \"baselines\": {\n");
	for (i = 0; i < r->n_baselines; i++) {
		const struct sim_report_run *b = &r->baselines[i];
		const struct sim_stats *st = b->st;

		fprintf(f, "    \"%s\": {\"cost\": {\"total\": %.6f, \"spot\": %.6f, "
			"\"on_demand\": %.6f}, \"wait_p95_seconds\": %.3f, "
			"\"minutes_over_slo\": %.3f, \"jobs\": {\"served\": %" PRIu64
			", \"queued_at_end\": %" PRIu64 ", \"in_flight_at_end\": %" PRIu64 "}, ",
			b->name, sim_report_cost(st), st->cost[SIM_MKT_SPOT], st->cost[SIM_MKT_OD],
			(double)sim_hist_percentile(&st->wait, 95) / 1000.0,
			(double)st->over_slo_ms / 60000.0, st->served, b->queued_end,
			b->in_flight_end);
		sim_report_ratio(f, "ratio_to_bound", sim_report_cost(st), r->bound,
				 i + 1 < r->n_baselines ? "},\n" : "}\n");
	}
	fprintf(f, "  }");
}

/* The keys that compare: the SLO, the fixed-peak reference, the bound. */
static void sim_report_compare(FILE *f, const struct sim_report *r)
{
	const struct sim_stats *st = r->st;
	double cost = sim_report_cost(st);

	fprintf(f, "  \"peak_instances\": %d,\n", st->peak_billed);
	fprintf(f, "  \"failovers\": %" PRIu64 ",\n", r->failovers);
	fprintf(f, "  \"fixed_peak_instances\": %" PRId64 ",\n", r->fixed_peak_instances);
	fprintf(f, "  \"on_demand_fixed_peak\": %.6f,\n", r->fixed_peak);
	fprintf(f, "  \"savings\": ");
	if (r->fixed_peak > 0)
		fprintf(f, "%.6f,\n", 1 - cost / r->fixed_peak);
	else
		fprintf(f, "null,\n");
	fprintf(f, "  ");
	sim_report_ratio(f, "cost_per_million_jobs", cost * 1e6, (double)st->served, ",\n");
	fprintf(f, "  \"lower_bound\": %.6f,\n  ", r->bound);
	sim_report_ratio(f, "ratio_to_bound", cost, r->bound, "");
	if (r->n_baselines)
		sim_report_baselines(f, r);
	fprintf(f, "\n");
}

int sim_report_summary(const char *path, const struct sim_report *r, char *err, size_t errlen)
{
	const struct sim_stats *st = r->st;
	char from[32], to[32];
	FILE *f = fopen(path, "w");
	double busy = st->running_ms > 0 ? st->busy_ms / st->running_ms : 0;

	if (!f) {
		int e = errno;

		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	sim_report_iso(r->from_ms, from, sizeof from);
	sim_report_iso(r->to_ms, to, sizeof to);
	fprintf(f, "{\n");
	fprintf(f, "  \"span\": {\"from\": \"%s\", \"to\": \"%s\", \"seconds\": %" PRId64 "},\n",
		from, to, (r->to_ms - r->from_ms) / 1000);
	fprintf(f, "  \"seed\": %" PRIu64 ",\n", r->seed);
	fprintf(f, "  \"load_scale\": %.6f,\n", r->load_scale);
	fprintf(f, "  \"on_demand_price\": %.6f,\n", r->on_demand);
	fprintf(f, "  \"cost\": {\"total\": %.6f, \"spot\": %.6f, \"on_demand\": %.6f},\n",
		sim_report_cost(st), st->cost[SIM_MKT_SPOT],
		st->cost[SIM_MKT_OD]);
	fprintf(f, "  \"instance_seconds\": {\"spot\": %" PRId64 ", \"on_demand\": %" PRId64 "},\n",
		st->billed_s[SIM_MKT_SPOT], st->billed_s[SIM_MKT_OD]);
	fprintf(f, "  \"launched\": {\"spot\": %" PRIu64 ", \"on_demand\": %" PRIu64 "},\n",
		st->launched[SIM_MKT_SPOT], st->launched[SIM_MKT_OD]);
	fprintf(f, "  \"jobs\": {\"arrived\": %" PRIu64 ", \"served\": %" PRIu64
		", \"requeued\": %" PRIu64 ", \"queued_at_end\": %" PRIu64
		", \"in_flight_at_end\": %" PRIu64 ", \"lost\": %" PRId64 "},\n",
		st->arrived, st->served, st->requeued, r->queued_end, r->in_flight_end,
		sim_report_lost(r));
	fprintf(f, "  \"wait_seconds\": {\"p50\": %.3f, \"p95\": %.3f, \"p99\": %.3f, "
		"\"max\": %.3f},\n",
		(double)sim_hist_percentile(&st->wait, 50) / 1000.0,
		(double)sim_hist_percentile(&st->wait, 95) / 1000.0,
		(double)sim_hist_percentile(&st->wait, 99) / 1000.0, (double)st->wait.max / 1000.0);
	fprintf(f, "  \"wait_slo_seconds\": %.3f,\n", (double)r->slo_ms / 1000.0);
	fprintf(f, "  \"minutes_over_slo\": %.3f,\n", (double)st->over_slo_ms / 60000.0);
	fprintf(f, "  \"busy_share\": %.6f,\n", busy);
	fprintf(f, "  \"decisions\": %" PRIu64 ",\n", r->decisions);
	fprintf(f, "  \"actions\": %" PRIu64 ",\n", r->actions);
	fprintf(f, "  \"interruptions\": %" PRIu64 ",\n", st->interruptions);
	sim_report_compare(f, r);
	fprintf(f, "}\n");
	if (fclose(f) != 0) {
		int e = errno;

		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	return 0;
}
