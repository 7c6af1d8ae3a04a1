/*
 * test_abi_path.c - plugin_load's search path and plugin names, against real
 * mock plugins (see abi.cmake).
 */
#include <dlfcn.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "plugin_load.h"
#include "abi_util.h"

/* ---------------------------------------------------------- search path -- */

static void test_first_dir_wins(void **state)
{
	struct plugin_handle *p = NULL;
	char *msg = NULL;

	(void)state;
	assert_int_equal(plugin_load("good", MOCKS ":" MOCKS_ALT, &test_host, &p, &msg), 0);
	assert_string_equal(p->path, MOCKS "/good.so");
	assert_string_equal(p->desc->version, "1.0-mock");
	plugin_unload(p);

	assert_int_equal(plugin_load("good", MOCKS_ALT ":" MOCKS, &test_host, &p, &msg), 0);
	assert_string_equal(p->path, MOCKS_ALT "/good.so");
	assert_string_equal(p->desc->version, "alt");
	plugin_unload(p);

	/* Not in the first dir: the search goes on. Empty parts and trailing
	 * slashes are fine. */
	assert_int_equal(plugin_load("only_alt", "::" MOCKS "/:" MOCKS_ALT "//", &test_host, &p,
				     &msg), 0);
	assert_string_equal(p->path, MOCKS_ALT "/only_alt.so");
	plugin_unload(p);
	assert_false(is_loaded(MOCKS_ALT "/only_alt.so"));
}

static void test_search_path_string(void **state)
{
	char *s;

	(void)state;
	s = plugin_search_path(NULL);
	assert_string_equal(s, SCALED_BUILD_PLUGIN_DIR ":" SCALED_INSTALL_PLUGIN_DIR);
	alloc_free(s);
	s = plugin_search_path("/a:/b");
	assert_string_equal(s, "/a:/b:" SCALED_BUILD_PLUGIN_DIR ":" SCALED_INSTALL_PLUGIN_DIR);
	alloc_free(s);

	setenv("SCALED_PLUGIN_PATH", "/env1:/env2", 1);
	s = plugin_search_path("/a");
	assert_string_equal(s, "/a:/env1:/env2:" SCALED_BUILD_PLUGIN_DIR ":"
			    SCALED_INSTALL_PLUGIN_DIR);
	alloc_free(s);
	s = plugin_search_path("");
	assert_string_equal(s, "/env1:/env2:" SCALED_BUILD_PLUGIN_DIR ":"
			    SCALED_INSTALL_PLUGIN_DIR);
	alloc_free(s);

	setenv("SCALED_PLUGIN_PATH", "", 1);
	s = plugin_search_path(NULL);
	assert_string_equal(s, SCALED_BUILD_PLUGIN_DIR ":" SCALED_INSTALL_PLUGIN_DIR);
	alloc_free(s);
}

static void test_env_path_is_searched(void **state)
{
	struct plugin_handle *p = NULL;
	char *path, *msg = NULL;

	(void)state;
	/* Without the variable, only_alt is nowhere on the default path. */
	assert_int_equal(plugin_load("only_alt", NULL, &test_host, &p, &msg), -ENOENT);
	alloc_free(msg);

	setenv("SCALED_PLUGIN_PATH", MOCKS_ALT, 1);
	assert_int_equal(plugin_load("only_alt", NULL, &test_host, &p, &msg), 0);
	assert_string_equal(p->path, MOCKS_ALT "/only_alt.so");
	plugin_unload(p);

	/* The caller's dirs come before the variable. */
	path = plugin_search_path(MOCKS);
	assert_int_equal(plugin_load("good", path, &test_host, &p, &msg), 0);
	assert_string_equal(p->desc->version, "1.0-mock");
	plugin_unload(p);
	alloc_free(path);
	/* ... and the variable before the compiled-in dirs. */
	path = plugin_search_path(NULL);
	assert_int_equal(plugin_load("good", path, &test_host, &p, &msg), 0);
	assert_string_equal(p->desc->version, "alt");
	plugin_unload(p);
	alloc_free(path);
}

static void test_compiled_in_dirs(void **state)
{
	struct plugin_handle *p = NULL;
	char *msg = NULL;

	(void)state;
	assert_int_equal(plugin_load("only_build", NULL, &test_host, &p, &msg), 0);
	assert_string_equal(p->path, SCALED_BUILD_PLUGIN_DIR "/only_build.so");
	plugin_unload(p);
	assert_int_equal(plugin_load("only_install", NULL, &test_host, &p, &msg), 0);
	assert_string_equal(p->path, SCALED_INSTALL_PLUGIN_DIR "/only_install.so");
	plugin_unload(p);
}

static void test_not_found(void **state)
{
	struct plugin_handle *p = NULL;
	char *msg = NULL;

	(void)state;
	assert_int_equal(plugin_load("nope", MOCKS ":" MOCKS_ALT, &test_host, &p, &msg), -ENOENT);
	assert_null(p);
	assert_string_equal(msg, "plugin \"nope\": no nope.so in " MOCKS ", " MOCKS_ALT);
	alloc_free(msg);

	assert_int_equal(plugin_load("nope", "", &test_host, &p, &msg), -ENOENT);
	assert_string_equal(msg, "plugin \"nope\": no nope.so: the plugin search path is empty");
	alloc_free(msg);

	/* A directory named like a plugin is not a plugin. */
	assert_int_equal(plugin_load("a_dir", MOCKS, &test_host, &p, &msg), -ENOENT);
	assert_string_equal(msg, "plugin \"a_dir\": no a_dir.so in " MOCKS);
	alloc_free(msg);
}

static void test_bad_names(void **state)
{
	/* "../mocks_alt/good" would reach a real plugin if it were let through. */
	static const char *const names[] = {
		"../mocks_alt/good", "../x", "a/b", "/abs", ".", "..", "good.so", "go od",
		"good\n", "ünï",
	};
	struct plugin_handle *p = NULL;
	char expected[256];
	char *msg = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		assert_int_equal(plugin_load(names[i], MOCKS, &test_host, &p, &msg), -EINVAL);
		assert_null(p);
		snprintf(expected, sizeof expected,
			 "plugin name \"%s\": only letters, digits, '_' and '-' are allowed "
			 "(a plugin is named, not given as a path; use --plugin-dir for its "
			 "directory)", names[i]);
		assert_string_equal(msg, expected);
		alloc_free(msg);
	}
	assert_int_equal(plugin_load("", MOCKS, &test_host, &p, &msg), -EINVAL);
	assert_string_equal(msg, "plugin name is empty");
	alloc_free(msg);
	assert_int_equal(plugin_load(NULL, MOCKS, &test_host, &p, &msg), -EINVAL);
	alloc_free(msg);
	assert_string_equal(trace, "");
	assert_false(is_loaded(MOCKS_ALT "/good.so"));

	/* Every allowed character. */
	assert_int_equal(plugin_load("Az09_-", MOCKS, &test_host, &p, &msg), -ENOENT);
	alloc_free(msg);
}
int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_first_dir_wins, setup),
		cmocka_unit_test_setup(test_search_path_string, setup),
		cmocka_unit_test_setup(test_env_path_is_searched, setup),
		cmocka_unit_test_setup(test_compiled_in_dirs, setup),
		cmocka_unit_test_setup(test_not_found, setup),
		cmocka_unit_test_setup(test_bad_names, setup),
	};

	return cmocka_run_group_tests_name("abi_path", tests, NULL, NULL);
}
