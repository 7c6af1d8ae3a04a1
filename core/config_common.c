/*
 * config_common.c - what every declaration of farm.lua shares: the engine
 * behind it, its error format ("file:line: what "name": message"), name
 * rules, and the curried form  source "name" { ... }.
 */
#include <errno.h>
#include <string.h>

#include <lauxlib.h>

#include "config.h"
#include "engine.h"
#include "sandbox.h"

/* The guard lives here, in every declaration, and not only in removing the
 * globals: a farm can keep `source` in a local and call it from a policy. */
struct scaled_engine *config_engine(lua_State *L, const char *what)
{
	struct scaled_engine *e = lua_touserdata(L, lua_upvalueindex(1));

	if (!e || !sandbox_declaring(e->sb))
		luaL_error(L, "%s() is a declaration: it works only while the farm file loads, "
			   "not from a policy", what);
	return e;
}

/* Raise "file:line: what "name": message" from a declaration. */
int config_fail(lua_State *L, const char *what, const char *name, const char *msg)
{
	return luaL_error(L, "%s \"%s\": %s", what, name, msg);
}

int config_check_name(lua_State *L, const char *what, int idx)
{
	const char *name = luaL_checkstring(L, idx);
	size_t i, n = strlen(name);

	if (n == 0 || n >= SCALED_NAME_MAX)
		return luaL_error(L, "%s name must be 1 to %d characters", what, SCALED_NAME_MAX - 1);
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return luaL_error(L, "%s name \"%s\": only letters, digits, '_' and '-' "
					  "('.' separates series suffixes)", what, name);
	}
	return 0;
}

/* source "name" returns the function that takes the table. */
int config_curry(lua_State *L, const char *what, lua_CFunction body)
{
	config_engine(L, what);
	config_check_name(L, what, 1);
	lua_pushvalue(L, lua_upvalueindex(1)); /* engine */
	lua_pushvalue(L, 1);                   /* name */
	lua_pushcclosure(L, body, 2);
	return 1;
}
