/* test_alloc.c - the wrappers, fail-after-N, and callers that must not leak
 * when an allocation fails (LeakSanitizer checks the leaks in ASan builds). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "sched.h"
#include "series.h"

static int teardown(void **state)
{
	(void)state;
	alloc_fail_after(-1);
	return 0;
}

static void test_wrappers(void **state)
{
	unsigned char *z;
	char *s, *p;

	(void)state;
	z = alloc_zero(16, 4);
	assert_non_null(z);
	for (int i = 0; i < 64; i++)
		assert_int_equal(z[i], 0);
	z[63] = 7;
	z = alloc_resize(z, 4096);
	assert_non_null(z);
	assert_int_equal(z[63], 7); /* contents kept */
	alloc_free(z);

	s = alloc_strdup("series");
	assert_string_equal(s, "series");
	p = alloc_strndup("series", 3);
	assert_string_equal(p, "ser");
	alloc_free(p);
	p = alloc_strndup("ab", 10);
	assert_string_equal(p, "ab");
	alloc_free(p);
	p = alloc_printf("%s:%d", s, 42);
	assert_string_equal(p, "series:42");
	alloc_free(p);
	alloc_free(s);

	/* zero-sized requests are real allocations, not a NULL that reads as failure */
	p = alloc_mem(0);
	assert_non_null(p);
	p = alloc_resize(p, 0);
	assert_non_null(p);
	alloc_free(p);
	p = alloc_zero(0, 8);
	assert_non_null(p);
	alloc_free(p);
	alloc_free(NULL);
}

static void test_fail_after(void **state)
{
	void *a, *b, *c;

	(void)state;
	alloc_fail_after(0);
	assert_null(alloc_mem(8));
	assert_null(alloc_zero(1, 8));
	assert_null(alloc_strdup("x"));
	assert_null(alloc_printf("%d", 1));
	alloc_fail_after(-1);

	alloc_fail_after(2);
	a = alloc_mem(8);
	b = alloc_strdup("x");
	c = alloc_mem(8);
	assert_non_null(a);
	assert_non_null(b);
	assert_null(c);
	assert_null(alloc_mem(8)); /* and every one after */

	/* a failed resize leaves the block alone */
	assert_null(alloc_resize(a, 1 << 20));
	memset(a, 1, 8);

	alloc_fail_after(-1);
	c = alloc_mem(8);
	assert_non_null(c);
	alloc_free(a);
	alloc_free(b);
	alloc_free(c);

	/* any negative value means off */
	alloc_fail_after(-7);
	a = alloc_mem(8);
	assert_non_null(a);
	alloc_free(a);
}

/*
 * Fail the Nth allocation for N = 0, 1, 2, ... until series_ensure succeeds:
 * every failure returns NULL, leaves the store as it was, and leaks nothing.
 */
/*
 * A series grows as samples come (8, 16, ... up to its capacity); a
 * doubling that fails keeps what the series holds and drops the oldest
 * sample, as a full series does: the push itself never fails for memory.
 */
static void test_series_grows(void **state)
{
	struct series_store *st = series_store_new();
	struct series *s = series_ensure(st, "x", 40);
	double out;
	int64_t t;

	(void)state;
	for (t = 0; t < 8; t++)
		assert_int_equal(series_push(s, t, (double)t), 0);
	alloc_fail_after(0); /* the doubling to 16 fails */
	assert_int_equal(series_push(s, 8, 8), 0);
	alloc_fail_after(-1);
	assert_int_equal(series_len(s), 8); /* 1..8 */
	assert_int_equal(series_stat(s, SERIES_MIN, 8, 100, 0, &out), 0);
	assert_true(out == 1);
	for (t = 9; t < 100; t++) /* 16, 32, then 40: the capacity */
		assert_int_equal(series_push(s, t, (double)t), 0);
	assert_int_equal(series_len(s), 40);
	assert_int_equal(series_stat(s, SERIES_MIN, 99, 1000, 0, &out), 0);
	assert_true(out == 60); /* the newest 40: 60..99, in order */
	assert_int_equal(series_stat(s, SERIES_SUM, 99, 1000, 0, &out), 0);
	assert_true(out == (60 + 99) * 40 / 2);
	series_store_free(st);
}

static void test_series_ensure_failures(void **state)
{
	int failures = 0;

	(void)state;
	for (long n = 0;; n++) {
		struct series_store *st = series_store_new();
		struct series *keep, *s;
		double out;

		assert_non_null(st);
		/* fill the index so that the next ensure has to grow it */
		for (int i = 0; i < 8; i++) {
			char name[8] = { 'a', (char)('0' + i), '\0' };

			assert_non_null(series_ensure(st, name, 4));
		}
		keep = series_find(st, "a3");
		assert_int_equal(series_push(keep, 1, 5), 0);

		alloc_fail_after(n);
		s = series_ensure(st, "big", 64); /* also grows the scratch buffer */
		alloc_fail_after(-1);

		if (s) {
			assert_ptr_equal(series_find(st, "big"), s);
			assert_int_equal(series_push(s, 1, 2), 0);
			assert_int_equal(series_stat(s, SERIES_PCT, 1, 0, 50, &out), 0);
			series_store_free(st);
			break;
		}
		failures++;
		assert_null(series_find(st, "big"));
		/* the rest of the store is untouched and still works */
		assert_ptr_equal(series_find(st, "a3"), keep);
		assert_int_equal(series_stat(keep, SERIES_PCT, 1, 0, 50, &out), 0);
		assert_true(out == 5);
		series_store_free(st);
		assert_true(n < 10);
	}
	/* index, scratch, the series and its first block: four places to fail */
	assert_int_equal(failures, 4);

	alloc_fail_after(0);
	assert_null(series_store_new());
	alloc_fail_after(-1);
}

static void nop(void *arg)
{
	(void)arg;
}

/* Same for sched_at and sched_every: the task or the heap growth fails. */
static int sched_add_failures(int periodic)
{
	int failures = 0;

	for (long n = 0;; n++) {
		struct sched *s = sched_new();
		struct sched_task *t;

		assert_non_null(s);
		/* fill the heap exactly so that the next task must grow it */
		for (int i = 0; i < 16; i++)
			assert_non_null(sched_at(s, 100 + i, nop, NULL));

		alloc_fail_after(n);
		t = periodic ? sched_every(s, 1000, 10, nop, NULL) : sched_at(s, 1000, nop, NULL);
		alloc_fail_after(-1);

		if (t) {
			assert_int_equal(sched_count(s), 17);
			sched_free(s);
			return failures;
		}
		failures++;
		assert_int_equal(sched_count(s), 16);
		assert_int_equal(sched_next(s), 100);
		for (int i = 0; i < 16; i++)
			assert_int_equal(sched_run_one(s, INT64_MAX), 1);
		assert_int_equal(sched_run_one(s, INT64_MAX), 0);
		sched_free(s);
		assert_true(n < 10);
	}
}

static void test_sched_at_failures(void **state)
{
	(void)state;
	/* the heap and the task */
	assert_int_equal(sched_add_failures(0), 2);
	assert_int_equal(sched_add_failures(1), 2);

	alloc_fail_after(0);
	assert_null(sched_new());
	alloc_fail_after(-1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_wrappers, teardown),
		cmocka_unit_test_teardown(test_fail_after, teardown),
		cmocka_unit_test_teardown(test_series_grows, teardown),
		cmocka_unit_test_teardown(test_series_ensure_failures, teardown),
		cmocka_unit_test_teardown(test_sched_at_failures, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
