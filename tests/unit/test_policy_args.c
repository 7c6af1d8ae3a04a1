/*
 * test_policy_args.c - the engine's arguments (policy_api.h): a policy
 * table whose own field engine_args is true is called
 * evaluate(self, g, s, desired, now), with what g.desired and g.now read;
 * no other policy gets more than it asked for.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <lauxlib.h>

#include "policy_api.h"
#include "sandbox.h"
#include "series.h"

struct fixture {
	struct sandbox *sb;
	struct series_store *store;
	struct policy_env env;
	struct policy_group g;
	struct scaled_proposal out;
};

/* Holds with "<extra args> <desired> <now> <same as g.desired, g.now>". */
#define SAYS "function(self, g, s, ...) local d, n = ... " \
	"return g:hold(select('#', ...) .. ' ' .. tostring(d) .. ' ' .. tostring(n) .. ' ' " \
	".. tostring(rawequal(d, g.desired) and n == g.now " \
	"and math.type(d) == math.type(g.desired) and math.type(n) == math.type(g.now))) end"

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct sandbox_limits lim = { .deadline_ms = 2000 };

	fx->store = series_store_new();
	assert_non_null(fx->store);
	fx->g = (struct policy_group){ .name = "workers", .current = 3, .desired = 4,
				       .max = 10, .view_ref = LUA_NOREF };
	fx->env = (struct policy_env){ .store = fx->store, .now_ms = 45000 };
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

/* The policy a chunk returns, as a registry reference. */
static int policy_ref(struct fixture *fx, const char *code)
{
	char *msg = NULL;

	if (sandbox_load_string(fx->sb, "test", code, &msg) < 0 ||
	    sandbox_pcall(fx->sb, 0, 1, &msg) < 0)
		fail_msg("%s: %s", code, msg);
	return luaL_ref(sandbox_state(fx->sb), LUA_REGISTRYINDEX);
}

static void call(struct fixture *fx, int ref, const char *want)
{
	assert_int_equal(policy_api_call(fx->sb, &fx->env, &fx->g, ref, "p", &fx->out), 0);
	assert_int_equal(fx->out.kind, SCALED_PROPOSAL_HOLD);
	assert_string_equal(fx->out.reason, want);
	assert_int_equal(lua_gettop(sandbox_state(fx->sb)), 0);
}

/* One policy for a fresh group (the memo empty), released after. */
static void call_once(struct fixture *fx, const char *code, const char *want)
{
	int ref = policy_ref(fx, code);

	memset(fx->g.args_memo, 0, sizeof(fx->g.args_memo));
	call(fx, ref, want);
	luaL_unref(sandbox_state(fx->sb), LUA_REGISTRYINDEX, ref);
}

static void test_asked(void **state)
{
	struct fixture *fx = *state;
	int ref = policy_ref(fx, "return { engine_args = true, evaluate = " SAYS " }");

	call(fx, ref, "2 4 45.0 true");
	/* each call's own numbers */
	fx->env.now_ms = 46250;
	fx->g.desired = 7;
	call(fx, ref, "2 7 46.25 true");
	fx->g.desired = 0;
	call(fx, ref, "2 0 46.25 true");
}

static void test_not_asked(void **state)
{
	struct fixture *fx = *state;

	/* only true, only the table's own field, only a table's evaluate */
	call_once(fx, "return { engine_args = 1, evaluate = " SAYS " }", "0 nil nil false");
	call_once(fx, "return { engine_args = 'yes', evaluate = " SAYS " }", "0 nil nil false");
	call_once(fx, "return setmetatable({ evaluate = " SAYS " }, "
		  "{ __index = { engine_args = true } })", "0 nil nil false");
	call_once(fx, "return { evaluate = " SAYS " }", "0 nil nil false");
	call_once(fx, "return setmetatable({ engine_args = true }, { __index = { evaluate = "
		  SAYS " } })", "0 nil nil false");
	call_once(fx, "return function(g, s, ...) return g:hold(select('#', ...) .. '') end",
		  "0");
}

/* The memo holds two; three policies of one group called in turn keep
 * what each asked for, round after round. */
static void test_memo(void **state)
{
	struct fixture *fx = *state;
	int refs[3];

	refs[0] = policy_ref(fx, "return { engine_args = true, evaluate = " SAYS " }");
	refs[1] = policy_ref(fx, "return { engine_args = false, evaluate = " SAYS " }");
	refs[2] = policy_ref(fx, "return { engine_args = true, evaluate = " SAYS " }");
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < 3; i++)
			call(fx, refs[i], i == 1 ? "0 nil nil false" : "2 4 45.0 true");
	for (int i = 0; i < 3; i++)
		luaL_unref(sandbox_state(fx->sb), LUA_REGISTRYINDEX, refs[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_asked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_asked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memo, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
