/*
 * config_policy.c - a group's key "policy": one policy (a function, or a
 * table with an evaluate function) or a list of them, and the series its
 * table policies say they read, each of which a declared source or target
 * must own. The policies are kept as registry references in the group's
 * declaration. An embedder's group_policy function (scaled_options) gives
 * every group its policy instead of the key.
 */
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "alloc.h"
#include "config_int.h"

/* Is `name` a series of a declared source or target ("x" or "x.suffix")? */
static bool config_policy_series_known(struct config *c, const char *name)
{
	char base[SCALED_NAME_MAX];
	const char *dot = strchr(name, '.');
	size_t n = dot ? (size_t)(dot - name) : strlen(name);

	if (n == 0 || n >= sizeof base)
		return false;
	memcpy(base, name, n);
	base[n] = '\0';
	return config_find(c, base, false) != NULL;
}

/* The declared inputs of the table policy at the top of the stack: they
 * must exist; a group with any input empty refuses to scale in (stage 2). */
static void config_policy_inputs(lua_State *L, struct config *c, struct config_group_decl *d,
				 const char *name)
{
	char msg[CONFIG_ERR_MAX];
	lua_Integer i, n;

	lua_getfield(L, -1, "series");
	if (!lua_isnil(L, -1) && !lua_istable(L, -1)) {
		snprintf(msg, sizeof msg, "policy %s: key \"series\" must be a list of series "
			 "names, got a %s", name, luaL_typename(L, -1));
		config_fail(L, "group", d->name, msg);
	}
	n = lua_istable(L, -1) ? (lua_Integer)lua_rawlen(L, -1) : 0;
	for (i = 1; i <= n; i++) {
		const char *sname;
		char **v;

		if (lua_rawgeti(L, -1, i) != LUA_TSTRING) {
			snprintf(msg, sizeof msg, "policy %s: series %lld must be a name "
				 "(a string), got a %s", name, (long long)i, luaL_typename(L, -1));
			config_fail(L, "group", d->name, msg);
		}
		sname = lua_tostring(L, -1);
		if (!sname || !config_policy_series_known(c, sname)) {
			snprintf(msg, sizeof msg, "policy %s reads series \"%s\", which no "
				 "source or target declares", name, sname ? sname : "?");
			config_fail(L, "group", d->name, msg);
		}
		v = alloc_resize(d->inputs, (d->n_inputs + 1) * sizeof *v);
		if (!v)
			luaL_error(L, "out of memory");
		d->inputs = v;
		d->inputs[d->n_inputs] = alloc_strdup(sname);
		if (!d->inputs[d->n_inputs])
			luaL_error(L, "out of memory");
		d->n_inputs++;
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
}

/* Add the policy at the top of the stack to d (pops it). */
static void config_policy_add(lua_State *L, struct config *c, struct config_group_decl *d,
			      size_t index)
{
	struct config_policy_decl *p;
	char name[SCALED_NAME_MAX];
	int t = lua_type(L, -1);

	if (d->n_policies >= SCALED_MAX_PROPOSALS)
		config_fail(L, "group", d->name, "too many policies (at most 16)");
	if (t == LUA_TFUNCTION) {
		lua_Debug ar;

		lua_pushvalue(L, -1);
		lua_getinfo(L, ">S", &ar);
		snprintf(name, sizeof name, "function@%d", ar.linedefined);
	} else if (t == LUA_TTABLE) {
		lua_getfield(L, -1, "evaluate");
		if (lua_type(L, -1) != LUA_TFUNCTION) {
			char msg[128];

			snprintf(msg, sizeof msg, "policy %zu: a table policy needs an evaluate function", index);
			config_fail(L, "group", d->name, msg);
		}
		lua_pop(L, 1);
		lua_getfield(L, -1, "name");
		snprintf(name, sizeof name, "%s", lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1)
										  : "policy");
		lua_pop(L, 1);
		config_policy_inputs(L, c, d, name);
		/* `mix = true`: it may propose a market mix (checked against
		 * the target's kind by the builder) */
		lua_getfield(L, -1, "mix");
		if (lua_toboolean(L, -1) && !d->mix_policy[0])
			snprintf(d->mix_policy, sizeof d->mix_policy, "%s", name);
		lua_pop(L, 1);
	} else {
		char msg[128];

		snprintf(msg, sizeof msg, "policy %zu: expected a function or a policy table, got %s",
			 index, lua_typename(L, t));
		config_fail(L, "group", d->name, msg);
	}
	p = &d->policies[d->n_policies];
	snprintf(p->name, sizeof p->name, "%s", name);
	p->ref = luaL_ref(L, LUA_REGISTRYINDEX);
	d->n_policies++;
}

/* A policy table without `evaluate` is a list: only the keys 1..n. Any
 * other key is a mistake that would otherwise load as no policy at all
 * (`policy = { evaluat = function ... end }`). */
static void config_policy_list_check(lua_State *L, const struct config_group_decl *d,
				     lua_Integer n)
{
	static const struct scaled_key evaluate[] = {
		{ "evaluate", SCALED_KEY_STRING, NULL, 0, NULL },
	};
	char msg[CONFIG_ERR_MAX];

	lua_pushnil(L);
	while (lua_next(L, -2)) {
		lua_pop(L, 1);
		if (lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 1 && lua_tointeger(L, -1) <= n)
			continue;
		if (lua_type(L, -1) == LUA_TSTRING) {
			const char *k = lua_tostring(L, -1);
			const char *hint = config_closest_key(evaluate, 1, k);

			snprintf(msg, sizeof msg, "key \"policy\": a table with key \"%s\" is neither "
				 "a policy (it has no evaluate function%s) nor a list of policies", k,
				 hint ? "; did you mean \"evaluate\"?" : "");
		} else {
			snprintf(msg, sizeof msg, "key \"policy\": a list of policies has only the "
				 "keys 1 to %lld, without holes (found a %s key)", (long long)n,
				 luaL_typename(L, -1));
		}
		config_fail(L, "group", d->name, msg);
	}
}

/* Push what the embedder's group_policy function gives group d, in place
 * of its key "policy"; raises naming the group on error. */
static void config_policy_override(lua_State *L, const struct config *c,
				   const struct config_group_decl *d)
{
	char msg[CONFIG_ERR_MAX];

	lua_rawgeti(L, LUA_REGISTRYINDEX, c->b->group_policy);
	lua_createtable(L, 0, 2);
	lua_pushstring(L, d->name);
	lua_setfield(L, -2, "name");
	lua_pushstring(L, d->target);
	lua_setfield(L, -2, "target");
	if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
		snprintf(msg, sizeof msg, "group_policy: %s",
			 lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "an error");
		config_fail(L, "group", d->name, msg);
	}
}

void config_policy_read(lua_State *L, struct config *c, int idx, struct config_group_decl *d)
{
	if (c->b->group_policy > 0)
		config_policy_override(L, c, d);
	else
		lua_getfield(L, idx, "policy");
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		return;
	}
	if (lua_istable(L, -1)) {
		lua_getfield(L, -1, "evaluate");
		if (lua_isnil(L, -1)) {
			/* A list of policies. */
			lua_Integer i, n = (lua_Integer)lua_rawlen(L, -2);

			lua_pop(L, 1);
			config_policy_list_check(L, d, n);
			for (i = 1; i <= n; i++) {
				lua_rawgeti(L, -1, i);
				config_policy_add(L, c, d, (size_t)i);
			}
			lua_pop(L, 1);
			return;
		}
		lua_pop(L, 1);
	}
	config_policy_add(L, c, d, 1);
}
