/*
 * test_group_rate.c - stage 6: rate limits per direction over a trailing
 * period, as a count and as a percentage, the more permissive winning.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "pipeline_util.h"

static bool bound;
static char why[SCALED_REASON_MAX];

static int rate(const struct group_settings *cfg, struct group_state *st, int64_t t,
		int base, int value)
{
	bound = !bound;
	why[0] = '\0';
	return group_stage_rate(cfg, st, t, base, value, &bound, why, sizeof(why));
}

static void test_no_limit(void **state)
{
	struct group_settings cfg = plain_settings(0, 1000);
	struct group_state st;

	(void)state;
	state_at(&st, 5);
	assert_int_equal(rate(&cfg, &st, 0, 5, 500), 500);
	assert_false(bound);
	assert_int_equal(rate(&cfg, &st, 0, 5, 0), 0);
	assert_false(bound);
	group_state_free(&st);
}

static void test_count_and_expiry(void **state)
{
	struct group_settings cfg = plain_settings(0, 100);
	struct group_state st;

	(void)state;
	cfg.rate_count = 2;
	cfg.rate_period_ms = 60000;
	state_at(&st, 5);
	assert_int_equal(rate(&cfg, &st, 0, 5, 10), 7);
	assert_true(bound);
	assert_string_equal(why, "rate: scale-up to 10 limited to 7, at most 2 per 60s from 5 (0 used)");
	done_change(&st, 0, 5, 7);
	/* the period's allowance is spent */
	assert_int_equal(rate(&cfg, &st, 30000, 7, 10), 7);
	assert_true(bound);
	assert_string_equal(why, "rate: scale-up to 10 limited to 7, at most 2 per 60s from 5 (2 used)");
	assert_int_equal(rate(&cfg, &st, 59999, 7, 10), 7);
	assert_true(bound);
	/* and comes back exactly when the change leaves the period */
	assert_int_equal(rate(&cfg, &st, 60000, 7, 10), 9);
	assert_true(bound);
	assert_int_equal(st.changes.len, 0);
	/* within the limit: untouched */
	assert_int_equal(rate(&cfg, &st, 60000, 7, 8), 8);
	assert_false(bound);
	group_state_free(&st);
}

/* Up and down are counted apart. */
static void test_directions_apart(void **state)
{
	struct group_settings cfg = plain_settings(0, 100);
	struct group_state st;

	(void)state;
	cfg.rate_count = 2;
	state_at(&st, 5);
	done_change(&st, 0, 5, 7);
	assert_int_equal(rate(&cfg, &st, 10000, 7, 1), 5);
	assert_true(bound);
	assert_string_equal(why, "rate: scale-down to 1 limited to 5, at most 2 per 60s from 5 (0 used)");
	done_change(&st, 10000, 7, 6);
	assert_int_equal(rate(&cfg, &st, 20000, 6, 1), 5);
	assert_int_equal(rate(&cfg, &st, 20000, 6, 9), 6);
	group_state_free(&st);
}

static void test_percent_ceil(void **state)
{
	struct group_settings cfg = plain_settings(0, 1000);
	struct group_state st;

	(void)state;
	cfg.rate_percent = 10;
	state_at(&st, 15);
	/* 10% of 15 is 1.5: 2 */
	assert_int_equal(rate(&cfg, &st, 0, 15, 40), 17);
	assert_true(bound);
	assert_int_equal(rate(&cfg, &st, 0, 15, 1), 13);
	assert_true(bound);
	/* 10% of 30 is 3, not 4 */
	assert_int_equal(rate(&cfg, &st, 0, 30, 40), 33);
	/* 64.4% of 250 is 161, which doubles make 161.00000000000003 */
	cfg.rate_percent = 64.4;
	assert_int_equal(rate(&cfg, &st, 0, 250, 1000), 411);
	cfg.rate_percent = 10;
	/* 10% of 1 is 0.1: 1 */
	assert_int_equal(rate(&cfg, &st, 0, 1, 40), 2);
	group_state_free(&st);
}

/* The percentage is of the capacity at the period's start, not of base. */
static void test_percent_of_period_start(void **state)
{
	struct group_settings cfg = plain_settings(0, 1000);
	struct group_state st;

	(void)state;
	cfg.rate_percent = 50;
	state_at(&st, 10);
	done_change(&st, 0, 10, 15);
	/* 50% of 10 = 5, all used; of base 15 it would have been 7 */
	assert_int_equal(rate(&cfg, &st, 1000, 15, 30), 15);
	assert_true(bound);
	assert_string_equal(why, "rate: scale-up to 30 limited to 15, at most 5 per 60s from 10 (5 used)");
	/* once it has passed, the period starts at 15: 8 */
	assert_int_equal(rate(&cfg, &st, 60000, 15, 30), 23);
	group_state_free(&st);
}

static void test_more_permissive(void **state)
{
	struct group_settings cfg = plain_settings(0, 1000);
	struct group_state st;

	(void)state;
	cfg.rate_count = 2;
	cfg.rate_percent = 50;
	state_at(&st, 10);
	/* max(2, 5) */
	assert_int_equal(rate(&cfg, &st, 0, 10, 30), 15);
	/* max(2, 1) */
	assert_int_equal(rate(&cfg, &st, 0, 2, 30), 4);
	/* max(2, 0) at zero */
	assert_int_equal(rate(&cfg, &st, 0, 0, 30), 2);
	group_state_free(&st);
}

/* A percentage of nothing still lets a group at zero start. */
static void test_percent_from_zero(void **state)
{
	struct group_settings cfg = plain_settings(0, 1000);
	struct group_state st;

	(void)state;
	cfg.rate_percent = 100;
	state_at(&st, 0);
	assert_int_equal(rate(&cfg, &st, 0, 0, 8), 1);
	assert_true(bound);
	done_change(&st, 0, 0, 1);
	assert_int_equal(rate(&cfg, &st, 1000, 1, 8), 1);
	assert_int_equal(rate(&cfg, &st, 60000, 1, 8), 2);
	group_state_free(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_limit),
		cmocka_unit_test(test_count_and_expiry),
		cmocka_unit_test(test_directions_apart),
		cmocka_unit_test(test_percent_ceil),
		cmocka_unit_test(test_percent_of_period_start),
		cmocka_unit_test(test_more_permissive),
		cmocka_unit_test(test_percent_from_zero),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
