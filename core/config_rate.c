/*
 * config_rate.c - the group's `rate` key: one limit for both directions,
 *
 *   rate = { count = 4, percent = 100, period = "60s" }
 *
 * or, per direction, Kubernetes HPA's behavior policies:
 *
 *   rate = { up   = { { pods = 4, period = "15s" }, { percent = 100, period = "15s" },
 *                     select = "max" },
 *            down = { { percent = 100, period = "15s" } } }
 *
 * (the pipeline's semantics: core/group.h, stage 6). Errors name the key.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "config_int.h"

#define CONFIG_RATE_LIMIT 1000000

/* { count, percent, period } at the top of the stack. */
static int config_rate_plain(lua_State *L, struct config_rate *out, char *err, size_t errlen)
{
	static const struct scaled_key k[] = {
		{ "count", SCALED_KEY_INT, NULL, 0, NULL },
		{ "percent", SCALED_KEY_NUMBER, NULL, 0, NULL },
		{ "period", SCALED_KEY_DURATION, "60s", 0, NULL },
	};
	struct scaled_value v[3];
	char sub[CONFIG_ERR_MAX / 2];
	int rc;

	rc = config_values_read(L, -1, k, 3, v, sub, sizeof sub);
	if (rc < 0) {
		snprintf(err, errlen, "rate: %s", sub);
		return rc;
	}
	if ((v[0].set && (v[0].u.integer < 0 || v[0].u.integer > CONFIG_RATE_LIMIT)) ||
	    (v[1].set && !(v[1].u.number >= 0 && v[1].u.number <= CONFIG_RATE_LIMIT)) ||
	    v[2].u.ms <= 0) {
		snprintf(err, errlen, "rate: count and percent must be between 0 and 1000000, "
			 "period more than 0");
		return -EINVAL;
	}
	out->set = true;
	out->count = v[0].set ? (int)v[0].u.integer : 0;
	out->percent = v[1].set ? v[1].u.number : 0;
	out->period_ms = v[2].u.ms;
	return 0;
}

/* One rule { pods = n | percent = p, period = d } at the top of the stack. */
static int config_rate_rule(lua_State *L, const char *dir, lua_Integer i,
			    struct config_rate_rule *out, char *err, size_t errlen)
{
	static const struct scaled_key k[] = {
		{ "pods", SCALED_KEY_INT, NULL, 0, NULL },
		{ "percent", SCALED_KEY_NUMBER, NULL, 0, NULL },
		{ "period", SCALED_KEY_DURATION, NULL, 1, NULL },
	};
	struct scaled_value v[3];
	char sub[CONFIG_ERR_MAX / 2];
	int rc;

	if (!lua_istable(L, -1)) {
		snprintf(err, errlen, "rate.%s[%lld]: expected a table { pods = | percent = , period = }",
			 dir, (long long)i);
		return -EINVAL;
	}
	rc = config_values_read(L, -1, k, 3, v, sub, sizeof sub);
	if (rc < 0) {
		snprintf(err, errlen, "rate.%s[%lld]: %s", dir, (long long)i, sub);
		return rc;
	}
	if (v[0].set == v[1].set) {
		snprintf(err, errlen, "rate.%s[%lld]: give pods or percent (one of them)", dir,
			 (long long)i);
		return -EINVAL;
	}
	if ((v[0].set && (v[0].u.integer < 1 || v[0].u.integer > CONFIG_RATE_LIMIT)) ||
	    (v[1].set && !(v[1].u.number > 0 && v[1].u.number <= CONFIG_RATE_LIMIT)) ||
	    v[2].u.ms <= 0) {
		snprintf(err, errlen, "rate.%s[%lld]: pods must be 1 to 1000000, percent more than 0 "
			 "and at most 1000000, period more than 0", dir, (long long)i);
		return -EINVAL;
	}
	out->percent = v[1].set;
	out->value = v[1].set ? v[1].u.number : (double)v[0].u.integer;
	out->period_ms = v[2].u.ms;
	return 0;
}

/* rate.up or rate.down of the table at the top of the stack. */
static int config_rate_dir(lua_State *L, const char *dir, struct config_rate_dir *out,
			   char *err, size_t errlen)
{
	static const char *const selects[] = { "max", "min", "disabled", NULL };
	lua_Integer n, i;
	int rc = 0;

	memset(out, 0, sizeof *out);
	if (lua_getfield(L, -1, dir) == LUA_TNIL) {
		lua_pop(L, 1);
		return 0;
	}
	if (!lua_istable(L, -1)) {
		snprintf(err, errlen, "rate.%s: expected a list of rules, with select = \"max\", "
			 "\"min\" or \"disabled\"", dir);
		lua_pop(L, 1);
		return -EINVAL;
	}
	out->set = true;
	n = (lua_Integer)lua_rawlen(L, -1);
	/* nothing but the rules 1..n and `select` */
	lua_pushnil(L);
	while (rc == 0 && lua_next(L, -2)) {
		int isnum;
		lua_Integer k = lua_tointegerx(L, -2, &isnum);

		if (lua_type(L, -2) == LUA_TSTRING && strcmp(lua_tostring(L, -2), "select") == 0) {
			const char *v = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
			int j;

			for (j = 0; selects[j] && strcmp(selects[j], v) != 0; j++)
				;
			if (!selects[j]) {
				snprintf(err, errlen, "rate.%s.select must be \"max\", \"min\" or "
					 "\"disabled\"", dir);
				rc = -EINVAL;
			}
			out->select = j;
		} else if (lua_type(L, -2) != LUA_TNUMBER || !isnum || k < 1 || k > n) {
			snprintf(err, errlen, "rate.%s: unknown key %s%s%s (a list of rules and select)",
				 dir, lua_type(L, -2) == LUA_TSTRING ? "\"" : "",
				 lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2)
								: luaL_typename(L, -2),
				 lua_type(L, -2) == LUA_TSTRING ? "\"" : "");
			rc = -EINVAL;
		}
		lua_pop(L, 1);
	}
	if (rc < 0) {
		lua_pop(L, 2); /* the key lua_next left, the direction */
		return rc;
	}
	if (n > CONFIG_RATE_RULES) {
		snprintf(err, errlen, "rate.%s: at most %d rules, got %lld", dir, CONFIG_RATE_RULES,
			 (long long)n);
		lua_pop(L, 1);
		return -EINVAL;
	}
	for (i = 1; rc == 0 && i <= n; i++) {
		lua_rawgeti(L, -1, i);
		rc = config_rate_rule(L, dir, i, &out->rules[i - 1], err, errlen);
		lua_pop(L, 1);
	}
	out->n = (size_t)n;
	lua_pop(L, 1);
	return rc;
}

int config_rate_read(lua_State *L, int idx, const struct scaled_key *key, struct config_rate *out,
		     char *err, size_t errlen)
{
	bool dirs;
	int rc;

	memset(out, 0, sizeof *out);
	lua_getfield(L, idx, key->name);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		return 0;
	}
	if (!lua_istable(L, -1)) {
		snprintf(err, errlen, "key \"rate\": expected a table { count = , percent = , period = } "
			 "or { up = , down = }");
		lua_pop(L, 1);
		return -EINVAL;
	}
	lua_getfield(L, -1, "up");
	lua_getfield(L, -2, "down");
	dirs = !lua_isnil(L, -1) || !lua_isnil(L, -2);
	lua_pop(L, 2);
	if (!dirs) {
		rc = config_rate_plain(L, out, err, errlen);
		lua_pop(L, 1);
		return rc;
	}
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "";

		lua_pop(L, 1);
		if (strcmp(k, "up") != 0 && strcmp(k, "down") != 0) {
			snprintf(err, errlen, "rate: with up or down, give only up and down (not \"%s\")",
				 *k ? k : "?");
			lua_pop(L, 2);
			return -EINVAL;
		}
	}
	out->set = out->per_direction = true;
	rc = config_rate_dir(L, "up", &out->up, err, errlen);
	if (rc == 0)
		rc = config_rate_dir(L, "down", &out->down, err, errlen);
	lua_pop(L, 1);
	return rc;
}
