/*
 * bench_engine.c - what a tick costs. Prints, in one run:
 *   1. a bare lua_pcall of an empty function;
 *   2. one group tick with a realistic policy (120 s average + threshold),
 *      and its ratio to (1); and one with the library's seed setup: percent
 *      (2 x 120 s alarms) + spot_failover on a spot price, with markets;
 *   3. ticks per second one core sustains with 10 000 groups ticking every
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

static double bare_pcall_ns(long n)
{
	lua_State *L = luaL_newstate();
	int64_t t0;
	long i;

	luaL_dostring(L, "function f() end");
	lua_getglobal(L, "f");
	t0 = clock_stopwatch_ns();
	for (i = 0; i < n; i++) {
		lua_pushvalue(L, -1);
		lua_pcall(L, 0, 0, 0);
	}
	t0 = clock_stopwatch_ns() - t0;
	lua_close(L);
	return (double)t0 / (double)n;
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
	"source 'spot' { kind = 'wave', value = 0.6, amplitude = 0.3, period = '1h', every = '1m' }\n"
	"target 't' { kind = 'sim', start = 2 }\n"
	"group 'g' { target = 't', max = 10, every = '1s', on_demand_base = 0,\n"
	"  on_demand_percent = 0, policy = { policy.percent { series = 'cpu', out_at = 80,\n"
	"  out_percent = 50, in_at = 20, in_change = -1 },\n"
	"  policy.spot_failover { spot = 'spot', on_demand = 0.84 } } }\n";

static double tick_ns(const char *plugin_dir, const char *farm, long n)
{
	struct scaled_engine *e = bench_engine(plugin_dir, farm);
	struct group *g = e->groups[0];
	int64_t t0;
	long i;

	/* Ten minutes of samples: the 120 s window holds 24 of them. */
	scaled_engine_step(e, scaled_engine_now(e) + 600000);
	t0 = clock_stopwatch_ns();
	for (i = 0; i < n; i++)
		engine_group_tick(g);
	t0 = clock_stopwatch_ns() - t0;
	scaled_engine_free(e);
	return (double)t0 / (double)n;
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
	double bare = bare_pcall_ns(5000000);
	double tick = tick_ns(plugin_dir, tick_farm, 1000000);
	double spot = tick_ns(plugin_dir, spot_farm, 200000);

	printf("bare lua_pcall of an empty function: %.1f ns\n", bare);
	printf("group tick (120 s avg + threshold):  %.1f ns (target: <= 2000 ns)\n", tick);
	printf("ratio tick / bare pcall:             %.1f x (target: <= 20 x)\n", tick / bare);
	printf("group tick (percent + spot_failover): %.1f ns, %.1f x the bare pcall\n", spot,
	       spot / bare);
	many_groups(plugin_dir, argc > 2 ? atoi(argv[2]) : 10000, 60);
	return 0;
}
