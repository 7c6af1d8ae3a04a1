/*
 * test_aws_docs.c - the aws plugin's pages against its code, so that the
 * docs cannot drift from it. The kinds are those of the built aws.so
 * (dlopen, scaled_plugin_entry; init is not called): README.md's kinds
 * table has one row per kind, in the descriptor's order, linking the
 * kind's page docs/<kind>.md; and that page's key table (the first table
 * whose header starts "| key |") names exactly the kind's keys plus the
 * core's own (every and stale for a source, poll for a target), each with
 * its type, "required" for a required key, the key's default in backquotes
 * where it has one, and the AWS_ENDPOINT_URL_<SVC> name its help gives.
 */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scaled/plugin.h"

#define DOCS SCALED_SOURCE_DIR "/plugins/aws/"

/* The core's keys (core/config.c: config_source_keys, config_target_keys),
 * which a page documents beside the kind's; `must`: its row is wanted. */
static const struct core_key {
	enum scaled_role role;
	const char *name, *type, *def;
	int must;
} core_keys[] = {
	{ SCALED_ROLE_SOURCE, "every", "duration", "10s", 1 },
	{ SCALED_ROLE_SOURCE, "stale", "duration", NULL, 0 },
	{ SCALED_ROLE_TARGET, "poll", "duration", "5s", 1 },
};

static const struct scaled_plugin *plugin;
static void *module;

static int open_plugin(void **state)
{
	const struct scaled_plugin *(*entry)(void);

	(void)state;
	module = dlopen(SCALED_AWS_SO, RTLD_NOW | RTLD_LOCAL);
	if (!module) {
		fprintf(stderr, "dlopen %s: %s\n", SCALED_AWS_SO, dlerror());
		return -1;
	}
	*(void **)&entry = dlsym(module, "scaled_plugin_entry");
	plugin = entry ? entry() : NULL;
	return plugin && plugin->kinds && plugin->kinds[0] ? 0 : -1;
}

static int close_plugin(void **state)
{
	(void)state;
	dlclose(module);
	return 0;
}

static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *text;
	size_t n;

	if (!fp)
		fail_msg("cannot open %s", path);
	text = calloc(1, 1u << 20);
	assert_non_null(text);
	n = fread(text, 1, (1u << 20) - 1, fp);
	fclose(fp);
	assert_true(n > 0);
	return text;
}

static const char *type_word(enum scaled_key_type t)
{
	switch (t) {
	case SCALED_KEY_STRING: return "string";
	case SCALED_KEY_INT: return "integer";
	case SCALED_KEY_NUMBER: return "number";
	case SCALED_KEY_BOOL: return "boolean";
	case SCALED_KEY_DURATION: return "duration";
	case SCALED_KEY_ENUM: return "enum";
	}
	return "?";
}

/* The first four cells of a table row "| a | b | c | d |" into cell[],
 * trimmed and NUL-terminated in place; 0, or -1 when it has fewer. */
static int cells(char *row, char *cell[4])
{
	char *p = row;
	int i;

	if (*p != '|')
		return -1;
	for (i = 0; i < 4; i++) {
		char *s = p + 1, *e = strchr(s, '|');

		if (!e)
			return -1;
		p = e; /* the next cell starts after it */
		while (*s == ' ')
			s++;
		while (e > s && e[-1] == ' ')
			e--;
		*e = '\0';
		cell[i] = s;
	}
	return 0;
}

/* One documented key against what it should say. */
static void check_row(const char *page, const char *name, char *cell[4], const char *type,
		      int required, const char *def, const char *help)
{
	const char *env = help ? strstr(help, "AWS_ENDPOINT_URL_") : NULL;

	if (strcmp(cell[1], type) != 0)
		fail_msg("%s: key '%s' is of type %s, not '%s'", page, name, type, cell[1]);
	if (required && strcmp(cell[2], "required") != 0)
		fail_msg("%s: key '%s' is required; the page says '%s'", page, name, cell[2]);
	if (!required && strcmp(cell[2], "required") == 0)
		fail_msg("%s: key '%s' is not required", page, name);
	if (!required && def) {
		char want[128];

		snprintf(want, sizeof want, "`%s`", def);
		if (!strstr(cell[2], want))
			fail_msg("%s: key '%s' defaults to %s; the page says '%s'", page, name,
				 want, cell[2]);
	}
	if (env) {
		char var[64];

		snprintf(var, sizeof var, "%.*s", (int)strspn(env, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_"),
			 env);
		if (!strstr(cell[2], var))
			fail_msg("%s: key '%s' reads %s; the page does not say so", page, name,
				 var);
	}
}

static void check_page(const struct scaled_kind *k)
{
	char path[512], *text, *p, *nl;
	const struct scaled_key *key;
	size_t i, rows = 0;
	int seen[64] = { 0 }, seen_core[3] = { 0 };

	snprintf(path, sizeof path, DOCS "docs/%s.md", k->name);
	text = slurp(path);
	p = strstr(text, "\n| key |");
	if (!p)
		fail_msg("%s: no key table", path);
	p = strchr(p + 1, '\n'); /* past the header */
	assert_non_null(p);
	p = strchr(p + 1, '\n'); /* past the |---| line */
	for (; p && p[1] == '|'; p = nl) {
		char *cell[4], name[64];
		size_t j;

		nl = strchr(p + 1, '\n');
		if (nl)
			*nl = '\0'; /* the row alone; p[1] of the next is still its own */
		if (cells(p + 1, cell) < 0 || sscanf(cell[0], "`%63[^`]`", name) != 1)
			fail_msg("%s: a key row not as '| `key` | type | default | meaning |': %s",
				 path, p + 1);
		rows++;
		for (j = 0, key = k->keys; key && key->name; key++, j++)
			if (strcmp(key->name, name) == 0)
				break;
		if (key && key->name) {
			assert_true(j < 64);
			if (seen[j]++)
				fail_msg("%s: key '%s' documented twice", path, name);
			check_row(path, name, cell, type_word(key->type), key->required,
				  key->default_value, key->help);
		} else {
			for (j = 0; j < 3; j++)
				if (core_keys[j].role == k->role &&
				    strcmp(core_keys[j].name, name) == 0)
					break;
			if (j == 3)
				fail_msg("%s documents '%s', which %s does not take", path, name,
					 k->name);
			if (seen_core[j]++)
				fail_msg("%s: key '%s' documented twice", path, name);
			check_row(path, name, cell, core_keys[j].type, 0, core_keys[j].def, NULL);
		}
	}
	for (i = 0, key = k->keys; key && key->name; key++, i++)
		if (!seen[i])
			fail_msg("%s: the key table lacks the key '%s'", path, key->name);
	for (i = 0; i < 3; i++)
		if (core_keys[i].role == k->role && core_keys[i].must && !seen_core[i])
			fail_msg("%s: the key table lacks the core's key '%s'", path,
				 core_keys[i].name);
	assert_true(rows > 0);
	free(text);
}

/* Every kind's page and its key table. */
static void test_pages(void **state)
{
	const struct scaled_kind *const *k;

	(void)state;
	for (k = plugin->kinds; *k; k++)
		check_page(*k);
}

/* README.md's kinds table: a row per kind, in the descriptor's order
 * (sources, then targets), with its role and a link to its page. */
static void test_readme_kinds(void **state)
{
	char *text = slurp(DOCS "README.md"), *p;
	const struct scaled_kind *const *k = plugin->kinds;

	(void)state;
	p = strstr(text, "\n| kind | role |");
	assert_non_null(p);
	p = strchr(p + 1, '\n');
	assert_non_null(p);
	for (p = strchr(p + 1, '\n'); p && p[1] == '|'; p = strchr(p + 1, '\n')) {
		char want[256];

		if (!*k)
			fail_msg("README.md's kinds table has a row past the last kind: %.60s",
				 p + 1);
		snprintf(want, sizeof want, "| [`%s`](docs/%s.md) | %s |", (*k)->name, (*k)->name,
			 (*k)->role == SCALED_ROLE_SOURCE ? "source" : "target");
		if (strncmp(p + 1, want, strlen(want)) != 0)
			fail_msg("README.md's kinds table: want a row starting %s, found %.60s",
				 want, p + 1);
		k++;
	}
	if (*k)
		fail_msg("README.md's kinds table lacks %s", (*k)->name);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pages),
		cmocka_unit_test(test_readme_kinds),
	};

	return cmocka_run_group_tests(tests, open_plugin, close_plugin);
}
