/*
 * test_engine_embed.c - the embedding additions made for scaled simulate:
 * an in-process plugin (scaled_engine_add_plugin), checked as a .so is, and
 * the kind map (scaled_options.kind_map): matched by name before kind, the
 * mapped kind's values from the map's texts then the farm's keys of the
 * same name, refusals naming file:line, bad map keys refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scaled/scaled.h"

#define T0 1700000000000LL

/* ----------------------------------------------------- an in-process kind -- */

static int inits;
static const struct scaled_host *host;

/* What the last create() got: count, delay (ms), label. */
static int64_t got_count, got_delay_ms;
static char got_label[64];

static int fake_init(const struct scaled_host *h, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	host = h;
	inits++;
	return 0;
}

static const struct scaled_key fake_keys[] = {
	{ "count", SCALED_KEY_INT, "1", 0, "units" },
	{ "delay", SCALED_KEY_DURATION, "5s", 0, "boot" },
	{ "label", SCALED_KEY_STRING, "none", 0, "a label" },
	{ NULL, 0, NULL, 0, NULL },
};

static int fake_create(struct scaled_instance *inst, const struct scaled_value *v, void **state,
		       char *err, size_t errlen)
{
	(void)inst;
	(void)err;
	(void)errlen;
	got_count = v[0].u.integer;
	got_delay_ms = v[1].u.ms;
	snprintf(got_label, sizeof got_label, "%s", v[2].u.str);
	*state = NULL;
	return 0;
}

static void fake_destroy(void *state)
{
	(void)state;
}

static int fake_poll(void *state, char *err, size_t errlen)
{
	(void)state;
	(void)err;
	(void)errlen;
	return 0;
}

static int fake_apply(void *state, const struct scaled_target_want *want, uint64_t token,
		      char *err, size_t errlen)
{
	(void)state;
	(void)want;
	(void)token;
	(void)err;
	(void)errlen;
	return -ENOTSUP;
}

static const struct scaled_kind fake_kind = {
	.struct_size = sizeof(struct scaled_kind),
	.name = "fake.capacity",
	.role = SCALED_ROLE_TARGET,
	.help = "a test target",
	.keys = fake_keys,
	.create = fake_create,
	.destroy = fake_destroy,
	.poll = fake_poll,
	.apply = fake_apply,
};

static const struct scaled_kind *const fake_kinds[] = { &fake_kind, NULL };

static const struct scaled_plugin fake_plugin = {
	.abi_major = SCALED_PLUGIN_ABI_MAJOR,
	.abi_minor = SCALED_PLUGIN_ABI_MINOR,
	.struct_size = sizeof(struct scaled_plugin),
	.name = "fake",
	.version = "1",
	.init = fake_init,
	.kinds = fake_kinds,
};

static const struct scaled_plugin wrong_major = {
	.abi_major = SCALED_PLUGIN_ABI_MAJOR + 1,
	.abi_minor = 0,
	.struct_size = sizeof(struct scaled_plugin),
	.name = "wrong",
	.kinds = fake_kinds,
};

/* ------------------------------------------------------------------ helpers -- */

static struct scaled_engine *engine(const struct scaled_kind_map *map, size_t n)
{
	struct scaled_options o;
	struct scaled_engine *e = NULL;
	char *err = NULL;

	scaled_options_init(&o);
	o.virtual_clock = 1;
	o.start_ms = T0;
	o.log_level = SCALED_LOG_ERROR;
	o.plugin_path = SCALED_BINARY_DIR "/plugins";
	o.policy_dir = SCALED_SOURCE_DIR "/policies";
	o.kind_map = map;
	o.n_kind_map = n;
	assert_int_equal(scaled_engine_new(&o, &e, &err), 0);
	assert_int_equal(scaled_engine_add_plugin(e, &fake_plugin, &err), 0);
	return e;
}

/* Load farm; returns the status, the message in *msg (free()). */
static int load(struct scaled_engine *e, const char *farm, char **msg)
{
	*msg = NULL;
	return scaled_engine_load_string(e, "farm.lua", farm, msg);
}

/* ------------------------------------------------------------------- tests -- */

static void test_add_plugin(void **state)
{
	struct scaled_engine *e = engine(NULL, 0), *e2;
	char *err = NULL;

	(void)state;
	/* The same name again, or a major of the future: refused. */
	assert_int_equal(scaled_engine_add_plugin(e, &fake_plugin, &err), -EEXIST);
	assert_non_null(strstr(err, "\"fake\" is loaded already"));
	free(err);
	err = NULL;
	assert_int_equal(scaled_engine_add_plugin(e, &wrong_major, &err), -EPROTO);
	assert_non_null(err);
	assert_non_null(strstr(err, "in-process plugin"));
	free(err);
	/* Its kind is a farm's like a .so's; `plugin "fake"` finds it loaded. */
	assert_int_equal(load(e, "plugin \"fake\"\n"
			      "target \"t\" { kind = \"fake.capacity\", count = 3 }\n", &err), 0);
	assert_int_equal(got_count, 3);
	/* After the farm: too late. */
	assert_int_equal(scaled_engine_add_plugin(e, &fake_plugin, &err), -EALREADY);
	free(err);
	/* init() once per process, however many engines add it. */
	e2 = engine(NULL, 0);
	assert_int_equal(inits, 1);
	scaled_engine_free(e2);
	scaled_engine_free(e);
}

static const char *const map_keys[] = { "count=7", "label=mapped", NULL };
static const char *const refuse_reason[] = { "a cloud target: map it", NULL };

static void test_map_by_name_then_kind(void **state)
{
	/* By kind: every "sim" target is fake.capacity with count 7 and the
	 * farm's own `delay` (a key of both); by name, "b" gets defaults. */
	const struct scaled_kind_map map[] = {
		{ .match = "sim", .kind = "fake.capacity", .keys = map_keys },
		{ .match = "b", .kind = "fake.capacity" },
	};
	struct scaled_engine *e = engine(map, 2);
	char *err = NULL;

	(void)state;
	assert_int_equal(load(e, "target \"a\" { kind = \"sim\", delay = \"90s\", count = 2, "
			      "spot_price = \"x\" }\n", &err), 0);
	/* The map's count wins over the farm's; delay is the farm's; the
	 * farm's spot_price (not fake.capacity's) is not read. */
	assert_int_equal(got_count, 7);
	assert_int_equal(got_delay_ms, 90000);
	assert_string_equal(got_label, "mapped");
	scaled_engine_free(e);

	e = engine(map, 2);
	assert_int_equal(load(e, "target \"b\" { kind = \"sim\" }\n", &err), 0);
	assert_int_equal(got_count, 1);
	assert_string_equal(got_label, "none");
	scaled_engine_free(e);
}

static void test_map_refusals(void **state)
{
	const struct scaled_kind_map refuse[] = {
		{ .match = "aws.asg", .kind = NULL, .keys = refuse_reason },
	};
	const char *const bad_key[] = { "colour=red", NULL };
	const char *const bad_type[] = { "count=many", NULL };
	const char *const not_int[] = { "count=1.5", NULL };
	const struct scaled_kind_map m1[] = { { .match = "t", .kind = "fake.capacity", .keys = bad_key } };
	const struct scaled_kind_map m2[] = { { .match = "t", .kind = "fake.capacity", .keys = bad_type } };
	const struct scaled_kind_map m3[] = { { .match = "t", .kind = "fake.capacity", .keys = not_int } };
	struct scaled_engine *e = engine(refuse, 1);
	char *err = NULL;

	(void)state;
	assert_int_equal(load(e, "\n\ntarget \"asg\" { kind = \"aws.asg\", name = \"x\" }\n", &err),
			 -EINVAL);
	assert_string_equal(err, "farm.lua:3: target \"asg\": kind \"aws.asg\" has no mapping "
			    "(a cloud target: map it)");
	free(err);
	scaled_engine_free(e);

	e = engine(m1, 1);
	assert_int_equal(load(e, "target \"t\" { kind = \"sim\" }\n", &err), -EINVAL);
	assert_non_null(strstr(err, "farm.lua:1: target \"t\": the kind map's key \"colour=red\" "
				    "is not a key of kind \"fake.capacity\""));
	free(err);
	scaled_engine_free(e);

	e = engine(m2, 1);
	assert_int_equal(load(e, "target \"t\" { kind = \"sim\" }\n", &err), -EINVAL);
	assert_non_null(strstr(err, "\"many\" is not a valid integer"));
	free(err);
	scaled_engine_free(e);

	/* a number but not an integer: the map's error, naming its key */
	e = engine(m3, 1);
	assert_int_equal(load(e, "target \"t\" { kind = \"sim\" }\n", &err), -EINVAL);
	assert_non_null(strstr(err, "the kind map's key \"count\" of kind \"fake.capacity\": "
				    "\"1.5\" is not a valid integer"));
	free(err);
	scaled_engine_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_plugin),
		cmocka_unit_test(test_map_by_name_then_kind),
		cmocka_unit_test(test_map_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
