/*
 * policy_int.h - what policy_api.c and policy_series.c share; not an API.
 *
 * Every C function reached from Lua gets the struct policy_env as upvalue 1
 * (a light userdata).
 */
#ifndef SCALED_POLICY_INT_H
#define SCALED_POLICY_INT_H

#include <stddef.h>
#include <stdint.h>

#include <lauxlib.h>
#include <lua.h>

#include "policy_api.h"

/* The engine's policy env, which policy_api_open put in the state's extra
 * space: pointer arithmetic, not an API call (each C function of the
 * policy API needs it; the upvalue it also has stays for the record). */
static inline struct policy_env *env_of(lua_State *L)
{
	return *(struct policy_env **)lua_getextraspace(L);
}

/* Is the value at idx a full userdata whose first word is `magic`?
 * Scripts cannot make full userdata, and every one they can reach is made
 * here with a first word of its own: group views, series views and `s`
 * (POLICY_UDATA_MIN bytes or more each), so reading that word is safe and
 * the mark names the kind. No metatable lookup and no length (this check
 * runs on every method call of every policy). */
#define POLICY_UDATA_MIN sizeof(uint32_t)
static inline void *policy_testview(lua_State *L, int idx, uint32_t magic)
{
	uint32_t *p;

	if (lua_type(L, idx) != LUA_TUSERDATA)
		return NULL;
	p = lua_touserdata(L, idx);
	return *p == magic ? p : NULL;
}

/* Set the metatable's key to a C closure over (env, upvalue at top). */
static inline void policy_closure(lua_State *L, const char *key, lua_CFunction fn,
				  struct policy_env *env, int with_upvalue)
{
	lua_pushlightuserdata(L, env);
	if (with_upvalue)
		lua_rotate(L, -2, 1); /* env, upvalue */
	lua_pushcclosure(L, fn, with_upvalue ? 2 : 1);
	lua_setfield(L, -2, key);
}

/* policy_api.c: what g:set() and friends return (the address is the
 * token); a reason copied, cut at SCALED_REASON_MAX - 1 bytes, never
 * inside a UTF-8 sequence. */
extern const char policy_proposal_token;
void policy_api_copy_reason(char *dst, const char *src, size_t len);

/* *out says nothing: no count, no mix, no reasons (what `return nil`
 * leaves; the policy's name and the read marks are not touched). */
static inline void policy_api_no_proposal(struct scaled_proposal *out)
{
	out->kind = SCALED_PROPOSAL_NONE;
	out->value = 0;
	out->reason[0] = '\0';
	out->mix = 0;
	out->mix_base = out->mix_percent = -1;
	out->mix_reason[0] = '\0';
}

/* policy_series.c: what a view's statistic reads once its arguments are
 * checked: marks the read stale or missing in env, keeps what the window
 * needs (series_keep), and returns series_stat's rc (0, -ENODATA, ...).
 * The compiled library policies (policy_native.c) read through these, so
 * a read costs them what it costs a Lua policy. */
struct series;
int policy_series_read(struct policy_env *env, struct series *s, int stat, double p,
		       int64_t window, int64_t ago, double *out);
/* v:last() with no window: the newest sample (-ENODATA: none), marked. */
int policy_series_newest(struct policy_env *env, const struct series *s, double *out);

/* policy_series.c: the series view metatable and the shared `s`, made once
 * (inside policy_api_open's protected call); push `s`. */
void policy_series_setup(lua_State *L, struct policy_env *env);
static inline void policy_series_push_s(lua_State *L, const struct policy_env *env)
{
	lua_rawgeti(L, LUA_REGISTRYINDEX, env->s_ref);
}

#endif
