/*
 * plugin_test_limits.c - the test host's own short check of a kind's key
 * limits (ABI 1.1), so that plugin tests see what the core would refuse
 * before create() (plugin_test_host.h: th_limits_broken).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "plugin_test_host.h"

static double th_num(const struct scaled_key *k, const struct scaled_value *v)
{
	if (k->type == SCALED_KEY_INT)
		return (double)v->u.integer;
	if (k->type == SCALED_KEY_NUMBER)
		return v->u.number;
	return (double)v->u.ms;
}

/* Is v outside [lo, hi] (either may be NULL) for key k? */
static int th_out_of(const struct scaled_key *k, const struct scaled_value *v,
		     const char *lo, const char *hi)
{
	struct scaled_value b;

	if (lo) {
		th_parse(k, lo, &b);
		if (th_num(k, v) < th_num(k, &b))
			return 1;
	}
	if (hi) {
		th_parse(k, hi, &b);
		if (th_num(k, v) > th_num(k, &b))
			return 1;
	}
	return 0;
}

const char *th_limits_broken(const struct scaled_kind *kind, const struct scaled_value *values)
{
	static char why[256];
	const struct scaled_key_limit *lim;

	assert_true(!kind->limits || kind->limit_size == sizeof(*lim));
	for (lim = kind->limits; lim && lim->key; lim++) {
		size_t i, c;

		for (i = 0; kind->keys[i].name && strcmp(kind->keys[i].name, lim->key); i++)
			;
		assert_non_null(kind->keys[i].name);
		if (!values[i].set)
			continue;
		if (lim->choices) {
			for (c = 0; lim->choices[c] && strcmp(lim->choices[c], values[i].u.str); c++)
				;
			if (lim->choices[c])
				continue;
			snprintf(why, sizeof why, "%s: \"%s\" is not a choice", lim->key,
				 values[i].u.str);
			return why;
		}
		if (th_out_of(&kind->keys[i], &values[i], lim->min, lim->max)) {
			snprintf(why, sizeof why, "%s: out of [%s, %s]", lim->key,
				 lim->min ? lim->min : "", lim->max ? lim->max : "");
			return why;
		}
	}
	return NULL;
}
