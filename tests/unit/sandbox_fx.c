/*
 * sandbox_fx.c - running Lua code in a sandbox and checking what it gives
 * (sandbox_fx.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <lauxlib.h>

#include "sandbox_fx.h"

int sfx_run(struct sandbox *sb, const char *code, int nres, char **msg)
{
	int rc = sandbox_load_string(sb, "test", code, msg);

	if (rc < 0)
		return rc;
	return sandbox_pcall(sb, 0, nres, msg);
}

void sfx_want_string(struct sandbox *sb, const char *code, const char *want)
{
	lua_State *L = sandbox_state(sb);
	char *msg = NULL;

	if (sfx_run(sb, code, 1, &msg) < 0)
		fail_msg("%s: %s", code, msg);
	if (!lua_isstring(L, -1) || strcmp(lua_tostring(L, -1), want) != 0)
		fail_msg("%s: got '%s', want '%s'", code, lua_tostring(L, -1), want);
	lua_pop(L, 1);
}

void sfx_want_error(struct sandbox *sb, const char *code, int want_rc, const char *want)
{
	lua_State *L = sandbox_state(sb);
	int top = lua_gettop(L);
	char *msg = NULL;
	int rc = sfx_run(sb, code, 0, &msg);

	if (rc != want_rc)
		fail_msg("%s: rc %d, want %d (%s)", code, rc, want_rc, msg ? msg : "");
	assert_non_null(msg);
	if (!strstr(msg, want))
		fail_msg("%s: message '%s' lacks '%s'", code, msg, want);
	free(msg);
	assert_int_equal(lua_gettop(L), top); /* nothing left behind */
}
