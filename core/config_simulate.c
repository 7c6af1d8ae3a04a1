/*
 * config_simulate.c - the farm's `simulate { ... }` table: what
 * `scaled simulate` reads from the farm (its kind map and defaults,
 * docs/simulate.md), so that the production farm runs there unchanged.
 *
 *   simulate {
 *     map = { asg = "capacity", spot = "spot", cpu = "cpu" },
 *     on_demand = 0.478, service_time = "30s",
 *   }
 *
 * The core checks only its shape: one table, declared once, of string
 * keys and string, number, boolean or table values (tables at most three
 * deep). It hands the table, flattened ("map.asg" = "capacity") and sorted
 * by key (Lua's own order of a table is not the same from run to run), to
 * the builder's simulate callback, which says what the keys mean; a
 * daemon's builder has none and the table is ignored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "config_int.h"

#define CONFIG_SIMULATE_DEPTH 3

/* Push the texts of the table at t (absolute index) into anchor (absolute
 * index) as key, value pairs at 2i+1, 2i+2; *n counts them. Raises. */
static void config_simulate_walk(lua_State *L, int t, const char *prefix, int depth, int anchor,
				 lua_Integer *n)
{
	lua_pushnil(L);
	while (lua_next(L, t)) {
		const char *key;

		if (lua_type(L, -2) != LUA_TSTRING) {
			/* lua_pushfstring has no "%.*s": the message is made here */
			char msg[CONFIG_ERR_MAX];
			size_t plen = strlen(prefix);

			snprintf(msg, sizeof msg, "simulate: a %s key%s%.*s%s (keys are names)",
				 luaL_typename(L, -2), plen ? " in \"" : "",
				 plen ? (int)plen - 1 : 0, prefix, plen ? "\"" : "");
			luaL_error(L, "%s", msg);
		}
		key = lua_pushfstring(L, "%s%s", prefix, lua_tostring(L, -2)); /* k v key */
		switch (lua_type(L, -2)) {
		case LUA_TSTRING:
		case LUA_TNUMBER:
			lua_pushvalue(L, -1);
			lua_rawseti(L, anchor, ++*n);
			lua_pushvalue(L, -2);
			lua_tolstring(L, -1, NULL); /* a number as Lua writes it */
			lua_rawseti(L, anchor, ++*n);
			break;
		case LUA_TBOOLEAN:
			lua_pushvalue(L, -1);
			lua_rawseti(L, anchor, ++*n);
			lua_pushstring(L, lua_toboolean(L, -2) ? "true" : "false");
			lua_rawseti(L, anchor, ++*n);
			break;
		case LUA_TTABLE:
			if (depth >= CONFIG_SIMULATE_DEPTH)
				luaL_error(L, "simulate: key \"%s\": tables nest at most %d deep", key,
					   CONFIG_SIMULATE_DEPTH);
			lua_pushfstring(L, "%s.", key);
			config_simulate_walk(L, lua_gettop(L) - 2, lua_tostring(L, -1), depth + 1,
					     anchor, n);
			lua_pop(L, 1);
			break;
		default:
			luaL_error(L, "simulate: key \"%s\": a %s (a string, number, boolean or table)",
				   key, luaL_typename(L, -2));
		}
		lua_pop(L, 2); /* key, value */
	}
}

static int config_simulate_cmp(const void *a, const void *b)
{
	return strcmp(((const struct scaled_farm_entry *)a)->key,
		      ((const struct scaled_farm_entry *)b)->key);
}

int config_simulate_declare(lua_State *L)
{
	struct config *c = config_get(L, "simulate");
	struct scaled_farm_entry *v;
	char err[CONFIG_ERR_MAX] = "";
	lua_Integer n = 0, i;
	int anchor;

	if (lua_type(L, 1) != LUA_TTABLE || lua_gettop(L) != 1)
		return luaL_error(L, "simulate: expects one table: simulate { map = { ... }, ... }");
	if (c->simulate_line)
		return luaL_error(L, "simulate: declared already (line %d)", c->simulate_line);
	c->simulate_line = config_line(L);
	lua_newtable(L);
	anchor = lua_gettop(L);
	config_simulate_walk(L, 1, "", 1, anchor, &n);
	if (!c->b->simulate)
		return 0;
	/* The texts stay anchored while the callback runs; the array is
	 * Lua's, so that an error frees it. */
	v = lua_newuserdatauv(L, (size_t)(n / 2 + 1) * sizeof *v, 0);
	for (i = 0; i < n / 2; i++) {
		lua_rawgeti(L, anchor, 2 * i + 1);
		v[i].key = lua_tostring(L, -1);
		lua_rawgeti(L, anchor, 2 * i + 2);
		v[i].value = lua_tostring(L, -1);
		lua_pop(L, 2);
	}
	qsort(v, (size_t)(n / 2), sizeof *v, config_simulate_cmp);
	if (c->b->simulate(c->b->arg, v, (size_t)(n / 2), err, sizeof err) < 0)
		return luaL_error(L, "simulate: %s", *err ? err : "refused");
	return 0;
}
