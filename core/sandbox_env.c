/*
 * sandbox_env.c - each group's own globals at tick time, and the rule that
 * keeps one group from starving the others of Lua memory.
 *
 * Once the farm file has run (sandbox_env_freeze), everything it left in
 * the global table moves to a base table and the global table stays empty,
 * with a locked metatable: __index is the globals table of the group whose
 * policy runs (a table that reads through to the base), or the base itself
 * for a group that has set no global; __newindex is a C function that
 * writes into the running group's table, making it at the first write. So
 * a global a policy sets is its group's own, and a group's globals can be
 * dropped without touching the others'. Entering a group costs nothing
 * while no group has globals of its own, and a table lookup and a store
 * after that; reading a global costs one or two extra table lookups inside
 * the VM (no C call); writing one is a C call. rawget and rawset on the
 * global table see the same thing a plain access does.
 *
 * Memory: scripts may use the cap less a reserve (sandbox.c); the engine's
 * own allocations (a group's view, its globals table, the traceback) may
 * use the reserve too. Each group's calls add up what they grew the state
 * by (struct sandbox_growth, in the group) since the rule's last full
 * collection. After a call that leaves the state above 3/4 of what scripts
 * may use, once calls grew it by 1/256 of that since the last collection
 * (or the call failed for memory), a full collection; if the state stays
 * above 3/4 and holds more than after the previous one, the group that
 * grew it most since then loses its globals (the caller records the reason
 * as that policy's error, or logs it when another group's call found it).
 * So growing slowly is caught as surely as growing at once, and a farm
 * that holds much but does not grow costs nothing per tick. What a group
 * keeps outside its globals (a local of the farm file or of a module,
 * shared with other groups' policies) cannot be taken back this way; the
 * message says so.
 *
 * Libraries: string, table, math, utf8 and tz are read-only stand-ins from
 * before the farm file runs (sandbox_env_protect); the sandbox's rawset
 * refuses them too.
 */
#include <errno.h>
#include <stdio.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "alloc.h"
#include "sandbox.h"
#include "sandbox_int.h"

/* Registry keys: the addresses are the keys. */
static const char env_base_key = 'b';   /* the farm's globals after load */
static const char env_mt_key = 'm';     /* the global table's metatable */
static const char env_tables_key = 't'; /* group key -> its globals */
static const char env_child_key = 'c';  /* a group table's metatable */

void sandbox_reserve(struct sandbox *sb, bool open)
{
	sb->reserve_open += open ? 1 : -1;
}

static bool sandbox_env_is_globals(lua_State *L, int idx)
{
	struct sandbox *sb = sandbox_of(L);

	return sb->frozen && lua_topointer(L, idx) == sb->globals;
}

/* ------------------------------------------------- read-only libraries -- */

/* A library's __newindex (upvalue 1: its name). */
static int l_lib_newindex(lua_State *L)
{
	return luaL_error(L, "%s is read-only", lua_tostring(L, lua_upvalueindex(1)));
}

/* The iterator __pairs hands out (upvalue 1: the library itself, never
 * given to the script). */
static int l_lib_next(lua_State *L)
{
	lua_settop(L, 2);
	if (lua_next(L, lua_upvalueindex(1)))
		return 2;
	lua_pushnil(L);
	return 1;
}

static int l_lib_pairs(lua_State *L)
{
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_pushvalue(L, 1);
	lua_pushnil(L);
	return 3;
}

/* Whether the value at idx is a library's read-only stand-in. */
static bool sandbox_env_is_lib(lua_State *L, int idx)
{
	bool lib;

	if (!lua_getmetatable(L, idx))
		return false;
	lua_getfield(L, -1, "__newindex"); /* raw: the metatable has none */
	lib = lua_tocfunction(L, -1) == l_lib_newindex;
	lua_pop(L, 2);
	return lib;
}

void sandbox_env_protect(lua_State *L)
{
	static const char *const libs[] = { LUA_STRLIBNAME, LUA_TABLIBNAME, LUA_MATHLIBNAME,
					    LUA_UTF8LIBNAME, "tz", NULL };

	lua_pushglobaltable(L);
	for (int i = 0; libs[i]; i++) {
		if (lua_getfield(L, -1, libs[i]) != LUA_TTABLE) {
			lua_pop(L, 1);
			continue;
		}
		lua_newtable(L);          /* the stand-in the scripts see */
		lua_createtable(L, 0, 4); /* its metatable */
		lua_pushvalue(L, -3);
		lua_setfield(L, -2, "__index");
		lua_pushstring(L, libs[i]);
		lua_pushcclosure(L, l_lib_newindex, 1);
		lua_setfield(L, -2, "__newindex");
		lua_pushvalue(L, -3);
		lua_pushcclosure(L, l_lib_next, 1);
		lua_pushcclosure(L, l_lib_pairs, 1);
		lua_setfield(L, -2, "__pairs");
		lua_pushboolean(L, 0);
		lua_setfield(L, -2, "__metatable");
		lua_setmetatable(L, -2);
		lua_setfield(L, -3, libs[i]);
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	/* The string metatable: getmetatable("") gives false, not the table
	 * whose __index every string method goes through. */
	lua_pushliteral(L, "");
	if (lua_getmetatable(L, -1)) {
		lua_pushboolean(L, 0);
		lua_setfield(L, -2, "__metatable");
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
}

static int l_rawget(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	luaL_checkany(L, 2);
	lua_settop(L, 2);
	if (sandbox_env_is_globals(L, 1) || sandbox_env_is_lib(L, 1))
		lua_gettable(L, 1); /* the group's, then the farm's: tables only */
	else
		lua_rawget(L, 1);
	return 1;
}

static int l_rawset(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	luaL_checkany(L, 2);
	luaL_checkany(L, 3);
	lua_settop(L, 3);
	if (sandbox_env_is_lib(L, 1))
		lua_settable(L, 1); /* raises "<lib> is read-only" */
	else if (sandbox_env_is_globals(L, 1))
		lua_settable(L, 1); /* into the group's globals */
	else
		lua_rawset(L, 1);
	return 1;
}

/* Point the global table's __index at the table on top (popped). */
static void sandbox_env_point(lua_State *L)
{
	lua_rawgetp(L, LUA_REGISTRYINDEX, &env_mt_key);
	lua_insert(L, -2);
	lua_setfield(L, -2, "__index"); /* an existing field: no allocation */
	lua_pop(L, 1);
}

/* A group's globals table (1: the tables by group, 2: the key). */
static int l_env_make(lua_State *L)
{
	lua_createtable(L, 0, 4);
	lua_rawgetp(L, LUA_REGISTRYINDEX, &env_child_key);
	lua_setmetatable(L, -2);
	lua_pushvalue(L, -1);
	lua_rawsetp(L, 1, lua_touserdata(L, 2));
	return 1;
}

/* The global table's __newindex (upvalue 1: the base): G[k] = v goes into
 * the running group's globals, made at its first write; outside a group,
 * into the base. */
static int l_env_newindex(lua_State *L)
{
	struct sandbox *sb = sandbox_of(L);
	const void *key = sb->env_key;

	lua_settop(L, 3);
	if (!key) {
		lua_rawset(L, lua_upvalueindex(1));
		return 0;
	}
	lua_rawgetp(L, LUA_REGISTRYINDEX, &env_tables_key); /* 4 */
	if (lua_rawgetp(L, 4, key) != LUA_TTABLE) {         /* 5 */
		int status;

		/* The table (room for a few globals) is the engine's: it may
		 * use the reserve, so a group whose script filled its share
		 * can still set its first global. Protected, so the reserve
		 * is closed again whatever happens. */
		lua_pop(L, 1);
		lua_pushcfunction(L, l_env_make);
		lua_pushvalue(L, 4);
		lua_pushlightuserdata(L, (void *)key);
		sandbox_reserve(sb, true);
		status = lua_pcall(L, 2, 1, 0);
		sandbox_reserve(sb, false);
		if (status != LUA_OK)
			return lua_error(L);
		sb->n_envs++;
	}
	lua_pushvalue(L, 2);
	lua_pushvalue(L, 3);
	lua_rawset(L, 5);
	if (sb->env_pointed != key) {
		lua_pushvalue(L, 5);
		sandbox_env_point(L);
		sb->env_pointed = key;
	}
	return 0;
}

static int sandbox_env_setup(lua_State *L)
{
	lua_pushglobaltable(L); /* 1 */
	lua_newtable(L);        /* 2: base */
	lua_pushnil(L);
	while (lua_next(L, 1)) {
		lua_pushvalue(L, -2);
		lua_insert(L, -2);
		lua_rawset(L, 2);
	}
	lua_pushnil(L);
	while (lua_next(L, 1)) { /* clearing existing fields is allowed */
		lua_pop(L, 1);
		lua_pushvalue(L, -1);
		lua_pushnil(L);
		lua_rawset(L, 1);
	}
	lua_pushcfunction(L, l_rawget);
	lua_setfield(L, 2, "rawget");
	lua_pushcfunction(L, l_rawset);
	lua_setfield(L, 2, "rawset");

	lua_createtable(L, 0, 3); /* 3: the global table's metatable */
	lua_pushvalue(L, 2);
	lua_setfield(L, 3, "__index");
	lua_pushvalue(L, 2);
	lua_pushcclosure(L, l_env_newindex, 1);
	lua_setfield(L, 3, "__newindex");
	lua_pushboolean(L, 0);
	lua_setfield(L, 3, "__metatable");
	lua_pushvalue(L, 3);
	lua_setmetatable(L, 1);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &env_mt_key);

	lua_createtable(L, 0, 1);
	lua_pushvalue(L, 2);
	lua_setfield(L, -2, "__index");
	lua_rawsetp(L, LUA_REGISTRYINDEX, &env_child_key);
	lua_newtable(L);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &env_tables_key);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &env_base_key);
	return 0;
}

int sandbox_env_freeze(struct sandbox *sb, char **errmsg)
{
	lua_State *L = sb->L;
	int status;

	if (sb->frozen)
		return 0;
	sandbox_reserve(sb, true);
	lua_pushcfunction(L, sandbox_env_setup);
	status = lua_pcall(L, 0, 0, 0);
	sandbox_reserve(sb, false);
	if (status != LUA_OK) {
		lua_pop(L, 1);
		if (errmsg)
			*errmsg = alloc_printf("lua: no memory to set up the groups' globals");
		return -ENOMEM;
	}
	lua_pushglobaltable(L);
	sb->globals = lua_topointer(L, -1);
	lua_pop(L, 1);
	sb->frozen = true;
	sb->env_key = sb->env_pointed = NULL;
	sb->n_envs = 0;
	lua_gc(L, LUA_GCCOLLECT); /* once: what the farm keeps, for the hoarding rule */
	sb->mem_live = sb->mem_used;
	return 0;
}

int sandbox_env_enter(struct sandbox *sb, const void *key)
{
	lua_State *L = sb->L;

	if (!sb->frozen)
		return 0;
	sb->env_key = key;
	if (sb->n_envs == 0 || sb->env_pointed == key)
		return 0;
	lua_rawgetp(L, LUA_REGISTRYINDEX, &env_tables_key);
	if (lua_rawgetp(L, -1, key) == LUA_TTABLE) {
		sandbox_env_point(L);
		sb->env_pointed = key;
	} else if (sb->env_pointed) {
		lua_pop(L, 1);
		lua_rawgetp(L, LUA_REGISTRYINDEX, &env_base_key);
		sandbox_env_point(L);
		sb->env_pointed = NULL;
	} else {
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	return 0;
}

int sandbox_env_check(struct sandbox *sb, const void *key, size_t used_before, bool nomem,
		      struct sandbox_growth *growth, const void **reset, char *msg, size_t len)
{
	lua_State *L = sb->L;
	size_t budget = sb->mem_limit - sb->reserve, high = budget / 4 * 3, kept;
	const void *top;

	if (!sb->frozen)
		return 0;
	if (growth->epoch != sb->gc_epoch) {
		growth->epoch = sb->gc_epoch;
		growth->grown = 0;
	}
	if (sb->mem_used > used_before) {
		size_t d = sb->mem_used - used_before;

		growth->grown += d;
		sb->grown_total += d;
		if (growth->grown > sb->top_grown) {
			sb->top_grown = growth->grown;
			sb->top_key = key;
		}
	}
	/* A full collection only above the high mark, and only once calls
	 * grew the state by 1/256 of what scripts may use since the last
	 * one (or a call ran out of memory): a farm that legitimately holds
	 * much costs nothing per tick, and growing slowly is seen too. */
	if (sb->mem_used <= high || (sb->grown_total < budget >> 8 && !nomem))
		return 0;
	lua_gc(L, LUA_GCCOLLECT);
	top = sb->top_key;
	sb->gc_epoch++;
	sb->grown_total = sb->top_grown = 0;
	sb->top_key = NULL;
	/* Only live data that grew since the last look costs a group its
	 * globals: garbage, or a farm whose own data is large, does not. */
	if (sb->mem_used <= high || !top || sb->mem_used <= sb->mem_live) {
		sb->mem_live = sb->mem_used;
		return 0;
	}
	kept = sb->mem_used;
	lua_rawgetp(L, LUA_REGISTRYINDEX, &env_tables_key);
	if (lua_rawgetp(L, -1, top) == LUA_TTABLE)
		sb->n_envs--;
	lua_pop(L, 1);
	lua_pushnil(L);
	lua_rawsetp(L, -2, top);
	lua_pop(L, 1);
	if (sb->env_pointed == top) {
		lua_rawgetp(L, LUA_REGISTRYINDEX, &env_base_key);
		sandbox_env_point(L);
		sb->env_pointed = NULL;
	}
	lua_gc(L, LUA_GCCOLLECT);
	sb->mem_live = sb->mem_used;
	*reset = top;
	snprintf(msg, len, "Lua memory %zu KiB, over 3/4 of the %zu KiB policies may use, "
		 "grown most by this group: its globals were reset%s", kept >> 10, budget >> 10,
		 sb->mem_used > high ? " (the memory stays: it is held outside them)" : "");
	return 1;
}
