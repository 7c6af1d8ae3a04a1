/*
 * test_abi.c - plugin_load against real mock plugins (see abi.cmake); the
 * search path is in test_abi_path.c.
 *
 * Each refused plugin must come back with the exact errno and message, must
 * not have been probed or initialised unless the case says so, and must
 * leave nothing mapped: dlopen(path, RTLD_NOLOAD) finds nothing afterwards.
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

/* The ABI 1.0 sizes, computed here independently of the loader. */
#define DESC_SIZE_1_0 (offsetof(struct scaled_plugin, kinds) + sizeof(void *))
#define KIND_SIZE_1_0 (offsetof(struct scaled_kind, apply) + sizeof(void (*)(void)))

static const struct scaled_host other_host = {
	.struct_size = sizeof(struct scaled_host),
	.abi_major = SCALED_PLUGIN_ABI_MAJOR,
	.abi_minor = SCALED_PLUGIN_ABI_MINOR,
};

/* ------------------------------------------------------------ good load -- */

static void test_good(void **state)
{
	struct plugin_handle *p = NULL;
	const struct scaled_plugin *raw;
	const struct scaled_kind *src, *tgt;
	scaled_plugin_entry_fn entry;
	char *msg = (char *)"untouched";
	int rc;

	(void)state;
	rc = plugin_load("good", MOCKS, &test_host, &p, &msg);
	assert_int_equal(rc, 0);
	assert_null(msg);
	assert_non_null(p);
	assert_string_equal(p->name, "good");
	assert_string_equal(p->path, MOCKS "/good.so");
	assert_true(is_loaded(MOCKS "/good.so"));
	assert_string_equal(trace, "good:probe good:init ");
	assert_ptr_equal(trace_init_host, &test_host);

	/* The handle keeps a copy of the descriptor, not the plugin's own. */
	entry = (scaled_plugin_entry_fn)dlsym(p->dl, SCALED_PLUGIN_ENTRY);
	assert_non_null(entry);
	raw = entry();
	assert_ptr_not_equal(p->desc, raw);
	assert_int_equal(p->desc_size, sizeof(struct scaled_plugin));
	assert_int_equal(p->desc->abi_major, SCALED_PLUGIN_ABI_MAJOR);
	assert_int_equal(p->desc->abi_minor, SCALED_PLUGIN_ABI_MINOR);
	assert_int_equal(p->desc->struct_size, sizeof(struct scaled_plugin));
	assert_string_equal(p->desc->name, "good");
	assert_string_equal(p->desc->version, "1.0-mock");
	assert_ptr_equal(p->desc->init, raw->init);
	assert_ptr_equal(p->desc->fini, raw->fini);

	src = plugin_find_kind(p, "mock_source");
	tgt = plugin_find_kind(p, "mock_target");
	assert_non_null(src);
	assert_non_null(tgt);
	assert_null(plugin_find_kind(p, "mock"));
	assert_null(plugin_find_kind(p, "mock_source_"));
	assert_null(plugin_find_kind(p, NULL));
	assert_int_equal(src->role, SCALED_ROLE_SOURCE);
	assert_int_equal(tgt->role, SCALED_ROLE_TARGET);
	/* ABI 1.2: the target applies a market mix, the source has no flags */
	assert_true(SCALED_KIND_HAS(tgt, flags) && tgt->flags == SCALED_KIND_APPLIES_MIX);
	assert_int_equal(src->flags, 0);
	/* Kinds are copies too, with the plugin's callbacks, and copies of its
	 * keys (an enum key reads as a string) and limits (entries our size). */
	assert_ptr_not_equal(src, raw->kinds[0]);
	assert_ptr_equal(src->collect, raw->kinds[0]->collect);
	assert_ptr_equal(tgt->apply, raw->kinds[1]->apply);
	assert_ptr_not_equal(src->keys, raw->kinds[0]->keys);
	assert_string_equal(src->keys[0].name, "path");
	assert_ptr_equal(src->keys[0].name, raw->kinds[0]->keys[0].name);
	assert_string_equal(src->keys[3].name, "mode");
	assert_int_equal(raw->kinds[0]->keys[3].type, SCALED_KEY_ENUM);
	assert_int_equal(src->keys[3].type, SCALED_KEY_STRING);
	assert_null(src->keys[4].name);
	assert_ptr_not_equal(src->limits, raw->kinds[0]->limits);
	assert_int_equal(src->limit_size, sizeof(struct scaled_key_limit));
	assert_string_equal(src->limits[0].key, "depth");
	assert_string_equal(src->limits[0].max, "10");
	assert_string_equal(src->limits[2].choices[1], "slow");
	assert_null(src->limits[3].key);
	assert_null(tgt->limits);
	/* desc->kinds lists the same copies, NULL-terminated. */
	assert_ptr_equal(p->desc->kinds[0], src);
	assert_ptr_equal(p->desc->kinds[1], tgt);
	assert_null(p->desc->kinds[2]);

	plugin_unload(p);
	assert_string_equal(trace, "good:probe good:init good:fini ");
	assert_false(is_loaded(MOCKS "/good.so"));
}

static void test_unload_null(void **state)
{
	(void)state;
	plugin_unload(NULL);
	assert_null(plugin_find_kind(NULL, "mock_source"));
}

/* ------------------------------------------------------------- refusals -- */

struct refusal {
	const char *name;
	int rc;
	const char *msg;  /* what follows "<MOCKS>/<name>.so: " */
	int prefix;       /* msg is a prefix (the rest is dlerror's) */
	const char *also; /* and this appears in the message too */
	const char *trace;
};

static const struct refusal refusals[] = {
	{ "mix_source", -EPROTO, "kind \"mock_source\": SCALED_KIND_APPLIES_MIX is for targets, "
	  "and this kind is a source", 0, NULL, "" },
	{ "wrong_major", -EPROTO, "built for plugin ABI 2.0, this scaled has 1.4", 0, NULL, "" },
	{ "missing_symbol", -ELIBBAD, "not a scaled plugin: no scaled_plugin_entry symbol (",
	  1, "undefined symbol: scaled_plugin_entry", "" },
	{ "not_elf", -ELIBBAD, "dlopen failed: ", 1, "not_elf.so", "" },
	{ "null_descriptor", -EPROTO, "scaled_plugin_entry() returned no descriptor (NULL)", 0,
	  NULL, "" },
	{ "name_mismatch", -EPROTO,
	  "the descriptor is named \"someone_else\", but the file is name_mismatch.so "
	  "(a plugin's name must match its file)", 0, NULL, "" },
	{ "failing_init", -EIO, "init() failed (Input/output error): cannot reach the GPU", 0,
	  NULL, "failing_init:probe failing_init:init " },
	{ "probe_declines", -ENOTSUP, "skipped: no GPU", 0, NULL, "probe_declines:probe " },
	{ "bad_kind", -EPROTO,
	  "kind \"mock_target\": a target kind needs create, destroy, poll and apply; "
	  "it lacks apply", 0, NULL, "" },
	{ "dup_kind", -EPROTO, "kind \"mock_source\" is listed twice", 0, NULL, "" },
	{ "bad_key", -EPROTO,
	  "kind \"mock_source\": key \"limit\" is required and has a default (\"10\"); "
	  "it can only be one", 0, NULL, "" },
	{ "dup_key", -EPROTO, "kind \"mock_source\": key \"depth\" is listed twice", 0, NULL, "" },
	{ "bad_key_type", -EPROTO, "kind \"mock_source\": key \"ratio\" has unknown type 42", 0,
	  NULL, "" },
	{ "reserved_key", -EPROTO,
	  "kind \"mock_source\": key \"every\" is reserved: scaled reads it for every source", 0,
	  NULL, "" },
	{ "reserved_stale", -EPROTO,
	  "kind \"mock_source\": key \"stale\" is reserved: scaled reads it for every source", 0,
	  NULL, "" },
	{ "reserved_poll", -EPROTO,
	  "kind \"mock_target\": key \"poll\" is reserved: scaled reads it for every target", 0,
	  NULL, "" },
	{ "bad_role", -EPROTO,
	  "kind \"mock_target\": role 3 (notifier) is not one this scaled runs "
	  "(source or target)", 0, NULL, "" },
	{ "unnamed_kind", -EPROTO, "kind #1 has no name", 0, NULL, "" },
	{ "no_kinds", -EPROTO, "the descriptor lists no kinds", 0, NULL, "" },
	/* ABI 1.1 limits */
	{ "limit_unknown_key", -EPROTO,
	  "kind \"mock_source\": a limit for key \"deep\", which the kind does not have", 0, NULL,
	  "" },
	{ "limit_twice", -EPROTO, "kind \"mock_source\": key \"depth\" is limited twice", 0, NULL,
	  "" },
	{ "limit_default_out", -EPROTO,
	  "kind \"mock_source\": the default of key \"depth\": 3 is not between 5 and 10", 0,
	  NULL, "" },
	{ "limit_bad_bound", -EPROTO,
	  "kind \"mock_source\": key \"depth\": min \"zero\" is not a valid integer", 0, NULL,
	  "" },
	{ "limit_choices_on_int", -EPROTO,
	  "kind \"mock_source\": key \"depth\": choices are for enum keys only (this one is "
	  "integer)", 0, NULL, "" },
	{ "limit_short", -EPROTO,
	  "kind \"mock_source\": limit_size is 0, need at least ", 1, NULL, "" },
	{ "limit_huge", -EPROTO,
	  "kind \"mock_source\": limit_size is 100000, more than the 4096 a limit entry may "
	  "take", 0, NULL, "" },
	{ "limit_bad_default", -EPROTO,
	  "kind \"mock_source\": key \"depth\": its default \"three\" is not a valid integer", 0,
	  NULL, "" },
	{ "enum_no_choices", -EPROTO,
	  "kind \"mock_source\": key \"mode\": an enum key needs choices (a struct "
	  "scaled_key_limit in the kind's limits)", 0, NULL, "" },
};

/* Load `name` from MOCKS, expect rc and "<path>: <expected>" exactly (or
 * as a prefix), and that nothing stays mapped. */
static void expect_refused(const char *name, int want_rc, const char *expected, int prefix,
			   const char *also, const char *want_trace)
{
	struct plugin_handle *p = (struct plugin_handle *)&p;
	char path[512], full[1024];
	char *msg = NULL;
	int rc;

	snprintf(path, sizeof path, MOCKS "/%s.so", name);
	snprintf(full, sizeof full, "%s: %s", path, expected);
	rc = plugin_load(name, MOCKS, &test_host, &p, &msg);
	assert_int_equal(rc, want_rc);
	assert_null(p);
	assert_non_null(msg);
	if (prefix) {
		if (strncmp(msg, full, strlen(full)) != 0)
			fail_msg("message \"%s\" does not start with \"%s\"", msg, full);
	} else {
		assert_string_equal(msg, full);
	}
	if (also && !strstr(msg, also))
		fail_msg("message \"%s\" does not mention \"%s\"", msg, also);
	assert_string_equal(trace, want_trace);
	assert_false(is_loaded(path));
	alloc_free(msg);
}

static void test_refused(void **state)
{
	const struct refusal *r = *state;

	expect_refused(r->name, r->rc, r->msg, r->prefix, r->also, r->trace);
}

static void test_short_struct(void **state)
{
	char expected[128];

	(void)state;
	/* At 1.0, the 1.0 sizes are the sizes (a check on the formulas). */
	if (SCALED_PLUGIN_ABI_MINOR == 0) {
		assert_int_equal(DESC_SIZE_1_0, sizeof(struct scaled_plugin));
		assert_int_equal(KIND_SIZE_1_0, sizeof(struct scaled_kind));
	}
	snprintf(expected, sizeof expected, "descriptor too short: 8 bytes, need at least %zu",
		 (size_t)DESC_SIZE_1_0);
	expect_refused("short_struct", -EPROTO, expected, 0, NULL, "");
}

static void test_short_kind(void **state)
{
	char expected[128];

	(void)state;
	snprintf(expected, sizeof expected, "kind #1: struct too short: 16 bytes, need at least %zu",
		 (size_t)KIND_SIZE_1_0);
	expect_refused("short_kind", -EPROTO, expected, 0, NULL, "");
}

/* ---------------------------------------------------------------- minors -- */

/* A plugin built for exactly the 1.0 structs. Today that is also sizeof;
 * once plugin.h grows, this is the "older minor" case and the members past
 * 1.0 must read as zero. */
static void test_old_minor(void **state)
{
	struct plugin_handle *p = NULL;
	const struct scaled_kind *k;
	char *msg = NULL;
	int rc;

	(void)state;
	rc = plugin_load("old_minor", MOCKS, &test_host, &p, &msg);
	assert_int_equal(rc, 0);
	assert_null(msg);
	assert_int_equal(p->desc->abi_minor, 0);
	assert_int_equal(p->desc->struct_size, DESC_SIZE_1_0);
	assert_int_equal(p->desc_size, DESC_SIZE_1_0);
	k = plugin_find_kind(p, "mock_target");
	assert_non_null(k);
	assert_int_equal(k->struct_size, KIND_SIZE_1_0);
	assert_non_null(k->apply);
	/* its flags (1.2) lie past its struct_size: a target without markets */
	assert_false(SCALED_KIND_HAS(k, flags) && k->flags != 0);
	/* The source's kind sets limits, past its 1.0 struct_size: unread. Its
	 * keys are read as 1.0 read them. */
	k = plugin_find_kind(p, "mock_source");
	assert_non_null(k);
	assert_null(k->limits);
	assert_int_equal(k->limit_size, 0);
	assert_string_equal(k->keys[1].name, "depth");
	assert_string_equal(k->keys[2].name, "settle");
	assert_null(k->keys[3].name);
	if (sizeof(struct scaled_plugin) > DESC_SIZE_1_0) {
		static const char zero[sizeof(struct scaled_plugin)];
		const char *after = (const char *)p->desc + DESC_SIZE_1_0;

		assert_memory_equal(after, zero, sizeof(struct scaled_plugin) - DESC_SIZE_1_0);
	}
	assert_string_equal(trace, "old_minor:probe old_minor:init ");
	plugin_unload(p);
	assert_false(is_loaded(MOCKS "/old_minor.so"));
}

/* A plugin built for a later minor, with members we do not know at the end
 * of every struct: accepted, and the copies stop at our sizeof. */
static void test_future_minor(void **state)
{
	struct plugin_handle *p = NULL;
	const struct scaled_kind *k;
	char *msg = NULL;
	int rc;

	(void)state;
	rc = plugin_load("future_minor", MOCKS, &test_host, &p, &msg);
	assert_int_equal(rc, 0);
	assert_null(msg);
	assert_int_equal(p->desc->abi_minor, SCALED_PLUGIN_ABI_MINOR + 1);
	assert_int_equal(p->desc->struct_size, sizeof(struct scaled_plugin) + 2 * sizeof(uintptr_t));
	assert_int_equal(p->desc_size, sizeof(struct scaled_plugin));
	k = plugin_find_kind(p, "mock_source");
	assert_non_null(k);
	assert_int_equal(k->struct_size, sizeof(struct scaled_kind) + 2 * sizeof(uintptr_t));
	assert_non_null(k->collect);
	plugin_unload(p);
	assert_string_equal(trace, "future_minor:probe future_minor:init future_minor:fini ");
	assert_false(is_loaded(MOCKS "/future_minor.so"));
}

/* ------------------------------------------------------ shared / failure -- */

/* Two loads in one process (two engines): init once, fini with the last. */
static void test_loaded_twice(void **state)
{
	struct plugin_handle *a = NULL, *b = NULL, *c = NULL;
	char *msg = NULL;

	(void)state;
	assert_int_equal(plugin_load("good", MOCKS, &test_host, &a, &msg), 0);
	assert_int_equal(plugin_load("good", MOCKS, &test_host, &b, &msg), 0);
	assert_ptr_not_equal(a, b);
	assert_string_equal(trace, "good:probe good:init ");

	/* The same plugin cannot be initialised for a second host table. */
	assert_int_equal(plugin_load("good", MOCKS, &other_host, &c, &msg), -EBUSY);
	assert_null(c);
	assert_string_equal(msg, MOCKS "/good.so: already loaded in this process with "
			    "another host table");
	alloc_free(msg);

	plugin_unload(a);
	assert_string_equal(trace, "good:probe good:init ");
	assert_true(is_loaded(MOCKS "/good.so"));
	assert_non_null(plugin_find_kind(b, "mock_source"));
	plugin_unload(b);
	assert_string_equal(trace, "good:probe good:init good:fini ");
	assert_false(is_loaded(MOCKS "/good.so"));

	/* Once all are gone, another host table may have it. */
	assert_int_equal(plugin_load("good", MOCKS, &other_host, &c, &msg), 0);
	assert_ptr_equal(trace_init_host, &other_host);
	plugin_unload(c);
}

/* Fail every allocation in turn: -ENOMEM, nothing mapped, never a
 * half-initialised plugin, no leak (under ASan). */
static void test_alloc_failure(void **state)
{
	struct plugin_handle *p = NULL;
	char *msg = NULL;
	long n;
	int rc = -1;

	(void)state;
	for (n = 0; n < 100; n++) {
		alloc_fail_after(n);
		rc = plugin_load("good", MOCKS, &test_host, &p, &msg);
		alloc_fail_after(-1);
		if (rc == 0)
			break;
		assert_int_equal(rc, -ENOMEM);
		assert_null(p);
		alloc_free(msg);
		msg = NULL;
		assert_string_equal(trace, "");
		assert_false(is_loaded(MOCKS "/good.so"));
	}
	/* At least the handle and the name must have been allocated. */
	assert_true(n >= 2);
	assert_int_equal(rc, 0);
	assert_string_equal(trace, "good:probe good:init ");
	plugin_unload(p);

	/* The same with the default search path built inside. */
	setenv("SCALED_PLUGIN_PATH", MOCKS, 1);
	for (n = 0; n < 100; n++) {
		trace[0] = '\0';
		alloc_fail_after(n);
		rc = plugin_load("good", NULL, &test_host, &p, &msg);
		alloc_fail_after(-1);
		if (rc == 0)
			break;
		assert_int_equal(rc, -ENOMEM);
		alloc_free(msg);
		msg = NULL;
		assert_string_equal(trace, "");
		assert_false(is_loaded(MOCKS "/good.so"));
	}
	assert_int_equal(rc, 0);
	assert_string_equal(trace, "good:probe good:init ");
	plugin_unload(p);
}

static void test_no_errmsg_no_host(void **state)
{
	struct plugin_handle *p = NULL;
	char *msg = NULL;

	(void)state;
	/* errmsg may be NULL: the message is dropped, nothing leaks. */
	assert_int_equal(plugin_load("wrong_major", MOCKS, &test_host, &p, NULL), -EPROTO);
	assert_int_equal(plugin_load("good", MOCKS, &test_host, &p, NULL), 0);
	plugin_unload(p);

	assert_int_equal(plugin_load("good", MOCKS, NULL, &p, &msg), -EINVAL);
	assert_null(p);
	assert_string_equal(msg, "good: no host table to init the plugin with");
	alloc_free(msg);
	assert_false(is_loaded(MOCKS "/good.so"));
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test_setup(test_good, setup),
		cmocka_unit_test_setup(test_unload_null, setup),
		cmocka_unit_test_setup(test_short_struct, setup),
		cmocka_unit_test_setup(test_short_kind, setup),
		cmocka_unit_test_setup(test_old_minor, setup),
		cmocka_unit_test_setup(test_future_minor, setup),
		cmocka_unit_test_setup(test_loaded_twice, setup),
		cmocka_unit_test_setup(test_alloc_failure, setup),
		cmocka_unit_test_setup(test_no_errmsg_no_host, setup),
	};
	enum { N_FIXED = sizeof fixed / sizeof fixed[0],
	       N_REFUSALS = sizeof refusals / sizeof refusals[0] };
	struct CMUnitTest tests[N_FIXED + N_REFUSALS];
	char names[N_REFUSALS][64];
	size_t i;

	memcpy(tests, fixed, sizeof fixed);
	for (i = 0; i < N_REFUSALS; i++) {
		snprintf(names[i], sizeof names[i], "test_refused_%s", refusals[i].name);
		tests[N_FIXED + i] = (struct CMUnitTest){
			.name = names[i],
			.test_func = test_refused,
			.setup_func = setup,
			.initial_state = (void *)&refusals[i],
		};
	}
	return _cmocka_run_group_tests("abi", tests, N_FIXED + N_REFUSALS, NULL, NULL);
}
