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

static STAGE_FN(rate)
{
	return group_stage_rate(cfg, st, t, base, value, bound, why, whylen);
}

static void test_no_limit(void **state)
{
	static const struct stage_step steps[] = {
		{ 0, 5, 500, 500, STEP_FREE, NULL },
		{ 0, 5, 0, 0, STEP_FREE, NULL },
	};
	struct group_settings cfg = plain_settings(0, 1000);
	struct group_state st;

	(void)state;
	state_at(&st, 5);
	run_steps(rate, &cfg, &st, steps, N(steps));
	group_state_free(&st);
}

static void test_count_and_expiry(void **state)
{
	static const struct stage_step first[] = {
		{ 0, 5, 10, 7, STEP_BOUND,
		  "rate: scale-up to 10 limited to 7, at most 2 per 60s from 5 (0 used)" },
	};
	static const struct stage_step spent[] = {
		/* the period's allowance is spent */
		{ 30000, 7, 10, 7, STEP_BOUND,
		  "rate: scale-up to 10 limited to 7, at most 2 per 60s from 5 (2 used)" },
		{ 59999, 7, 10, 7, STEP_BOUND, NULL },
		/* and comes back exactly when the change leaves the period */
		{ 60000, 7, 10, 9, STEP_BOUND, NULL },
	};
	static const struct stage_step within[] = {
		/* within the limit: untouched */
		{ 60000, 7, 8, 8, STEP_FREE, NULL },
	};
	struct group_settings cfg = plain_settings(0, 100);
	struct group_state st;

	(void)state;
	cfg.rate_count = 2;
	cfg.rate_period_ms = 60000;
	state_at(&st, 5);
	run_steps(rate, &cfg, &st, first, N(first));
	done_change(&st, 0, 5, 7);
	run_steps(rate, &cfg, &st, spent, N(spent));
	assert_int_equal(st.changes.len, 0);
	run_steps(rate, &cfg, &st, within, N(within));
	group_state_free(&st);
}

/* Up and down are counted apart. */
static void test_directions_apart(void **state)
{
	static const struct stage_step first[] = {
		{ 10000, 7, 1, 5, STEP_BOUND,
		  "rate: scale-down to 1 limited to 5, at most 2 per 60s from 5 (0 used)" },
	};
	static const struct stage_step then[] = {
		{ 20000, 6, 1, 5, STEP_ANY, NULL },
		{ 20000, 6, 9, 6, STEP_ANY, NULL },
	};
	struct group_settings cfg = plain_settings(0, 100);
	struct group_state st;

	(void)state;
	cfg.rate_count = 2;
	state_at(&st, 5);
	done_change(&st, 0, 5, 7);
	run_steps(rate, &cfg, &st, first, N(first));
	done_change(&st, 10000, 7, 6);
	run_steps(rate, &cfg, &st, then, N(then));
	group_state_free(&st);
}

static void test_percent_ceil(void **state)
{
	static const struct stage_step at_10[] = {
		/* 10% of 15 is 1.5: 2 */
		{ 0, 15, 40, 17, STEP_BOUND, NULL },
		{ 0, 15, 1, 13, STEP_BOUND, NULL },
		/* 10% of 30 is 3, not 4 */
		{ 0, 30, 40, 33, STEP_ANY, NULL },
	};
	static const struct stage_step at_64_4[] = {
		/* 64.4% of 250 is 161, which doubles make 161.00000000000003 */
		{ 0, 250, 1000, 411, STEP_ANY, NULL },
	};
	static const struct stage_step of_1[] = {
		/* 10% of 1 is 0.1: 1 */
		{ 0, 1, 40, 2, STEP_ANY, NULL },
	};
	struct group_settings cfg = plain_settings(0, 1000);
	struct group_state st;

	(void)state;
	cfg.rate_percent = 10;
	state_at(&st, 15);
	run_steps(rate, &cfg, &st, at_10, N(at_10));
	cfg.rate_percent = 64.4;
	run_steps(rate, &cfg, &st, at_64_4, N(at_64_4));
	cfg.rate_percent = 10;
	run_steps(rate, &cfg, &st, of_1, N(of_1));
	group_state_free(&st);
}

/* The percentage is of the capacity at the period's start, not of base. */
static void test_percent_of_period_start(void **state)
{
	static const struct stage_step steps[] = {
		/* 50% of 10 = 5, all used; of base 15 it would have been 7 */
		{ 1000, 15, 30, 15, STEP_BOUND,
		  "rate: scale-up to 30 limited to 15, at most 5 per 60s from 10 (5 used)" },
		/* once it has passed, the period starts at 15: 8 */
		{ 60000, 15, 30, 23, STEP_ANY, NULL },
	};
	struct group_settings cfg = plain_settings(0, 1000);
	struct group_state st;

	(void)state;
	cfg.rate_percent = 50;
	state_at(&st, 10);
	done_change(&st, 0, 10, 15);
	run_steps(rate, &cfg, &st, steps, N(steps));
	group_state_free(&st);
}

static void test_more_permissive(void **state)
{
	static const struct stage_step steps[] = {
		/* max(2, 5) */
		{ 0, 10, 30, 15, STEP_ANY, NULL },
		/* max(2, 1) */
		{ 0, 2, 30, 4, STEP_ANY, NULL },
		/* max(2, 0) at zero */
		{ 0, 0, 30, 2, STEP_ANY, NULL },
	};
	struct group_settings cfg = plain_settings(0, 1000);
	struct group_state st;

	(void)state;
	cfg.rate_count = 2;
	cfg.rate_percent = 50;
	state_at(&st, 10);
	run_steps(rate, &cfg, &st, steps, N(steps));
	group_state_free(&st);
}

/* A percentage of nothing still lets a group at zero start. */
static void test_percent_from_zero(void **state)
{
	static const struct stage_step first[] = {
		{ 0, 0, 8, 1, STEP_BOUND, NULL },
	};
	static const struct stage_step then[] = {
		{ 1000, 1, 8, 1, STEP_ANY, NULL },
		{ 60000, 1, 8, 2, STEP_ANY, NULL },
	};
	struct group_settings cfg = plain_settings(0, 1000);
	struct group_state st;

	(void)state;
	cfg.rate_percent = 100;
	state_at(&st, 0);
	run_steps(rate, &cfg, &st, first, N(first));
	done_change(&st, 0, 0, 1);
	run_steps(rate, &cfg, &st, then, N(then));
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
