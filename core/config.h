/*
 * config.h - turning farm.lua into engine objects.
 *
 * config.c defines the farm's declaration functions (plugin, source, target,
 * group) and runs the farm chunk; config_values.c validates a Lua table
 * against a key table (struct scaled_key) into typed values. Every error
 * names "file:line:", the declaration and the key.
 */
#ifndef SCALED_CONFIG_H
#define SCALED_CONFIG_H

#include <stddef.h>

#include <lua.h>

#include "scaled/plugin.h"

/* Validate the table at stack index idx against keys[0..n) into out[0..n):
 * unknown keys (with a "did you mean" hint), wrong types, missing required
 * keys are errors; defaults fill the rest. Strings are copied (free with
 * config_values_free). Returns 0, or -EINVAL/-ENOMEM with a message in err
 * that names the key. */
int config_values_read(lua_State *L, int idx, const struct scaled_key *keys, size_t n,
		       struct scaled_value *out, char *err, size_t errlen);
void config_values_free(const struct scaled_key *keys, size_t n, struct scaled_value *v);

/* Parse a default's text as its type. Returns 0 or -EINVAL. Strings are
 * copied. */
int config_value_parse(const struct scaled_key *key, const char *text, struct scaled_value *out);

/* The closest of keys[0..n) to name (edit distance <= 2), or NULL. */
const char *config_closest_key(const struct scaled_key *keys, size_t n, const char *name);

const char *config_key_type_name(enum scaled_key_type t);

#endif
