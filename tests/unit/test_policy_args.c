/*
 * test_policy_args.c - the engine's arguments (policy_api.h): a policy
 * table whose own field engine_args is true is called
 * evaluate(self, g, s, desired, now), with what g.desired and g.now read,
 * and may return g:set's arguments; no other policy gets more than it
 * asked for.
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

#include "policy_api.h"
#include "policy_native.h"
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

	policy_group_release(&fx->g);
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
	memset(fx->g.native_memo, 0, sizeof(fx->g.native_memo));
	call(fx, ref, want);
	luaL_unref(sandbox_state(fx->sb), LUA_REGISTRYINDEX, ref);
}

/* A policy without engine_args returning set's arguments: no proposal. */
static void call_once_error(struct fixture *fx)
{
	int ref = policy_ref(fx, "return { evaluate = function(self, g, s) return 5, 'five' end }");

	memset(fx->g.args_memo, 0, sizeof(fx->g.args_memo));
	memset(fx->g.native_memo, 0, sizeof(fx->g.native_memo));
	assert_int_equal(policy_api_call(fx->sb, &fx->env, &fx->g, ref, "p", &fx->out), -EINVAL);
	luaL_unref(sandbox_state(fx->sb), LUA_REGISTRYINDEX, ref);
	assert_int_equal(fx->out.kind, SCALED_PROPOSAL_ERROR);
	assert_non_null(strstr(fx->out.reason, "policy returned number, expected a proposal"));
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

/* The proposal (kind, value, reason) or error (rc, text in the reason) of
 * one call of a policy asking for the engine's arguments, returning `ret`. */
static void returns(struct fixture *fx, const char *ret, int rc, enum scaled_proposal_kind kind,
		    double value, const char *reason)
{
	char code[512];
	int ref;

	snprintf(code, sizeof(code), "return { engine_args = true, evaluate = "
		 "function(self, g, s, desired, now) %s end }", ret);
	ref = policy_ref(fx, code);
	memset(fx->g.args_memo, 0, sizeof(fx->g.args_memo));
	memset(fx->g.native_memo, 0, sizeof(fx->g.native_memo));
	assert_int_equal(policy_api_call(fx->sb, &fx->env, &fx->g, ref, "p", &fx->out), rc);
	luaL_unref(sandbox_state(fx->sb), LUA_REGISTRYINDEX, ref);
	assert_int_equal(lua_gettop(sandbox_state(fx->sb)), 0);
	assert_int_equal(fx->out.kind, kind);
	assert_true(fx->out.value == value);
	if (rc == 0)
		assert_string_equal(fx->out.reason, reason);
	else if (!strstr(fx->out.reason, reason))
		fail_msg("reason '%s' lacks '%s'", fx->out.reason, reason);
}

/* `return n, reason` is g:set(n, reason) for such a policy, and only for it */
static void test_set_returned(void **state)
{
	struct fixture *fx = *state;

	returns(fx, "return 5, 'five'", 0, SCALED_PROPOSAL_SET, 5, "five");
	returns(fx, "return 0, 'none'", 0, SCALED_PROPOSAL_SET, 0, "none");
	returns(fx, "return 2.0, 'float two'", 0, SCALED_PROPOSAL_SET, 2, "float two");
	returns(fx, "return desired + 1, 'one more'", 0, SCALED_PROPOSAL_SET, 5, "one more");
	/* at the return: after a hold, as a later g:set would */
	returns(fx, "g:hold('no') return 3, 'three'", 0, SCALED_PROPOSAL_SET, 3, "three");
	/* a mix proposed before stays */
	fx->g.markets = true;
	returns(fx, "g:mix({ on_demand_base = 1 }, 'base') return 4, 'four'", 0,
		SCALED_PROPOSAL_SET, 4, "four");
	assert_int_equal(fx->out.mix, 1);
	assert_int_equal(fx->out.mix_base, 1);
	assert_string_equal(fx->out.mix_reason, "base");
	/* what g:set refuses, refused */
	returns(fx, "return -1, 'x'", -EINVAL, SCALED_PROPOSAL_ERROR, 0,
		"policy returned a number and string, expected g:set's count");
	returns(fx, "return 2.5, 'x'", -EINVAL, SCALED_PROPOSAL_ERROR, 0, "g:set's count");
	returns(fx, "return 2 ^ 40, 'x'", -EINVAL, SCALED_PROPOSAL_ERROR, 0, "g:set's count");
	returns(fx, "return 3", -EINVAL, SCALED_PROPOSAL_ERROR, 0,
		"policy returned a number and nil");
	returns(fx, "return 3, 7", -EINVAL, SCALED_PROPOSAL_ERROR, 0, "a number and number");
	/* the rest as for any policy */
	returns(fx, "return nil, 'x'", 0, SCALED_PROPOSAL_NONE, 0, "");
	returns(fx, "return g:hold('held'), 9", 0, SCALED_PROPOSAL_HOLD, 0, "held");
	returns(fx, "return 'x', 2", -EINVAL, SCALED_PROPOSAL_ERROR, 0, "policy returned string");
	/* a policy that did not ask: a number is no proposal */
	call_once_error(fx);
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
		cmocka_unit_test_setup_teardown(test_set_returned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memo, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
