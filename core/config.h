/*
 * config.h - turning farm.lua into engine objects.
 *
 * config.c defines the farm's declaration functions (plugin, source,
 * target) and runs the farm chunk; config_group.c defines group;
 * config_common.c holds what the declarations share; config_values.c
 * validates a Lua table against a key table (struct scaled_key) into typed
 * values. Every error names "file:line:", the declaration and the key.
 */
#ifndef SCALED_CONFIG_H
#define SCALED_CONFIG_H

#include <stddef.h>

#include <lua.h>

#include "scaled/plugin.h"

struct scaled_engine;

/* config_common.c. A declaration's C closure has the engine as upvalue 1
 * (and, once curried, its name as upvalue 2). config_engine raises "what()
 * is a declaration ..." unless the farm file is loading (config_run). */
struct scaled_engine *config_engine(lua_State *L, const char *what);
/* Raise "file:line: what "name": msg" (does not return). */
int config_fail(lua_State *L, const char *what, const char *name, const char *msg);
/* Check the name at idx: 1..SCALED_NAME_MAX-1 of [A-Za-z0-9_-]; raises. */
int config_check_name(lua_State *L, const char *what, int idx);
/* what "name" returns body closed over (engine, name). */
int config_curry(lua_State *L, const char *what, lua_CFunction body);

/* config_group.c: the group declaration, group "name" { ... } */
int config_group_declare(lua_State *L);

/* No duration (of the core's keys or a plugin's) may be longer than this:
 * a typo such as "100000000d" is an error, not a timer that never fires. */
#define CONFIG_DURATION_MAX "365d"
#define CONFIG_DURATION_MAX_MS (365LL * 86400 * 1000)

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
