/*
 * config_group.c - the group declaration of farm.lua:
 *
 *   group "workers" { target = "pool", min = 0, max = 8, policy = {...} }
 *
 * The group's keys are one table with real types: the plugin ABI's for the
 * plain keys (read together by config_values_read) and the core's own for
 * the rest: up/down durations (config_updown.c), the rate table, and the
 * policies (config_policy.c). Each is checked when the declaration runs so
 * that errors carry its line; the checked declaration goes to the builder.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "alloc.h"
#include "config_int.h"

enum config_group_key {
	CONFIG_GROUP_TARGET,
	CONFIG_GROUP_MIN,
	CONFIG_GROUP_MAX,
	CONFIG_GROUP_EVERY,
	CONFIG_GROUP_DRY_RUN,
	CONFIG_GROUP_PAUSED,
	CONFIG_GROUP_OVERRIDE,
	CONFIG_GROUP_COOLDOWN,
	CONFIG_GROUP_STABILIZATION,
	CONFIG_GROUP_RATE,
	CONFIG_GROUP_POLICY,
	CONFIG_GROUP_OD_BASE,
	CONFIG_GROUP_OD_PERCENT,
	CONFIG_GROUP_MIX_DWELL,
	CONFIG_GROUP_MIX_OVERRIDE,
	CONFIG_GROUP_KEYS
};

/* In this order for the "did you mean" hints (the first closest wins). */
static const struct scaled_key config_group_keys[CONFIG_GROUP_KEYS] = {
	[CONFIG_GROUP_TARGET] = { "target", SCALED_KEY_STRING, NULL, 1,
				  "the target whose capacity this group sets" },
	[CONFIG_GROUP_MIN] = { "min", SCALED_KEY_INT, "0", 0, "lowest capacity" },
	[CONFIG_GROUP_MAX] = { "max", SCALED_KEY_INT, NULL, 1, "highest capacity" },
	[CONFIG_GROUP_EVERY] = { "every", SCALED_KEY_DURATION, "10s", 0,
				 "how often the group is evaluated" },
	[CONFIG_GROUP_DRY_RUN] = { "dry_run", SCALED_KEY_BOOL, "false", 0,
				   "decide and record, never act" },
	[CONFIG_GROUP_PAUSED] = { "paused", SCALED_KEY_BOOL, "false", 0,
				  "hold the capacity where it is" },
	[CONFIG_GROUP_OVERRIDE] = { "override", SCALED_KEY_INT, NULL, 0,
				    "a fixed capacity set by an operator" },
	[CONFIG_GROUP_COOLDOWN] = { "cooldown", CONFIG_KEY_UPDOWN, NULL, 0,
				    "time after an action before the next (up, down)" },
	[CONFIG_GROUP_STABILIZATION] = { "stabilization", CONFIG_KEY_UPDOWN, NULL, 0,
					 "window of past proposals a change must agree with (up, down)" },
	[CONFIG_GROUP_RATE] = { "rate", CONFIG_KEY_RATE, NULL, 0,
				"the largest step { count = , percent = , period = } or { up = , down = }" },
	[CONFIG_GROUP_POLICY] = { "policy", CONFIG_KEY_POLICY, NULL, 0,
				  "a policy or a list of policies" },
	[CONFIG_GROUP_OD_BASE] = { "on_demand_base", SCALED_KEY_INT, NULL, 0,
				   "market mix: the first N units on-demand" },
	[CONFIG_GROUP_OD_PERCENT] = { "on_demand_percent", SCALED_KEY_INT, NULL, 0,
				      "market mix: % of the units above the base on-demand" },
	[CONFIG_GROUP_MIX_DWELL] = { "mix_dwell", SCALED_KEY_DURATION, "5m", 0,
				     "least time between two changes of the market mix" },
	[CONFIG_GROUP_MIX_OVERRIDE] = { "mix_override", CONFIG_KEY_MIX, NULL, 0,
					"a market mix set by an operator { on_demand_base = , on_demand_percent = }" },
};

#define CONFIG_GROUP_LIMIT 1000000

static bool config_group_key_plain(const struct scaled_key *k)
{
	return k->type < CONFIG_KEY_CORE;
}

void config_group_decl_free(lua_State *L, struct config_group_decl *d)
{
	size_t i;

	for (i = 0; L && i < d->n_policies; i++)
		luaL_unref(L, LUA_REGISTRYINDEX, d->policies[i].ref);
	for (i = 0; i < d->n_inputs; i++)
		alloc_free(d->inputs[i]);
	alloc_free(d->inputs);
	alloc_free(d->target);
	memset(d, 0, sizeof *d);
}

/* Refuse keys nobody knows, then read the plain keys (copied into a scratch
 * table) with config_values_read into v, indexed by enum config_group_key. */
static int config_group_plain(lua_State *L, struct scaled_value *v, char *err, size_t errlen)
{
	struct scaled_key plain[CONFIG_GROUP_KEYS];
	struct scaled_value got[CONFIG_GROUP_KEYS];
	size_t at[CONFIG_GROUP_KEYS];
	size_t i, n = 0;
	int rc;

	memset(v, 0, CONFIG_GROUP_KEYS * sizeof *v);
	lua_newtable(L);
	lua_pushnil(L);
	while (lua_next(L, 1)) {
		const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;

		for (i = 0; k && i < CONFIG_GROUP_KEYS; i++)
			if (strcmp(config_group_keys[i].name, k) == 0)
				break;
		if (!k || i == CONFIG_GROUP_KEYS) {
			const char *hint = k ? config_closest_key(config_group_keys, CONFIG_GROUP_KEYS, k)
					     : NULL;

			snprintf(err, errlen, "unknown key \"%s\"%s%s%s", k ? k : "?",
				 hint ? " (did you mean \"" : "", hint ? hint : "", hint ? "\"?)" : "");
			lua_pop(L, 3);
			return -EINVAL;
		}
		if (config_group_key_plain(&config_group_keys[i])) {
			lua_pushvalue(L, -2);
			lua_insert(L, -2);
			lua_settable(L, -4);
		} else {
			lua_pop(L, 1);
		}
	}
	for (i = 0; i < CONFIG_GROUP_KEYS; i++) {
		if (config_group_key_plain(&config_group_keys[i])) {
			plain[n] = config_group_keys[i];
			at[n++] = i;
		}
	}
	rc = config_values_read(L, -1, plain, n, got, err, errlen);
	lua_pop(L, 1);
	for (i = 0; rc == 0 && i < n; i++)
		v[at[i]] = got[i];
	return rc;
}

/* The target must be a declared target that no group sets yet. */
static int config_group_target(struct config *c, const char *target, char *err, size_t errlen)
{
	struct config_name *t = config_find(c, target, false);

	if (!t || t->role != SCALED_ROLE_TARGET) {
		snprintf(err, errlen, "unknown target \"%s\"%s", target,
			 t ? " (that is a source)" : "");
		return -EINVAL;
	}
	if (t->set_by[0]) {
		snprintf(err, errlen, "target \"%s\" is already set by group \"%s\"", t->name,
			 t->set_by);
		return -EINVAL;
	}
	return 0;
}

/* min, max, every, dry_run, paused, override into d, checked. */
static int config_group_limits(struct config_group_decl *d, const struct scaled_value *v,
			       char *err, size_t errlen)
{
	const struct scaled_value *min = &v[CONFIG_GROUP_MIN], *max = &v[CONFIG_GROUP_MAX];
	const struct scaled_value *override = &v[CONFIG_GROUP_OVERRIDE];

	if (min->u.integer < 0 || max->u.integer < 0 || min->u.integer > CONFIG_GROUP_LIMIT ||
	    max->u.integer > CONFIG_GROUP_LIMIT) {
		snprintf(err, errlen, "min and max must be between 0 and 1000000");
		return -EINVAL;
	}
	if (min->u.integer > max->u.integer) {
		snprintf(err, errlen, "min (%lld) is greater than max (%lld)",
			 (long long)min->u.integer, (long long)max->u.integer);
		return -EINVAL;
	}
	d->min = (int)min->u.integer;
	d->max = (int)max->u.integer;
	d->every_ms = v[CONFIG_GROUP_EVERY].u.ms;
	if (d->every_ms <= 0) {
		snprintf(err, errlen, "key \"every\" must be more than 0");
		return -EINVAL;
	}
	d->dry_run = v[CONFIG_GROUP_DRY_RUN].u.boolean;
	d->paused = v[CONFIG_GROUP_PAUSED].u.boolean;
	d->override = -1;
	if (override->set) {
		if (override->u.integer < 0 || override->u.integer > CONFIG_GROUP_LIMIT) {
			snprintf(err, errlen, "key \"override\" must be between 0 and 1000000");
			return -EINVAL;
		}
		d->override = (int)override->u.integer;
	}
	return 0;
}

static int config_group_mix_check(const char *what, int64_t base, int64_t percent, bool base_set,
				  bool percent_set, char *err, size_t errlen)
{
	if (base_set && (base < 0 || base > CONFIG_GROUP_LIMIT)) {
		snprintf(err, errlen, "%son_demand_base must be between 0 and 1000000, got %lld", what,
			 (long long)base);
		return -EINVAL;
	}
	if (percent_set && (percent < 0 || percent > 100)) {
		snprintf(err, errlen, "%son_demand_percent must be between 0 and 100, got %lld", what,
			 (long long)percent);
		return -EINVAL;
	}
	return 0;
}

/* on_demand_base, on_demand_percent, mix_dwell, mix_override into d. */
static int config_group_mix(lua_State *L, int idx, struct config_group_decl *d,
			    const struct scaled_value *v, char *err, size_t errlen)
{
	static const struct scaled_key k[] = {
		{ "on_demand_base", SCALED_KEY_INT, NULL, 0, NULL },
		{ "on_demand_percent", SCALED_KEY_INT, NULL, 0, NULL },
	};
	const struct scaled_value *b = &v[CONFIG_GROUP_OD_BASE], *p = &v[CONFIG_GROUP_OD_PERCENT];
	struct scaled_value o[2];
	char sub[CONFIG_ERR_MAX / 2];
	int rc;

	d->on_demand_base = d->on_demand_percent = -1;
	d->mix_override_base = d->mix_override_percent = -1;
	d->mix_dwell_ms = v[CONFIG_GROUP_MIX_DWELL].u.ms;
	if (config_group_mix_check("", b->u.integer, p->u.integer, b->set, p->set, err, errlen) < 0)
		return -EINVAL;
	if (b->set || p->set) {
		/* one given: the other is AWS's default */
		d->on_demand_base = b->set ? (int)b->u.integer : 0;
		d->on_demand_percent = p->set ? (int)p->u.integer : 100;
	}
	lua_getfield(L, idx, "mix_override");
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		return 0;
	}
	if (!lua_istable(L, -1)) {
		snprintf(err, errlen, "key \"mix_override\": expected a table "
			 "{ on_demand_base = , on_demand_percent = }");
		lua_pop(L, 1);
		return -EINVAL;
	}
	rc = config_values_read(L, -1, k, 2, o, sub, sizeof sub);
	lua_pop(L, 1);
	if (rc < 0) {
		snprintf(err, errlen, "mix_override: %s", sub);
		return rc;
	}
	if (!o[0].set && !o[1].set) {
		snprintf(err, errlen, "mix_override: give on_demand_base, on_demand_percent or both");
		return -EINVAL;
	}
	if (config_group_mix_check("mix_override: ", o[0].u.integer, o[1].u.integer, o[0].set,
				   o[1].set, err, errlen) < 0)
		return -EINVAL;
	d->mix_override_base = o[0].set ? (int)o[0].u.integer : -1;
	d->mix_override_percent = o[1].set ? (int)o[1].u.integer : -1;
	return 0;
}

static int l_group_body(lua_State *L)
{
	struct config *c = config_get(L, "group");
	struct config_group_decl *d = &c->group;
	const char *name = lua_tostring(L, lua_upvalueindex(2));
	struct scaled_value v[CONFIG_GROUP_KEYS];
	char err[CONFIG_ERR_MAX] = "";
	struct config_name *t;
	int rc;

	luaL_checktype(L, 1, LUA_TTABLE);
	if (c->b->scan) /* reading the simulate table only */
		return 0;
	config_group_decl_free(L, d);
	if (config_find(c, name, true))
		return config_fail(L, "group", name, "a group of that name exists already");
	if (config_group_plain(L, v, err, sizeof err) < 0)
		return config_fail(L, "group", name, err);
	/* d owns the target's name from here (config_run frees what is left). */
	d->target = (char *)v[CONFIG_GROUP_TARGET].u.str;
	d->name = name;
	d->line = config_line(L);
	if (config_group_target(c, d->target, err, sizeof err) < 0)
		return config_fail(L, "group", name, err);
	if (!config_add_name(c, name, true, SCALED_ROLE_TARGET))
		return luaL_error(L, "out of memory");
	t = config_find(c, d->target, false);
	snprintf(t->set_by, sizeof t->set_by, "%s", name);

	if (config_group_limits(d, v, err, sizeof err) < 0 ||
	    config_updown_read(L, 1, &config_group_keys[CONFIG_GROUP_COOLDOWN], &d->cooldown,
			       err, sizeof err) < 0 ||
	    config_updown_read(L, 1, &config_group_keys[CONFIG_GROUP_STABILIZATION],
			       &d->stabilization, err, sizeof err) < 0 ||
	    config_rate_read(L, 1, &config_group_keys[CONFIG_GROUP_RATE], &d->rate,
			      err, sizeof err) < 0 ||
	    config_group_mix(L, 1, d, v, err, sizeof err) < 0)
		return config_fail(L, "group", name, err);
	config_policy_read(L, c, 1, d);

	err[0] = '\0';
	rc = c->b->group(c->b->arg, d, err, sizeof err);
	err[sizeof err - 1] = '\0';
	if (rc < 0)
		return *err ? config_fail(L, "group", name, err) : luaL_error(L, "out of memory");
	d->n_policies = 0; /* the group holds their references now */
	return 0;
}

int config_group_declare(lua_State *L)
{
	return config_curry(L, "group", l_group_body);
}
