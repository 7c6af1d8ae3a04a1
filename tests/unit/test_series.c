/* test_series.c - the metric store, windows and every statistic. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "series.h"

static int setup(void **state)
{
	*state = series_store_new();
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	series_store_free(*state);
	return 0;
}

/* The statistic, or NAN with the return code in *rc. */
static double stat(struct series *s, enum series_stat st, int64_t now, int64_t win,
		   double p, int *rc)
{
	double out = NAN;

	*rc = series_stat(s, st, now, win, p, &out);
	return out;
}

#define ASSERT_STAT(s, st, now, win, p, want)                                     \
	do {                                                                      \
		int rc_;                                                          \
		double got_ = stat(s, st, now, win, p, &rc_);                     \
		assert_int_equal(rc_, 0);                                         \
		if (got_ != (want))                                               \
			fail_msg("%s(now %lld, w %lld, p %g) = %.17g, want %.17g", \
				 series_stat_name(st), (long long)(now),           \
				 (long long)(win), (double)(p), got_, (double)(want)); \
	} while (0)

#define ASSERT_NODATA(s, st, now, win, p)                                         \
	do {                                                                      \
		int rc_;                                                          \
		stat(s, st, now, win, p, &rc_);                                   \
		assert_int_equal(rc_, -ENODATA);                                  \
	} while (0)

struct names {
	const char **names;
	size_t n;
};

static void collect_name(void *arg, struct series *s)
{
	struct names *nm = arg;

	nm->names[nm->n++] = series_name(s);
}

static void test_store(void **state)
{
	struct series_store *st = *state;
	struct series *a, *b, *c;
	char name[16] = "cpu.user";
	const char *seen[4];
	size_t n = 0;

	c = series_ensure(st, "queue", 0);
	a = series_ensure(st, name, 8);
	b = series_ensure(st, "cpu", 8);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	/* the name was copied */
	strcpy(name, "changed");
	assert_string_equal(series_name(a), "cpu.user");
	assert_ptr_equal(series_find(st, "cpu.user"), a);
	assert_ptr_equal(series_find(st, "cpu"), b);
	assert_ptr_equal(series_find(st, "queue"), c);
	assert_null(series_find(st, "changed"));
	assert_null(series_find(st, "cp"));
	assert_null(series_find(st, NULL));
	/* ensure returns the existing series and ignores the capacity */
	assert_ptr_equal(series_ensure(st, "cpu", 99), b);
	assert_int_equal(series_len(b), 0);

	struct names nm = { seen, 0 };

	series_each(st, collect_name, &nm);
	n = nm.n;
	assert_int_equal(n, 3); /* in the order they were made */
	assert_string_equal(seen[0], "queue");
	assert_string_equal(seen[1], "cpu.user");
	assert_string_equal(seen[2], "cpu");
}

static void test_push_refusals(void **state)
{
	struct series *s = series_ensure(*state, "x", 4);
	int64_t t;
	double v;

	assert_int_equal(series_last(s, &t, &v), -ENODATA);
	assert_int_equal(series_push(s, 1000, 1), 0);
	assert_int_equal(series_push(s, 1000, 2), 0); /* equal time is kept */
	assert_int_equal(series_push(s, 999, 3), -EINVAL);
	assert_int_equal(series_push(s, 2000, NAN), -EINVAL);
	assert_int_equal(series_push(s, 2000, INFINITY), -EINVAL);
	assert_int_equal(series_push(s, 2000, -INFINITY), -EINVAL);
	assert_int_equal(series_len(s), 2);
	assert_int_equal(series_last(s, &t, &v), 0);
	assert_int_equal(t, 1000);
	assert_true(v == 2);
	assert_int_equal(series_push(s, -5000, 1), -EINVAL);
	assert_int_equal(series_push(s, 1001, -1e300), 0);
	assert_int_equal(series_len(s), 3);
}

/* t = 1000, 2000, ... 10000 with values 3 1 4 1 5 9 2 6 5 3 */
static const double digits[10] = { 3, 1, 4, 1, 5, 9, 2, 6, 5, 3 };

static struct series *fill_digits(struct series_store *st, size_t cap)
{
	struct series *s = series_ensure(st, "pi", cap);

	assert_non_null(s);
	for (int i = 0; i < 10; i++)
		assert_int_equal(series_push(s, 1000 * (i + 1), digits[i]), 0);
	return s;
}

static void test_stats_window(void **state)
{
	struct series *s = fill_digits(*state, 16);

	/* (5000, 10000]: t = 6000..10000, values 9 2 6 5 3 */
	ASSERT_STAT(s, SERIES_LAST, 10000, 5000, 0, 3);
	ASSERT_STAT(s, SERIES_AVG, 10000, 5000, 0, 5);
	ASSERT_STAT(s, SERIES_MIN, 10000, 5000, 0, 2);
	ASSERT_STAT(s, SERIES_MAX, 10000, 5000, 0, 9);
	ASSERT_STAT(s, SERIES_SUM, 10000, 5000, 0, 25);
	ASSERT_STAT(s, SERIES_COUNT, 10000, 5000, 0, 5);
	ASSERT_STAT(s, SERIES_RATE, 10000, 5000, 0, -1.5); /* (3 - 9) / 4 s */
	/* sorted 2 3 5 6 9; rank = ceil(p * 5 / 100) */
	ASSERT_STAT(s, SERIES_PCT, 10000, 5000, 0, 2);
	ASSERT_STAT(s, SERIES_PCT, 10000, 5000, 20, 2);
	ASSERT_STAT(s, SERIES_PCT, 10000, 5000, 21, 3);
	ASSERT_STAT(s, SERIES_PCT, 10000, 5000, 40, 3);
	ASSERT_STAT(s, SERIES_PCT, 10000, 5000, 50, 5);
	ASSERT_STAT(s, SERIES_PCT, 10000, 5000, 60, 5);
	ASSERT_STAT(s, SERIES_PCT, 10000, 5000, 61, 6);
	ASSERT_STAT(s, SERIES_PCT, 10000, 5000, 80, 6);
	ASSERT_STAT(s, SERIES_PCT, 10000, 5000, 99.9, 9);
	ASSERT_STAT(s, SERIES_PCT, 10000, 5000, 100, 9);

	/* window 0: all ten samples */
	ASSERT_STAT(s, SERIES_COUNT, 10000, 0, 0, 10);
	ASSERT_STAT(s, SERIES_SUM, 10000, 0, 0, 39);
	ASSERT_STAT(s, SERIES_AVG, 10000, 0, 0, 3.9);
	ASSERT_STAT(s, SERIES_MIN, 10000, 0, 0, 1);
	ASSERT_STAT(s, SERIES_MAX, 10000, 0, 0, 9);
	ASSERT_STAT(s, SERIES_RATE, 10000, 0, 0, 0); /* 3 -> 3 */
	/* sorted 1 1 2 3 3 4 5 5 6 9 */
	ASSERT_STAT(s, SERIES_PCT, 10000, 0, 50, 3);
	ASSERT_STAT(s, SERIES_PCT, 10000, 0, 90, 6);
	ASSERT_STAT(s, SERIES_PCT, 10000, 0, 95, 9);
	ASSERT_STAT(s, SERIES_PCT, 10000, 0, 10, 1);
	ASSERT_STAT(s, SERIES_PCT, 10000, 0, 20, 1);
	ASSERT_STAT(s, SERIES_PCT, 10000, 0, 21, 2);

	/* a window far longer than the data is all of it */
	ASSERT_STAT(s, SERIES_COUNT, 10000, INT64_MAX, 0, 10);
	ASSERT_STAT(s, SERIES_SUM, INT64_MAX, INT64_MAX, 0, 39);
	ASSERT_STAT(s, SERIES_COUNT, INT64_MIN + 5, INT64_MAX, 0, 0); /* no overflow */
}

static void test_window_bounds(void **state)
{
	struct series *s = fill_digits(*state, 16);

	/* start exclusive: (2000, 4000] holds 3000 and 4000 only */
	ASSERT_STAT(s, SERIES_COUNT, 4000, 2000, 0, 2);
	ASSERT_STAT(s, SERIES_SUM, 4000, 2000, 0, 5);
	/* one ms more takes in 2000 */
	ASSERT_STAT(s, SERIES_COUNT, 4000, 2001, 0, 3);
	ASSERT_STAT(s, SERIES_SUM, 4000, 2001, 0, 6);
	/* end inclusive, later samples out: now 4500 sees 4000 but not 5000 */
	ASSERT_STAT(s, SERIES_LAST, 4500, 1000, 0, 1);
	ASSERT_STAT(s, SERIES_COUNT, 4500, 1000, 0, 1);
	ASSERT_STAT(s, SERIES_LAST, 4999, 0, 0, 1);
	ASSERT_STAT(s, SERIES_COUNT, 4999, 0, 0, 4);
	ASSERT_STAT(s, SERIES_MAX, 4999, 0, 0, 4);
	ASSERT_STAT(s, SERIES_LAST, 5000, 1, 0, 5);
	ASSERT_STAT(s, SERIES_COUNT, 5000, 1, 0, 1);
	/* one-sample window: every statistic but rate */
	ASSERT_STAT(s, SERIES_PCT, 5000, 1, 50, 5);
	ASSERT_STAT(s, SERIES_AVG, 5000, 1, 0, 5);
	ASSERT_NODATA(s, SERIES_RATE, 5000, 1, 0);
	ASSERT_STAT(s, SERIES_RATE, 6000, 2000, 0, 4); /* (9 - 5) / 1 s */

	/* between samples: empty window */
	ASSERT_STAT(s, SERIES_COUNT, 5900, 800, 0, 0);
	for (int st = SERIES_LAST; st <= SERIES_RATE; st++)
		if (st != SERIES_COUNT)
			ASSERT_NODATA(s, st, 5900, 800, 50);
	/* before the first sample */
	ASSERT_NODATA(s, SERIES_LAST, 999, 0, 0);
	ASSERT_STAT(s, SERIES_COUNT, 999, 0, 0, 0);
	/* after the last, with a window that has moved past it */
	ASSERT_NODATA(s, SERIES_MAX, 20000, 10000, 0);
	ASSERT_STAT(s, SERIES_MAX, 20000, 10001, 0, 3);
}

static void test_bad_args(void **state)
{
	struct series *s = fill_digits(*state, 16);
	int rc;

	stat(s, SERIES_PCT, 10000, 0, -1, &rc);
	assert_int_equal(rc, -EINVAL);
	stat(s, SERIES_PCT, 10000, 0, 100.5, &rc);
	assert_int_equal(rc, -EINVAL);
	stat(s, SERIES_PCT, 10000, 0, NAN, &rc);
	assert_int_equal(rc, -EINVAL);
	stat(s, (enum series_stat)99, 10000, 0, 0, &rc);
	assert_int_equal(rc, -EINVAL);
	stat(s, SERIES_SUM, 10000, -1, 0, &rc);
	assert_int_equal(rc, -EINVAL);
	/* p is ignored by everything but PCT */
	ASSERT_STAT(s, SERIES_MAX, 10000, 0, -1, 9);
	/* a bad p is refused even on an empty series */
	stat(series_ensure(*state, "empty", 4), SERIES_PCT, 0, 0, 101, &rc);
	assert_int_equal(rc, -EINVAL);
}

static void test_count_empty(void **state)
{
	struct series *s = series_ensure(*state, "empty", 4);
	double out = 42;

	assert_int_equal(series_stat(s, SERIES_COUNT, 1000, 0, 0, &out), 0);
	assert_true(out == 0);
	out = 42;
	assert_int_equal(series_stat(s, SERIES_AVG, 1000, 0, 0, &out), -ENODATA);
	assert_true(out == 42); /* untouched */
}

static void test_rate(void **state)
{
	struct series *s = series_ensure(*state, "bytes", 8);

	assert_int_equal(series_push(s, 10000, 100), 0);
	ASSERT_NODATA(s, SERIES_RATE, 10000, 0, 0);
	assert_int_equal(series_push(s, 10000, 150), 0);
	/* two samples, same time: no rate */
	ASSERT_NODATA(s, SERIES_RATE, 10000, 0, 0);
	assert_int_equal(series_push(s, 10500, 160), 0);
	/* first and last of the window: (160 - 100) / 0.5 s */
	ASSERT_STAT(s, SERIES_RATE, 10500, 0, 0, 120);
	assert_int_equal(series_push(s, 12500, 60), 0);
	ASSERT_STAT(s, SERIES_RATE, 12500, 0, 0, -16.0); /* (60 - 100) / 2.5 s */
	ASSERT_STAT(s, SERIES_RATE, 12500, 2500, 0, -50); /* (60 - 160) / 2 s */
}

static void test_ring_wrap(void **state)
{
	struct series *s = series_ensure(*state, "ring", 4);
	int64_t t;
	double v;

	for (int i = 1; i <= 6; i++)
		assert_int_equal(series_push(s, 1000 * i, 10 * i), 0);
	/* kept: 3000:30 4000:40 5000:50 6000:60, physically 50 60 30 40 */
	assert_int_equal(series_len(s), 4);
	assert_int_equal(series_last(s, &t, &v), 0);
	assert_int_equal(t, 6000);
	assert_true(v == 60);
	ASSERT_STAT(s, SERIES_COUNT, 6000, 0, 0, 4);
	ASSERT_STAT(s, SERIES_SUM, 6000, 0, 0, 180);
	ASSERT_STAT(s, SERIES_AVG, 6000, 0, 0, 45);
	ASSERT_STAT(s, SERIES_MIN, 6000, 0, 0, 30);
	ASSERT_STAT(s, SERIES_MAX, 6000, 0, 0, 60);
	ASSERT_STAT(s, SERIES_LAST, 6000, 0, 0, 60);
	ASSERT_STAT(s, SERIES_RATE, 6000, 0, 0, 10); /* (60 - 30) / 3 s */
	ASSERT_STAT(s, SERIES_PCT, 6000, 0, 50, 40);
	ASSERT_STAT(s, SERIES_PCT, 6000, 0, 51, 50);
	/* the dropped samples are gone from every window */
	ASSERT_NODATA(s, SERIES_LAST, 2999, 0, 0);
	ASSERT_STAT(s, SERIES_COUNT, 2000, 0, 0, 0);
	/* windows across the physical wrap */
	ASSERT_STAT(s, SERIES_SUM, 5000, 2500, 0, 120); /* 30 40 50 */
	ASSERT_STAT(s, SERIES_SUM, 6000, 2500, 0, 150); /* 40 50 60 */
	ASSERT_STAT(s, SERIES_SUM, 5000, 1001, 0, 90);  /* 40 50 */
	ASSERT_STAT(s, SERIES_MIN, 6000, 1001, 0, 50);  /* 50 60: second run only */
	ASSERT_STAT(s, SERIES_MAX, 4000, 1001, 0, 40);  /* 30 40: first run only */
	ASSERT_STAT(s, SERIES_RATE, 5000, 2500, 0, 10);
	/* and around again, many times */
	for (int i = 7; i <= 103; i++)
		assert_int_equal(series_push(s, 1000 * i, 10 * i), 0);
	assert_int_equal(series_len(s), 4);
	ASSERT_STAT(s, SERIES_SUM, 103000, 0, 0, 1000 + 1010 + 1020 + 1030);
	ASSERT_STAT(s, SERIES_MIN, 103000, 0, 0, 1000);
}

static void test_default_capacity(void **state)
{
	struct series *s = series_ensure(*state, "big", 0);

	for (int i = 0; i < SERIES_DEFAULT_CAPACITY + 10; i++)
		assert_int_equal(series_push(s, i, i), 0);
	assert_int_equal(series_len(s), SERIES_DEFAULT_CAPACITY);
	ASSERT_STAT(s, SERIES_MIN, INT64_MAX, 0, 0, 10);
	ASSERT_STAT(s, SERIES_PCT, INT64_MAX, 0, 0, 10);
	ASSERT_STAT(s, SERIES_PCT, INT64_MAX, 0, 100, SERIES_DEFAULT_CAPACITY + 9);
}

/* A store kept by demand (the engine's): until it settles a series keeps
 * all; then one no one reads stays at the ring it had; once a reader wants 60 s, it holds the
 * last 60 s and the sample in force at their start, and no more. */
static void test_keep_by_demand(void **state)
{
	struct series_store *st = series_store_new();
	struct series *s, *all = series_ensure(*state, "all", 0);

	(void)state;
	assert_non_null(st);
	series_store_keep_by_demand(st);
	s = series_ensure(st, "unread", 0);
	assert_non_null(s);
	/* unsettled, it keeps all: 10, the ring grown to 16 for them */
	for (int i = 1; i <= 10; i++)
		assert_int_equal(series_push(s, 1000 * i, i), 0);
	assert_int_equal(series_len(s), 10);
	series_store_settle(st);
	for (int i = 11; i <= 100; i++)
		assert_int_equal(series_push(s, 1000 * i, i), 0);
	for (int i = 1; i <= 100; i++) {
		assert_int_equal(series_push(all, 1000 * i, i), 0);
	}
	assert_int_equal(series_len(s), 16); /* the ring it had when it settled */
	assert_int_equal(series_len(all), 100); /* a plain store keeps all */
	ASSERT_STAT(s, SERIES_MIN, 100000, 0, 0, 85);
	series_keep(s, 60000);
	series_keep(s, 30000); /* a shorter span asks for nothing more */
	for (int i = 101; i <= 400; i++)
		assert_int_equal(series_push(s, 1000 * i, i), 0);
	/* 341 .. 400 are the 60 s window (340 s, 400 s] and 340 the value at
	 * its start: 61 samples, in the ring that doubled to 64 for them */
	assert_int_equal(series_len(s), 64);
	ASSERT_STAT(s, SERIES_COUNT, 400000, 60000, 0, 60);
	ASSERT_STAT(s, SERIES_MIN, 400000, 0, 0, 337);
	series_keep(s, INT64_MAX); /* every sample: grows to the capacity */
	for (int i = 401; i <= 2000; i++)
		assert_int_equal(series_push(s, 1000 * i, i), 0);
	assert_int_equal(series_len(s), SERIES_DEFAULT_CAPACITY);
	series_store_free(st);
}

/* Equal times may repeat: the window takes all of them or none. */
static void test_equal_times(void **state)
{
	struct series *s = series_ensure(*state, "eq", 8);

	assert_int_equal(series_push(s, 1000, 1), 0);
	assert_int_equal(series_push(s, 2000, 2), 0);
	assert_int_equal(series_push(s, 2000, 3), 0);
	assert_int_equal(series_push(s, 2000, 4), 0);
	assert_int_equal(series_push(s, 3000, 5), 0);
	ASSERT_STAT(s, SERIES_COUNT, 2000, 0, 0, 4);
	ASSERT_STAT(s, SERIES_LAST, 2000, 0, 0, 4);
	ASSERT_STAT(s, SERIES_COUNT, 3000, 1000, 0, 1);
	ASSERT_STAT(s, SERIES_COUNT, 3000, 1001, 0, 4);
	ASSERT_STAT(s, SERIES_COUNT, 2999, 1000, 0, 3);
	ASSERT_STAT(s, SERIES_SUM, 2999, 1000, 0, 9);
	ASSERT_STAT(s, SERIES_COUNT, 2999, 999, 0, 0);
	/* constant values: the selection must not degrade or misbehave */
	for (int i = 0; i < 8; i++)
		assert_int_equal(series_push(s, 4000, 7), 0);
	ASSERT_STAT(s, SERIES_PCT, 4000, 0, 50, 7);
	ASSERT_STAT(s, SERIES_PCT, 4000, 0, 0, 7);
	ASSERT_STAT(s, SERIES_PCT, 4000, 0, 100, 7);
}

static void test_stale_and_age(void **state)
{
	struct series *s = series_ensure(*state, "stale", 4);

	/* empty: missing, never stale */
	assert_int_equal(series_age(s, 5000), -1);
	assert_false(series_is_stale(s, 5000));
	series_set_stale_ms(s, 3000);
	assert_int_equal(series_stale_ms(s), 3000);
	assert_false(series_is_stale(s, INT64_MAX));

	assert_int_equal(series_push(s, 1000, 1), 0);
	assert_int_equal(series_age(s, 1000), 0);
	assert_int_equal(series_age(s, 2500), 1500);
	assert_int_equal(series_age(s, 500), 0); /* a sample from the future is new */
	assert_false(series_is_stale(s, 4000)); /* exactly at the limit: fresh */
	assert_true(series_is_stale(s, 4001));
	assert_int_equal(series_push(s, 4001, 2), 0);
	assert_false(series_is_stale(s, 4001));
	assert_int_equal(series_age(s, 4001), 0);

	series_set_stale_ms(s, 0); /* never stale */
	assert_false(series_is_stale(s, INT64_MAX));
	series_set_stale_ms(s, -10);
	assert_int_equal(series_stale_ms(s), 0);
}

static void test_stat_names(void **state)
{
	static const char *const names[] = { "last", "avg", "min", "max",
					      "sum", "count", "pct", "rate" };

	(void)state;
	for (int i = 0; i < 8; i++) {
		assert_int_equal(series_stat_parse(names[i]), i);
		assert_string_equal(series_stat_name((enum series_stat)i), names[i]);
	}
	assert_int_equal(SERIES_RATE, 7);
	assert_int_equal(series_stat_parse("mean"), -1);
	assert_int_equal(series_stat_parse("AVG"), -1);
	assert_int_equal(series_stat_parse(""), -1);
	assert_int_equal(series_stat_parse(NULL), -1);
	assert_string_equal(series_stat_name((enum series_stat)42), "unknown");
}

/* Brute force on random windows of a ring that has wrapped: the binary search
 * and the two-run walk against a plain loop over every kept sample. */
struct ref {
	int64_t t[64];
	double v[64];
	size_t n;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void test_against_brute_force(void **state)
{
	struct series *s = series_ensure(*state, "rnd", 37);
	uint64_t x = 0x2545f4914f6cdd1dULL;
	struct ref all = { .n = 0 };
	int64_t t = 0;

	for (int round = 0; round < 3000; round++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* push a sample: time steps 0..3 (repeats allowed), small integers */
		t += (int64_t)(x % 4);
		double v = (double)((x >> 8) % 50);

		assert_int_equal(series_push(s, t, v), 0);
		if (all.n == 37) {
			memmove(all.t, all.t + 1, 36 * sizeof(all.t[0]));
			memmove(all.v, all.v + 1, 36 * sizeof(all.v[0]));
			all.n--;
		}
		all.t[all.n] = t;
		all.v[all.n++] = v;

		/* query a random window around the data */
		int64_t now = t - (int64_t)((x >> 16) % 20);
		int64_t win = (int64_t)((x >> 24) % 60);
		double p = (double)((x >> 32) % 101);
		double w[64], sum = 0, mn = INFINITY, mx = -INFINITY;
		size_t n = 0, first = 0, last = 0;

		for (size_t i = 0; i < all.n; i++) {
			if (all.t[i] > now || (win && all.t[i] <= now - win))
				continue;
			if (!n)
				first = i;
			last = i;
			w[n++] = all.v[i];
			sum += all.v[i];
			mn = fmin(mn, all.v[i]);
			mx = fmax(mx, all.v[i]);
		}
		ASSERT_STAT(s, SERIES_COUNT, now, win, 0, (double)n);
		if (!n) {
			ASSERT_NODATA(s, SERIES_SUM, now, win, 0);
			continue;
		}
		qsort(w, n, sizeof(w[0]), cmp_double);
		size_t rank = (size_t)ceil(p * (double)n / 100);

		ASSERT_STAT(s, SERIES_SUM, now, win, 0, sum);
		ASSERT_STAT(s, SERIES_AVG, now, win, 0, sum / (double)n);
		ASSERT_STAT(s, SERIES_MIN, now, win, 0, mn);
		ASSERT_STAT(s, SERIES_MAX, now, win, 0, mx);
		ASSERT_STAT(s, SERIES_LAST, now, win, 0, all.v[last]);
		ASSERT_STAT(s, SERIES_PCT, now, win, p, w[rank ? rank - 1 : 0]);
		if (all.t[last] != all.t[first])
			ASSERT_STAT(s, SERIES_RATE, now, win, 0,
				    (all.v[last] - all.v[first]) /
					    ((double)(all.t[last] - all.t[first]) / 1000.0));
		else
			ASSERT_NODATA(s, SERIES_RATE, now, win, 0);
	}
}

/* Percentile scratch is shared by the store: a small series created after a
 * big one must not shrink it, and the big one still works. */
static void test_pct_scratch(void **state)
{
	struct series *big = series_ensure(*state, "big", 100);
	struct series *small = series_ensure(*state, "small", 3);

	for (int i = 0; i < 100; i++)
		assert_int_equal(series_push(big, i, 99 - i), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(series_push(small, i, i), 0);
	ASSERT_STAT(big, SERIES_PCT, 99, 0, 90, 89);
	ASSERT_STAT(small, SERIES_PCT, 2, 0, 90, 2);
	ASSERT_STAT(big, SERIES_PCT, 99, 0, 1, 0);
	/* the series itself is not reordered by a percentile */
	ASSERT_STAT(big, SERIES_LAST, 99, 0, 0, 0);
	ASSERT_STAT(big, SERIES_RATE, 99, 0, 0, -1000);
}

/* A sum or average remembers its window for the next read: what it gives
 * must still follow every push, every move of the window and the ring's
 * overwrites (a ring of 4 here). */
static void test_window_cache(void **state)
{
	struct series *s = series_ensure(*state, "w", 4);

	assert_non_null(s);
	assert_int_equal(series_push(s, 1000, 1), 0);
	assert_int_equal(series_push(s, 2000, 2), 0);
	assert_int_equal(series_push(s, 3000, 4), 0);
	ASSERT_STAT(s, SERIES_SUM, 3000, 2500, 0, 7);  /* from 500: 1 + 2 + 4 */
	ASSERT_STAT(s, SERIES_SUM, 3000, 2500, 0, 7);  /* again, remembered */
	ASSERT_STAT(s, SERIES_SUM, 3500, 2500, 0, 6);  /* from 1000: t = 1000 left */
	ASSERT_STAT(s, SERIES_AVG, 3500, 2500, 0, 3);  /* (2 + 4) / 2 */
	ASSERT_STAT(s, SERIES_SUM, 3500, 600, 0, 4);   /* another window: 4 */
	ASSERT_STAT(s, SERIES_SUM, 3500, 2500, 0, 6);  /* and back */
	assert_int_equal(series_push(s, 4000, 8), 0);
	ASSERT_STAT(s, SERIES_SUM, 4000, 2500, 0, 14); /* from 1500: 2 + 4 + 8 */
	assert_int_equal(series_push(s, 5000, 16), 0);
	assert_int_equal(series_push(s, 6000, 32), 0); /* the ring holds 3000..6000 */
	ASSERT_STAT(s, SERIES_SUM, 6000, 10000, 0, 60); /* 4 + 8 + 16 + 32 */
	assert_int_equal(series_push(s, 7000, 64), 0); /* same [0, 4), other samples */
	ASSERT_STAT(s, SERIES_SUM, 7000, 10000, 0, 120); /* 8 + 16 + 32 + 64 */
	ASSERT_STAT(s, SERIES_MIN, 7000, 10000, 0, 8);
	ASSERT_STAT(s, SERIES_AVG, 7000, 10000, 0, 30);
	ASSERT_STAT(s, SERIES_SUM, 6500, 10000, 0, 56); /* an earlier now: 8 + 16 + 32 */
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_store),
		T(test_push_refusals),
		T(test_stats_window),
		T(test_window_bounds),
		T(test_bad_args),
		T(test_count_empty),
		T(test_rate),
		T(test_ring_wrap),
		T(test_default_capacity),
		T(test_keep_by_demand),
		T(test_equal_times),
		T(test_stale_and_age),
		T(test_stat_names),
		T(test_against_brute_force),
		T(test_pct_scratch),
		T(test_window_cache),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
