/*
 * sandbox_base.c - the base functions that differ from stock Lua (see
 * sandbox.h): pcall and xpcall that cannot catch the deadline, setmetatable
 * without __gc, and a print that writes to the log at a bounded rate.
 */
#include <stdint.h>

#include <lauxlib.h>
#include <lua.h>

#include "clock.h"
#include "log.h"
#include "sandbox_int.h"

/* print: a token bucket per farm, SANDBOX_PRINT_BURST lines at once and
 * SANDBOX_PRINT_RATE a second after that; what is over is counted and the
 * count logged with the next line that gets through. */
#define SANDBOX_PRINT_BURST 20.0
#define SANDBOX_PRINT_RATE 10.0

/* pcall/xpcall that do not swallow the deadline: once it has passed, the
 * error goes on up to sandbox_pcall whatever the script does about it.
 * Results start at index `first`; below them is a slot for the boolean. */
static int l_pcall_finish(lua_State *L, int status, int first)
{
	if (status != LUA_OK) {
		if (sandbox_of(L)->timed_out)
			return lua_error(L);
		lua_pushboolean(L, 0);
		lua_insert(L, -2);
		return 2; /* false, message */
	}
	lua_pushboolean(L, 1);
	lua_replace(L, first - 1);
	return lua_gettop(L) - first + 2;
}

static int l_pcall(lua_State *L)
{
	luaL_checkany(L, 1);
	lua_pushnil(L);     /* slot for the boolean */
	lua_insert(L, 1);   /* nil, f, args... */
	return l_pcall_finish(L, lua_pcall(L, lua_gettop(L) - 2, LUA_MULTRET, 0), 2);
}

/* The script's message handler, called through this one. An error raised by
 * the deadline hook runs the handler with hooks off (Lua disables them inside
 * a hook), so past the deadline no script handler may run at all. */
static int l_xpcall_handler(lua_State *L)
{
	if (sandbox_of(L)->timed_out)
		return 1; /* the message as it is */
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, 1);
	return 1;
}

static int l_xpcall(lua_State *L)
{
	int n = lua_gettop(L);

	luaL_checktype(L, 2, LUA_TFUNCTION);
	lua_pushvalue(L, 2);
	lua_pushcclosure(L, l_xpcall_handler, 1);
	lua_replace(L, 2);
	lua_pushvalue(L, 1); /* f, h, args..., f */
	lua_rotate(L, 3, 1); /* f, h, f, args... (f at 1 is the boolean's slot) */
	return l_pcall_finish(L, lua_pcall(L, n - 2, LUA_MULTRET, 2), 3);
}

/* setmetatable without __gc: a finalizer runs whenever the collector
 * decides, also outside sandbox_pcall where no deadline holds. */
static int l_setmetatable(lua_State *L)
{
	int t = lua_type(L, 2);

	luaL_checktype(L, 1, LUA_TTABLE);
	luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
	if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL)
		return luaL_error(L, "cannot change a protected metatable");
	if (t == LUA_TTABLE) {
		lua_pushliteral(L, "__gc");
		if (lua_rawget(L, 2) != LUA_TNIL)
			return luaL_error(L, "__gc metamethods are not allowed in the sandbox");
	}
	lua_settop(L, 2);
	lua_setmetatable(L, 1);
	return 1;
}

/* Take a token for one line of print; false when the bucket is empty. */
static bool sandbox_print_token(struct sandbox *sb)
{
	int64_t now = clock_stopwatch_ns();

	sb->print_tokens += (double)(now - sb->print_refill_ns) * SANDBOX_PRINT_RATE / 1e9;
	sb->print_refill_ns = now;
	if (sb->print_tokens > SANDBOX_PRINT_BURST)
		sb->print_tokens = SANDBOX_PRINT_BURST;
	if (sb->print_tokens < 1.0) {
		sb->print_dropped++;
		return false;
	}
	sb->print_tokens -= 1.0;
	if (sb->print_dropped) {
		LOG_WARN("lua: %lu lines from print suppressed (at most %.0f a second)",
			 sb->print_dropped, SANDBOX_PRINT_RATE);
		sb->print_dropped = 0;
	}
	return true;
}

/* print goes to the log (info), never to stdout. */
static int l_print(lua_State *L)
{
	int n = lua_gettop(L);
	luaL_Buffer b;

	if (!sandbox_print_token(sandbox_of(L)))
		return 0;
	luaL_buffinit(L, &b);
	for (int i = 1; i <= n; i++) {
		luaL_tolstring(L, i, NULL);
		luaL_addvalue(&b);
		if (i < n)
			luaL_addchar(&b, '\t');
	}
	luaL_pushresult(&b);
	LOG_INFO("lua: %s", lua_tostring(L, -1));
	return 0;
}

void sandbox_base_open(lua_State *L)
{
	static const luaL_Reg base[] = {
		{ "pcall", l_pcall },
		{ "xpcall", l_xpcall },
		{ "print", l_print },
		{ "setmetatable", l_setmetatable },
		{ NULL, NULL },
	};
	struct sandbox *sb = sandbox_of(L);

	sb->print_tokens = SANDBOX_PRINT_BURST;
	sb->print_refill_ns = clock_stopwatch_ns();
	luaL_setfuncs(L, base, 0);
}
