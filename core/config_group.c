/*
 * config_group.c - the group declaration of farm.lua:
 *
 *   group "workers" { target = "pool", min = 0, max = 8, policy = {...} }
 *
 * Its limits, per-direction settings, rate limit and policies, each checked
 * when the declaration runs so that errors carry its line.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "alloc.h"
#include "config.h"
#include "engine.h"
#include "series.h"

#define CONFIG_ERR_MAX 512

/* Read an optional duration field of the table at idx (string or seconds). */
static int config_duration_field(lua_State *L, int idx, const char *key, int64_t *ms,
				 char *err, size_t errlen)
{
	struct scaled_key k = { key, SCALED_KEY_DURATION, NULL, 0, NULL };
	struct scaled_value v;
	int rc;

	lua_getfield(L, idx, key);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		return 0;
	}
	lua_newtable(L);
	lua_insert(L, -2);
	lua_setfield(L, -2, key);
	rc = config_values_read(L, -1, &k, 1, &v, err, errlen);
	lua_pop(L, 1);
	if (rc == 0)
		*ms = v.u.ms;
	return rc;
}

/* A per-direction setting: a duration for both, or { up = , down = }. */
static int config_updown(lua_State *L, int idx, const char *key, int64_t *up, int64_t *down,
			 char *err, size_t errlen)
{
	static const struct scaled_key k[] = {
		{ "up", SCALED_KEY_DURATION, NULL, 0, NULL },
		{ "down", SCALED_KEY_DURATION, NULL, 0, NULL },
	};
	struct scaled_value v[2];
	char sub[CONFIG_ERR_MAX / 2];
	int rc = 0;

	lua_getfield(L, idx, key);
	if (lua_istable(L, -1)) {
		rc = config_values_read(L, -1, k, 2, v, sub, sizeof sub);
		if (rc < 0) {
			snprintf(err, errlen, "%s: %s", key, sub);
		} else {
			if (v[0].set)
				*up = v[0].u.ms;
			if (v[1].set)
				*down = v[1].u.ms;
		}
		lua_pop(L, 1);
		return rc;
	}
	lua_pop(L, 1);
	if (config_duration_field(L, idx, key, up, err, errlen) < 0)
		return -EINVAL;
	config_duration_field(L, idx, key, down, err, errlen);
	return 0;
}

static int config_rate(lua_State *L, int idx, struct group_settings *cfg, char *err, size_t errlen)
{
	static const struct scaled_key k[] = {
		{ "count", SCALED_KEY_INT, NULL, 0, NULL },
		{ "percent", SCALED_KEY_NUMBER, NULL, 0, NULL },
		{ "period", SCALED_KEY_DURATION, "60s", 0, NULL },
	};
	struct scaled_value v[3];
	char sub[CONFIG_ERR_MAX / 2];
	int rc;

	lua_getfield(L, idx, "rate");
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		return 0;
	}
	if (!lua_istable(L, -1)) {
		snprintf(err, errlen, "key \"rate\": expected a table { count = , percent = , period = }");
		lua_pop(L, 1);
		return -EINVAL;
	}
	rc = config_values_read(L, -1, k, 3, v, sub, sizeof sub);
	lua_pop(L, 1);
	if (rc < 0) {
		snprintf(err, errlen, "rate: %s", sub);
		return rc;
	}
	if ((v[0].set && (v[0].u.integer < 0 || v[0].u.integer > 1000000)) ||
	    (v[1].set && !(v[1].u.number >= 0 && v[1].u.number <= 1000000)) || v[2].u.ms <= 0) {
		snprintf(err, errlen, "rate: count and percent must be between 0 and 1000000, "
			 "period more than 0");
		return -EINVAL;
	}
	cfg->rate_count = v[0].set ? (int)v[0].u.integer : 0;
	cfg->rate_percent = v[1].set ? v[1].u.number : 0;
	cfg->rate_period_ms = v[2].u.ms;
	return 0;
}

/* Does `name` belong to a declared source or target ("x" or "x.suffix")? */
static struct scaled_instance *config_series_owner(struct scaled_engine *e, const char *name)
{
	char base[SCALED_NAME_MAX];
	const char *dot = strchr(name, '.');
	size_t n = dot ? (size_t)(dot - name) : strlen(name);

	if (n == 0 || n >= sizeof base)
		return NULL;
	memcpy(base, name, n);
	base[n] = '\0';
	return engine_find_instance(e, base);
}

/* Add the policy at the top of the stack to g (pops it). */
static int config_add_policy(lua_State *L, struct group *g, size_t index)
{
	struct scaled_engine *e = g->e;
	char name[SCALED_NAME_MAX];
	int t = lua_type(L, -1);

	if (g->n_policies >= SCALED_MAX_PROPOSALS)
		return config_fail(L, "group", g->name, "too many policies (at most 16)");
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
			return config_fail(L, "group", g->name, msg);
		}
		lua_pop(L, 1);
		lua_getfield(L, -1, "name");
		snprintf(name, sizeof name, "%s", lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1)
										  : "policy");
		lua_pop(L, 1);
		/* Its declared inputs must exist; a group with any input empty
		 * refuses to scale in (stage 2). */
		lua_getfield(L, -1, "series");
		if (!lua_isnil(L, -1) && !lua_istable(L, -1)) {
			char msg[CONFIG_ERR_MAX];

			snprintf(msg, sizeof msg, "policy %s: key \"series\" must be a list of series "
				 "names, got a %s", name, luaL_typename(L, -1));
			return config_fail(L, "group", g->name, msg);
		}
		if (lua_istable(L, -1)) {
			lua_Integer i, n = (lua_Integer)lua_rawlen(L, -1);

			for (i = 1; i <= n; i++) {
				struct scaled_instance *owner;
				struct series *s, **v;
				const char *sname;
				char msg[CONFIG_ERR_MAX];

				if (lua_rawgeti(L, -1, i) != LUA_TSTRING) {
					snprintf(msg, sizeof msg, "policy %s: series %lld must be a name "
						 "(a string), got a %s", name, (long long)i,
						 luaL_typename(L, -1));
					return config_fail(L, "group", g->name, msg);
				}
				sname = lua_tostring(L, -1);
				owner = sname ? config_series_owner(e, sname) : NULL;
				if (!owner) {
					snprintf(msg, sizeof msg, "policy %s reads series \"%s\", which no "
						 "source or target declares", name, sname ? sname : "?");
					return config_fail(L, "group", g->name, msg);
				}
				s = series_ensure(e->store, sname, 0);
				v = alloc_resize(g->inputs, (g->n_inputs + 1) * sizeof *v);
				if (!s || !v)
					return luaL_error(L, "out of memory");
				if (!series_stale_ms(s))
					series_set_stale_ms(s, owner->stale_ms);
				g->inputs = v;
				g->inputs[g->n_inputs++] = s;
				lua_pop(L, 1);
			}
		}
		lua_pop(L, 1);
	} else {
		char msg[128];

		snprintf(msg, sizeof msg, "policy %zu: expected a function or a policy table, got %s",
			 index, lua_typename(L, t));
		return config_fail(L, "group", g->name, msg);
	}
	g->policies[g->n_policies].name = alloc_strdup(name);
	if (!g->policies[g->n_policies].name)
		return luaL_error(L, "out of memory");
	g->policies[g->n_policies].ref = luaL_ref(L, LUA_REGISTRYINDEX);
	g->n_policies++;
	return 0;
}

/* A policy table without `evaluate` is a list: only the keys 1..n. Any
 * other key is a mistake that would otherwise load as no policy at all
 * (`policy = { evaluat = function ... end }`). */
static void config_policy_list_check(lua_State *L, struct group *g, lua_Integer n)
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
		config_fail(L, "group", g->name, msg);
	}
}

static int config_group_policies(lua_State *L, int idx, struct group *g)
{
	lua_getfield(L, idx, "policy");
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		return 0;
	}
	if (lua_istable(L, -1)) {
		lua_getfield(L, -1, "evaluate");
		if (lua_isnil(L, -1)) {
			/* A list of policies. */
			lua_Integer i, n = (lua_Integer)lua_rawlen(L, -2);

			lua_pop(L, 1);
			config_policy_list_check(L, g, n);
			for (i = 1; i <= n; i++) {
				lua_rawgeti(L, -1, i);
				config_add_policy(L, g, (size_t)i);
			}
			lua_pop(L, 1);
			return 0;
		}
		lua_pop(L, 1);
	}
	return config_add_policy(L, g, 1);
}

static const struct scaled_key config_group_keys[] = {
	{ "target", SCALED_KEY_STRING, NULL, 1, "the target whose capacity this group sets" },
	{ "min", SCALED_KEY_INT, "0", 0, "lowest capacity" },
	{ "max", SCALED_KEY_INT, NULL, 1, "highest capacity" },
	{ "every", SCALED_KEY_DURATION, "10s", 0, "how often the group is evaluated" },
	{ "dry_run", SCALED_KEY_BOOL, "false", 0, "decide and record, never act" },
	{ "paused", SCALED_KEY_BOOL, "false", 0, "hold the capacity where it is" },
	{ "override", SCALED_KEY_INT, NULL, 0, "a fixed capacity set by an operator" },
	/* checked by hand below: */
	{ "cooldown", SCALED_KEY_STRING, NULL, 0, NULL },
	{ "stabilization", SCALED_KEY_STRING, NULL, 0, NULL },
	{ "rate", SCALED_KEY_STRING, NULL, 0, NULL },
	{ "policy", SCALED_KEY_STRING, NULL, 0, NULL },
};
#define CONFIG_GROUP_SIMPLE 7 /* keys read by config_values_read */
#define CONFIG_GROUP_KEYS (sizeof config_group_keys / sizeof config_group_keys[0])

/* Copy the simple keys into a scratch table so config_values_read can check
 * them, and refuse keys nobody knows. */
static int config_group_simple(lua_State *L, struct scaled_value *v, char *err, size_t errlen)
{
	size_t i;

	lua_newtable(L);
	lua_pushnil(L);
	while (lua_next(L, 1)) {
		const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;

		for (i = 0; k && i < CONFIG_GROUP_KEYS; i++)
			if (strcmp(config_group_keys[i].name, k) == 0)
				break;
		if (!k || i == CONFIG_GROUP_KEYS) {
			const char *hint = k ? config_closest_key(config_group_keys, CONFIG_GROUP_KEYS, k) : NULL;

			snprintf(err, errlen, "unknown key \"%s\"%s%s%s", k ? k : "?",
				 hint ? " (did you mean \"" : "", hint ? hint : "", hint ? "\"?)" : "");
			lua_pop(L, 3);
			return -EINVAL;
		}
		if (i < CONFIG_GROUP_SIMPLE) {
			lua_pushvalue(L, -2);
			lua_insert(L, -2);
			lua_settable(L, -4);
		} else {
			lua_pop(L, 1);
		}
	}
	i = (size_t)config_values_read(L, -1, config_group_keys, CONFIG_GROUP_SIMPLE, v, err, errlen);
	lua_pop(L, 1);
	return (int)i;
}

static int l_group_body(lua_State *L)
{
	struct scaled_engine *e = config_engine(L, "group");
	const char *name = lua_tostring(L, lua_upvalueindex(2));
	struct scaled_value v[CONFIG_GROUP_SIMPLE];
	char err[CONFIG_ERR_MAX] = "";
	struct scaled_instance *t;
	struct group *g, **gv;
	lua_Debug ar;

	luaL_checktype(L, 1, LUA_TTABLE);
	if (engine_find_group(e, name))
		return config_fail(L, "group", name, "a group of that name exists already");
	if (config_group_simple(L, v, err, sizeof err) < 0)
		return config_fail(L, "group", name, err);

	t = engine_find_instance(e, v[0].u.str);
	if (!t || t->role != SCALED_ROLE_TARGET) {
		snprintf(err, sizeof err, "unknown target \"%s\"%s", v[0].u.str,
			 t ? " (that is a source)" : "");
		config_values_free(config_group_keys, CONFIG_GROUP_SIMPLE, v);
		return config_fail(L, "group", name, err);
	}
	if (t->group) {
		snprintf(err, sizeof err, "target \"%s\" is already set by group \"%s\"", t->name,
			 t->group->name);
		config_values_free(config_group_keys, CONFIG_GROUP_SIMPLE, v);
		return config_fail(L, "group", name, err);
	}
	config_values_free(config_group_keys, CONFIG_GROUP_SIMPLE, v);

	g = alloc_zero(1, sizeof *g);
	gv = alloc_resize(e->groups, (e->n_groups + 1) * sizeof *gv);
	if (gv)
		e->groups = gv;
	if (!g || !gv || !(g->name = alloc_strdup(name))) {
		alloc_free(g);
		return luaL_error(L, "out of memory");
	}
	e->groups[e->n_groups++] = g;
	g->e = e;
	g->target = t;
	t->group = g;
	group_settings_default(&g->cfg);
	group_state_init(&g->st);
	if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "l", &ar))
		g->line = ar.currentline;
	g->view.name = g->name;
	g->view.view_ref = LUA_NOREF;

	if (v[1].u.integer < 0 || v[2].u.integer < 0 || v[1].u.integer > 1000000 ||
	    v[2].u.integer > 1000000)
		return config_fail(L, "group", name, "min and max must be between 0 and 1000000");
	if (v[1].u.integer > v[2].u.integer) {
		snprintf(err, sizeof err, "min (%lld) is greater than max (%lld)",
			 (long long)v[1].u.integer, (long long)v[2].u.integer);
		return config_fail(L, "group", name, err);
	}
	g->cfg.min = g->view.min = (int)v[1].u.integer;
	g->cfg.max = g->view.max = (int)v[2].u.integer;
	g->every_ms = v[3].u.ms;
	if (g->every_ms <= 0)
		return config_fail(L, "group", name, "key \"every\" must be more than 0");
	g->cfg.dry_run = v[4].u.boolean || e->opt.dry_run;
	g->cfg.paused = v[5].u.boolean;
	g->cfg.override = -1;
	if (v[6].set) {
		if (v[6].u.integer < 0 || v[6].u.integer > 1000000)
			return config_fail(L, "group", name,
					   "key \"override\" must be between 0 and 1000000");
		g->cfg.override = (int)v[6].u.integer;
	}
	if (config_updown(L, 1, "cooldown", &g->cfg.cooldown_up_ms, &g->cfg.cooldown_down_ms,
			  err, sizeof err) < 0 ||
	    config_updown(L, 1, "stabilization", &g->cfg.stab_up_ms, &g->cfg.stab_down_ms,
			  err, sizeof err) < 0 ||
	    config_rate(L, 1, &g->cfg, err, sizeof err) < 0)
		return config_fail(L, "group", name, err);
	config_group_policies(L, 1, g);
	return 0;
}

int config_group_declare(lua_State *L)
{
	return config_curry(L, "group", l_group_body);
}
