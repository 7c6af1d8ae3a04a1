/* test_log.c - level filter, sink, default stderr format, level names, and
 * logs of their own (an engine's) made current per thread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

struct capture {
	int n;
	int level;
	char line[4096];
};

static void capture_sink(void *arg, int level, const char *line)
{
	struct capture *c = arg;

	c->n++;
	c->level = level;
	snprintf(c->line, sizeof(c->line), "%s", line);
}

static int teardown(void **state)
{
	(void)state;
	log_set_sink(NULL, NULL);
	log_set_level(SCALED_LOG_INFO);
	return 0;
}

static void test_filter(void **state)
{
	struct capture c = { 0 };

	(void)state;
	assert_int_equal(log_level(), SCALED_LOG_INFO); /* the default */
	log_set_sink(capture_sink, &c);
	LOG_DEBUG("hidden %d", 1);
	assert_int_equal(c.n, 0);
	LOG_INFO("group %s: %d", "workers", 3);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.level, SCALED_LOG_INFO);
	assert_string_equal(c.line, "group workers: 3");
	LOG_ERROR("bad");
	assert_int_equal(c.n, 2);
	assert_int_equal(c.level, SCALED_LOG_ERROR);

	log_set_level(SCALED_LOG_ERROR);
	LOG_WARN("hidden");
	LOG_INFO("hidden");
	assert_int_equal(c.n, 2);
	log_set_level(SCALED_LOG_DEBUG);
	LOG_DEBUG("shown");
	assert_int_equal(c.n, 3);
	assert_int_equal(c.level, SCALED_LOG_DEBUG);

	/* out-of-range levels are clamped, not out-of-bounds */
	log_set_level(99);
	assert_int_equal(log_level(), SCALED_LOG_DEBUG);
	log_set_level(-5);
	assert_int_equal(log_level(), SCALED_LOG_ERROR);
	log_msg(-3, "as error");
	assert_int_equal(c.n, 4);
	assert_int_equal(c.level, SCALED_LOG_ERROR);
}

static void test_line_shape(void **state)
{
	struct capture c = { 0 };
	char big[5000];

	(void)state;
	log_set_sink(capture_sink, &c);
	LOG_INFO("trailing newline\n");
	assert_string_equal(c.line, "trailing newline");

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	LOG_INFO("%s", big);
	assert_int_equal(strlen(c.line), 2047);
	assert_string_equal(c.line + 2044, "...");
}

static void test_default_sink(void **state)
{
	FILE *tmp = tmpfile();
	int saved = dup(2);
	char buf[256] = "";
	size_t n;

	(void)state;
	assert_non_null(tmp);
	assert_true(saved >= 0);
	fflush(stderr);
	dup2(fileno(tmp), 2);
	LOG_WARN("target %s: %d left", "pool", 2);
	LOG_DEBUG("not shown");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);

	rewind(tmp);
	n = fread(buf, 1, sizeof(buf) - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
	assert_string_equal(buf, "warn: target pool: 2 left\n");
}

static void test_parse(void **state)
{
	(void)state;
	assert_int_equal(log_level_parse("error"), SCALED_LOG_ERROR);
	assert_int_equal(log_level_parse("warn"), SCALED_LOG_WARN);
	assert_int_equal(log_level_parse("warning"), SCALED_LOG_WARN);
	assert_int_equal(log_level_parse("info"), SCALED_LOG_INFO);
	assert_int_equal(log_level_parse("debug"), SCALED_LOG_DEBUG);
	assert_int_equal(log_level_parse("DEBUG"), SCALED_LOG_DEBUG);
	assert_int_equal(log_level_parse("trace"), -1);
	assert_int_equal(log_level_parse(""), -1);
	assert_int_equal(log_level_parse("info "), -1);
	assert_int_equal(log_level_parse(NULL), -1);
}

/* LOG_*() go to the thread's current log; log_enter nests; log_to goes to
 * the log it names, at that log's level; the default sees none of it. */
static void test_current_log(void **state)
{
	struct capture dflt = { 0 }, ca = { 0 }, cb = { 0 };
	struct log a, b, *prev, *inner;

	(void)state;
	log_set_sink(capture_sink, &dflt);
	log_init(&a, SCALED_LOG_DEBUG, capture_sink, &ca);
	log_init(&b, SCALED_LOG_WARN, capture_sink, &cb);
	assert_ptr_not_equal(log_current(), &a);

	prev = log_enter(&a);
	assert_ptr_equal(log_current(), &a);
	assert_int_equal(log_level(), SCALED_LOG_DEBUG);
	LOG_DEBUG("to a %d", 1);
	inner = log_enter(&b);
	assert_ptr_equal(inner, &a);
	LOG_INFO("hidden by b's level");
	LOG_WARN("to b");
	log_to(&a, SCALED_LOG_INFO, "to a %s", "explicitly");
	log_leave(inner);
	LOG_ERROR("a again");
	log_leave(prev);
	LOG_INFO("to the default");

	assert_int_equal(ca.n, 3);
	assert_string_equal(ca.line, "a again");
	assert_int_equal(cb.n, 1);
	assert_string_equal(cb.line, "to b");
	assert_int_equal(dflt.n, 1);
	assert_string_equal(dflt.line, "to the default");
	log_fini(&a);
	log_fini(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_filter, teardown),
		cmocka_unit_test_teardown(test_line_shape, teardown),
		cmocka_unit_test_teardown(test_default_sink, teardown),
		cmocka_unit_test_teardown(test_parse, teardown),
		cmocka_unit_test_teardown(test_current_log, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
