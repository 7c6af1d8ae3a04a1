/*
 * config_limits.c - ABI 1.1 key limits (struct scaled_key_limit): whether a
 * plugin's limits fit its keys (at load, for plugin_check.c), and a farm's
 * values against them (before create()). Values are parsed as
 * config_values.c parses them.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "config.h"
#include "config_limits.h"
#include "duration.h"

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

int config_limit_values(const struct scaled_kind *kind, const struct scaled_value *values,
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
