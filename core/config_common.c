/*
 * config_common.c - what every declaration of farm.lua shares: the farm
 * being declared, its error format ("file:line: what "name": message"),
 * name rules, the names declared so far, and the curried form
 * source "name" { ... }.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "alloc.h"
#include "config_int.h"
#include "sandbox.h"

/* The guard lives here, in every declaration, and not only in removing the
 * globals: a farm can keep `source` in a local and call it from a policy. */
struct config *config_get(lua_State *L, const char *what)
{
	struct config *c = lua_touserdata(L, lua_upvalueindex(1));

	/* c points into config_run's frame: compare it with the farm being
	 * run before reading it (a kept declaration outlives its run) */
	if (!c || sandbox_declarer(L) != c)
		luaL_error(L, "%s() is a declaration: it works only while the farm file loads, "
			   "not from a policy", what);
	return c;
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
	config_get(L, what);
	config_check_name(L, what, 1);
	lua_pushvalue(L, lua_upvalueindex(1)); /* config */
	lua_pushvalue(L, 1);                   /* name */
	lua_pushcclosure(L, body, 2);
	return 1;
}

int config_line(lua_State *L)
{
	lua_Debug ar;

	if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "l", &ar))
		return ar.currentline;
	return 0;
}

static struct config_name *config_name_at(const struct config *c, size_t i)
{
	return &c->name_blocks[i / CONFIG_NAME_BLOCK][i % CONFIG_NAME_BLOCK];
}

struct config_name *config_find(struct config *c, const char *name, bool group)
{
	uintptr_t i = (uintptr_t)name_index_get(&c->ix[group], name);

	return i ? config_name_at(c, i - 1) : NULL;
}

void config_names_free(struct config *c)
{
	size_t i;

	name_index_free(&c->ix[0]);
	name_index_free(&c->ix[1]);
	for (i = 0; i < c->n_name_blocks; i++)
		alloc_free(c->name_blocks[i]);
	alloc_free(c->name_blocks);
	c->name_blocks = NULL;
	c->n_names = c->n_name_blocks = 0;
}

struct config_name *config_add_name(struct config *c, const char *name, bool group,
				    enum scaled_role role)
{
	struct config_name *n;
	size_t len;

	if (c->n_names == c->n_name_blocks * CONFIG_NAME_BLOCK) {
		struct config_name **v = alloc_resize(c->name_blocks,
						      (c->n_name_blocks + 1) * sizeof *v);

		if (!v)
			return NULL;
		c->name_blocks = v;
		if (!(v[c->n_name_blocks] = alloc_zero(CONFIG_NAME_BLOCK, sizeof **v)))
			return NULL;
		c->n_name_blocks++;
	}
	n = config_name_at(c, c->n_names);
	len = strnlen(name, sizeof n->name - 1);
	memcpy(n->name, name, len);
	n->name[len] = '\0';
	n->set_by[0] = '\0';
	if (name_index_put(&c->ix[group], n->name, (void *)(uintptr_t)(c->n_names + 1)) < 0)
		return NULL;
	c->n_names++;
	n->group = group;
	n->role = role;
	if (group)
		c->n_groups++;
	return n;
}
