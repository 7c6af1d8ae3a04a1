/*
 * test_abi_keys.c - key tables as the core reads them (config_values.c):
 * the messages of a bad value, and the core-only types refused.
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

/* Run `return <expr>` and read the table it returns against keys[0..n). */
static int read_expr(const struct scaled_key *keys, size_t n, const char *expr,
		     struct scaled_value *out, char *err, size_t errlen)
{
	lua_State *L = luaL_newstate();
	char chunk[512];
	int rc;

	assert_non_null(L);
	snprintf(chunk, sizeof chunk, "return %s", expr);
	assert_int_equal(luaL_dostring(L, chunk), 0);
	err[0] = '\0';
	rc = config_values_read(L, -1, keys, n, out, err, errlen);
	assert_int_equal(lua_gettop(L), 1);
	lua_close(L);
	return rc;
}

static const struct scaled_key duration_key[] = {
	{ "wait", SCALED_KEY_DURATION, NULL, 0, NULL },
};

/* The messages of a bad duration, which the core's own keys share. */
static void test_duration_errors(void **state)
{
	static const struct {
		const char *expr, *want;
	} cases[] = {
		{ "{ wait = 'x' }",
		  "key \"wait\": bad duration \"x\" (examples: \"250ms\", \"30s\", \"5m\", \"1h\")" },
		{ "{ wait = true }", "key \"wait\": expected duration, got boolean" },
		{ "{ wait = -1 }", "key \"wait\": bad duration -1" },
		{ "{ wait = '400d' }",
		  "key \"wait\": duration \"400d\" is longer than 365d, the longest a duration may be" },
		{ "{ 5 }", "keys must be names, got a number key" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct scaled_value v[1];
		char err[256];

		assert_int_equal(read_expr(duration_key, 1, cases[i].expr, v, err, sizeof err), -EINVAL);
		assert_string_equal(err, cases[i].want);
	}
}

/* A core-only type (config.h) has its own reader; config_values_read says
 * so rather than fill nothing. */
static void test_core_type_refused(void **state)
{
	static const struct scaled_key k[] = {
		{ "cooldown", CONFIG_KEY_UPDOWN, NULL, 0, NULL },
	};
	struct scaled_value v[1];
	char err[256];

	(void)state;
	assert_int_equal(read_expr(k, 1, "{ cooldown = '1s' }", v, err, sizeof err), -EINVAL);
	assert_string_equal(err, "key \"cooldown\": type 257 is not read here");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration_errors),
		cmocka_unit_test(test_core_type_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
