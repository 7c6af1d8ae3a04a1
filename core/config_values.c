/*
 * config_values.c - a Lua table checked against a key table, into typed
 * values (the kind's limits are config_limits.c's). The plugin sees only
 * what passed.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "alloc.h"
#include "config.h"
#include "duration.h"

const char *config_key_type_name(enum scaled_key_type t)
{
	switch ((int)t) {
	case SCALED_KEY_STRING: return "string";
	case SCALED_KEY_INT: return "integer";
	case SCALED_KEY_NUMBER: return "number";
	case SCALED_KEY_BOOL: return "boolean";
	case SCALED_KEY_DURATION: return "duration";
	case SCALED_KEY_ENUM: return "string";
	}
	return "?";
}

static size_t config_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[33];

	if (la > 32 || lb > 32)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const char *config_closest_key(const struct scaled_key *keys, size_t n, const char *name)
{
	const char *best = NULL;
	size_t i, best_d = 3;

	for (i = 0; i < n; i++) {
		size_t d = config_edit_distance(name, keys[i].name);

		if (d < best_d) {
			best_d = d;
			best = keys[i].name;
		}
	}
	return best;
}

int config_value_parse(const struct scaled_key *key, const char *text, struct scaled_value *out)
{
	char *end;

	memset(out, 0, sizeof *out);
	switch ((int)key->type) {
	case SCALED_KEY_STRING:
	case SCALED_KEY_ENUM:
		out->u.str = alloc_strdup(text);
		if (!out->u.str)
			return -ENOMEM;
		break;
	case SCALED_KEY_INT:
		errno = 0;
		out->u.integer = strtoll(text, &end, 10);
		if (errno || end == text || *end)
			return -EINVAL;
		break;
	case SCALED_KEY_NUMBER:
		errno = 0;
		out->u.number = strtod(text, &end);
		if (errno || end == text || *end || !isfinite(out->u.number))
			return -EINVAL;
		break;
	case SCALED_KEY_BOOL:
		if (strcmp(text, "true") == 0)
			out->u.boolean = 1;
		else if (strcmp(text, "false") == 0)
			out->u.boolean = 0;
		else
			return -EINVAL;
		break;
	case SCALED_KEY_DURATION:
		if (duration_parse(text, &out->u.ms) < 0 || out->u.ms > CONFIG_DURATION_MAX_MS)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	out->set = 1;
	return 0;
}

/* Convert the Lua value at the top of the stack. */
static int config_value_from_lua(lua_State *L, const struct scaled_key *key,
				 struct scaled_value *out, char *err, size_t errlen)
{
	int t = lua_type(L, -1);

	memset(out, 0, sizeof *out);
	switch ((int)key->type) {
	case SCALED_KEY_STRING:
	case SCALED_KEY_ENUM:
		if (t != LUA_TSTRING)
			goto wrong;
		out->u.str = alloc_strdup(lua_tostring(L, -1));
		if (!out->u.str)
			return -ENOMEM;
		break;
	case SCALED_KEY_INT:
		if (t != LUA_TNUMBER)
			goto wrong;
		if (lua_isinteger(L, -1)) {
			out->u.integer = lua_tointeger(L, -1);
		} else {
			double d = lua_tonumber(L, -1);

			if (d != floor(d) || d < -9.2e18 || d > 9.2e18) {
				snprintf(err, errlen, "key \"%s\": expected an integer, got %g",
					 key->name, d);
				return -EINVAL;
			}
			out->u.integer = (int64_t)d;
		}
		break;
	case SCALED_KEY_NUMBER:
		if (t != LUA_TNUMBER)
			goto wrong;
		out->u.number = lua_tonumber(L, -1);
		break;
	case SCALED_KEY_BOOL:
		if (t != LUA_TBOOLEAN)
			goto wrong;
		out->u.boolean = lua_toboolean(L, -1);
		break;
	case SCALED_KEY_DURATION:
		if (t == LUA_TNUMBER) {
			double s = lua_tonumber(L, -1);

			if (!(s >= 0) || s > 9.2e15) {
				snprintf(err, errlen, "key \"%s\": bad duration %g", key->name, s);
				return -EINVAL;
			}
			out->u.ms = (int64_t)llround(s * 1000.0);
			if (out->u.ms > CONFIG_DURATION_MAX_MS) {
				snprintf(err, errlen, "key \"%s\": duration %g s is longer than %s, "
					 "the longest a duration may be", key->name, s,
					 CONFIG_DURATION_MAX);
				return -EINVAL;
			}
		} else if (t == LUA_TSTRING) {
			if (duration_parse(lua_tostring(L, -1), &out->u.ms) < 0) {
				snprintf(err, errlen,
					 "key \"%s\": bad duration \"%s\" (examples: \"250ms\", \"30s\", \"5m\", \"1h\")",
					 key->name, lua_tostring(L, -1));
				return -EINVAL;
			}
			if (out->u.ms > CONFIG_DURATION_MAX_MS) {
				snprintf(err, errlen, "key \"%s\": duration \"%s\" is longer than %s, "
					 "the longest a duration may be", key->name,
					 lua_tostring(L, -1), CONFIG_DURATION_MAX);
				return -EINVAL;
			}
		} else {
			goto wrong;
		}
		break;
	default:
		/* The core's own types (config.h) have their own readers. */
		snprintf(err, errlen, "key \"%s\": type %d is not read here", key->name,
			 (int)key->type);
		return -EINVAL;
	}
	out->set = 1;
	return 0;
wrong:
	snprintf(err, errlen, "key \"%s\": expected %s, got %s", key->name,
		 config_key_type_name(key->type), lua_typename(L, t));
	return -EINVAL;
}

void config_values_free(const struct scaled_key *keys, size_t n, struct scaled_value *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < n; i++)
		if ((keys[i].type == SCALED_KEY_STRING || keys[i].type == SCALED_KEY_ENUM) &&
		    v[i].set)
			alloc_free((char *)v[i].u.str);
}

int config_values_read(lua_State *L, int idx, const struct scaled_key *keys, size_t n,
		       struct scaled_value *out, char *err, size_t errlen)
{
	size_t i;
	int rc;

	idx = lua_absindex(L, idx);
	memset(out, 0, n * sizeof *out);
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		const char *name, *hint;

		if (lua_type(L, -2) != LUA_TSTRING) {
			snprintf(err, errlen, "keys must be names, got a %s key",
				 lua_typename(L, lua_type(L, -2)));
			lua_pop(L, 2);
			rc = -EINVAL;
			goto fail;
		}
		name = lua_tostring(L, -2);
		for (i = 0; i < n; i++)
			if (strcmp(keys[i].name, name) == 0)
				break;
		if (i == n) {
			hint = config_closest_key(keys, n, name);
			snprintf(err, errlen, "unknown key \"%s\"%s%s%s", name,
				 hint ? " (did you mean \"" : "", hint ? hint : "", hint ? "\"?)" : "");
			lua_pop(L, 2);
			rc = -EINVAL;
			goto fail;
		}
		rc = config_value_from_lua(L, &keys[i], &out[i], err, errlen);
		lua_pop(L, 1);
		if (rc < 0) {
			lua_pop(L, 1);
			goto fail;
		}
	}
	for (i = 0; i < n; i++) {
		if (out[i].set)
			continue;
		if (keys[i].required) {
			snprintf(err, errlen, "missing required key \"%s\" (%s)", keys[i].name,
				 keys[i].help ? keys[i].help : config_key_type_name(keys[i].type));
			rc = -EINVAL;
			goto fail;
		}
		if (keys[i].default_value) {
			rc = config_value_parse(&keys[i], keys[i].default_value, &out[i]);
			if (rc < 0) {
				snprintf(err, errlen, "key \"%s\": bad built-in default \"%s\"",
					 keys[i].name, keys[i].default_value);
				goto fail;
			}
		}
	}
	return 0;
fail:
	config_values_free(keys, n, out);
	memset(out, 0, n * sizeof *out);
	return rc;
}
