/*
 * config_values.c - a Lua table checked against a key table, into typed
 * values, and the values against the kind's limits (config_values.h). The
 * plugin sees only what passed.
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
#include "config_values.h"
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

/* ---------------------------------------------------------------- limits -- */

static int config_limit_numeric(enum scaled_key_type t)
{
	return t == SCALED_KEY_INT || t == SCALED_KEY_NUMBER || t == SCALED_KEY_DURATION;
}

/* v as the user would write it: "12", "0.5", "250ms". */
static const char *config_limit_show(const struct scaled_key *key, const struct scaled_value *v,
				     char *buf, size_t len)
{
	if (key->type == SCALED_KEY_INT)
		snprintf(buf, len, "%lld", (long long)v->u.integer);
	else if (key->type == SCALED_KEY_NUMBER)
		snprintf(buf, len, "%g", v->u.number);
	else
		duration_format(v->u.ms, buf, (unsigned)len);
	return buf;
}

/* a < b, a == b, a > b: -1, 0, 1 */
static int config_limit_cmp(const struct scaled_key *key, const struct scaled_value *a,
			    const struct scaled_value *b)
{
	if (key->type == SCALED_KEY_NUMBER)
		return a->u.number < b->u.number ? -1 : a->u.number > b->u.number;
	if (key->type == SCALED_KEY_INT)
		return a->u.integer < b->u.integer ? -1 : a->u.integer > b->u.integer;
	return a->u.ms < b->u.ms ? -1 : a->u.ms > b->u.ms;
}

/* "a", "b", "c" into buf (cut short with ", ..." when it does not fit). */
static void config_limit_choices(const char *const *choices, char *buf, size_t len)
{
	size_t used = 0, i;

	buf[0] = '\0';
	for (i = 0; choices[i] && i < CONFIG_LIMIT_MAX_CHOICES; i++) {
		int n = snprintf(buf + used, len - used, "%s\"%s\"", i ? ", " : "", choices[i]);

		if (n < 0 || (size_t)n >= len - used) {
			if (len > 6)
				snprintf(buf + (used < len - 6 ? used : len - 6), 6, ", ...");
			return;
		}
		used += (size_t)n;
	}
}

int config_limit_value(const struct scaled_key *key, const struct scaled_key_limit *lim,
		       const struct scaled_value *v, char *err, size_t errlen)
{
	struct scaled_key num = *key;
	struct scaled_value lo, hi;
	char shown[48], a[48], b[48];
	int has_lo, has_hi;
	size_t i;

	if (!v->set || !lim)
		return 0;
	if (lim->choices) {
		char list[256];

		for (i = 0; lim->choices[i] && i < CONFIG_LIMIT_MAX_CHOICES; i++)
			if (strcmp(lim->choices[i], v->u.str) == 0)
				return 0;
		config_limit_choices(lim->choices, list, sizeof list);
		snprintf(err, errlen, "key \"%s\": \"%s\" is not one of %s", key->name, v->u.str,
			 list);
		return -EINVAL;
	}
	if (!config_limit_numeric(key->type))
		return 0;
	/* Bounds were checked when the plugin loaded: they parse. */
	has_lo = lim->min && config_value_parse(&num, lim->min, &lo) == 0;
	has_hi = lim->max && config_value_parse(&num, lim->max, &hi) == 0;
	/* NaN compares neither below nor above: it is within no bounds. */
	if (!(key->type == SCALED_KEY_NUMBER && isnan(v->u.number)) &&
	    (!has_lo || config_limit_cmp(key, v, &lo) >= 0) &&
	    (!has_hi || config_limit_cmp(key, v, &hi) <= 0))
		return 0;
	config_limit_show(key, v, shown, sizeof shown);
	if (has_lo && has_hi)
		snprintf(err, errlen, "key \"%s\": %s is not between %s and %s", key->name, shown,
			 config_limit_show(key, &lo, a, sizeof a),
			 config_limit_show(key, &hi, b, sizeof b));
	else if (has_lo)
		snprintf(err, errlen, "key \"%s\": %s is less than %s, the least it may be",
			 key->name, shown, config_limit_show(key, &lo, a, sizeof a));
	else
		snprintf(err, errlen, "key \"%s\": %s is more than %s, the most it may be",
			 key->name, shown, config_limit_show(key, &hi, b, sizeof b));
	return -EINVAL;
}

static int config_limit_check_choices(const struct scaled_key *key,
				      const struct scaled_key_limit *lim, char *err, size_t errlen)
{
	size_t i, j;

	if (key->type != SCALED_KEY_ENUM) {
		snprintf(err, errlen, "key \"%s\": choices are for enum keys only (this one is %s)",
			 key->name, config_key_type_name(key->type));
		return -EINVAL;
	}
	if (lim->min || lim->max) {
		snprintf(err, errlen, "key \"%s\": an enum key has choices, not min or max",
			 key->name);
		return -EINVAL;
	}
	for (i = 0; lim->choices[i]; i++) {
		if (i >= CONFIG_LIMIT_MAX_CHOICES) {
			snprintf(err, errlen, "key \"%s\": more than %d choices (is the list "
				 "NULL-terminated?)", key->name, CONFIG_LIMIT_MAX_CHOICES);
			return -EINVAL;
		}
		if (!*lim->choices[i]) {
			snprintf(err, errlen, "key \"%s\": choice #%zu is empty", key->name, i + 1);
			return -EINVAL;
		}
		for (j = 0; j < i; j++)
			if (strcmp(lim->choices[i], lim->choices[j]) == 0) {
				snprintf(err, errlen, "key \"%s\": choice \"%s\" is listed twice",
					 key->name, lim->choices[i]);
				return -EINVAL;
			}
	}
	if (i == 0) {
		snprintf(err, errlen, "key \"%s\": an enum key needs at least one choice", key->name);
		return -EINVAL;
	}
	return 0;
}

static int config_limit_check_bounds(const struct scaled_key *key,
				     const struct scaled_key_limit *lim, char *err, size_t errlen)
{
	struct scaled_value lo, hi;

	if (!config_limit_numeric(key->type)) {
		snprintf(err, errlen, "key \"%s\": min and max are for integer, number and "
			 "duration keys only (this one is %s)", key->name,
			 config_key_type_name(key->type));
		return -EINVAL;
	}
	if (lim->min && config_value_parse(key, lim->min, &lo) < 0) {
		snprintf(err, errlen, "key \"%s\": min \"%s\" is not a valid %s", key->name,
			 lim->min, config_key_type_name(key->type));
		return -EINVAL;
	}
	if (lim->max && config_value_parse(key, lim->max, &hi) < 0) {
		snprintf(err, errlen, "key \"%s\": max \"%s\" is not a valid %s", key->name,
			 lim->max, config_key_type_name(key->type));
		return -EINVAL;
	}
	if (lim->min && lim->max && config_limit_cmp(key, &lo, &hi) > 0) {
		snprintf(err, errlen, "key \"%s\": min \"%s\" is more than max \"%s\"", key->name,
			 lim->min, lim->max);
		return -EINVAL;
	}
	return 0;
}

int config_limit_check(const struct scaled_key *key, const struct scaled_key_limit *lim,
		       char *err, size_t errlen)
{
	struct scaled_value def;
	char why[256];
	int rc;

	if (key->type == SCALED_KEY_ENUM && (!lim || !lim->choices)) {
		snprintf(err, errlen, "key \"%s\": an enum key needs choices "
			 "(a struct scaled_key_limit in the kind's limits)", key->name);
		return -EINVAL;
	}
	if (!lim)
		return 0;
	if (lim->choices)
		rc = config_limit_check_choices(key, lim, err, errlen);
	else if (lim->min || lim->max)
		rc = config_limit_check_bounds(key, lim, err, errlen);
	else
		rc = 0;
	if (rc < 0 || !key->default_value)
		return rc;
	rc = config_value_parse(key, key->default_value, &def);
	if (rc == -ENOMEM)
		return rc;
	if (rc < 0) {
		snprintf(err, errlen, "key \"%s\": its default \"%s\" is not a valid %s", key->name,
			 key->default_value, config_key_type_name(key->type));
		return -EINVAL;
	}
	rc = config_limit_value(key, lim, &def, why, sizeof why);
	if (key->type == SCALED_KEY_ENUM)
		alloc_free((char *)def.u.str);
	if (rc < 0)
		snprintf(err, errlen, "the default of %s", why);
	return rc;
}

int config_values_limits(const struct scaled_kind *kind, const struct scaled_value *values,
			 char *err, size_t errlen)
{
	const struct scaled_key_limit *lim;
	size_t i;
	int rc;

	for (lim = kind->limits; lim && lim->key; lim++) {
		for (i = 0; kind->keys && kind->keys[i].name; i++)
			if (strcmp(kind->keys[i].name, lim->key) == 0)
				break;
		if (!kind->keys || !kind->keys[i].name)
			continue; /* the loader refuses such a limit */
		rc = config_limit_value(&kind->keys[i], lim, &values[i], err, errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}
