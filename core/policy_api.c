/*
 * policy_api.c - group views and their methods (see policy_api.h, which
 * is the spec); the policy call is in policy_call.c, series views in
 * policy_series.c.
 *
 * Every C function reached from Lua gets the struct policy_env as upvalue 1
 * (a light userdata), so nothing is looked up in the registry on the way.
 * Views are full userdata created once: a group view is cached in the
 * registry (policy_group.view_ref), a series view in a cache table behind
 * the shared `s`, so a tick allocates nothing unless a policy does.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "alloc.h"
#include "copy.h"
#include "duration.h"
#include "event.h"
#include "log.h"
#include "policy_api.h"
#include "policy_int.h"
#include "sandbox.h"
#include "series.h"

/* Registry keys: the addresses are the keys. */
static const char group_mt_key = 'g';      /* every group view's metatable */
/* What g:set() and friends return; the address is the token. */
const char policy_proposal_token = 't';

/* The group view's methods (policy_api_setup's table), and the ids of its
 * fields, in the order of their names there. */
#define GROUP_METHODS 6
enum {
	GF_NAME = 1,
	GF_CURRENT,
	GF_DESIRED,
	GF_MIN,
	GF_MAX,
	GF_STARTING,
	GF_STOPPING,
	GF_NOW,
	GF_WANTED,
	GF_SHORTFALL,
	GF_SHORT_FOR,
	GF_LAST_ACTION,
	GF_LAST_ERROR,
	GF_MARKETS,
	GF_SPOT,
	GF_ON_DEMAND,
	GF_OD_BASE,
	GF_OD_PERCENT,
	GF_MIX_AGE,
	GF_EVENTS,
};
_Static_assert(GROUP_METHODS + GF_EVENTS <= 32, "policy_env.group_keys holds every name");
_Static_assert(2 * 32 <= POLICY_KEY_SLOTS, "policy_env.key_slots stays half empty at most");

/* A group view. Every view shares one metatable (see policy_api_setup);
 * views are recognised by their size and a magic number: scripts cannot
 * make userdata, so only our code can have made one of this size with
 * this mark. */
#define GROUP_VIEW_MAGIC 0x67726f75u /* "grou" */

struct group_view {
	uint32_t magic;
	struct policy_group *g;
};

static struct policy_group *group_check(lua_State *L, int idx)
{
	struct group_view *v = policy_testview(L, idx, GROUP_VIEW_MAGIC);

	if (!v) {
		luaL_typeerror(L, idx, "group view");
		__builtin_unreachable(); /* it raises: a longjmp (not declared so) */
	}
	return v->g;
}

/* ------------------------------------------------------------ group view -- */

static char no_memory_message[] = "failed (no memory for its message)";

void policy_group_set_error(struct policy_group *g, const char *msg)
{
	if (g->last_error != no_memory_message)
		alloc_free(g->last_error);
	g->last_error = NULL;
	if (msg && *msg && !(g->last_error = alloc_strdup(msg)))
		g->last_error = no_memory_message;
}

/* The view of g, made once and kept in the registry (g->view_ref): a
 * userdata of two words with the metatable all views share, so a group
 * costs its policies' state ~100 bytes, not a set of tables of its own
 * (100 000 groups fit the farm's Lua memory with room to spare). */
void policy_api_push_group(lua_State *L, struct policy_group *g)
{
	struct group_view *v;

	/* luaL_ref never returns 0 or less: a zeroed struct has no view yet */
	if (g->view_ref > 0) {
		lua_rawgeti(L, LUA_REGISTRYINDEX, g->view_ref);
		return;
	}
	v = lua_newuserdatauv(L, sizeof(*v), 0);
	v->magic = GROUP_VIEW_MAGIC;
	v->g = g;
	lua_rawgetp(L, LUA_REGISTRYINDEX, &group_mt_key);
	lua_setmetatable(L, -2);
	lua_pushvalue(L, -1);
	g->view_ref = luaL_ref(L, LUA_REGISTRYINDEX);
}

/* Every view's __index, called as __index(view, key) by the VM only (the
 * metatable is locked). Short strings are interned, so a key is one of the
 * view's names exactly when its address is one of env->group_keys (the
 * names are kept alive by upvalue 2): a method (upvalues 3 .. 2 +
 * GROUP_METHODS, in the same order) or a field. */
static int l_group_index(lua_State *L)
{
	const struct policy_env *env = env_of(L);
	const char *k = lua_tolstring(L, 2, NULL);
	const struct policy_group *g;
	int id = 0;

	if (k) { /* by address, from POLICY_KEY_HASH's slot on (policy_api.h) */
		for (unsigned h = POLICY_KEY_HASH(k); env->key_slots[h].key;
		     h = (h + 1) & (POLICY_KEY_SLOTS - 1))
			if (env->key_slots[h].key == k) {
				id = env->key_slots[h].id;
				break;
			}
	}
	if (id == 0)
		return luaL_error(L, "group '%s' has no field '%s'",
				  ((const struct group_view *)lua_touserdata(L, 1))->g->name,
				  k ? k : luaL_typename(L, 2));
	if (id <= GROUP_METHODS) {
		lua_pushvalue(L, lua_upvalueindex(2 + id));
		return 1;
	}
	g = ((const struct group_view *)lua_touserdata(L, 1))->g;
	switch (id - GROUP_METHODS) {
	case GF_NAME: lua_pushstring(L, g->name); break;
	case GF_CURRENT: lua_pushinteger(L, g->current); break;
	case GF_DESIRED: lua_pushinteger(L, g->desired); break;
	case GF_MIN: lua_pushinteger(L, g->min); break;
	case GF_MAX: lua_pushinteger(L, g->max); break;
	case GF_STARTING: lua_pushinteger(L, g->starting); break;
	case GF_STOPPING: lua_pushinteger(L, g->stopping); break;
	case GF_WANTED: lua_pushinteger(L, g->wanted); break;
	case GF_SHORTFALL: lua_pushinteger(L, g->shortfall); break;
	case GF_SHORT_FOR:
		lua_pushnumber(L, g->shortfall > 0 && env->now_ms > g->short_since_ms
			       ? (lua_Number)(env->now_ms - g->short_since_ms) / 1000.0 : 0.0);
		break;
	case GF_LAST_ACTION: lua_pushstring(L, g->last_action ? g->last_action : "none"); break;
	case GF_LAST_ERROR:
		if (g->last_error)
			lua_pushstring(L, g->last_error);
		else
			lua_pushnil(L);
		break;
	case GF_MARKETS: lua_pushboolean(L, g->markets); break;
	case GF_SPOT: lua_pushinteger(L, g->spot); break;
	case GF_ON_DEMAND: lua_pushinteger(L, g->on_demand); break;
	case GF_OD_BASE:
		if (g->mix_base >= 0)
			lua_pushinteger(L, g->mix_base);
		else
			lua_pushnil(L);
		break;
	case GF_OD_PERCENT:
		if (g->mix_percent >= 0)
			lua_pushinteger(L, g->mix_percent);
		else
			lua_pushnil(L);
		break;
	case GF_EVENTS:
		if (g->events)
			event_push_list(L, g->events);
		else
			lua_createtable(L, 0, 0);
		break;
	case GF_MIX_AGE:
		if (g->mix_changed_ms != INT64_MIN && env->now_ms >= g->mix_changed_ms)
			lua_pushnumber(L, (lua_Number)(env->now_ms - g->mix_changed_ms) / 1000.0);
		else
			lua_pushnil(L);
		break;
	default: lua_pushnumber(L, (lua_Number)env->now_ms / 1000.0); break;
	}
	return 1;
}

static int l_group_newindex(lua_State *L)
{
	return luaL_error(L, "group '%s' is read-only (propose with g:set, g:change, "
			  "g:percent or g:hold)", group_check(L, 1)->name);
}

static int l_group_tostring(lua_State *L)
{
	lua_pushfstring(L, "group '%s'", group_check(L, 1)->name);
	return 1;
}

/* Reasons are cut at SCALED_REASON_MAX - 1 bytes, never inside a UTF-8
 * sequence. */
void policy_api_copy_reason(char *dst, const char *src, size_t len)
{
	if (len > SCALED_REASON_MAX - 1) {
		len = SCALED_REASON_MAX - 1;
		while (len > 0 && ((unsigned char)src[len] & 0xc0) == 0x80)
			len--;
	}
	copy_bytes(dst, src, len);
	dst[len] = '\0';
}

/* Store a proposal for the running call and push the token. */
static int policy_api_propose(lua_State *L, struct policy_group *g,
			      enum scaled_proposal_kind kind, double value, int reason_arg)
{
	struct policy_env *env = env_of(L);
	size_t len;
	const char *reason = luaL_checklstring(L, reason_arg, &len);
	struct scaled_proposal *p = env->proposal;

	if (!env->calling || !p)
		return luaL_error(L, "group '%s': no policy is running", g->name);
	if (g != env->calling)
		return luaL_error(L, "group '%s' is read-only from policy of '%s'", g->name,
				  env->calling->name);
	p->kind = kind;
	p->value = value;
	policy_api_copy_reason(p->reason, reason, len);
	lua_pushlightuserdata(L, (void *)&policy_proposal_token);
	return 1;
}

/* Argument 2, a number with an integer value: one conversion when it is
 * one (every tick's case), luaL's checks and messages when it is not. */
static lua_Integer policy_api_int_arg(lua_State *L)
{
	int isint = 0;
	lua_Integer n = lua_tointegerx(L, 2, &isint);

	if (isint && lua_type(L, 2) == LUA_TNUMBER)
		return n;
	luaL_checktype(L, 2, LUA_TNUMBER); /* no "3" for 3: a string is a bug */
	return luaL_checkinteger(L, 2);
}

static int l_group_set(lua_State *L)
{
	struct policy_group *g = group_check(L, 1);
	lua_Integer n = policy_api_int_arg(L);

	luaL_argcheck(L, n >= 0 && n <= INT_MAX, 2, "capacity out of range");
	return policy_api_propose(L, g, SCALED_PROPOSAL_SET, (double)n, 3);
}

static int l_group_change(lua_State *L)
{
	struct policy_group *g = group_check(L, 1);
	lua_Integer n = policy_api_int_arg(L);

	luaL_argcheck(L, n >= -INT_MAX && n <= INT_MAX, 2, "change out of range");
	return policy_api_propose(L, g, SCALED_PROPOSAL_CHANGE, (double)n, 3);
}

static int l_group_percent(lua_State *L)
{
	struct policy_group *g = group_check(L, 1);
	lua_Number pct;

	luaL_checktype(L, 2, LUA_TNUMBER);
	pct = luaL_checknumber(L, 2);

	luaL_argcheck(L, isfinite(pct) && pct >= -100 && pct <= 1e6, 2,
		      "percent must be a number >= -100");
	return policy_api_propose(L, g, SCALED_PROPOSAL_PERCENT, pct, 3);
}

static int l_group_hold(lua_State *L)
{
	return policy_api_propose(L, group_check(L, 1), SCALED_PROPOSAL_HOLD, 0, 2);
}

/* One field of g:mix's table: nil (keep), or an integer in [0, max]. */
static int policy_api_mix_field(lua_State *L, const char *key, lua_Integer max)
{
	int isint, t = lua_getfield(L, 2, key);
	lua_Integer v;

	if (t == LUA_TNIL) {
		lua_pop(L, 1);
		return -1;
	}
	/* numbers only, as g:set takes them: "50" is a bug, not 50 */
	v = 0;
	isint = 0;
	if (t == LUA_TNUMBER)
		v = lua_tointegerx(L, -1, &isint);
	lua_pop(L, 1);
	if (!isint || v < 0 || v > max)
		return luaL_error(L, "g:mix: %s must be an integer between 0 and %d", key, (int)max);
	return (int)v;
}

/* g:mix({ on_demand_base = n, on_demand_percent = p }, reason): a market
 * mix proposed with whatever count this call proposes (or none). */
static int l_group_mix(lua_State *L)
{
	struct policy_group *g = group_check(L, 1);
	struct policy_env *env = env_of(L);
	struct scaled_proposal *p = env->proposal;
	const char *reason;
	size_t len;
	int base, percent;

	luaL_checktype(L, 2, LUA_TTABLE);
	reason = luaL_checklstring(L, 3, &len);
	if (!env->calling || !p)
		return luaL_error(L, "group '%s': no policy is running", g->name);
	if (g != env->calling)
		return luaL_error(L, "group '%s' is read-only from policy of '%s'", g->name,
				  env->calling->name);
	if (!g->markets)
		return luaL_error(L, "group '%s': its target cannot apply a market mix", g->name);
	lua_pushnil(L);
	while (lua_next(L, 2)) {
		const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;

		if (!k || (strcmp(k, "on_demand_base") != 0 && strcmp(k, "on_demand_percent") != 0))
			return luaL_error(L, "g:mix: unknown key '%s' (on_demand_base, "
					  "on_demand_percent)", k ? k : luaL_typename(L, -2));
		lua_pop(L, 1);
	}
	base = policy_api_mix_field(L, "on_demand_base", 1000000);
	percent = policy_api_mix_field(L, "on_demand_percent", 100);
	if (base < 0 && percent < 0)
		return luaL_error(L, "g:mix: give on_demand_base, on_demand_percent or both");
	p->mix = 1;
	p->mix_base = base;
	p->mix_percent = percent;
	policy_api_copy_reason(p->mix_reason, reason, len);
	lua_pushlightuserdata(L, (void *)&policy_proposal_token);
	return 1;
}

static int l_group_group(lua_State *L)
{
	struct policy_env *env = env_of(L);
	const char *name;
	struct policy_group *other;

	group_check(L, 1);
	name = luaL_checkstring(L, 2);
	other = env->find_group ? env->find_group(env->find_arg, name) : NULL;
	if (!other)
		return luaL_error(L, "unknown group '%s'", name);
	policy_api_push_group(L, other);
	return 1;
}

/* ----------------------------------------------------------------- setup -- */

static int policy_api_setup(lua_State *L)
{
	static const char *const fields[] = { "name", "current", "desired", "min", "max",
					      "starting", "stopping", "now", "wanted", "shortfall",
					      "short_for", "last_action", "last_error", "markets",
					      "spot", "on_demand", "on_demand_base",
					      "on_demand_percent", "mix_age", "events", NULL };
	static const luaL_Reg group_methods[GROUP_METHODS + 1] = {
		{ "hold", l_group_hold }, { "set", l_group_set }, { "change", l_group_change },
		{ "mix", l_group_mix }, { "percent", l_group_percent },
		{ "group", l_group_group }, { NULL, NULL },
	};
	struct policy_env *env = lua_touserdata(L, 1);
	int i;


	/* The metatable every group view shares (policy_api_push_group):
	 * __index finds methods, then fields; __metatable hides it. */
	lua_newtable(L);
	lua_pushboolean(L, 0);
	lua_setfield(L, -2, "__metatable");
	policy_closure(L, "__newindex", l_group_newindex, env, 0);
	policy_closure(L, "__tostring", l_group_tostring, env, 0);
	lua_pushliteral(L, "group view");
	lua_setfield(L, -2, "__name");
	/* __index's upvalues: env, the names (kept alive), the methods in
	 * order (pushed as upvalues, not read from a table: cheaper). */
	lua_pushlightuserdata(L, env);
	lua_createtable(L, 32, 0);
	env->n_group_keys = 0;
	for (i = 0; group_methods[i].name; i++) {
		lua_pushstring(L, group_methods[i].name);
		env->group_keys[env->n_group_keys++] = lua_tostring(L, -1);
		lua_rawseti(L, -2, env->n_group_keys);
	}
	for (i = 0; fields[i]; i++) {
		lua_pushstring(L, fields[i]);
		env->group_keys[env->n_group_keys++] = lua_tostring(L, -1);
		lua_rawseti(L, -2, env->n_group_keys);
	}
	memset(env->key_slots, 0, sizeof(env->key_slots));
	for (i = 0; i < env->n_group_keys; i++) {
		unsigned h = POLICY_KEY_HASH(env->group_keys[i]);

		while (env->key_slots[h].key)
			h = (h + 1) & (POLICY_KEY_SLOTS - 1);
		env->key_slots[h].key = env->group_keys[i];
		env->key_slots[h].id = i + 1;
	}
	for (i = 0; group_methods[i].name; i++) {
		lua_pushlightuserdata(L, env);
		lua_pushcclosure(L, group_methods[i].func, 1);
	}
	lua_pushcclosure(L, l_group_index, 2 + GROUP_METHODS);
	lua_setfield(L, -2, "__index");
	lua_rawsetp(L, LUA_REGISTRYINDEX, &group_mt_key);

	lua_pushliteral(L, "evaluate");
	env->evaluate_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_pushliteral(L, "engine_args");
	env->engine_args_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_pushliteral(L, "native");
	env->native_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_pushliteral(L, "id");
	env->id_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	policy_series_setup(L, env);
	return 0;
}

int policy_api_open(lua_State *L, struct policy_env *env)
{
	int status;

	/* env_of's fast way in: the state's extra space (threads made later
	 * start with a copy of it) */
	*(struct policy_env **)lua_getextraspace(L) = env;
	lua_pushcfunction(L, policy_api_setup);
	lua_pushlightuserdata(L, env);
	status = lua_pcall(L, 1, 0, 0);
	if (status == LUA_OK)
		return 0;
	LOG_ERROR("lua: cannot set up the policy API: %s", lua_tostring(L, -1));
	lua_pop(L, 1);
	return status == LUA_ERRMEM ? -ENOMEM : -EINVAL;
}
