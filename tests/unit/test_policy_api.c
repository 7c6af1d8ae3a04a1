/*
 * test_policy_api.c - what a policy sees (group and series views) and how
 * its result turns into a proposal.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <lauxlib.h>

#include "event.h"
#include "policy_api.h"
#include "sandbox.h"
#include "series.h"

struct fixture {
	struct sandbox *sb;
	struct series_store *store;
	struct policy_env env;
	struct policy_group workers, other;
	struct scaled_proposal out;
	int rc;
};

static struct policy_group *find_group(void *arg, const char *name)
{
	struct fixture *fx = arg;

	if (strcmp(name, fx->workers.name) == 0)
		return &fx->workers;
	if (strcmp(name, fx->other.name) == 0)
		return &fx->other;
	return NULL;
}

static void push(struct series *s, int64_t t_ms, double v)
{
	assert_int_equal(series_push(s, t_ms, v), 0);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct sandbox_limits lim = { .deadline_ms = 2000 };
	struct series *s;

	fx->store = series_store_new();
	assert_non_null(fx->store);
	/* cpu: 10, 20, 30, 40 at 10 s .. 40 s */
	s = series_ensure(fx->store, "cpu", 0);
	for (int i = 1; i <= 4; i++)
		push(s, i * 10000, i * 10.0);
	/* a dotted name, a stale one, an empty one */
	push(series_ensure(fx->store, "queue.depth", 0), 40000, 7);
	s = series_ensure(fx->store, "old", 0);
	push(s, 10000, 1);
	series_set_stale_ms(s, 5000);
	assert_non_null(series_ensure(fx->store, "empty", 0));

	fx->workers = (struct policy_group){ .name = "workers", .current = 3, .desired = 4,
					     .min = 1, .max = 10, .starting = 1,
					     .stopping = 0, .view_ref = LUA_NOREF };
	/* view_ref 0, as in a zeroed struct, also means "no view yet" */
	fx->other = (struct policy_group){ .name = "other", .current = 6, .desired = 6,
					   .min = 0, .max = 8, .view_ref = 0 };
	fx->env = (struct policy_env){ .store = fx->store, .now_ms = 45000,
				       .find_group = find_group, .find_arg = fx };
	fx->sb = sandbox_new(&lim, NULL, NULL, NULL);
	assert_non_null(fx->sb);
	assert_int_equal(policy_api_open(sandbox_state(fx->sb), &fx->env), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	sandbox_free(fx->sb);
	series_store_free(fx->store);
	free(fx);
	return 0;
}

/* Make a policy from code (a chunk returning it) and call it once for
 * group g. Result in fx->out and fx->rc. */
static void eval_for(struct fixture *fx, struct policy_group *g, const char *code)
{
	lua_State *L = sandbox_state(fx->sb);
	char *msg = NULL;
	int ref;

	if (sandbox_load_string(fx->sb, "test", code, &msg) < 0 ||
	    sandbox_pcall(fx->sb, 0, 1, &msg) < 0)
		fail_msg("%s: %s", code, msg);
	ref = luaL_ref(L, LUA_REGISTRYINDEX);
	fx->rc = policy_api_call(fx->sb, &fx->env, g, ref, "p1", &fx->out);
	luaL_unref(L, LUA_REGISTRYINDEX, ref);
	assert_int_equal(lua_gettop(L), 0);
	assert_null(fx->env.calling);
	assert_null(fx->env.proposal);
	assert_string_equal(fx->out.policy, "p1");
}

static void eval(struct fixture *fx, const char *code)
{
	eval_for(fx, &fx->workers, code);
}

static void want(struct fixture *fx, enum scaled_proposal_kind kind, double value,
		   const char *reason)
{
	if (fx->out.kind != kind)
		fail_msg("kind %d, want %d (reason '%s')", fx->out.kind, kind, fx->out.reason);
	assert_true(fx->out.value == value);
	assert_string_equal(fx->out.reason, reason);
}

/* The policy holds with tostring(expr) as reason: check Lua values. */
static void want_value(struct fixture *fx, const char *expr, const char *want)
{
	char code[512];

	snprintf(code, sizeof(code),
		 "return function(g, s) return g:hold(tostring(%s)) end", expr);
	eval(fx, code);
	assert_int_equal(fx->rc, 0);
	if (fx->out.kind != SCALED_PROPOSAL_HOLD || strcmp(fx->out.reason, want) != 0)
		fail_msg("%s: got '%s' (kind %d), want '%s'", expr, fx->out.reason,
			 fx->out.kind, want);
}

static void want_error(struct fixture *fx, const char *code, int rc, const char *want)
{
	eval(fx, code);
	assert_int_equal(fx->rc, rc);
	assert_int_equal(fx->out.kind, SCALED_PROPOSAL_ERROR);
	if (!strstr(fx->out.reason, want))
		fail_msg("reason '%s' lacks '%s'", fx->out.reason, want);
	assert_null(strchr(fx->out.reason, '\n')); /* first line only */
}

static void test_series_stats(void **state)
{
	struct fixture *fx = *state;

	/* now = 45 s; samples 10..40 at 10 s..40 s */
	want_value(fx, "s.cpu:last()", "40.0");
	want_value(fx, "s.cpu:age()", "5.0");
	want_value(fx, "s.cpu:last(30)", "40.0");
	want_value(fx, "s.cpu:last(1)", "nil");          /* nothing in (44, 45] */
	want_value(fx, "s.cpu:last(10, 10)", "30.0");    /* (25, 35] */
	want_value(fx, "s.cpu:avg()", "25.0");
	want_value(fx, "s.cpu:avg(30)", "30.0");      /* (15 s, 45 s]: 20 30 40 */
	want_value(fx, "s.cpu:avg('30s')", "30.0");
	want_value(fx, "s.cpu:avg('500ms')", "nil");  /* nothing in (44.5, 45] */
	want_value(fx, "s.cpu:min(30)", "20.0");
	want_value(fx, "s.cpu:max(30)", "40.0");
	want_value(fx, "s.cpu:sum(30)", "90.0");
	want_value(fx, "s.cpu:sum()", "100.0");
	want_value(fx, "s.cpu:count(30)", "3");
	want_value(fx, "s.cpu:count(1)", "0");
	want_value(fx, "math.type(s.cpu:count())", "integer");
	want_value(fx, "s.cpu:rate(30)", "1.0");      /* (40 - 20) / 20 s */
	want_value(fx, "s.cpu:rate(10)", "nil");      /* one sample only */
	want_value(fx, "s.cpu:pct(50, 30)", "30.0");  /* nearest rank 2 of 3 */
	want_value(fx, "s.cpu:pct(100)", "40.0");
	want_value(fx, "s.cpu:pct(0)", "10.0");
	/* a window ending earlier: (5 s, 25 s] then (15 s, 35 s] */
	want_value(fx, "s.cpu:avg(20, 20)", "15.0");
	want_value(fx, "s.cpu:avg('20s', '10s')", "25.0");
	want_value(fx, "s.cpu:pct(100, 20, 20)", "20.0");
	want_value(fx, "s['queue.depth']:last()", "7.0");
	want_value(fx, "s.empty:last()", "nil");
	want_value(fx, "s.empty:age()", "nil");
	want_value(fx, "s.empty:avg()", "nil");
	want_value(fx, "s.empty:count()", "0");
	/* views are made once */
	want_value(fx, "rawequal(s.cpu, s.cpu)", "true");
	want_value(fx, "s.cpu", "series 'cpu'");
}

static void test_series_errors(void **state)
{
	struct fixture *fx = *state;

	want_error(fx, "return function(g, s) return s.nope:last() end", -EINVAL,
		     "unknown series 'nope'");
	want_error(fx, "return function(g, s) return s['nope.sub']:last() end", -EINVAL,
		     "unknown series 'nope.sub'");
	want_error(fx, "return function(g, s) return s['cpu.']:last() end", -EINVAL,
		     "unknown series 'cpu.'");
	/* A suffix of a known series with no sample yet: no data, no error. */
	want_value(fx, "s['cpu.core7']:last()", "nil");
	want_value(fx, "s['cpu.core7']:count(60)", "0");
	want_error(fx, "return function(g, s) return s.cpu:avg('soon') end", -EINVAL,
		     "bad argument #1 to 'avg' (invalid duration 'soon')");
	want_error(fx, "return function(g, s) return s.cpu:avg(0) end", -EINVAL,
		     "a window must be longer than 0");
	want_error(fx, "return function(g, s) return s.cpu:avg(-5) end", -EINVAL,
		     "seconds must be a number >= 0");
	want_error(fx, "return function(g, s) return s.cpu:pct(101) end", -EINVAL,
		     "percentile must be in [0, 100]");
	want_error(fx, "return function(g, s) return s.cpu:median() end", -EINVAL,
		     "series views have no method 'median'");
	want_error(fx, "return function(g, s) s.cpu.x = 1 end", -EINVAL,
		     "series 'cpu' is read-only");
	/* also once the view is cached */
	want_error(fx, "return function(g, s) local v = s.cpu s.cpu = 1 end", -EINVAL,
		   "series are read-only (cannot set s.cpu)");
	want_error(fx, "return function(g, s) rawset(s, 'cpu', 1) end",
		   -EINVAL, "bad argument #1 to 'rawset' (table expected, got series)");
	want_error(fx, "return function(g, s) return getmetatable(s.cpu).__index end",
		     -EINVAL, "attempt to index a boolean value");
	/* a method called on something else */
	want_error(fx, "return function(g, s) return s.cpu.avg({}) end", -EINVAL,
		     "series view expected");
}

static void test_stale_missing(void **state)
{
	struct fixture *fx = *state;

	eval(fx, "return function(g, s) s.cpu:avg(30) return g:hold('x') end");
	assert_int_equal(fx->out.stale, 0);
	assert_int_equal(fx->out.missing, 0);

	eval(fx, "return function(g, s) s.cpu:last() s.old:last() return g:hold('x') end");
	assert_int_equal(fx->out.stale, 1);
	assert_int_equal(fx->out.missing, 0);

	eval(fx, "return function(g, s) s.empty:avg(60) end");
	assert_int_equal(fx->out.kind, SCALED_PROPOSAL_NONE);
	assert_int_equal(fx->out.stale, 0);
	assert_int_equal(fx->out.missing, 1);

	/* each statistic marks, count and age included */
	eval(fx, "return function(g, s) s.old:count() s.empty:age() end");
	assert_int_equal(fx->out.stale, 1);
	assert_int_equal(fx->out.missing, 1);

	/* an error still reports what was read */
	eval(fx, "return function(g, s) s.old:last() error('x') end");
	assert_int_equal(fx->out.kind, SCALED_PROPOSAL_ERROR);
	assert_int_equal(fx->out.stale, 1);

	/* not stale yet at now = 15 s */
	fx->env.now_ms = 15000;
	eval(fx, "return function(g, s) s.old:last() return g:hold('x') end");
	assert_int_equal(fx->out.stale, 0);
}

static void test_group_view(void **state)
{
	struct fixture *fx = *state;

	want_value(fx, "g.name", "workers");
	want_value(fx, "g.current .. g.desired .. g.min .. g.max .. g.starting .. g.stopping",
		     "3411010");
	want_value(fx, "math.type(g.current)", "integer");
	want_value(fx, "g.now", "45.0");
	fx->env.now_ms = 45500;
	want_value(fx, "g.now", "45.5");
	fx->workers.current = 5; /* the engine updates the numbers, the view follows */
	want_value(fx, "g.current", "5");
	want_value(fx, "g", "group 'workers'");
	want_value(fx, "g:group('other').current", "6");
	want_value(fx, "g:group('other'):group('workers') == g", "true");
	want_value(fx, "getmetatable(g)", "false");

	want_error(fx, "return function(g, s) return g.curent end", -EINVAL,
		     "group 'workers' has no field 'curent'");
	want_error(fx, "return function(g, s) g.desired = 9 end", -EINVAL,
		     "group 'workers' is read-only");
	want_error(fx, "return function(g, s) return g:group('nope') end", -EINVAL,
		     "unknown group 'nope'");
}

static void test_proposals(void **state)
{
	struct fixture *fx = *state;

	eval(fx, "return function(g, s) return g:set(7, 'seven') end");
	assert_int_equal(fx->rc, 0);
	want(fx, SCALED_PROPOSAL_SET, 7, "seven");
	assert_int_equal(fx->out.wanted, 0);

	eval(fx, "return function(g, s) return g:change(-2, 'less') end");
	want(fx, SCALED_PROPOSAL_CHANGE, -2, "less");
	eval(fx, "return function(g, s) return g:percent(50, 'more') end");
	want(fx, SCALED_PROPOSAL_PERCENT, 50, "more");
	eval(fx, "return function(g, s) return g:percent(-12.5, 'bit less') end");
	want(fx, SCALED_PROPOSAL_PERCENT, -12.5, "bit less");
	eval(fx, "return function(g, s) return g:hold('steady') end");
	want(fx, SCALED_PROPOSAL_HOLD, 0, "steady");
	/* the last proposal made before return counts */
	eval(fx, "return function(g, s) g:set(1, 'a') return g:set(2, 'b') end");
	want(fx, SCALED_PROPOSAL_SET, 2, "b");
	/* a table with evaluate(self, g, s) */
	eval(fx, "return { k = 3, evaluate = function(self, g, s) "
		 "return g:set(self.k, 'from table') end }");
	want(fx, SCALED_PROPOSAL_SET, 3, "from table");
	/* evaluate found through a metatable */
	eval(fx, "local C = { evaluate = function(self, g) return g:hold('class') end } "
		 "return setmetatable({}, { __index = C })");
	want(fx, SCALED_PROPOSAL_HOLD, 0, "class");
}

static void test_abstain(void **state)
{
	struct fixture *fx = *state;

	eval(fx, "return function(g, s) end");
	assert_int_equal(fx->rc, 0);
	want(fx, SCALED_PROPOSAL_NONE, 0, "");
	eval(fx, "return function(g, s) return nil end");
	want(fx, SCALED_PROPOSAL_NONE, 0, "");
	/* a proposal made but not returned does not count */
	eval(fx, "return function(g, s) g:set(5, 'forgotten') end");
	want(fx, SCALED_PROPOSAL_NONE, 0, "");
}

static void test_bad_results(void **state)
{
	struct fixture *fx = *state;

	eval(fx, "return function(g, s) return 5 end");
	assert_int_equal(fx->rc, -EINVAL);
	want(fx, SCALED_PROPOSAL_ERROR, 0, "policy returned number, expected a proposal "
	       "(g:set/change/percent/hold) or nothing");
	eval(fx, "return function(g, s) return { kind = 'set' } end");
	want(fx, SCALED_PROPOSAL_ERROR, 0, "policy returned table, expected a proposal "
	       "(g:set/change/percent/hold) or nothing");
	eval(fx, "return function(g, s) return false end");
	want(fx, SCALED_PROPOSAL_ERROR, 0, "policy returned boolean, expected a proposal "
	       "(g:set/change/percent/hold) or nothing");
	/* a token kept from an earlier call */
	eval(fx, "return function(g, s) if not saved then saved = g:hold('x') "
		 "return saved end return saved end");
	want(fx, SCALED_PROPOSAL_HOLD, 0, "x");
	eval(fx, "return function(g, s) return saved end");
	want(fx, SCALED_PROPOSAL_ERROR, 0, "policy returned a proposal made in another call");

	want_error(fx, "return function(g, s) error('boom') end", -EINVAL, "test:1: boom");
	want(fx, SCALED_PROPOSAL_ERROR, 0, "test:1: boom");
	want_error(fx, "return function(g, s) return g:set(-1, 'x') end", -EINVAL,
		     "bad argument #1 to 'set' (capacity out of range)");
	want_error(fx, "return function(g, s) return g:set(1.5, 'x') end", -EINVAL,
		     "number has no integer representation");
	want_error(fx, "return function(g, s) return g:set(2) end", -EINVAL,
		     "bad argument #2 to 'set' (string expected, got no value)");
	want_error(fx, "return function(g, s) return g:percent(-101, 'x') end", -EINVAL,
		     "percent must be a number >= -100");
	want_error(fx, "return function(g, s) return g:percent(0/0, 'x') end", -EINVAL,
		     "percent must be a number >= -100");
	want_error(fx, "return 42", -EINVAL, "policy is a number");
	want_error(fx, "return {}", -EINVAL, "policy table has no evaluate function");

	/* the deadline and the memory cap become ERROR proposals */
	sandbox_set_deadline_ms(fx->sb, 20);
	want_error(fx, "return function(g, s) while true do end end", -ETIMEDOUT,
		     "policy exceeded its deadline of 20 ms");
	sandbox_set_deadline_ms(fx->sb, 10000);
	want_error(fx, "return function(g, s) local s = 'x' while true do s = s .. s end end",
		     -ENOMEM, "not enough memory");
	/* and the state is fine afterwards */
	eval(fx, "return function(g, s) return g:hold('fine') end");
	want(fx, SCALED_PROPOSAL_HOLD, 0, "fine");
}

/* g:mix: a mix alone, with a count, left-out fields; the market fields of
 * g; garbage refused with the line. */
static void test_mix(void **state)
{
	struct fixture *fx = *state;

	fx->workers.markets = true;
	fx->workers.spot = 3;
	fx->workers.on_demand = 0;
	fx->workers.mix_base = 0;
	fx->workers.mix_percent = 0;
	fx->workers.mix_changed_ms = 15000;
	eval(fx, "return function(g, s) return g:mix({ on_demand_percent = 100 }, 'dear') end");
	assert_int_equal(fx->rc, 0);
	want(fx, SCALED_PROPOSAL_NONE, 0, "");
	assert_int_equal(fx->out.mix, 1);
	assert_int_equal(fx->out.mix_base, -1);
	assert_int_equal(fx->out.mix_percent, 100);
	assert_string_equal(fx->out.mix_reason, "dear");
	eval(fx, "return function(g, s) g:mix({ on_demand_base = 2, on_demand_percent = 0 }, 'm') "
		 "return g:set(5, 'n') end");
	want(fx, SCALED_PROPOSAL_SET, 5, "n");
	assert_int_equal(fx->out.mix_base, 2);
	assert_int_equal(fx->out.mix_percent, 0);
	/* a mix made but not returned does not count either */
	eval(fx, "return function(g, s) g:mix({ on_demand_base = 1 }, 'm') end");
	want(fx, SCALED_PROPOSAL_NONE, 0, "");
	assert_int_equal(fx->out.mix, 0);
	want_value(fx, "g.markets", "true");
	want_value(fx, "g.spot", "3");
	want_value(fx, "g.on_demand", "0");
	want_value(fx, "g.on_demand_base", "0");
	want_value(fx, "g.on_demand_percent", "0");
	want_value(fx, "g.mix_age", "30.0");

	want_error(fx, "return function(g, s) return g:mix({ on_demand_percent = 101 }, 'x') end",
		   -EINVAL, "test:1: g:mix: on_demand_percent must be an integer between 0 and 100");
	want_error(fx, "return function(g, s) return g:mix({ on_demand_percent = -1 }, 'x') end",
		   -EINVAL, "test:1: g:mix: on_demand_percent must be an integer between 0 and 100");
	want_error(fx, "return function(g, s) return g:mix({ on_demand_percent = 0/0 }, 'x') end",
		   -EINVAL, "test:1: g:mix: on_demand_percent must be an integer");
	want_error(fx, "return function(g, s) return g:mix({ on_demand_base = 1.5 }, 'x') end",
		   -EINVAL, "test:1: g:mix: on_demand_base must be an integer between 0 and 1000000");
	want_error(fx, "return function(g, s) return g:mix({ on_demand_base = math.huge }, 'x') end",
		   -EINVAL, "test:1: g:mix: on_demand_base must be an integer");
	want_error(fx, "return function(g, s) return g:mix({ on_demand_percent = '50' }, 'x') end",
		   -EINVAL, "test:1: g:mix: on_demand_percent must be an integer between 0 and 100");
	want_error(fx, "return function(g, s) return g:mix({ spot = 1 }, 'x') end", -EINVAL,
		   "test:1: g:mix: unknown key 'spot' (on_demand_base, on_demand_percent)");
	want_error(fx, "return function(g, s) return g:mix({}, 'x') end", -EINVAL,
		   "test:1: g:mix: give on_demand_base, on_demand_percent or both");
	want_error(fx, "return function(g, s) return g:mix({ on_demand_base = 1 }) end", -EINVAL,
		   "bad argument #2 to 'mix' (string expected, got no value)");
	/* the other garbage a policy can hand back, each with its line */
	want_error(fx, "return function(g, s) return g:set(1e12, 'x') end", -EINVAL,
		   "test:1: bad argument #1 to 'set' (capacity out of range)");
	want_error(fx, "return function(g, s) return g:set(math.huge, 'x') end", -EINVAL,
		   "test:1: bad argument #1 to 'set' (number has no integer representation)");
	want_error(fx, "return function(g, s) return g:change(-math.huge, 'x') end", -EINVAL,
		   "test:1: bad argument #1 to 'change' (number has no integer representation)");
	want_error(fx, "return function(g, s) return g:percent(1/0, 'x') end", -EINVAL,
		   "test:1: bad argument #1 to 'percent' (percent must be a number >= -100)");
	want_error(fx, "return function(g, s) return g:set('3', 'x') end", -EINVAL,
		   "test:1: bad argument #1 to 'set' (number expected, got string)");
	want_error(fx, "return function(g, s) return s.nosuch:last() end", -EINVAL,
		   "test:1: unknown series 'nosuch'");

	fx->workers.markets = false;
	want_error(fx, "return function(g, s) return g:mix({ on_demand_base = 1 }, 'x') end",
		   -EINVAL, "test:1: group 'workers': its target cannot apply a market mix");
	want_value(fx, "g.markets", "false");
	fx->workers.mix_base = fx->workers.mix_percent = -1;
	want_value(fx, "g.on_demand_base", "nil");
}

/* g.events: the queue as Lua tables; garbage names and payloads refused
 * before anything is queued. */
static void test_events(void **state)
{
	struct fixture *fx = *state;
	struct event_queue q = { 0 };
	char err[256];

	want_value(fx, "#g.events", "0");
	assert_int_equal(event_queue_add(&q, "train", "{\"units\": 4, \"tags\": [\"a\", null, "
					 "\"c\"], \"ratio\": 0.5, \"on\": true, \"gone\": null, "
					 "\"big\": 1e300, \"neg\": -1e999}", 42000, err, sizeof err), 0);
	assert_int_equal(event_queue_add(&q, "stop.all", NULL, 43500, err, sizeof err), 0);
	fx->workers.events = &q;
	want_value(fx, "#g.events", "2");
	want_value(fx, "g.events[1].name .. ' ' .. g.events[1].time .. ' ' .. "
		   "math.type(g.events[1].data.units) .. g.events[1].data.units", "train 42.0 integer4");
	want_value(fx, "g.events[1].data.tags[1] .. tostring(g.events[1].data.tags[2]) .. "
		   "g.events[1].data.tags[3]", "anilc");
	want_value(fx, "tostring(g.events[1].data.ratio) .. tostring(g.events[1].data.on) .. "
		   "tostring(g.events[1].data.gone)", "0.5truenil");
	/* out of the integers' range: floats, not undefined casts */
	want_value(fx, "math.type(g.events[1].data.big) .. g.events[1].data.big .. "
		   "g.events[1].data.neg", "float1e+300-inf");
	want_value(fx, "next(g.events[2].data) == nil", "true");
	want_value(fx, "g.events[2].time", "43.5");
	fx->workers.events = NULL;

	assert_int_equal(event_queue_add(&q, "", NULL, 0, err, sizeof err), -EINVAL);
	assert_string_equal(err, "event name must be 1 to 63 of letters, digits, '_', '-', '.'");
	assert_int_equal(event_queue_add(&q, "a b", NULL, 0, err, sizeof err), -EINVAL);
	assert_int_equal(event_queue_add(&q, "x", "{\"a\":", 0, err, sizeof err), -EINVAL);
	assert_string_equal(err, "event 'x': payload is not JSON (at byte 5)");
	assert_int_equal(event_queue_add(&q, "x", "[1, 2]", 0, err, sizeof err), -EINVAL);
	assert_string_equal(err, "event 'x': payload must be a JSON object");
	assert_int_equal(event_queue_add(&q, "x", "{} trailing", 0, err, sizeof err), -EINVAL);
	assert_int_equal(event_queue_add(&q, "x", "{\"a\":[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]}", 0,
					 err, sizeof err), -EINVAL);
	assert_string_equal(err, "event 'x': payload nested deeper than 16");
	assert_int_equal(q.n, 2);
	while (q.n < EVENT_QUEUE_MAX)
		assert_int_equal(event_queue_add(&q, "more", "{}", 0, err, sizeof err), 0);
	assert_int_equal(event_queue_add(&q, "one_too_many", NULL, 0, err, sizeof err), -ENOSPC);
	assert_string_equal(err, "event 'one_too_many': 64 events wait for the group's next "
			    "tick already");
	event_queue_free(&q);
}

static void test_read_only_other_group(void **state)
{
	struct fixture *fx = *state;

	want_error(fx, "return function(g, s) return g:group('other'):set(1, 'x') end",
		     -EINVAL, "group 'other' is read-only from policy of 'workers'");
	want_error(fx, "return function(g, s) return g:group('other'):hold('x') end",
		     -EINVAL, "group 'other' is read-only from policy of 'workers'");
	/* a view kept from a call for another group is read-only too */
	eval_for(fx, &fx->other, "return function(g, s) kept = g return g:hold('o') end");
	want(fx, SCALED_PROPOSAL_HOLD, 0, "o");
	want_error(fx, "return function(g, s) return kept:change(1, 'x') end", -EINVAL,
		     "group 'other' is read-only from policy of 'workers'");
	/* outside a call nothing can be proposed */
	lua_State *L = sandbox_state(fx->sb);
	char *msg = NULL;
	assert_int_equal(sandbox_load_string(fx->sb, "t", "return kept:hold('x')", &msg), 0);
	assert_int_equal(sandbox_pcall(fx->sb, 0, 0, &msg), -EINVAL);
	assert_non_null(strstr(msg, "no policy is running"));
	free(msg);
	assert_int_equal(lua_gettop(L), 0);
}

static void test_reason_truncated(void **state)
{
	struct fixture *fx = *state;

	eval(fx, "return function(g, s) return g:hold(string.rep('a', 300)) end");
	assert_int_equal(strlen(fx->out.reason), SCALED_REASON_MAX - 1);
	/* two-byte characters: never cut one in half */
	eval(fx, "return function(g, s) return g:hold(string.rep('\\u{e9}', 100)) end");
	assert_int_equal(strlen(fx->out.reason), SCALED_REASON_MAX - 2);
}

/* The hot path allocates nothing once the views exist. */
static void test_no_allocation_per_call(void **state)
{
	struct fixture *fx = *state;
	lua_State *L = sandbox_state(fx->sb);
	const char *code = "return function(g, s) local a = s.cpu:avg(30) + s.cpu:pct(90, 30) "
			   "+ g.current + g.now + g:group('other').desired "
			   "if a > 0 then return g:set(2, 'two') end end";
	char *msg = NULL;
	size_t before;
	int ref;

	assert_int_equal(sandbox_load_string(fx->sb, "test", code, &msg), 0);
	assert_int_equal(sandbox_pcall(fx->sb, 0, 1, &msg), 0);
	ref = luaL_ref(L, LUA_REGISTRYINDEX);
	assert_int_equal(policy_api_call(fx->sb, &fx->env, &fx->workers, ref, "p", &fx->out), 0);
	/* a full collection may shrink internals that the next call regrows */
	lua_gc(L, LUA_GCCOLLECT);
	assert_int_equal(policy_api_call(fx->sb, &fx->env, &fx->workers, ref, "p", &fx->out), 0);
	before = sandbox_mem_used(fx->sb);
	for (int i = 0; i < 100; i++)
		assert_int_equal(policy_api_call(fx->sb, &fx->env, &fx->workers, ref, "p",
						 &fx->out), 0);
	assert_int_equal(sandbox_mem_used(fx->sb), before);
	want(fx, SCALED_PROPOSAL_SET, 2, "two");
	luaL_unref(L, LUA_REGISTRYINDEX, ref);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_series_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_series_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_view, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proposals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abstain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_results, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only_other_group, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reason_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_allocation_per_call, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
