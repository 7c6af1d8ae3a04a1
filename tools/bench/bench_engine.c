/*
 * bench_engine.c - what a tick costs. Prints, in one run:
 *   1. a bare lua_pcall of an empty function, one group tick with a
 *      realistic policy (120 s average + threshold), and one with the
 *      library's seed setup (percent on 2 x 120 s alarms + spot_failover
 *      on a spot price, with markets), each tick a second after the last
 *      with samples arriving (bench_feed.h), each timed in short batches that
 *      alternate in one loop, round after round, so that a change of load
 *      on the machine touches all three alike: each round's ratio of a
 *      tick to the bare call, and the min and median over the rounds;
 *   2. ticks per second one core sustains with 10 000 groups ticking every
 *      second, and the share of a core that takes.
 * A benchmark, not a test: it prints figures and asserts nothing.
 *
 *   build/tools/bench/bench_engine [PLUGIN_DIR]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "bench_feed.h"
#include "clock.h"
#include "engine.h"
#include "sandbox.h"
#include "scaled/scaled.h"

#define POLICY                                                                 \
	"local function p(g, s)\n"                                             \
	"  local a = s.cpu:avg(120)\n"                                         \
	"  if a and a > 80 then return g:change(1, 'cpu above 80') end\n"     \
	"  return g:hold('cpu fine')\n"                                        \
	"end\n"

static struct scaled_engine *bench_engine(const char *plugin_dir, const char *farm)
{
	struct scaled_options o;
	struct scaled_engine *e;
	char *err = NULL;

	scaled_options_init(&o);
	o.virtual_clock = 1;
	o.start_ms = 1700000000000;
	o.log_level = SCALED_LOG_ERROR;
	o.plugin_path = plugin_dir;
	if (scaled_engine_new(&o, &e, &err) < 0 || scaled_engine_load_string(e, "bench", farm, &err) < 0) {
		fprintf(stderr, "bench: %s\n", err ? err : "cannot start");
		exit(1);
	}
	return e;
}

/* ns a bare lua_pcall of the function on top of L's stack takes. */
static double bare_pcall_ns(lua_State *L, long n)
{
	int64_t t0 = clock_stopwatch_ns();
	long i;

	for (i = 0; i < n; i++) {
		lua_pushvalue(L, -1);
		lua_pcall(L, 0, 0, 0);
	}
	return (double)(clock_stopwatch_ns() - t0) / (double)n;
}

static const char tick_farm[] =
	"plugin 'sim'\n"
	"source 'cpu' { kind = 'wave', value = 50, amplitude = 20, period = '10m', every = '5s' }\n"
	"target 't' { kind = 'sim', start = 2 }\n" POLICY
	"group 'g' { target = 't', max = 10, every = '1s', policy = p }\n";

/* The seed's spot group: CPU percent scale-out and spot failover. */
static const char spot_farm[] =
	"plugin 'sim'\n"
	"local policy = require 'policy'\n"
	"source 'cpu' { kind = 'wave', value = 50, amplitude = 20, period = '10m', every = '5s' }\n"
	"source 'spot' { kind = 'wave', value = 0.6, amplitude = 0.2, period = '1h', every = '1m' }\n"
	"target 't' { kind = 'sim', start = 2 }\n"
	"group 'g' { target = 't', max = 10, every = '1s', on_demand_base = 0,\n"
	"  on_demand_percent = 0, policy = { policy.percent { series = 'cpu', out_at = 80,\n"
	"  out_percent = 50, in_at = 20, in_change = -1 },\n"
	"  policy.spot_failover { spot = 'spot', on_demand = 0.84 } } }\n";

/* ns one tick of f's engine's first group takes, each tick a second after
 * the last with its samples arriving (bench_feed.h; the feed's clock move
 * and pushes are timed with it, a few ns). */
static double tick_ns(struct bench_feed *f, long n)
{
	struct group *g = f->e->groups[0];
	int64_t t0 = clock_stopwatch_ns();
	long i;

	for (i = 0; i < n; i++) {
		bench_feed_next(f);
		engine_group_tick(g);
	}
	return (double)(clock_stopwatch_ns() - t0) / (double)n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* v sorted: "min M, median D" into buf. */
static const char *min_median(double *v, int n, char *buf, size_t len)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	snprintf(buf, len, "min %.1f, median %.1f", v[0], v[n / 2]);
	return buf;
}

#define ROUNDS 21

static void alternated(const char *plugin_dir)
{
	struct scaled_engine *e1 = bench_engine(plugin_dir, tick_farm);
	struct scaled_engine *e2 = bench_engine(plugin_dir, spot_farm);
	double bare[ROUNDS], t1[ROUNDS], t2[ROUNDS], r1[ROUNDS], r2[ROUNDS];
	struct bench_feed f1, f2;
	lua_State *L = luaL_newstate();
	char a[96], b[96];
	int r;

	luaL_dostring(L, "function f() end");
	lua_getglobal(L, "f");
	/* Ten minutes of samples: the 120 s windows hold 24 of them. */
	scaled_engine_step(e1, scaled_engine_now(e1) + 600000);
	scaled_engine_step(e2, scaled_engine_now(e2) + 600000);
	bench_feed_init(&f1, e1);
	bench_feed_init(&f2, e2);
	bare_pcall_ns(L, 100000); /* warm up all three */
	tick_ns(&f1, 10000);
	tick_ns(&f2, 2000);
	for (r = 0; r < ROUNDS; r++) {
		bare[r] = bare_pcall_ns(L, 200000);
		t1[r] = tick_ns(&f1, 20000);
		t2[r] = tick_ns(&f2, 5000);
		r1[r] = t1[r] / bare[r];
		r2[r] = t2[r] / bare[r];
	}
	printf("%d rounds, each: 200 000 bare calls, 20 000 and 5 000 ticks, alternated\n", ROUNDS);
	printf("bare lua_pcall of an empty function:  %s ns\n",
	       min_median(bare, ROUNDS, a, sizeof a));
	printf("group tick (120 s avg + threshold):   %s ns (target: <= 2000 ns)\n",
	       min_median(t1, ROUNDS, a, sizeof a));
	printf("  its ratio to the bare call:         %s x (target: <= 15 x)\n",
	       min_median(r1, ROUNDS, b, sizeof b));
	printf("group tick (percent + spot_failover): %s ns\n",
	       min_median(t2, ROUNDS, a, sizeof a));
	printf("  its ratio to the bare call:         %s x\n",
	       min_median(r2, ROUNDS, b, sizeof b));
	lua_close(L);
	scaled_engine_free(e1);
	scaled_engine_free(e2);
}

static void many_groups(const char *plugin_dir, int groups, int seconds)
{
	char farm[1024];
	struct scaled_engine *e;
	int64_t t0, start;
	double secs, ticks;

	snprintf(farm, sizeof farm,
		 "plugin 'sim'\n"
		 "source 'cpu' { kind = 'wave', value = 50, amplitude = 20, period = '10m', every = '5s' }\n"
		 POLICY
		 "for i = 1, %d do\n"
		 "  target('t' .. i) { kind = 'sim', start = 2, poll = '10s' }\n"
		 "  group('g' .. i) { target = 't' .. i, max = 10, every = '1s', policy = p }\n"
		 "end\n", groups);
	e = bench_engine(plugin_dir, farm);
	start = scaled_engine_now(e);
	/* Warm up: first ticks, samples in the window. */
	scaled_engine_step(e, start + 130000);
	t0 = clock_stopwatch_ns();
	scaled_engine_step(e, start + 130000 + (int64_t)seconds * 1000);
	secs = (double)(clock_stopwatch_ns() - t0) / 1e9;
	ticks = (double)groups * seconds;
	/* Wall time of one thread doing nothing else: what a core spends. */
	printf("%d groups, 1 s ticks, %d simulated s: %.3f s on one core (wall)\n", groups, seconds,
	       secs);
	printf("  ticks per second on one core: %.0f\n", ticks / secs);
	printf("  share of a core at 1 tick/s per group: %.2f %% (target: under 5 %%)\n",
	       100.0 * secs / seconds);
	scaled_engine_free(e);
}

int main(int argc, char **argv)
{
	const char *plugin_dir = argc > 1 ? argv[1] : NULL;

	alternated(plugin_dir);
	many_groups(plugin_dir, argc > 2 ? atoi(argv[2]) : 10000, 60);
	return 0;
}
