/*
 * test_engine_log.c - each engine has its own log (core/log.h): two
 * engines embedded in one process, each with its own sink and level, on
 * virtual clocks with the sim plugin; each sink receives its own engine's
 * lines only, and the process's default sink none of them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "log.h"
#include "scaled/scaled.h"

#define T0 1700000000000LL
#define LINES 64

struct sink {
	int n, by_level[SCALED_LOG_DEBUG + 1];
	char line[LINES][256];
};

static void sink_fn(void *arg, int level, const char *line)
{
	struct sink *s = arg;

	if (s->n < LINES)
		snprintf(s->line[s->n], sizeof s->line[0], "%s", line);
	s->n++;
	s->by_level[level]++;
}

/* How many of s's lines contain what. */
static int sink_count(const struct sink *s, const char *what)
{
	int i, n = 0;

	for (i = 0; i < s->n && i < LINES; i++)
		if (strstr(s->line[i], what))
			n++;
	return n;
}

static struct scaled_engine *engine_with_sink(const char *farm, int level, struct sink *s)
{
	struct scaled_options o;
	struct scaled_engine *e = NULL;
	char *err = NULL;

	scaled_options_init(&o);
	o.virtual_clock = 1;
	o.start_ms = T0;
	o.log_level = level;
	o.log_fn = sink_fn;
	o.log_arg = s;
	o.plugin_path = SCALED_BINARY_DIR "/plugins";
	o.policy_dir = SCALED_SOURCE_DIR "/policies";
	assert_int_equal(scaled_engine_new(&o, &e, &err), 0);
	if (scaled_engine_load_string(e, "farm", farm, &err) < 0)
		fail_msg("load: %s", err ? err : "?");
	return e;
}

static void test_two_engines_two_sinks(void **state)
{
	/* alpha scales (an info line per decision); beta's policy fails (a
	 * warning per tick, and its decisions at info, which beta's level
	 * hides). */
	static const char farm_a[] =
		"plugin 'sim'\n"
		"target 'ta' { kind = 'sim', start = 1 }\n"
		"group 'alpha' { target = 'ta', max = 8, every = '10s',\n"
		"  policy = function(g, s) return g:set(3, 'alpha wants 3') end }\n";
	static const char farm_b[] =
		"plugin 'sim'\n"
		"target 'tb' { kind = 'sim', start = 2 }\n"
		"group 'beta' { target = 'tb', max = 8, every = '10s',\n"
		"  policy = function(g, s) error('beta fails') end }\n";
	struct sink a = { 0 }, b = { 0 }, dflt = { 0 };
	struct scaled_engine *ea, *eb;

	(void)state;
	log_set_sink(sink_fn, &dflt);
	ea = engine_with_sink(farm_a, SCALED_LOG_INFO, &a);
	eb = engine_with_sink(farm_b, SCALED_LOG_WARN, &b);
	/* Interleaved, as an embedder would drive them. */
	assert_int_equal(scaled_engine_step(ea, T0 + 10000), 0);
	assert_int_equal(scaled_engine_step(eb, T0 + 10000), 0);
	assert_int_equal(scaled_engine_step(ea, T0 + 30000), 0);
	assert_int_equal(scaled_engine_step(eb, T0 + 30000), 0);
	assert_int_equal(scaled_engine_tick_all(eb), 0);
	scaled_engine_free(ea);
	/* beta's engine goes on logging to its own sink alone. */
	assert_int_equal(scaled_engine_step(eb, T0 + 40000), 0);
	scaled_engine_free(eb);
	log_set_sink(NULL, NULL);

	assert_true(a.n > 0 && a.n < LINES);
	assert_int_equal(sink_count(&a, "group alpha: 1 -> 3 [ok] function@4: alpha wants 3"), 1);
	assert_int_equal(sink_count(&a, "beta"), 0);
	assert_int_equal(a.by_level[SCALED_LOG_DEBUG], 0);

	assert_true(b.n >= 4 && b.n < LINES);
	assert_int_equal(sink_count(&b, "group beta: policy function@4:"), b.n);
	assert_int_equal(b.by_level[SCALED_LOG_WARN], b.n); /* its level: no info lines */
	assert_int_equal(sink_count(&b, "alpha"), 0);

	assert_int_equal(dflt.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_engines_two_sinks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
