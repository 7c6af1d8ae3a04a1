/*
 * config_limits.h - key limits (ABI 1.1, struct scaled_key_limit): the
 * choices of an enum key and the bounds of a numeric one, checked by
 * config_limits.c. (config_values_read and the rest of the key reader are
 * declared in config.h.)
 */
#ifndef SCALED_CONFIG_LIMITS_H
#define SCALED_CONFIG_LIMITS_H

#include <stddef.h>

#include "scaled/plugin.h"

/* The most choices an enum key may list (the loader's bound on a list that
 * should be NULL-terminated). */
#define CONFIG_LIMIT_MAX_CHOICES 64

/* Is lim fit for key, as a plugin declared both (key->type may be
 * SCALED_KEY_ENUM)? choices only and always for an enum key, non-empty and
 * distinct; min/max only for integer, number and duration keys, parsed as
 * the key's type, min <= max; the key's default within. Returns 0, or
 * -EINVAL with a reason naming the key in err ("key "x": ..."), or -ENOMEM. */
int config_limit_check(const struct scaled_key *key, const struct scaled_key_limit *lim,
		       char *err, size_t errlen);

/* Check one value of key (as config_values_read made it) against lim. Not
 * set: fine. Returns 0, or -EINVAL with err naming the key, the value and
 * what is allowed:
 *   key "backend": "tpu" is not one of "auto", "cpu", "gpu"
 *   key "start": -1 is not between 0 and 1000000
 *   key "period": 0s is less than 1ms, the least it may be
 *   key "workers": 70 is more than 64, the most it may be */
int config_limit_value(const struct scaled_key *key, const struct scaled_key_limit *lim,
		       const struct scaled_value *v, char *err, size_t errlen);

/* Check the values config_values_read made from kind's keys (values[i] for
 * kind->keys[i]; more values may follow, for the core's keys) against
 * kind->limits. kind must be the loader's copy (plugin_find_kind), whose
 * limits entries are of this core's size. Returns 0 or -EINVAL with err as
 * config_limit_value writes it. */
int config_limit_values(const struct scaled_kind *kind, const struct scaled_value *values,
			 char *err, size_t errlen);

#endif
