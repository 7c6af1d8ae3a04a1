/*
 * test_policy_memory.c - what policies cost a farm in memory, so that
 * 100 000 groups fit (issue 14):
 *   - a group view is a few words of Lua memory (at ~730 bytes a view, with
 *     a metatable and a methods table of its own, 100 000 did not fit the
 *     64 MiB Lua cap);
 *   - a series keeps what policies read from it: the span of a read (its
 *     window and offset) is what the engine's store keeps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>
#include <lauxlib.h>
#include <string.h>

#include "policy_api.h"
#include "sandbox.h"
#include "series.h"

static struct policy_group *no_group(void *arg, const char *name)
{
	(void)arg;
	(void)name;
	return NULL;
}

static int push_views(lua_State *L)
{
	struct policy_group *gs = lua_touserdata(L, 1);

	for (int i = 0; i < 1000; i++) {
		policy_api_push_group(L, &gs[i]);
		lua_pop(L, 1);
	}
	return 0;
}

/* A group view is a few words of Lua memory, not tables of its own: a
 * farm of 100 000 groups must fit the 64 MiB Lua cap with room to spare
 * (issue 14: at ~730 bytes a view it did not). Two views of different
 * groups still read their own group. */
static void test_views_small(void **state)
{
	struct sandbox_limits lim = { .deadline_ms = 2000 };
	struct series_store *store = series_store_new();
	struct policy_env env = { .store = store, .now_ms = 1000, .find_group = no_group };
	struct sandbox *sb = sandbox_new(&lim, NULL, NULL, NULL);
	lua_State *L;
	struct policy_group *gs = calloc(1000, sizeof(*gs));
	size_t before;

	(void)state;
	assert_non_null(store);
	assert_non_null(sb);
	assert_non_null(gs);
	L = sandbox_state(sb);
	assert_int_equal(policy_api_open(L, &env), 0);
	for (int i = 0; i < 1000; i++)
		gs[i] = (struct policy_group){ .name = "many", .current = i, .max = 1000 };
	lua_gc(L, LUA_GCCOLLECT);
	before = sandbox_mem_used(sb);
	lua_pushcfunction(L, push_views);
	lua_pushlightuserdata(L, gs);
	assert_int_equal(lua_pcall(L, 1, 0, 0), LUA_OK);
	lua_gc(L, LUA_GCCOLLECT);
	/* the userdata (~64 bytes with its header) and a registry slot */
	assert_true(sandbox_mem_used(sb) - before < 1000 * 160);
	policy_api_push_group(L, &gs[7]);
	lua_getfield(L, -1, "current");
	assert_int_equal(lua_tointeger(L, -1), 7);
	policy_api_push_group(L, &gs[900]);
	lua_getfield(L, -1, "current");
	assert_int_equal(lua_tointeger(L, -1), 900);
	lua_getfield(L, -2, "hold");
	assert_int_equal(lua_type(L, -1), LUA_TFUNCTION);
	lua_pop(L, 5);
	for (int i = 0; i < 1000; i++)
		luaL_unref(L, LUA_REGISTRYINDEX, gs[i].view_ref);
	free(gs);
	sandbox_free(sb);
	series_store_free(store);
}

/* The policy reads cpu:avg(60) and cpu:last(ALL) (only the newest, however
 * old it may be, as spot_failover reads prices); a series no one reads
 * stays at its first ring; then cpu:max(30, 60) (a window 60 s back) asks
 * for 90 s. Samples every second, 400 s; the store settles after the
 * first call, as the engine's does once every policy has run. */
static void test_series_kept_by_reads(void **state)
{
	struct sandbox_limits lim = { .deadline_ms = 2000 };
	struct series_store *store = series_store_new();
	struct policy_env env = { .store = store, .find_group = no_group };
	struct sandbox *sb = sandbox_new(&lim, NULL, NULL, NULL);
	struct policy_group g = { .name = "g", .current = 1, .max = 10 };
	struct scaled_proposal out;
	struct series *cpu, *other;
	lua_State *L;
	int ref;

	(void)state;
	assert_non_null(store);
	assert_non_null(sb);
	series_store_keep_by_demand(store);
	cpu = series_ensure(store, "cpu", 0);
	other = series_ensure(store, "other", 0);
	L = sandbox_state(sb);
	assert_int_equal(policy_api_open(L, &env), 0);
	assert_int_equal(luaL_loadstring(L, "return function(g, s)\n"
		"  s.cpu:avg(60); s.cpu:last(); s.cpu:last(1e11)\n"
		"  if g.current > 1 then s.cpu:max(30, 60) end\n"
		"  return g:hold('x')\n"
		"end"), LUA_OK);
	assert_int_equal(lua_pcall(L, 0, 1, 0), LUA_OK);
	ref = luaL_ref(L, LUA_REGISTRYINDEX);
	for (int t = 1; t <= 400; t++) {
		assert_int_equal(series_push(cpu, t * 1000, t), 0);
		assert_int_equal(series_push(other, t * 1000, t), 0);
		if (t == 200)
			g.current = 2;
		env.now_ms = t * 1000;
		assert_int_equal(policy_api_call(sb, &env, &g, ref, "p", &out), 0);
		if (t == 1) /* every policy has run once: as the engine does */
			series_store_settle(store);
		if (t == 199) /* 60 s and the sample before: 61, in a ring of 64 */
			assert_int_equal(series_len(cpu), 64);
	}
	/* 90 s back and the sample before: 91, in a ring of 128 */
	assert_int_equal(series_len(cpu), 128);
	assert_int_equal(series_len(other), 2);
	luaL_unref(L, LUA_REGISTRYINDEX, ref);
	sandbox_free(sb);
	series_store_free(store);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_views_small),
		cmocka_unit_test(test_series_kept_by_reads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
