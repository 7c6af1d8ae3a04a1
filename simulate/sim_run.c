/*
 * sim_run.c - one simulation from the command line to the report: read the
 * traces, make the world, bind the simulated kinds, load the farm with the
 * kind map on a virtual clock, step the engine and the world together over
 * the span, then write summary.json (decisions.jsonl and series.csv are
 * written as the engine decides and the world runs; chart.png is drawn
 * from series.csv at the end).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "replay.h"
#include "scaled/scaled.h"
#include "sim_chart.h"
#include "sim_cli.h"
#include "sim_farm.h"
#include "sim_baselines.h"
#include "sim_bound.h"
#include "sim_kinds.h"
#include "sim_map.h"
#include "sim_ondemand.h"
#include "sim_progress.h"
#include "sim_report.h"
#include "sim_series.h"
#include "sim_world.h"
#include "simulate.h"

/* The engine steps in slices this long; the world runs exactly between. */
#define SIM_SLICE_MS (60 * 1000)

struct sim_run {
	struct sim_args a;
	struct replay_trace load, spot;
	bool have_load, have_spot;
	struct sim_world *w;
	struct scaled_engine *e;
	const char *group_policy;    /* a baseline's, in place of the farm's */
	uint64_t failovers;          /* acted mix changes (sim_run_on_decision) */
	struct sim_map map;
	FILE *decisions;
	uint64_t n_decisions, n_actions;
	int write_rc;
	struct sim_series *series;  /* series.csv */
	int64_t series_every;       /* its interval */
	struct sim_progress progress;
};

static void sim_run_on_decision(void *arg, const struct scaled_decision *d)
{
	struct sim_run *r = arg;
	char *json;

	if (d->outcome == SCALED_OUTCOME_PENDING)
		return;
	r->n_decisions++;
	if (d->outcome == SCALED_OUTCOME_OK)
		r->n_actions++;
	/* A failover: the mix's on-demand share moved, either way (its base
	 * or its percent; a mix set where there was none is not one). */
	if (d->outcome == SCALED_OUTCOME_OK && d->mix_percent_before >= 0 && d->mix_percent >= 0 &&
	    (d->mix_percent_before != d->mix_percent || d->mix_base_before != d->mix_base))
		r->failovers++;
	/* Serialising is most of the time a run takes when every tick records
	 * one: only what is asked for. */
	if (!r->decisions || (r->a.decisions == SIM_DECISIONS_ACTED &&
			      d->outcome == SCALED_OUTCOME_NONE))
		return;
	json = scaled_decision_json(d);
	if (!json || fprintf(r->decisions, "%s\n", json) < 0)
		r->write_rc = -EIO;
	free(json);
}

/* Engine log lines: warnings and errors only, on stderr. */
static void sim_run_log(void *arg, int level, const char *line)
{
	struct sim_run *r = arg;

	sim_progress_break(&r->progress);
	fprintf(stderr, "scaled simulate: %s: %s\n", level == SCALED_LOG_ERROR ? "error" : "warning",
		line);
}

static int sim_run_traces(struct sim_run *r, char *err, size_t errlen)
{
	struct replay_want load = { .format = REPLAY_LOAD };
	struct replay_want spot = { .format = REPLAY_SPOT, .instance_type = r->a.spot_type,
				    .availability_zone = r->a.spot_zone,
				    .product = r->a.spot_product };
	int64_t end;

	if (replay_csv_load(r->a.load, &load, &r->load, err, errlen) < 0)
		return -EINVAL;
	r->have_load = true;
	if (sim_load_check(&r->load, r->a.load, err, errlen) < 0)
		return -EINVAL;
	if (replay_csv_load(r->a.spot, &spot, &r->spot, err, errlen) < 0)
		return -EINVAL;
	r->have_spot = true;
	end = r->load.t_ms[r->load.n - 1] + sim_load_bin(&r->load);
	if (r->a.from_ms < 0)
		r->a.from_ms = r->load.t_ms[0];
	if (r->a.to_ms < 0)
		r->a.to_ms = end;
	if (r->a.to_ms <= r->a.from_ms) {
		snprintf(err, errlen, "%s: the span --from .. --to holds none of the trace", r->a.load);
		return -EINVAL;
	}
	return 0;
}

/* The on-demand price from the table, for the region and instance type
 * given or else the spot pool's. */
static int sim_run_ondemand(struct sim_run *r, char *err, size_t errlen)
{
	const char *type = r->a.instance_type ? r->a.instance_type : r->spot.pool[0];
	char region[64];
	int rc;

	if (!r->a.od_table)
		return 0;
	if (r->a.region) {
		snprintf(region, sizeof region, "%s", r->a.region);
	} else if (sim_ondemand_region(r->spot.pool[1], region, sizeof region) < 0) {
		snprintf(err, errlen, "--region: not given, and the spot zone \"%s\" of %s is not "
			 "a region and a letter", r->spot.pool[1], r->a.spot);
		return -EINVAL;
	}
	rc = sim_ondemand_price(r->a.od_table, region, type, &r->a.on_demand, err, errlen);
	if (rc == -ENOENT) /* "cheap": a price mistyped, or a table missing */
		snprintf(err + strlen(err), errlen - strlen(err), " (--on-demand takes a price "
			 "per hour or the path of a price table)");
	return rc;
}

static int sim_run_world(struct sim_run *r)
{
	struct sim_world_config cfg = {
		.load = &r->load,
		.load_scale = r->a.load_scale,
		.from_ms = r->a.from_ms,
		.to_ms = r->a.to_ms,
		.service_ms = r->a.service_ms,
		.service_dist = r->a.service_dist,
		.service_sigma = r->a.service_sigma,
		.interrupt_rate = r->a.interrupt_rate,
		.seed = r->a.seed,
		.prices = { .spot = &r->spot, .shift_ms = r->spot.t_ms[0] - r->a.from_ms,
			    .on_demand = r->a.on_demand },
		.notice_ms = 120000,
		.slo_ms = r->a.slo_ms,
	};

	return sim_world_new(&cfg, &r->w);
}

/* The lower bound and the fixed-peak reference, from the traces alone; the
 * work per job at the capacities' highest rate (sim_bound.h). */
static int sim_run_bound(const struct sim_run *r, struct sim_report *rep)
{
	struct sim_bound_in in = {
		.load = &r->load, .load_scale = r->a.load_scale, .from_ms = r->a.from_ms,
		.to_ms = r->a.to_ms, .service_ms = r->a.service_ms,
		.service_dist = r->a.service_dist, .service_sigma = r->a.service_sigma,
		.seed = r->a.seed, .rate = 0, .prices = r->w->cfg.prices, .slo_ms = r->a.slo_ms,
	};
	struct sim_bound_out out;
	size_t k;

	for (k = 0; k < r->w->n_pools; k++)
		if (r->w->pools[k]->rate > in.rate)
			in.rate = r->w->pools[k]->rate;
	if (sim_bound_run(&in, &out) < 0)
		return -ENOMEM;
	rep->bound = out.cost;
	rep->fixed_peak = out.fixed_peak;
	rep->fixed_peak_instances = out.peak;
	return 0;
}

static int sim_run_engine(struct sim_run *r, char **msg); /* below */

/* The farm again with every group's policy replaced by `policy`: a world
 * and an engine of its own on the same inputs; no decisions file, no
 * progress, no other output (only what the run needs is copied). */
static int sim_run_baseline(const struct sim_run *r, const char *policy, struct sim_stats *st,
			    struct sim_report_run *out, char *err, size_t errlen)
{
	struct sim_run b;
	char *msg = NULL;
	int64_t t;
	int rc;

	memset(&b, 0, sizeof b);
	b.a = r->a;
	b.a.quiet = true;
	b.load = r->load;
	b.spot = r->spot;
	b.map = r->map;
	b.group_policy = policy;
	sim_kinds_baseline_series(true);
	if ((rc = sim_run_world(&b)) < 0 || (rc = sim_run_engine(&b, &msg)) < 0)
		goto out;
	/* The span in the engine's slices, as the farm's run steps it. */
	for (t = b.a.from_ms; t < b.a.to_ms;) {
		t = t + SIM_SLICE_MS < b.a.to_ms ? t + SIM_SLICE_MS : b.a.to_ms;
		if ((rc = scaled_engine_step(b.e, t)) < 0 || (rc = sim_world_advance(b.w, t)) < 0)
			goto out;
	}
	out->queued_end = b.w->queue.n;
	out->in_flight_end = (uint64_t)b.w->n_busy;
	if ((rc = sim_world_finish(b.w, b.a.to_ms)) < 0)
		goto out;
	*st = b.w->st;
	out->st = st;
out:
	if (rc < 0)
		snprintf(err, errlen, "--baselines: %s: %s", out->name, msg ? msg : strerror(-rc));
	scaled_engine_free(b.e);
	sim_kinds_bind(NULL);
	sim_kinds_baseline_series(false);
	sim_world_free(b.w);
	free(msg);
	return rc;
}

#define SIM_POLICY_DEADLINE_MS 10000

/* The engine, with the simulated kinds and the kind map, the farm loaded. */
static int sim_run_engine(struct sim_run *r, char **msg)
{
	struct scaled_options o;
	int rc;

	scaled_options_init(&o);
	o.virtual_clock = 1;
	o.start_ms = r->a.from_ms;
	o.plugin_path = r->a.plugin_dir;
	o.log_level = SCALED_LOG_WARN;
	o.log_fn = sim_run_log;
	o.log_arg = r;
	o.kind_map = r->map.v;
	o.n_kind_map = r->map.n;
	/* The policy deadline is wall-clock time: at the daemon's 50 ms a
	 * loaded machine could stop a slow policy in one run and not in the
	 * next. 10 s keeps runs the same while still ending a runaway one. */
	o.lua_deadline_ms = SIM_POLICY_DEADLINE_MS;
	o.group_policy = r->group_policy;
	if ((rc = scaled_engine_new(&o, &r->e, msg)) < 0)
		return rc;
	sim_kinds_bind(r->w);
	if ((rc = scaled_engine_add_plugin(r->e, &sim_kinds_plugin, msg)) < 0)
		return rc;
	scaled_engine_on_decision(r->e, sim_run_on_decision, r);
	return scaled_engine_load_file(r->e, r->a.farm, msg);
}

/* Step the engine and the world over the span, stopping at each row of
 * series.csv: at the start, every series_every after it, and at the end.
 * 0, or a negative errno. */
static int sim_run_span(struct sim_run *r)
{
	int64_t t = r->a.from_ms, to = r->a.to_ms, row = t, next;
	int rc;

	sim_progress_init(&r->progress, stderr, r->a.quiet, t, to);
	while (true) {
		if ((rc = scaled_engine_step(r->e, t)) < 0 || (rc = sim_world_advance(r->w, t)) < 0)
			return rc;
		if (t == row) {
			/* a baseline's run writes no series.csv: no rows to stop at */
			if (r->series && (rc = sim_series_row(r->series, t)) < 0)
				return rc;
			row = r->series && row + r->series_every < to ? row + r->series_every : to;
		}
		sim_progress_at(&r->progress, t, r->w);
		if (t == to)
			break;
		next = t + SIM_SLICE_MS < to ? t + SIM_SLICE_MS : to;
		t = next < row ? next : row;
	}
	sim_progress_break(&r->progress);
	return 0;
}

/* Close series.csv; series the engine made after its first row are not
 * in it: say so when one had a sample. 0, or -errno with "path: reason" in
 * err (err NULL: after another failure, quietly). */
static int sim_run_series_end(struct sim_run *r, char *err, size_t errlen)
{
	char why[4400];
	const char *late_name;
	size_t late;
	int rc = sim_series_close(r->series, &late, &late_name, why, sizeof why);

	r->series = NULL;
	if (!err)
		return rc;
	if (rc < 0)
		snprintf(err, errlen, "%s", why);
	else if (late_name)
		fprintf(stderr, "scaled simulate: warning: %s/series.csv: %zu series made after its "
			"first row are not in it (%s among them)\n", r->a.out, late, late_name);
	return rc;
}

/* series.csv in --out, its interval --series-every or the default. */
static int sim_run_series(struct sim_run *r, char *err, size_t errlen)
{
	char path[4096];

	r->series_every = r->a.series_every_ms ? r->a.series_every_ms :
		sim_series_default_every(r->e, r->a.to_ms - r->a.from_ms);
	snprintf(path, sizeof path, "%s/series.csv", r->a.out);
	return sim_series_open(&r->series, path, r->e, r->w, err, errlen);
}

static int sim_run_report(struct sim_run *r, char *err, size_t errlen)
{
	struct sim_report rep = {
		.from_ms = r->a.from_ms, .to_ms = r->a.to_ms, .seed = r->a.seed,
		.load_scale = r->a.load_scale, .on_demand = r->a.on_demand, .st = &r->w->st,
		.decisions = r->n_decisions, .actions = r->n_actions,
		.slo_ms = r->a.slo_ms, .failovers = r->failovers,
	};
	struct sim_stats bst[SIM_BASELINES];
	struct sim_report_run runs[SIM_BASELINES];
	char path[4096];
	size_t i;
	int rc;

	rep.in_flight_end = (uint64_t)r->w->n_busy;
	rep.queued_end = r->w->queue.n;
	/* What is still running is billed up to the end. */
	if ((rc = sim_world_finish(r->w, r->a.to_ms)) < 0 || (rc = sim_run_bound(r, &rep)) < 0) {
		snprintf(err, errlen, "the end of the span: %s", strerror(-rc));
		return rc;
	}
	for (i = 0; r->a.baselines && i < SIM_BASELINES; i++) {
		runs[i] = (struct sim_report_run){ .name = sim_baselines[i].name };
		if (!r->a.quiet) /* a whole run each, without progress of its own */
			fprintf(stderr, "simulate: baseline %s\n", runs[i].name);
		if (sim_run_baseline(r, sim_baselines[i].policy, &bst[i], &runs[i], err, errlen) < 0)
			return -EINVAL;
		rep.baselines = runs;
		rep.n_baselines = i + 1;
	}
	snprintf(path, sizeof path, "%s/summary.json", r->a.out);
	return sim_report_summary(path, &rep, err, errlen);
}

static int sim_run_outdir(struct sim_run *r, char *err, size_t errlen)
{
	char path[4096];

	if (mkdir(r->a.out, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "--out %s: %s", r->a.out, strerror(errno));
		return -errno;
	}
	snprintf(path, sizeof path, "%s/decisions.jsonl", r->a.out);
	if (r->a.decisions == SIM_DECISIONS_NONE) {
		unlink(path); /* not an old run's */
		return 0;
	}
	r->decisions = fopen(path, "we"); /* not gnuplot's (sim_chart) */
	if (!r->decisions) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	return 0;
}

int simulate_main(int argc, char **argv)
{
	struct sim_run r;
	char err[4400] = "";
	char *msg = NULL;
	int rc, status = 2;

	memset(&r, 0, sizeof r);
	rc = sim_cli_parse(argc, argv, &r.a, err, sizeof err);
	if (rc == 1)
		return 0;
	if (rc < 0) {
		fprintf(stderr, "scaled simulate: %s\n", err);
		return 2;
	}
	if (sim_farm_read(&r.a, r.a.plugin_dir, err, sizeof err) < 0 ||
	    sim_cli_check(&r.a, err, sizeof err) < 0 || sim_run_traces(&r, err, sizeof err) < 0 ||
	    sim_run_ondemand(&r, err, sizeof err) < 0 ||
	    sim_map_build(&r.a, &r.map, err, sizeof err) < 0)
		goto fail;
	status = 1;
	if (sim_run_world(&r) < 0 || sim_run_outdir(&r, err, sizeof err) < 0)
		goto fail;
	if ((rc = sim_run_engine(&r, &msg)) < 0) {
		status = rc == -ENOMEM ? 1 : 2;
		snprintf(err, sizeof err, "%s", msg ? msg : strerror(-rc));
		goto fail;
	}
	if (sim_run_series(&r, err, sizeof err) < 0)
		goto fail;
	rc = sim_run_span(&r);
	if (sim_run_series_end(&r, err, sizeof err) < 0 || rc < 0) {
		if (!*err)
			snprintf(err, sizeof err, "the simulation failed: %s", strerror(-rc));
		goto fail;
	}
	/* Each of sim_run_report's failures says what it was in err. */
	if (sim_run_report(&r, err, sizeof err) < 0)
		goto fail;
	if (r.write_rc < 0) {
		snprintf(err, sizeof err, "%s/decisions.jsonl: write failed", r.a.out);
		goto fail;
	}
	sim_chart(r.a.out, !r.a.no_chart, r.a.from_ms, r.a.to_ms, SIM_CHART_TIMEOUT_S);
	status = 0;
fail:
	sim_progress_break(&r.progress);
	if (status)
		fprintf(stderr, "scaled simulate: %s\n", *err ? err : "out of memory");
	sim_run_series_end(&r, NULL, 0);
	scaled_engine_free(r.e);
	sim_kinds_bind(NULL);
	if (r.decisions && fclose(r.decisions) != 0 && status == 0) {
		fprintf(stderr, "scaled simulate: %s/decisions.jsonl: %s\n", r.a.out, strerror(errno));
		status = 1;
	}
	sim_world_free(r.w);
	sim_map_free(&r.map);
	sim_cli_free(&r.a);
	if (r.have_load)
		replay_csv_free(&r.load);
	if (r.have_spot)
		replay_csv_free(&r.spot);
	free(msg);
	return status;
}
