/*
 * test_sim_engine.c - the "sim" target in the real engine, through the
 * embedding API on a virtual clock (sim.so and replay.so from the build
 * tree): the default mix as before, a group's mix split as EC2 Auto Scaling
 * splits it, a switch proposed by a policy (g:mix) that never makes the
 * capacity dip (checked every second), spot interruptions driven by a
 * replayed price trace, and the keys the core refuses with its messages.
 *
 * Exact times: the engine polls the sim every `poll` and ticks a group
 * every `every` from the start; at one time a source collects before a
 * target polls, and a target polls before a group ticks.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "scaled/scaled.h"

#define T0 1700000000000LL
#define S 1000LL

static struct scaled_engine *load(const char *farm)
{
	struct scaled_options o;
	struct scaled_engine *e = NULL;
	char *err = NULL;

	scaled_options_init(&o);
	o.virtual_clock = 1;
	o.start_ms = T0;
	o.log_level = SCALED_LOG_ERROR;
	o.plugin_path = SCALED_BINARY_DIR "/plugins";
	o.policy_dir = SCALED_SOURCE_DIR "/policies";
	assert_int_equal(scaled_engine_new(&o, &e, &err), 0);
	if (scaled_engine_load_string(e, "test-farm", farm, &err) < 0)
		fail_msg("load: %s", err ? err : "?");
	return e;
}

/* Loading farm fails with exactly want. */
static void refused(const char *farm, const char *want)
{
	struct scaled_options o;
	struct scaled_engine *e = NULL;
	char *err = NULL;

	scaled_options_init(&o);
	o.virtual_clock = 1;
	o.start_ms = T0;
	o.log_level = SCALED_LOG_ERROR;
	o.plugin_path = SCALED_BINARY_DIR "/plugins";
	assert_int_equal(scaled_engine_new(&o, &e, &err), 0);
	assert_int_equal(scaled_engine_load_string(e, "test-farm", farm, &err), -EINVAL);
	assert_non_null(err);
	if (strcmp(err, want) != 0)
		fail_msg("farm:\n%s\nrefused with: %s\nexpected:     %s", farm, err, want);
	free(err);
	scaled_engine_free(e);
}

static void step(struct scaled_engine *e, int64_t ms)
{
	assert_int_equal(scaled_engine_step(e, T0 + ms), 0);
}

static struct scaled_group_status status(struct scaled_engine *e, const char *group)
{
	struct scaled_group_status st;

	assert_int_equal(scaled_engine_group_status(e, group, &st), 0);
	return st;
}

/* The group's status: current, spot, on_demand, starting; stopping 0. */
#define EXPECT(e, g, cur, spot, od, starting)                                  \
	expect((e), (g), (cur), (spot), (od), (starting), __LINE__)
static void expect(struct scaled_engine *e, const char *group, int current, int spot,
		   int on_demand, int starting, int line)
{
	struct scaled_group_status st = status(e, group);

	if (st.current != current || st.spot != spot || st.on_demand != on_demand ||
	    st.starting != starting || st.stopping != 0)
		fail_msg("line %d: group %s at t0%+.3fs: current %d, spot %d, on_demand %d, "
			 "starting %d, stopping %d; expected %d, %d, %d, %d, 0", line, group,
			 (double)(scaled_engine_now(e) - T0) / 1000.0, st.current, st.spot,
			 st.on_demand, st.starting, st.stopping, current, spot, on_demand,
			 starting);
}

/* A farm without any mix: every unit on-demand, and the capacity follows
 * the desired one after `delay` as it always did; a scale-in at once. */
static void test_default_mix(void **ts)
{
	static const char farm[] =
		"plugin 'sim'\n"
		"target 'fleet' { kind = 'sim', start = 2, delay = '30s', poll = '1s' }\n"
		"group 'g' { target = 'fleet', max = 10, every = '10s',\n"
		"  stabilization = { down = '0s' },\n"
		"  policy = function(g)\n"
		"    if g.now >= 1700000100 then return g:set(1, 'one') end\n"
		"    return g:set(4, 'four')\n"
		"  end }\n";
	struct scaled_engine *e = load(farm);
	struct scaled_group_status st;

	(void)ts;
	step(e, 0);
	EXPECT(e, "g", 2, 0, 2, 0);
	st = status(e, "g");
	assert_int_equal(st.on_demand_base, -1); /* the group has no mix */
	assert_int_equal(st.on_demand_percent, -1);
	step(e, 10 * S); /* the first tick: 4, booting for 30 s */
	EXPECT(e, "g", 2, 0, 2, 2);
	assert_int_equal(status(e, "g").desired, 4);
	step(e, 39 * S);
	EXPECT(e, "g", 2, 0, 2, 2);
	step(e, 40 * S);
	EXPECT(e, "g", 4, 0, 4, 0);
	step(e, 99 * S);
	EXPECT(e, "g", 4, 0, 4, 0);
	step(e, 100 * S);
	EXPECT(e, "g", 1, 0, 1, 0);
	scaled_engine_free(e);
}

/* The group's mix (on_demand_base 10, on_demand_percent 50, EC2 Auto
 * Scaling's example) reaches the sim with the first decision: 10 units are
 * 10 on-demand; 20 are 15 on-demand and 5 spot. */
static void test_group_mix(void **ts)
{
	static const char farm[] =
		"plugin 'sim'\n"
		"target 'fleet' { kind = 'sim' }\n"
		"group 'g' { target = 'fleet', max = 40, every = '10s',\n"
		"  on_demand_base = 10, on_demand_percent = 50,\n"
		"  policy = function(g)\n"
		"    if g.now >= 1700000030 then return g:set(20, 'twenty') end\n"
		"    return g:set(10, 'ten')\n"
		"  end }\n";
	struct scaled_engine *e = load(farm);
	struct scaled_group_status st;

	(void)ts;
	step(e, 10 * S);
	EXPECT(e, "g", 10, 0, 10, 0);
	st = status(e, "g");
	assert_int_equal(st.on_demand_base, 10);
	assert_int_equal(st.on_demand_percent, 50);
	step(e, 30 * S);
	EXPECT(e, "g", 20, 5, 15, 0);
	scaled_engine_free(e);
}

/* A policy moves the mix from spot to on-demand in two steps (50 % at
 * 60 s, 100 % at 90 s; mix_dwell 10 s lets the second through). Spot boots
 * in 60 s, on-demand in 120 s. Every second the capacity is at least the 4
 * it had, and the spot units go only as on-demand ones come up: two at
 * 180 s, two at 210 s. */
static void test_switch_never_dips(void **ts)
{
	static const char farm[] =
		"plugin 'sim'\n"
		"target 'fleet' { kind = 'sim', start = 4, on_demand_percent = 0,\n"
		"  spot_delay = '60s', on_demand_delay = '120s', poll = '1s' }\n"
		"group 'g' { target = 'fleet', max = 10, every = '10s', mix_dwell = '10s',\n"
		"  policy = function(g)\n"
		"    if g.now >= 1700000090 then\n"
		"      return g:mix({ on_demand_percent = 100 }, 'spot is dear')\n"
		"    end\n"
		"    if g.now >= 1700000060 then\n"
		"      return g:mix({ on_demand_percent = 50 }, 'spot is getting dear')\n"
		"    end\n"
		"  end }\n";
	struct scaled_engine *e = load(farm);
	struct scaled_group_status st;
	int64_t s;

	(void)ts;
	for (s = 0; s <= 300; s++) {
		step(e, s * S);
		st = status(e, "g");
		assert_true(st.current >= 4);
		assert_int_equal(st.desired, 4);
		if (s < 60)
			EXPECT(e, "g", 4, 4, 0, 0);
		else if (s < 90)
			EXPECT(e, "g", 4, 4, 0, 2);
		else if (s < 180)
			EXPECT(e, "g", 4, 4, 0, 4);
		else if (s < 210)
			EXPECT(e, "g", 4, 2, 2, 2);
		else
			EXPECT(e, "g", 4, 0, 4, 0);
	}
	assert_int_equal(st.on_demand_base, 0);
	assert_int_equal(st.on_demand_percent, 100);
	scaled_engine_free(e);
}

#define POOL ",c3.large,us-west-1a,Linux/UNIX,"

/* A replayed price: 0.30, above the maximum (1.50) from 5 min, 0.40 from
 * 15 min. The sim (1 on-demand as base, 2 spot, poll 5 s) notices its two
 * spot units at the first poll that sees 1.50 (300 s; the source collects
 * first), loses them 2 min later (420 s), relaunches them at once, and
 * they wait while the price is high and come up 60 s after the poll that
 * sees 0.40 (900 s + 60 s). A second group's policy copies
 * fleet.interruption_notice + 100 * fleet.interruptions into its own
 * count, so the series are read as a policy reads them. */
static void interruption_replay(const char *od_source, const char *max_key, int interrupted)
{
	static const char trace[] =
		"timestamp_iso8601,instance_type,availability_zone,product,price_usd\n"
		"2014-02-16T00:00:00Z" POOL "0.30\n"
		"2014-02-16T00:05:00Z" POOL "1.50\n"
		"2014-02-16T00:15:00Z" POOL "0.40\n";
	char dir[] = "/tmp/scaled-test-sim-XXXXXX", path[64], farm[2048];
	struct scaled_engine *e;
	FILE *f;
	int64_t s;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/price.csv", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(trace, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	snprintf(farm, sizeof farm,
		 "plugin 'sim'\n"
		 "plugin 'replay'\n"
		 "source 'price' { kind = 'replay', format = 'spot', path = '%s', every = '10s' }\n"
		 "%s"
		 "target 'fleet' { kind = 'sim', start = 3, on_demand_base = 1,\n"
		 "  on_demand_percent = 0, spot_delay = '60s', on_demand_delay = '90s',\n"
		 "  spot_price = 'price', %s }\n"
		 "target 'probe' { kind = 'sim' }\n"
		 "group 'fleet' { target = 'fleet', max = 10 }\n"
		 "group 'watch' { target = 'probe', max = 1000, every = '1s',\n"
		 "  stabilization = { down = '0s' },\n"
		 "  policy = function(g, s)\n"
		 "    local n = s['fleet.interruption_notice']:last()\n"
		 "    local i = s['fleet.interruptions']:last()\n"
		 "    return g:set((n or 0) + 100 * (i or 0), 'notice and interruptions')\n"
		 "  end }\n",
		 path, od_source, max_key);
	e = load(farm);
	for (s = 0; s <= 1000; s++) {
		step(e, s * S);
		if (!interrupted) {
			EXPECT(e, "fleet", 3, 2, 1, 0);
			assert_int_equal(status(e, "watch").desired, 0);
		} else if (s < 300) {
			EXPECT(e, "fleet", 3, 2, 1, 0);
			assert_int_equal(status(e, "watch").desired, 0);
		} else if (s < 420) {
			EXPECT(e, "fleet", 3, 2, 1, 0); /* under notice, still running */
			assert_int_equal(status(e, "watch").desired, 2);
		} else if (s < 960) {
			EXPECT(e, "fleet", 1, 0, 1, 2); /* replacements wait, then boot */
			assert_int_equal(status(e, "watch").desired, 200);
		} else {
			EXPECT(e, "fleet", 3, 2, 1, 0);
			assert_int_equal(status(e, "watch").desired, 200);
		}
	}
	scaled_engine_free(e);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

static void test_interruption_replay(void **ts)
{
	(void)ts;
	interruption_replay("", "max_spot_price = 1.0", 1);
}

/* The same with the most spot pays read from an on-demand price series
 * (on_demand_price, AWS's default): at 1.0, the same interruptions; at 2.0
 * (above the 1.50), none. */
static void test_interruption_on_demand_series(void **ts)
{
	(void)ts;
	interruption_replay("source 'od' { kind = 'wave', value = 1.0, every = '10s' }\n",
			    "on_demand_price = 'od'", 1);
	interruption_replay("source 'od' { kind = 'wave', value = 2.0, every = '10s' }\n",
			    "on_demand_price = 'od'", 0);
}

/* A group may give the sim a mix (its kind applies one: ABI 1.2). */
static void test_mix_accepted(void **ts)
{
	struct scaled_engine *e = load("plugin 'sim'\n"
				       "target 't' { kind = 'sim', start = 3 }\n"
				       "group 'g' { target = 't', max = 5, on_demand_base = 1,\n"
				       "  on_demand_percent = 0, mix_override = { on_demand_base = 2 } }\n");

	(void)ts;
	step(e, 10 * S);
	EXPECT(e, "g", 3, 1, 2, 0);
	scaled_engine_free(e);
}

/* Bad keys are refused by the core before create(), with its messages;
 * what only create() can see, with create's. */
static void test_keys_refused(void **ts)
{
	static const struct {
		const char *target, *want;
	} cases[] = {
		{ "on_demand_percent = 101",
		  "key \"on_demand_percent\": 101 is not between 0 and 100" },
		{ "on_demand_percent = -1", "key \"on_demand_percent\": -1 is not between 0 and 100" },
		{ "on_demand_base = -1", "key \"on_demand_base\": -1 is not between 0 and 1000000" },
		{ "spot_delay = -1", "key \"spot_delay\": bad duration -1" },
		{ "on_demand_delay = '-5s'",
		  "key \"on_demand_delay\": bad duration \"-5s\" (examples: \"250ms\", \"30s\", "
		  "\"5m\", \"1h\")" },
		{ "notice = 'soon'",
		  "key \"notice\": bad duration \"soon\" (examples: \"250ms\", \"30s\", \"5m\", "
		  "\"1h\")" },
		{ "spot_price = 'p', max_spot_price = 0",
		  "key \"max_spot_price\": 0 is less than 0.0001, the least it may be" },
		{ "spot_price = 'p', max_spot_price = -2",
		  "key \"max_spot_price\": -2 is less than 0.0001, the least it may be" },
		{ "spot_price = 'p'",
		  "spot_price and max_spot_price (or on_demand_price) go together: give both "
		  "(interruptions above the price), or neither" },
		{ "max_spot_price = 0.5",
		  "spot_price and max_spot_price (or on_demand_price) go together: give both "
		  "(interruptions above the price), or neither" },
		{ "on_demand_price = 'od'",
		  "spot_price and max_spot_price (or on_demand_price) go together: give both "
		  "(interruptions above the price), or neither" },
		{ "spot_price = 'p', max_spot_price = 0.5, on_demand_price = 'od'",
		  "max_spot_price or on_demand_price, not both (the most spot pays: a price, or "
		  "the on-demand price's series)" },
		{ "spot_price = 'p', on_demand_price = ''",
		  "on_demand_price is empty (the name of a price series)" },
		{ "spot_price = '', max_spot_price = 0.5",
		  "spot_price is empty (the name of a price series)" },
		{ "spot_price = 3, max_spot_price = 0.5",
		  "key \"spot_price\": expected string, got number" },
		{ "max_spot_pric = 0.5",
		  "unknown key \"max_spot_pric\" (did you mean \"max_spot_price\"?)" },
	};
	char farm[512], want[512];
	size_t i;

	(void)ts;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(farm, sizeof farm, "plugin 'sim'\ntarget 't' { kind = 'sim', %s }\n",
			 cases[i].target);
		snprintf(want, sizeof want, "test-farm:2: target \"t\": %s", cases[i].want);
		refused(farm, want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_mix),
		cmocka_unit_test(test_group_mix),
		cmocka_unit_test(test_switch_never_dips),
		cmocka_unit_test(test_interruption_replay),
		cmocka_unit_test(test_interruption_on_demand_series),
		cmocka_unit_test(test_mix_accepted),
		cmocka_unit_test(test_keys_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
