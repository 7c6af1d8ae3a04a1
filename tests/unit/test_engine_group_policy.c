/*
 * test_engine_group_policy.c - scaled_options.group_policy: one policy for
 * every group in place of the farm's, made from the group's name and
 * target; read and checked as the key "policy" is; its errors name
 * "group_policy" or the group's line. With the real sim plugin.
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

/* Two groups whose own policies hold; each has its own sim target. */
static const char farm[] =
	"plugin \"sim\"\n"
	"target \"pa\" { kind = \"sim\", start = 1 }\n"
	"target \"pb\" { kind = \"sim\", start = 1 }\n"
	"group \"ga\" { target = \"pa\", min = 0, max = 9, every = \"30s\",\n"
	"  policy = function(g) return g:hold(\"own\") end }\n"
	"group \"gb\" { target = \"pb\", min = 0, max = 9, every = \"30s\",\n"
	"  policy = function(g) return g:hold(\"own\") end }\n";

/* Load farm with group_policy gp: 0, or the error with its message. */
static int load(const char *gp, struct scaled_engine **out, char **msg)
{
	struct scaled_options o;
	int rc;

	scaled_options_init(&o);
	o.virtual_clock = 1;
	o.start_ms = T0;
	o.log_level = SCALED_LOG_ERROR;
	o.plugin_path = SCALED_BINARY_DIR "/plugins";
	o.policy_dir = SCALED_SOURCE_DIR "/policies";
	o.group_policy = gp;
	*msg = NULL;
	*out = NULL;
	assert_int_equal(scaled_engine_new(&o, out, msg), 0);
	rc = scaled_engine_load_string(*out, "farm.lua", farm, msg);
	if (rc < 0) {
		scaled_engine_free(*out);
		*out = NULL;
	}
	return rc;
}

static int desired(struct scaled_engine *e, const char *group)
{
	struct scaled_group_status st;

	assert_int_equal(scaled_engine_group_status(e, group, &st), 0);
	return st.desired;
}

static void test_replaces_every_policy(void **state)
{
	/* ga sets 2 (its name's length), gb 4 (twice its target's); the
	 * reason says which group and target the function was given. */
	static const char gp[] =
		"return function(g)\n"
		"  local n = g.name == 'ga' and 2 or 2 * #g.target\n"
		"  return function(v) return v:set(n, g.name .. ' on ' .. g.target) end\n"
		"end\n";
	struct scaled_engine *e;
	const struct scaled_decision *d[8];
	size_t n, i;
	char *msg;
	int found = 0;

	(void)state;
	assert_int_equal(load(gp, &e, &msg), 0);
	scaled_engine_step(e, T0 + 60000);
	assert_int_equal(desired(e, "ga"), 2);
	assert_int_equal(desired(e, "gb"), 4);
	n = scaled_engine_decisions(e, d, 8);
	for (i = 0; i < n; i++)
		found += strstr(d[i]->proposals[0].reason, "gb on pb") != NULL;
	assert_true(found > 0);
	scaled_engine_free(e);
	/* Without it: the farm's own (hold at 1). */
	assert_int_equal(load(NULL, &e, &msg), 0);
	scaled_engine_step(e, T0 + 60000);
	assert_int_equal(desired(e, "ga"), 1);
	scaled_engine_free(e);
}

static void test_shipped_policy(void **state)
{
	/* require works: the seed's queue step on the target's own series
	 * (pa.on_demand: the sim target's on-demand units, 1 -> step 1: 3). */
	static const char gp[] =
		"local policy = require 'policy'\n"
		"return function(g)\n"
		"  return policy.queue_step { series = g.target .. '.on_demand',\n"
		"    steps = { {0, 0}, {1, 3} } }\n"
		"end\n";
	struct scaled_engine *e;
	char *msg;

	(void)state;
	assert_int_equal(load(gp, &e, &msg), 0);
	scaled_engine_step(e, T0 + 60000);
	assert_int_equal(desired(e, "ga"), 3);
	scaled_engine_free(e);
}

static void test_errors(void **state)
{
	struct scaled_engine *e;
	char *msg;

	(void)state;
	/* The chunk must return a function. */
	assert_int_equal(load("return 3", &e, &msg), -EINVAL);
	assert_non_null(strstr(msg, "group_policy: the chunk returned a number, not a function"));
	free(msg);
	/* A syntax error names the chunk. */
	assert_true(load("return function(", &e, &msg) < 0);
	assert_non_null(strstr(msg, "group_policy"));
	free(msg);
	/* The function's error names the group's line and group_policy. */
	assert_int_equal(load("return function(g) error('no policy for ' .. g.name, 0) end",
			      &e, &msg), -EINVAL);
	assert_non_null(strstr(msg, "farm.lua:4: group \"ga\": group_policy: no policy for ga"));
	free(msg);
	/* What it returns is checked as the key is. */
	assert_int_equal(load("return function(g) return 7 end", &e, &msg), -EINVAL);
	assert_non_null(strstr(msg, "group \"ga\": policy 1: expected a function or a policy "
				    "table, got number"));
	free(msg);
	/* A series no source or target declares is refused. */
	assert_int_equal(load("local policy = require 'policy'\n"
			      "return function(g) return policy.queue_step { series = 'nope',\n"
			      "  steps = { {0, 0} } } end", &e, &msg), -EINVAL);
	assert_non_null(strstr(msg, "reads series \"nope\", which no source or target declares"));
	free(msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replaces_every_policy),
		cmocka_unit_test(test_shipped_policy),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
