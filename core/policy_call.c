/*
 * policy_call.c - the policy call: a group's policy run in the sandbox
 * for one tick, and its result read as a proposal (see policy_api.h,
 * which is the spec; the views it hands the policy are policy_api.c's).
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "copy.h"
#include "log.h"
#include "policy_api.h"
#include "policy_int.h"
#include "policy_native.h"
#include "sandbox.h"

static int policy_api_make_view(lua_State *L)
{
	policy_api_push_group(L, lua_touserdata(L, 1));
	return 0;
}

/* Does the policy table at -1 take the engine's arguments (its own field
 * engine_args is true)? Read at the group's first call of that policy,
 * then memoed in g by fn_ref and the table's address (a policy's ref is
 * held for the group's life: policy_api.h). */
static bool policy_api_engine_args(lua_State *L, struct policy_group *g, int fn_ref)
{
	const struct policy_env *env = env_of(L);
	/* 31 bits of the table's address above malloc's 16-byte alignment */
	uint32_t tag = (uint32_t)((uintptr_t)lua_topointer(L, -1) >> 4) << 1;
	int i, on;

	for (i = 0; i < POLICY_ARGS_MEMO; i++)
		if (g->args_memo[i].ref == fn_ref && (g->args_memo[i].tag & ~1u) == tag)
			return g->args_memo[i].tag & 1;
	lua_rawgeti(L, LUA_REGISTRYINDEX, env->engine_args_ref);
	on = lua_rawget(L, -2) == LUA_TBOOLEAN && lua_toboolean(L, -1);
	lua_pop(L, 1);
	for (i = POLICY_ARGS_MEMO - 1; i > 0; i--) /* the oldest goes */
		g->args_memo[i] = g->args_memo[i - 1];
	g->args_memo[0].ref = fn_ref;
	g->args_memo[0].tag = tag | (uint32_t)on;
	return on;
}

/* Runs inside sandbox_pcall: (policy, g, s) -> the policy's first result.
 * Looking up `evaluate` here keeps a table's __index under the deadline. */
static int policy_api_trampoline(lua_State *L)
{
	switch (lua_type(L, 1)) {
	case LUA_TFUNCTION:
		lua_call(L, 2, 1);
		return 1;
	case LUA_TTABLE:
		if (lua_getfield(L, 1, "evaluate") != LUA_TFUNCTION)
			return luaL_error(L, "policy table has no evaluate function");
		lua_insert(L, 1); /* evaluate, self, g, s */
		lua_call(L, 3, 1);
		return 1;
	default:
		return luaL_error(L, "policy is a %s, expected a function or a table "
				  "with an evaluate function", luaL_typename(L, 1));
	}
}

static void policy_api_fail(struct scaled_proposal *out, const char *msg)
{
	const char *nl = strchr(msg, '\n');

	out->kind = SCALED_PROPOSAL_ERROR;
	out->value = 0;
	out->mix = 0;
	out->mix_base = out->mix_percent = -1;
	out->mix_reason[0] = '\0';
	policy_api_copy_reason(out->reason, msg, nl ? (size_t)(nl - msg) : strlen(msg));
}

/* A policy called with the engine's arguments returned n, reason: what
 * g:set(n, reason) would have proposed had it been called at the return
 * (a mix proposed before stays), or an error where g:set would raise one. */
static int policy_api_returned_set(lua_State *L, struct scaled_proposal *out)
{
	int isint = 0;
	lua_Integer n = lua_tointegerx(L, -2, &isint);
	size_t len;
	const char *reason = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;

	if (!isint || n < 0 || n > INT_MAX || !reason) {
		char msg[SCALED_REASON_MAX];

		snprintf(msg, sizeof(msg), "policy returned a number and %s, expected g:set's "
			 "count (an integer from 0) and reason", luaL_typename(L, -1));
		policy_api_fail(out, msg);
		return -EINVAL;
	}
	out->kind = SCALED_PROPOSAL_SET;
	out->value = (double)n;
	policy_api_copy_reason(out->reason, reason, len);
	return 0;
}

/* What the policy returned (nres results at the top) as *out: a proposal
 * (the token of one made in this call), nothing, or set's arguments from a
 * policy given the engine's (nres 2). */
static int policy_api_result(lua_State *L, struct scaled_proposal *out, int nres)
{
	char msg[SCALED_REASON_MAX];

	if (lua_touserdata(L, -nres) == &policy_proposal_token) { /* the usual case first */
		if (out->kind != SCALED_PROPOSAL_NONE || out->mix)
			return 0; /* g:mix alone: a mix, and no opinion on the count */
		policy_api_fail(out, "policy returned a proposal made in another call");
		return -EINVAL;
	}
	if (nres == 2 && lua_type(L, -2) == LUA_TNUMBER)
		return policy_api_returned_set(L, out);
	if (lua_isnil(L, -nres)) {
		/* Abstain, even if a proposal method ran: only what is
		 * returned counts. */
		policy_api_no_proposal(out);
		return 0;
	}
	snprintf(msg, sizeof(msg), "policy returned %s, expected a proposal "
		 "(g:set/change/percent/hold) or nothing", luaL_typename(L, -nres));
	policy_api_fail(out, msg);
	return -EINVAL;
}

int policy_api_call(struct sandbox *sb, struct policy_env *env, struct policy_group *g,
		    int fn_ref, const char *name, struct scaled_proposal *out)
{
	lua_State *L = sandbox_state(sb);
	char *err = NULL, hoard[SCALED_REASON_MAX];
	size_t mem_before;
	const void *reset = NULL;
	int rc, nargs = 2, nres;
	bool engine_args = false;

	/* Field by field, not a memset: the struct is ~600 bytes of text
	 * buffers, and only their first byte needs to say "empty". */
	size_t n = name ? strnlen(name, sizeof(out->policy) - 1) : 0;

	copy_bytes(out->policy, name ? name : "", n);
	out->policy[n] = '\0';
	policy_api_no_proposal(out);
	out->wanted = out->stale = out->missing = 0;
	if (!lua_checkstack(L, 7)) {
		policy_api_fail(out, "lua: stack overflow");
		return -ENOMEM;
	}
	/* A library policy's compiled form, where it has one that runs now:
	 * no Lua call (policy_native.h) */
	if (lua_rawgeti(L, LUA_REGISTRYINDEX, fn_ref) == LUA_TTABLE &&
	    policy_native_try(L, env, g, fn_ref, out)) {
		lua_pop(L, 1);
		return 0;
	}
	lua_pop(L, 1);
	if (g->view_ref <= 0) {
		lua_pushcfunction(L, policy_api_make_view);
		lua_pushlightuserdata(L, g);
		sandbox_reserve(sb, true); /* engine-side: may use the reserve */
		rc = lua_pcall(L, 1, 0, 0);
		sandbox_reserve(sb, false);
		if (rc != LUA_OK) {
			lua_pop(L, 1);
			policy_api_fail(out, "not enough memory for the group view");
			return -ENOMEM;
		}
	}
	/* The group's own globals (sandbox_env.c), and what memory is in
	 * use before the call, for the rule that stops a group hoarding. */
	mem_before = sandbox_mem_used(sb);
	if (sandbox_env_enter(sb, g) < 0) {
		policy_api_fail(out, "not enough memory for the group's globals");
		return -ENOMEM;
	}

	env->calling = g;
	env->proposal = out;
	env->read_stale = env->read_missing = false;
	/* A plain function is called as it is; anything else goes through
	 * the trampoline, which finds `evaluate` under the deadline. */
	sandbox_push_handler(sb);
	if (lua_rawgeti(L, LUA_REGISTRYINDEX, fn_ref) != LUA_TFUNCTION) {
		/* A table whose evaluate is a field of its own (the library's
		 * are) is called as evaluate(self, g, s) at once: a raw read
		 * runs no metamethod outside the deadline, and finds what a
		 * plain read would find first. Anything else goes through the
		 * trampoline. */
		lua_rawgeti(L, LUA_REGISTRYINDEX, env->evaluate_ref); /* not hashed again */
		if (lua_type(L, -2) == LUA_TTABLE && lua_rawget(L, -2) == LUA_TFUNCTION) {
			lua_insert(L, -2); /* evaluate, self */
			engine_args = policy_api_engine_args(L, g, fn_ref);
		} else {
			lua_settop(L, -2);
			lua_pushcfunction(L, policy_api_trampoline);
			lua_insert(L, -2);
		}
		nargs = 3;
	}
	lua_rawgeti(L, LUA_REGISTRYINDEX, g->view_ref);
	policy_series_push_s(L, env);
	if (engine_args) { /* what g.desired and g.now read */
		lua_pushinteger(L, g->desired);
		lua_pushnumber(L, (lua_Number)env->now_ms / 1000.0);
		nargs += 2;
	}
	/* with the engine's arguments, two results: set's may come back */
	nres = engine_args ? 2 : 1;
	rc = sandbox_pcall_handled(sb, nargs, nres, &err);
	if (rc == 0) {
		rc = policy_api_result(L, out, nres);
		lua_pop(L, nres + 1); /* the results and the message handler */
	} else {
		policy_api_fail(out, err ? err : "policy failed (no memory for the message)");
		LOG_WARN("group %s: policy %s: %s", g->name, out->policy,
			 err ? err : "(no message)");
		lua_pop(L, 1); /* the message handler */
	}
	free(err);
	if (sandbox_env_check(sb, g, mem_before, rc == -ENOMEM, &g->mem_growth, &reset, hoard,
			      sizeof(hoard)) > 0) {
		const struct policy_group *r = reset;

		if (r == g) {
			LOG_WARN("group %s: policy %s: %s", g->name, out->policy, hoard);
			policy_api_fail(out, hoard);
			rc = rc < 0 ? rc : -ENOMEM;
		} else {
			/* another group grew it: its proposal stays as it was */
			LOG_WARN("group %s (after group %s's policy): %s", r->name, g->name,
				 hoard);
		}
	}
	out->stale = env->read_stale;
	out->missing = env->read_missing;
	env->calling = NULL;
	env->proposal = NULL;
	return rc;
}
