/*
 * test_abi_keys.c - key tables as the core reads them (config_values.c):
 * the core-only up/down duration (config_updown_read) and the messages of
 * a bad value.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <lauxlib.h>
#include <lualib.h>

#include "config.h"

static const struct scaled_key cooldown_key = { "cooldown", CONFIG_KEY_UPDOWN, NULL, 0, NULL };

/* config_updown_read of key "cooldown" in the table `expr`. */
static int read_updown(const char *expr, struct config_updown *out, char *err, size_t errlen)
{
	lua_State *L = luaL_newstate();
	char chunk[512];
	int rc;

	assert_non_null(L);
	snprintf(chunk, sizeof chunk, "return %s", expr);
	assert_int_equal(luaL_dostring(L, chunk), 0);
	err[0] = '\0';
	rc = config_updown_read(L, -1, &cooldown_key, out, err, errlen);
	assert_int_equal(lua_gettop(L), 1);
	lua_close(L);
	return rc;
}

static void expect_updown(const char *expr, int us, int64_t up, int ds, int64_t down)
{
	/* the caller's defaults stay where nothing is given */
	struct config_updown u = { 7, 9, true, true };
	char err[256];

	assert_int_equal(read_updown(expr, &u, err, sizeof err), 0);
	assert_int_equal(u.up_set, us);
	assert_int_equal(u.down_set, ds);
	assert_int_equal(u.up_ms, up);
	assert_int_equal(u.down_ms, down);
}

static void test_updown_values(void **state)
{
	(void)state;
	expect_updown("{}", 0, 7, 0, 9);
	expect_updown("{ cooldown = '30s' }", 1, 30000, 1, 30000);
	expect_updown("{ cooldown = 2 }", 1, 2000, 1, 2000);
	expect_updown("{ cooldown = { up = '1m' } }", 1, 60000, 0, 9);
	expect_updown("{ cooldown = { down = 5 } }", 0, 7, 1, 5000);
	expect_updown("{ cooldown = { up = '1s', down = '2s' } }", 1, 1000, 1, 2000);
	expect_updown("{ cooldown = {} }", 0, 7, 0, 9);
}

/* The messages are those group's cooldown/stabilization always had. */
static void test_updown_errors(void **state)
{
	static const struct {
		const char *expr, *want;
	} cases[] = {
		{ "{ cooldown = 'x' }",
		  "key \"cooldown\": bad duration \"x\" (examples: \"250ms\", \"30s\", \"5m\", \"1h\")" },
		{ "{ cooldown = true }", "key \"cooldown\": expected duration, got boolean" },
		{ "{ cooldown = -1 }", "key \"cooldown\": bad duration -1" },
		{ "{ cooldown = '400d' }",
		  "key \"cooldown\": duration \"400d\" is longer than 365d, the longest a duration may be" },
		{ "{ cooldown = { upp = '1s' } }",
		  "cooldown: unknown key \"upp\" (did you mean \"up\"?)" },
		{ "{ cooldown = { down = 'soon' } }",
		  "cooldown: key \"down\": bad duration \"soon\" (examples: \"250ms\", \"30s\", \"5m\", \"1h\")" },
		{ "{ cooldown = { 5 } }", "cooldown: keys must be names, got a number key" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct config_updown u = { 0, 0, false, false };
		char err[256];

		assert_int_equal(read_updown(cases[i].expr, &u, err, sizeof err), -EINVAL);
		assert_string_equal(err, cases[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_updown_values),
		cmocka_unit_test(test_updown_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
