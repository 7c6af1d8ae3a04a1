/*
 * config_updown.c - the core's up/down duration key type
 * (CONFIG_KEY_UPDOWN): one duration for both directions, or a table
 * { up = , down = } where either may be left out.
 *
 *   cooldown = "30s"                      -- up and down
 *   stabilization = { down = "5m" }       -- down only; up keeps its default
 *
 * Both forms are read by config_values_read, so a bad value gets the same
 * message as any duration key: the single form under the key's own name
 * ("key "cooldown": bad duration ..."), the table's under "up" or "down",
 * prefixed with the key ("cooldown: key "up": ...").
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"

#define CONFIG_UPDOWN_ERR_MAX 256

int config_updown_read(lua_State *L, int idx, const struct scaled_key *key,
		       struct config_updown *out, char *err, size_t errlen)
{
	static const struct scaled_key dirs[] = {
		{ "up", SCALED_KEY_DURATION, NULL, 0, NULL },
		{ "down", SCALED_KEY_DURATION, NULL, 0, NULL },
	};
	const struct scaled_key both = { key->name, SCALED_KEY_DURATION, NULL, 0, NULL };
	struct scaled_value v[2];
	char sub[CONFIG_UPDOWN_ERR_MAX];
	int rc;

	memset(out, 0, sizeof *out);
	idx = lua_absindex(L, idx);
	lua_getfield(L, idx, key->name);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		return 0;
	}
	if (lua_istable(L, -1)) {
		rc = config_values_read(L, -1, dirs, 2, v, sub, sizeof sub);
		lua_pop(L, 1);
		if (rc < 0) {
			snprintf(err, errlen, "%s: %s", key->name, sub);
			return rc;
		}
		out->up_set = v[0].set;
		out->up_ms = v[0].u.ms;
		out->down_set = v[1].set;
		out->down_ms = v[1].u.ms;
		return 0;
	}
	/* One value for both directions: read as a table { [key] = value }, so
	 * that its errors name the key. */
	lua_newtable(L);
	lua_insert(L, -2);
	lua_setfield(L, -2, key->name);
	rc = config_values_read(L, -1, &both, 1, v, err, errlen);
	lua_pop(L, 1);
	if (rc < 0)
		return -EINVAL;
	out->up_set = out->down_set = true;
	out->up_ms = out->down_ms = v[0].u.ms;
	return 0;
}
