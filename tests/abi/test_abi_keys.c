/*
 * test_abi_keys.c - key tables as the core reads them (config_values.c):
 * the messages of a bad value, the core-only types refused, and the keys
 * of real mock plugins (abi.cmake) read through the loader's copies: an
 * ABI 1.1 plugin's limits and enum key, and an ABI 1.0 plugin's keys,
 * checked as 1.0 checked them.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <lauxlib.h>
#include <lualib.h>

#include "abi_util.h"
#include "alloc.h"
#include "config.h"
#include "config_limits.h"
#include "plugin_load.h"

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

/* Read `expr` against kind's keys, then check its limits, as config.c does
 * for a source or target of that kind. */
static int read_kind(const struct scaled_kind *kind, const char *expr, char *err, size_t errlen)
{
	struct scaled_value v[8];
	size_t n = 0;
	int rc;

	while (kind->keys[n].name)
		n++;
	assert_true(n <= 8);
	rc = read_expr(kind->keys, n, expr, v, err, errlen);
	if (rc == 0) {
		rc = config_limit_values(kind, v, err, errlen);
		config_values_free(kind->keys, n, v);
	}
	return rc;
}

static void test_limits_of_a_1_1_plugin(void **state)
{
	static const struct {
		const char *expr, *want;
	} cases[] = {
		{ "{ path = '/tmp' }", "" },
		{ "{ path = '/tmp', depth = 0, settle = '1h', mode = 'slow' }", "" },
		{ "{ path = '/tmp', depth = 11 }", "key \"depth\": 11 is not between 0 and 10" },
		{ "{ path = '/tmp', depth = -1 }", "key \"depth\": -1 is not between 0 and 10" },
		{ "{ path = '/tmp', settle = '61m' }",
		  "key \"settle\": 61m is more than 1h, the most it may be" },
		{ "{ path = '/tmp', mode = 'quick' }",
		  "key \"mode\": \"quick\" is not one of \"fast\", \"slow\"" },
		{ "{ path = '/tmp', mode = 1 }", "key \"mode\": expected string, got number" },
		{ "{ path = '/tmp', depth = 'x' }", "key \"depth\": expected integer, got string" },
	};
	struct plugin_handle *p = NULL;
	const struct scaled_kind *k;
	char *msg = NULL, err[256];
	size_t i;

	(void)state;
	assert_int_equal(plugin_load("good", MOCKS, &test_host, &p, &msg), 0);
	k = plugin_find_kind(p, "mock_source");
	assert_non_null(k);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc = read_kind(k, cases[i].expr, err, sizeof err);

		assert_int_equal(rc, *cases[i].want ? -EINVAL : 0);
		if (*cases[i].want)
			assert_string_equal(err, cases[i].want);
	}
	plugin_unload(p);
}

/* Number bounds: NaN is within no bounds (it compares neither below nor
 * above; it reached create() once), infinities are outside finite ones. */
static void test_number_bounds(void **state)
{
	static const struct scaled_key key = { "ratio", SCALED_KEY_NUMBER, NULL, 0, NULL };
	static const struct scaled_key_limit lim = { .key = "ratio", .min = "0", .max = "1" };
	static const struct {
		double v;
		const char *want;
	} cases[] = {
		{ 0.5, "" },
		{ 0.0, "" },
		{ 1.0, "" },
		{ 1.5, "key \"ratio\": 1.5 is not between 0 and 1" },
		{ NAN, "key \"ratio\": nan is not between 0 and 1" },
		{ INFINITY, "key \"ratio\": inf is not between 0 and 1" },
		{ -INFINITY, "key \"ratio\": -inf is not between 0 and 1" },
	};
	char err[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct scaled_value v = { .set = 1, .u.number = cases[i].v };

		err[0] = '\0';
		assert_int_equal(config_limit_value(&key, &lim, &v, err, sizeof err),
				 *cases[i].want ? -EINVAL : 0);
		assert_string_equal(err, cases[i].want);
	}
}

/* A plugin built for ABI 1.0 (minor 0, 1.0 struct sizes) loads, and its
 * keys are validated as before: types, required keys, defaults. The
 * limits its source kind sets past its struct_size are never read. */
static void test_keys_of_a_1_0_plugin(void **state)
{
	struct plugin_handle *p = NULL;
	const struct scaled_kind *k;
	struct scaled_value v[3];
	char *msg = NULL, err[256];

	(void)state;
	assert_int_equal(plugin_load("old_minor", MOCKS, &test_host, &p, &msg), 0);
	assert_int_equal(p->desc->abi_minor, 0);
	k = plugin_find_kind(p, "mock_source");
	assert_non_null(k);
	assert_null(k->limits);

	assert_int_equal(read_expr(k->keys, 3, "{ path = '/tmp', depth = 99 }", v, err, sizeof err), 0);
	assert_string_equal(v[0].u.str, "/tmp");
	assert_int_equal(v[1].u.integer, 99); /* no limits at 1.0 */
	assert_int_equal(v[2].u.ms, 5000);    /* the default */
	assert_int_equal(config_limit_values(k, v, err, sizeof err), 0);
	config_values_free(k->keys, 3, v);

	assert_int_equal(read_expr(k->keys, 3, "{ depth = 1 }", v, err, sizeof err), -EINVAL);
	assert_string_equal(err, "missing required key \"path\" (directory to count files in)");
	assert_int_equal(read_expr(k->keys, 3, "{ path = '/tmp', dept = 1 }", v, err, sizeof err),
			 -EINVAL);
	assert_string_equal(err, "unknown key \"dept\" (did you mean \"depth\"?)");
	assert_int_equal(read_expr(k->keys, 3, "{ path = 1 }", v, err, sizeof err), -EINVAL);
	assert_string_equal(err, "key \"path\": expected string, got number");
	assert_int_equal(read_expr(k->keys, 3, "{ path = '/', mode = 'fast' }", v, err, sizeof err),
			 -EINVAL);
	assert_string_equal(err, "unknown key \"mode\"");
	plugin_unload(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration_errors),
		cmocka_unit_test(test_core_type_refused),
		cmocka_unit_test(test_number_bounds),
		cmocka_unit_test_setup(test_limits_of_a_1_1_plugin, setup),
		cmocka_unit_test_setup(test_keys_of_a_1_0_plugin, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
