/*
 * test_policy_views.c - what a group view costs: a few words of Lua memory
 * each, so that a farm of 100 000 groups fits the 64 MiB Lua cap with room
 * to spare (issue 14: at ~730 bytes a view, with a metatable and a methods
 * table of its own, it did not).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>
#include <lauxlib.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_views_small),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
