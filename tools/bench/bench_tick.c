/*
 * bench_tick.c - instructions a group tick costs, per farm: one group
 * ticked N times after ten minutes of samples, a second apart with its
 * samples arriving as a daemon's (bench_feed.h), in a function of its own
 * (bench_tick_loop) that callgrind counts alone. Instruction counts do not
 * move with the load on the machine, so a change to a policy or to the
 * engine's tick path can be judged in one run:
 *
 *   tools/bench/tick_instructions [BUILD_DIR [FARM...]]   (a table)
 *   FRESH=1 tools/bench/tick_instructions ...   (bench_tick FARM N fresh)
 *   valgrind --tool=callgrind --toggle-collect=bench_tick_loop \
 *       build/tools/bench/bench_tick FARM [N]
 *
 * FARM: plain (the 120 s average + threshold of bench_engine), percent,
 * spot_failover, both (percent + spot_failover, bench_engine's second),
 * queue (policy.queue on a backlog), step (policy.queue_step); and one farm
 * for each other policy of the library, by its name (step_alarm: policy.step
 * on an alarm that is in ALARM).
 * A benchmark: it prints nothing but errors and asserts nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_feed.h"
#include "engine.h"
#include "scaled/scaled.h"

#define CPU "source 'cpu' { kind = 'wave', value = 50, amplitude = 20, period = '10m', every = '5s' }\n"
#define SPOT "source 'spot' { kind = 'wave', value = 0.6, amplitude = 0.2, period = '1h', every = '1m' }\n"
#define JOBS "source 'jobs' { kind = 'wave', value = 40, amplitude = 30, period = '10m', every = '5s' }\n"
#define HEAD "plugin 'sim'\nlocal policy = require 'policy'\ntarget 't' { kind = 'sim', start = 2 }\n"
#define GROUP "group 'g' { target = 't', max = 10, every = '1s', on_demand_base = 0, on_demand_percent = 0, policy = "
#define PERCENT "policy.percent { series = 'cpu', out_at = 80, out_percent = 50, in_at = 20, in_change = -1 }"
#define FAILOVER "policy.spot_failover { spot = 'spot', on_demand = 0.84 }"

static const struct { const char *name, *farm; } farms[] = {
	{ "plain", HEAD CPU
	  "local function p(g, s)\n"
	  "  local a = s.cpu:avg(120)\n"
	  "  if a and a > 80 then return g:change(1, 'cpu above 80') end\n"
	  "  return g:hold('cpu fine')\n"
	  "end\n" GROUP "p }\n" },
	{ "percent", HEAD CPU GROUP PERCENT " }\n" },
	{ "spot_failover", HEAD SPOT GROUP FAILOVER " }\n" },
	{ "both", HEAD CPU SPOT GROUP "{ " PERCENT ", " FAILOVER " } }\n" },
	{ "queue", HEAD JOBS GROUP "policy.queue { backlog = 'jobs', jobs_per_worker = 20 } }\n" },
	{ "step", HEAD JOBS GROUP "policy.queue_step { series = 'jobs', steps = { { 0, 0 }, { 1, 1 }, { 50, 2 } } } }\n" },
	/* the rest of the library (tick_instructions FARM...) */
	{ "target", HEAD CPU GROUP "policy.target { series = 'cpu', target = 60 } }\n" },
	{ "target3", HEAD CPU JOBS GROUP "policy.target { metrics = { { series = 'cpu', target = 60 }, "
	  "{ series = 'jobs', type = 'AverageValue', target = 10 }, "
	  "{ series = 'jobs', type = 'Value', target = 40, stat = 'max' } } } }\n" },
	{ "threshold", HEAD CPU GROUP "policy.threshold { series = 'cpu', bands = { "
	  "{ lower_bound = 80, delta = 1 }, { upper_bound = 20, delta = -1 }, "
	  "{ lower_bound = 20, upper_bound = 80, delta = 0 } } } }\n" },
	{ "step_alarm", HEAD CPU GROUP "policy.step { alarm = policy.alarm { series = 'cpu', "
	  "comparison = '>=', threshold = 40, evaluation_periods = 3 }, adjustment_type = "
	  "'ChangeInCapacity', steps = { { lower = 0, upper = 20, adjustment = 1 }, "
	  "{ lower = 20, adjustment = 2 } } } }\n" },
	{ "idle_stop", HEAD CPU GROUP "policy.idle_stop { event = 'go', series = 'cpu', below = 5, "
	  "idle = '10m' } }\n" },
	{ "fleet_units", HEAD JOBS GROUP "policy.fleet_units { types = { { type = 'a', weight = 2, "
	  "price = 0.05 }, { type = 'b', weight = 8, price = 0.10 } }, units = policy.queue_step { "
	  "series = 'jobs', steps = { { 0, 0 }, { 1, 1 }, { 50, 2 } } } } }\n" },
	{ "backup_group", HEAD CPU /* the backup is groups[0], the group ticked */
	  "group 'b' { target = 't', max = 10, every = '1s', policy = policy.backup_group { "
	  "primary = 'p' } }\ntarget 't2' { kind = 'sim', start = 2 }\n"
	  "group 'p' { target = 't2', max = 10, every = '1s', "
	  "policy = function(g, s) return g:hold('x') end }\n" },
	{ "schedule", HEAD GROUP "policy.schedule { zone = 'Europe/Berlin', windows = { { days = "
	  "'mon-fri', from = '08:00', to = '18:00', min = 4 } }, default = { min = 1 } } }\n" },
};

/* n ticks of g, each a second after the last (bench_feed.h); the feed's
 * own few instructions are counted with them. f NULL: the caller moves
 * the clock (fresh). */
static void bench_ticks(struct bench_feed *f, struct group *g, long n)
{
	for (long i = 0; i < n; i++) {
		if (f)
			bench_feed_next(f);
		engine_group_tick(g);
	}
}

/* What callgrind counts (--toggle-collect=bench_tick_loop); the warm-up
 * calls bench_ticks directly, so it is not counted. */
__attribute__((noinline)) void bench_tick_loop(struct bench_feed *f, struct group *g, long n);
__attribute__((noinline)) void bench_tick_loop(struct bench_feed *f, struct group *g, long n)
{
	bench_ticks(f, g, n);
}

/* "fresh": the farm with its sources publishing every second and its groups
 * ticking every hour, so that each counted tick, after the clock has moved
 * a second (not counted), reads at a new instant a sample it has not seen:
 * the worst case for what a policy keeps from tick to tick. */
static const struct { const char *from, *to; } fresh_edits[] = {
	{ "every = '1s'", "every = '1h'" }, /* groups first: sources become 1s */
	{ "every = '5s'", "every = '1s'" },
	{ "every = '1m'", "every = '1s'" },
};

static char *bench_fresh(const char *farm)
{
	size_t len = strlen(farm);
	char *out = malloc(len + 1); /* every edit keeps the length */

	if (!out)
		return NULL;
	memcpy(out, farm, len + 1);
	for (size_t i = 0; i < sizeof(fresh_edits) / sizeof(fresh_edits[0]); i++) {
		size_t n = strlen(fresh_edits[i].from);

		for (char *hit = out; (hit = strstr(hit, fresh_edits[i].from)) != NULL; hit += n)
			memcpy(hit, fresh_edits[i].to, n);
	}
	return out;
}

int main(int argc, char **argv)
{
	struct scaled_options o;
	struct scaled_engine *e;
	struct bench_feed feed;
	const char *farm = NULL;
	char *err = NULL, *edited = NULL;
	long n = argc > 2 ? atol(argv[2]) : 10000;
	int fresh = argc > 3 && !strcmp(argv[3], "fresh");

	for (size_t i = 0; argc > 1 && i < sizeof(farms) / sizeof(farms[0]); i++)
		if (!strcmp(argv[1], farms[i].name))
			farm = farms[i].farm;
	if (!farm || n <= 0 || (argc > 3 && !fresh)) {
		fprintf(stderr, "usage: bench_tick FARM [N [fresh]] (plain, percent, spot_failover, "
			"both, queue, step, target, target3, threshold, step_alarm, idle_stop, "
			"fleet_units, backup_group, schedule)\n");
		return 2;
	}
	if (fresh && !(farm = edited = bench_fresh(farm))) {
		fprintf(stderr, "bench_tick: out of memory\n");
		return 1;
	}
	scaled_options_init(&o);
	o.virtual_clock = 1;
	o.start_ms = 1700000000000;
	o.log_level = SCALED_LOG_ERROR;
	o.plugin_path = getenv("SCALED_PLUGIN_PATH");
	o.policy_dir = getenv("SCALED_POLICY_DIR");
	if (scaled_engine_new(&o, &e, &err) < 0 || scaled_engine_load_string(e, argv[1], farm, &err) < 0) {
		fprintf(stderr, "bench_tick: %s\n", err ? err : "cannot start");
		return 1;
	}
	scaled_engine_step(e, scaled_engine_now(e) + 600000);
	bench_feed_init(&feed, e);
	bench_ticks(&feed, e->groups[0], 1000); /* warm: first reads, rings grown */
	if (!fresh) {
		bench_tick_loop(&feed, e->groups[0], n);
	} else {
		for (long i = 0; i < n; i++) {
			/* the sources' polls run, not counted; then one counted tick */
			scaled_engine_step(e, scaled_engine_now(e) + 1000);
			bench_tick_loop(NULL, e->groups[0], 1);
		}
	}
	scaled_engine_free(e);
	free(edited);
	return 0;
}
