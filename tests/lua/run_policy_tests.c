/*
 * run_policy_tests.c - runs one policies/NAME_test.lua file.
 *
 *   run_policy_tests POLICY_DIR TEST_FILE
 *
 * The test file runs in a real sandbox (require finds POLICY_DIR first, then
 * the test file's own directory) with a real series store and the real
 * policy API, and gets a table `t` (as a global and as its chunk argument):
 *
 *   t.test(name, fn)           run fn as one test; a failure is reported and
 *                              the next test runs
 *   t.series(name, {{t_s, v}, ...} [, {stale = "30s"}])
 *                              create and fill a series (times in seconds);
 *                              a name can be used once per file
 *   t.push(name, {{t_s, v}, ...})
 *                              more samples into a series t.series made
 *                              (none older than its newest), e.g. between
 *                              two t.eval at the same instant
 *   t.group{name=, current=, desired=, min=, max=, starting=, stopping=,
 *           wanted=, shortfall=, short_since= (s), markets= (bool), spot=,
 *           on_demand=, on_demand_base=, on_demand_percent=, mix_changed= (s)}
 *                              a group (desired defaults to current, wanted
 *                              to desired, max to 1000, the market fields to
 *                              unknown); returns its view, which
 *                              g:group(name) also finds
 *   t.update(g, {field = value, ...})
 *                              change a group's numbers between calls (the
 *                              fields of t.group), as the engine does
 *   t.event(g, name, payload_json_or_nil, t_s)
 *                              an event for g's next t.eval only (g.events)
 *   t.eval(policy, group, now_s) -> kind, value, reason, stale, missing, mix
 *                              kind is "none", "hold", "set", "change",
 *                              "percent" or "error"; mix is nil, or the
 *                              proposed {on_demand_base=, on_demand_percent=,
 *                              reason=} (a field left out is nil)
 *   t.eq(got, want [, what])   exact equality (numbers by value)
 *   t.ok(v [, what])           v is neither nil nor false
 *   t.raises(fn, text) -> msg  fn raises an error whose message contains
 *                              text (plain find); returns the message
 *   t.refuses(fn, text [, module]) -> msg
 *                              t.raises, and the error names the caller's
 *                              line: "NAME_test.lua:N: policy.[module: ]"
 *   t.samples(values, last_t, step)
 *                              {{t, v}, ...}: one sample per step seconds,
 *                              the last at last_t (for t.series)
 *
 * A failing assertion raises an error naming the test file's line. Output
 * is one line per test; the exit status is 0 only when every test passed
 * and there was at least one.
 */
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "alloc.h"
#include "duration.h"
#include "event.h"
#include "policy_api.h"
#include "policy_native.h"
#include "sandbox.h"
#include "series.h"

struct runner_group {
	struct runner_group *next;
	struct policy_group g;
	char name[SCALED_NAME_MAX];
	struct event_queue events;
};

struct runner {
	struct sandbox *sb;
	struct series_store *store;
	struct policy_env env;
	struct runner_group *groups;
	int tests, failures;
};

static struct runner *runner_of(lua_State *L)
{
	return lua_touserdata(L, lua_upvalueindex(1));
}

static struct policy_group *runner_find_group(void *arg, const char *name)
{
	struct runner *r = arg;

	for (struct runner_group *rg = r->groups; rg; rg = rg->next)
		if (strcmp(rg->name, name) == 0)
			return &rg->g;
	return NULL;
}

/* A value as a test failure shows it: numbers exactly, strings quoted. */
static const char *runner_repr(lua_State *L, int idx)
{
	if (lua_type(L, idx) == LUA_TNUMBER && !lua_isinteger(L, idx)) {
		char buf[64];

		snprintf(buf, sizeof(buf), "%.17g", lua_tonumber(L, idx));
		return lua_pushstring(L, buf);
	}
	if (lua_type(L, idx) == LUA_TSTRING)
		return lua_pushfstring(L, "\"%s\"", lua_tostring(L, idx));
	return luaL_tolstring(L, idx, NULL);
}

static int l_eq(lua_State *L)
{
	const char *what = luaL_optstring(L, 3, "value");

	luaL_checkany(L, 2);
	if (lua_rawequal(L, 1, 2))
		return 0;
	return luaL_error(L, "%s: expected %s, got %s", what, runner_repr(L, 2),
			  runner_repr(L, 1));
}

static int l_ok(lua_State *L)
{
	luaL_checkany(L, 1);
	if (lua_toboolean(L, 1))
		return 0;
	return luaL_error(L, "%s: expected a true value, got %s", luaL_optstring(L, 2, "check"),
			  runner_repr(L, 1));
}

static int l_raises(lua_State *L)
{
	const char *want = luaL_checkstring(L, 2);
	const char *msg;

	luaL_checktype(L, 1, LUA_TFUNCTION);
	lua_pushvalue(L, 1);
	if (lua_pcall(L, 0, 0, 0) == LUA_OK)
		return luaL_error(L, "expected an error containing \"%s\", got none", want);
	msg = lua_tostring(L, -1);
	if (!msg || !strstr(msg, want))
		return luaL_error(L, "expected an error containing \"%s\", got %s", want,
				  runner_repr(L, -1));
	return 1;
}

static int l_test(lua_State *L)
{
	struct runner *r = runner_of(L);
	const char *name = luaL_checkstring(L, 1);
	char *msg = NULL;

	luaL_checktype(L, 2, LUA_TFUNCTION);
	lua_settop(L, 2);
	r->tests++;
	if (sandbox_pcall(r->sb, 0, 0, &msg) == 0) {
		printf("ok %d - %s\n", r->tests, name);
	} else {
		r->failures++;
		printf("not ok %d - %s\n  %s\n", r->tests, name, msg ? msg : "(no message)");
	}
	free(msg);
	return 0;
}

/* The samples of the table at index 2, {{t_s, v}, ...}, into s. */
static int runner_push(lua_State *L, struct series *s, const char *name)
{
	for (lua_Integer i = 1; lua_rawgeti(L, 2, i) == LUA_TTABLE; i++) {
		lua_rawgeti(L, -1, 1);
		lua_rawgeti(L, -2, 2);
		if (!lua_isnumber(L, -2) || !lua_isnumber(L, -1))
			return luaL_error(L, "series '%s': sample %d is not {t_s, value}", name,
					  (int)i);
		if (series_push(s, llround(lua_tonumber(L, -2) * 1000.0), lua_tonumber(L, -1)) < 0)
			return luaL_error(L, "series '%s': sample %d refused (older than the "
					  "one before, or not finite)", name, (int)i);
		lua_pop(L, 3);
	}
	return 0;
}

static int l_series(lua_State *L)
{
	struct runner *r = runner_of(L);
	const char *name = luaL_checkstring(L, 1);
	struct series *s;
	int64_t stale = 0;

	luaL_checktype(L, 2, LUA_TTABLE);
	if (lua_type(L, 3) == LUA_TTABLE && lua_getfield(L, 3, "stale") != LUA_TNIL) {
		if (lua_type(L, -1) == LUA_TNUMBER)
			stale = llround(lua_tonumber(L, -1) * 1000.0);
		else if (duration_parse(luaL_checkstring(L, -1), &stale) < 0)
			return luaL_error(L, "bad stale duration '%s'", lua_tostring(L, -1));
	}
	if (series_find(r->store, name))
		return luaL_error(L, "series '%s' already exists: give each test its own names",
				  name);
	s = series_ensure(r->store, name, 0);
	if (!s)
		return luaL_error(L, "out of memory");
	series_set_stale_ms(s, stale);
	return runner_push(L, s, name);
}

/* t.push(name, {{t_s, v}, ...}): more samples into a series t.series made,
 * as a source publishes them between ticks. */
static int l_push(lua_State *L)
{
	struct runner *r = runner_of(L);
	const char *name = luaL_checkstring(L, 1);
	struct series *s = series_find(r->store, name);

	luaL_checktype(L, 2, LUA_TTABLE);
	if (!s)
		return luaL_error(L, "series '%s' does not exist: make it with t.series", name);
	return runner_push(L, s, name);
}

static int runner_int_field(lua_State *L, const char *key, int dflt)
{
	int v = dflt;

	if (lua_getfield(L, 1, key) != LUA_TNIL)
		v = (int)luaL_checkinteger(L, -1);
	lua_pop(L, 1);
	return v;
}

static int64_t runner_ms_field(lua_State *L, const char *key, int64_t dflt)
{
	int64_t v = dflt;

	if (lua_getfield(L, 1, key) != LUA_TNIL)
		v = llround(luaL_checknumber(L, -1) * 1000.0);
	lua_pop(L, 1);
	return v;
}

/* The group's numbers from the table at index 1; what it leaves out keeps
 * the value in g. */
static void runner_fill(lua_State *L, struct policy_group *g)
{
	g->current = runner_int_field(L, "current", g->current);
	g->desired = runner_int_field(L, "desired", g->desired);
	g->min = runner_int_field(L, "min", g->min);
	g->max = runner_int_field(L, "max", g->max);
	g->starting = runner_int_field(L, "starting", g->starting);
	g->stopping = runner_int_field(L, "stopping", g->stopping);
	g->wanted = runner_int_field(L, "wanted", g->wanted);
	g->shortfall = runner_int_field(L, "shortfall", g->shortfall);
	g->short_since_ms = runner_ms_field(L, "short_since", g->short_since_ms);
	if (lua_getfield(L, 1, "markets") != LUA_TNIL)
		g->markets = lua_toboolean(L, -1);
	lua_pop(L, 1);
	g->spot = runner_int_field(L, "spot", g->spot);
	g->on_demand = runner_int_field(L, "on_demand", g->on_demand);
	g->mix_base = runner_int_field(L, "on_demand_base", g->mix_base);
	g->mix_percent = runner_int_field(L, "on_demand_percent", g->mix_percent);
	g->mix_changed_ms = runner_ms_field(L, "mix_changed", g->mix_changed_ms);
}

static struct policy_group *runner_find(lua_State *L, struct runner *r, int idx)
{
	for (struct runner_group *rg = r->groups; rg; rg = rg->next) {
		bool same;

		policy_api_push_group(L, &rg->g);
		same = lua_rawequal(L, -1, idx);
		lua_pop(L, 1);
		if (same)
			return &rg->g;
	}
	return NULL;
}

/* t.event(g, name, payload_json, t_s): an event for g's next t.eval, as
 * scaled_engine_event delivers it. */
static int l_event(lua_State *L)
{
	struct runner *r = runner_of(L);
	struct policy_group *g = runner_find(L, r, 1);
	char err[256];

	if (!g)
		return luaL_argerror(L, 1, "a group made by t.group expected");
	for (struct runner_group *rg = r->groups; rg; rg = rg->next) {
		if (&rg->g != g)
			continue;
		if (event_queue_add(&rg->events, luaL_checkstring(L, 2), luaL_optstring(L, 3, NULL),
				    llround(luaL_checknumber(L, 4) * 1000.0), err, sizeof err) < 0)
			return luaL_error(L, "%s", err);
		g->events = &rg->events;
	}
	return 0;
}

/* t.update(g, {field = value, ...}): change a group's numbers between
 * calls, as the engine does between ticks. */
static int l_update(lua_State *L)
{
	struct policy_group *g = runner_find(L, runner_of(L), 1);

	if (!g)
		return luaL_argerror(L, 1, "a group made by t.group expected");
	luaL_checktype(L, 2, LUA_TTABLE);
	lua_remove(L, 1);
	runner_fill(L, g);
	return 0;
}

static int l_group(lua_State *L)
{
	struct runner *r = runner_of(L);
	struct runner_group *rg;
	char dflt[32];

	luaL_checktype(L, 1, LUA_TTABLE);
	rg = alloc_zero(1, sizeof(*rg));
	if (!rg)
		return luaL_error(L, "out of memory");
	rg->next = r->groups;
	r->groups = rg;
	snprintf(dflt, sizeof(dflt), "g%d", r->tests);
	lua_getfield(L, 1, "name");
	snprintf(rg->name, sizeof(rg->name), "%s", luaL_optstring(L, -1, dflt));
	lua_pop(L, 1);
	rg->g.name = rg->name;
	rg->g.current = runner_int_field(L, "current", 0);
	rg->g.desired = runner_int_field(L, "desired", rg->g.current);
	rg->g.max = 1000;
	rg->g.wanted = rg->g.desired;
	rg->g.spot = rg->g.on_demand = rg->g.mix_base = rg->g.mix_percent = -1;
	rg->g.mix_changed_ms = INT64_MIN;
	runner_fill(L, &rg->g);
	rg->g.view_ref = LUA_NOREF;
	policy_api_push_group(L, &rg->g);
	return 1;
}

static int l_eval(lua_State *L)
{
	static const char *const kinds[] = {
		[SCALED_PROPOSAL_NONE] = "none",       [SCALED_PROPOSAL_HOLD] = "hold",
		[SCALED_PROPOSAL_SET] = "set",         [SCALED_PROPOSAL_CHANGE] = "change",
		[SCALED_PROPOSAL_PERCENT] = "percent", [SCALED_PROPOSAL_ERROR] = "error",
	};
	struct runner *r = runner_of(L);
	struct policy_group *g = NULL;
	struct scaled_proposal out;
	int ref;

	luaL_checkany(L, 1);
	r->env.now_ms = llround(luaL_checknumber(L, 3) * 1000.0);
	g = runner_find(L, r, 2);
	if (!g)
		return luaL_argerror(L, 2, "a group made by t.group expected");
	lua_pushvalue(L, 1);
	ref = luaL_ref(L, LUA_REGISTRYINDEX);
	/* a ref per call, reused: the engine holds a group's for its life,
	 * which policy_api_call's memo counts on (policy_api.h) */
	memset(g->args_memo, 0, sizeof(g->args_memo));
	memset(g->native_memo, 0, sizeof(g->native_memo));
	policy_api_call(r->sb, &r->env, g, ref, "test", &out);
	luaL_unref(L, LUA_REGISTRYINDEX, ref);
	/* events last one call, as they last one tick */
	for (struct runner_group *rg = r->groups; rg; rg = rg->next)
		if (&rg->g == g)
			event_queue_clear(&rg->events);
	g->events = NULL;
	lua_pushstring(L, kinds[out.kind]);
	if (out.value == floor(out.value) && fabs(out.value) < 1e15)
		lua_pushinteger(L, (lua_Integer)out.value);
	else
		lua_pushnumber(L, out.value);
	lua_pushstring(L, out.reason);
	lua_pushboolean(L, out.stale);
	lua_pushboolean(L, out.missing);
	if (!out.mix) {
		lua_pushnil(L);
		return 6;
	}
	lua_createtable(L, 0, 3);
	if (out.mix_base >= 0) {
		lua_pushinteger(L, out.mix_base);
		lua_setfield(L, -2, "on_demand_base");
	}
	if (out.mix_percent >= 0) {
		lua_pushinteger(L, out.mix_percent);
		lua_setfield(L, -2, "on_demand_percent");
	}
	lua_pushstring(L, out.mix_reason);
	lua_setfield(L, -2, "reason");
	return 6;
}

static const luaL_Reg runner_funcs[] = {
	{ "test", l_test },   { "series", l_series }, { "group", l_group },
	{ "eval", l_eval },   { "eq", l_eq },         { "ok", l_ok },
	{ "raises", l_raises }, { "update", l_update }, { "event", l_event },
	{ "push", l_push },   { NULL, NULL },
};

/* What every test file would write itself, written once in Lua. */
static const char runner_helpers[] =
	"local t = ...\n"
	"function t.samples(values, last_t, step)\n"
	"  local out = {}\n"
	"  for i, v in ipairs(values) do out[i] = { last_t - (#values - i) * step, v } end\n"
	"  return out\n"
	"end\n"
	"function t.refuses(fn, text, module)\n"
	"  local msg = t.raises(fn, text)\n"
	"  local pat = '_test%.lua:%d+: policy%.' .. (module and module:gsub('%.', '%%.') .. ': ' or '')\n"
	"  t.ok(msg:match(pat) ~= nil, 'blames the caller: ' .. msg)\n"
	"  return msg\n"
	"end\n";

static int runner_setup(lua_State *L)
{
	lua_newtable(L);
	lua_pushvalue(L, 1);
	luaL_setfuncs(L, runner_funcs, 1);
	if (luaL_loadbufferx(L, runner_helpers, sizeof runner_helpers - 1, "=runner", "t") != LUA_OK)
		return lua_error(L);
	lua_pushvalue(L, -2);
	lua_call(L, 1, 0);
	lua_pushvalue(L, -1);
	lua_setglobal(L, "t");
	return 1;
}

int main(int argc, char **argv)
{
	struct sandbox_limits lim = { .deadline_ms = 60000 };
	struct runner r = { 0 };
	char *msg = NULL, *dir;
	int rc = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: %s POLICY_DIR TEST_FILE\n", argv[0]);
		return 2;
	}
	dir = alloc_strdup(argv[2]);
	r.store = series_store_new();
	r.sb = dir && r.store ? sandbox_new(&lim, argv[1], dirname(dir), &msg) : NULL;
	if (!r.sb) {
		fprintf(stderr, "%s: cannot make the sandbox: %s\n", argv[2], msg ? msg : "");
		goto out;
	}
	r.env = (struct policy_env){ .store = r.store, .find_group = runner_find_group,
				     .find_arg = &r };
	if (policy_api_open(sandbox_state(r.sb), &r.env) < 0)
		goto out;

	lua_State *L = sandbox_state(r.sb);
	lua_pushcfunction(L, runner_setup);
	lua_pushlightuserdata(L, &r);
	if (sandbox_pcall(r.sb, 1, 1, &msg) < 0 ||         /* t */
	    sandbox_load_file(r.sb, argv[2], &msg) < 0) {
		fprintf(stderr, "%s\n", msg);
		goto out;
	}
	lua_insert(L, -2); /* chunk, t */
	if (sandbox_pcall(r.sb, 1, 0, &msg) < 0) {
		printf("not ok - %s (outside any t.test)\n  %s\n", argv[2], msg);
		r.failures++;
	}
	printf("# %d tests, %d failed\n", r.tests, r.failures);
	rc = r.failures || r.tests == 0;
out:
	free(msg);
	sandbox_free(r.sb);
	series_store_free(r.store);
	while (r.groups) {
		struct runner_group *next = r.groups->next;

		event_queue_free(&r.groups->events);
		policy_group_release(&r.groups->g);
		alloc_free(r.groups);
		r.groups = next;
	}
	alloc_free(dir);
	return rc;
}
