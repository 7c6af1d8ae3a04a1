/*
 * config_map.c - the kind map (scaled.h, struct scaled_kind_map) applied to
 * one source or target declaration: the table its mapped kind is read
 * from, made of the map entry's "key=value" texts, the farm's values of
 * the keys of the same name, and the farm's core keys (every, stale, poll).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "config_int.h"

/* Push the text as the Lua value a key of this type reads. 0 or -EINVAL. */
static int config_map_push(lua_State *L, enum scaled_key_type type, const char *text)
{
	switch ((int)type) {
	case SCALED_KEY_INT:
		if (!lua_stringtonumber(L, text))
			return -EINVAL;
		if (!lua_isinteger(L, -1)) { /* "1.5": the map's error, not the farm's */
			lua_pop(L, 1);
			return -EINVAL;
		}
		return 0;
	case SCALED_KEY_NUMBER:
		return lua_stringtonumber(L, text) ? 0 : -EINVAL;
	case SCALED_KEY_BOOL:
		if (strcmp(text, "true") && strcmp(text, "false"))
			return -EINVAL;
		lua_pushboolean(L, text[0] == 't');
		return 0;
	default:
		lua_pushstring(L, text);
		return 0;
	}
}

/* The entry's text for key, or NULL. */
static const char *config_map_text(const struct scaled_kind_map *m, const char *key)
{
	size_t n = strlen(key), i;

	for (i = 0; m->keys && m->keys[i]; i++)
		if (strncmp(m->keys[i], key, n) == 0 && m->keys[i][n] == '=')
			return m->keys[i] + n + 1;
	return NULL;
}

int config_map_table(lua_State *L, int idx, const struct scaled_key *keys, size_t n,
		     const struct scaled_kind_map *m, char *err, size_t errlen)
{
	size_t i;

	idx = lua_absindex(L, idx);
	/* Every key of the entry must be one of the kind's. */
	for (i = 0; m->keys && m->keys[i]; i++) {
		const char *eq = strchr(m->keys[i], '=');
		size_t j;

		for (j = 0; eq && j < n; j++)
			if ((size_t)(eq - m->keys[i]) == strlen(keys[j].name) &&
			    strncmp(keys[j].name, m->keys[i], (size_t)(eq - m->keys[i])) == 0)
				break;
		if (!eq || j == n) {
			snprintf(err, errlen, "the kind map's key \"%s\" is not a key of kind \"%s\"",
				 m->keys[i], m->kind);
			return -EINVAL;
		}
	}
	lua_createtable(L, 0, (int)n + 1);
	lua_pushstring(L, m->kind);
	lua_setfield(L, -2, "kind");
	for (i = 0; i < n; i++) {
		const char *text = config_map_text(m, keys[i].name);

		if (strcmp(keys[i].name, "kind") == 0)
			continue;
		if (text) {
			if (config_map_push(L, keys[i].type, text) < 0) {
				lua_pop(L, 1);
				snprintf(err, errlen, "the kind map's key \"%s\" of kind \"%s\": "
					 "\"%s\" is not a valid %s", keys[i].name, m->kind, text,
					 config_key_type_name(keys[i].type));
				return -EINVAL;
			}
		} else {
			lua_getfield(L, idx, keys[i].name);
		}
		lua_setfield(L, -2, keys[i].name);
	}
	return 0;
}
