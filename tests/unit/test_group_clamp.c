/*
 * test_group_clamp.c - stage 7: clamp to [min, max], last, so a group below
 * min rises to min whatever came before.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "pipeline_util.h"

static STAGE_FN(clamp)
{
	(void)st;
	(void)t;
	(void)base;
	return group_stage_clamp(cfg, value, bound, why, whylen);
}

static void test_both_sides(void **state)
{
	static const struct stage_step steps[] = {
		{ 0, 0, 12, 10, STEP_BOUND, "clamp: 12 above max 10" },
		{ 0, 0, 1, 2, STEP_BOUND, "clamp: 1 below min 2" },
		{ 0, 0, 2, 2, STEP_FREE, NULL },
		{ 0, 0, 10, 10, STEP_FREE, NULL },
		{ 0, 0, 7, 7, STEP_FREE, NULL },
	};
	struct group_settings cfg = plain_settings(2, 10);

	(void)state;
	run_steps(clamp, &cfg, NULL, steps, N(steps));
}

/* The group's desired (and current) capacity is below min and nobody asks
 * for anything: it rises to min, even through cooldown and rate limits. */
static void test_current_below_min(void **state)
{
	struct group_settings cfg = plain_settings(2, 10);
	struct group_state st;
	struct scaled_decision d;
	struct scaled_proposal p[] = { prop("q", SCALED_PROPOSAL_HOLD, 0) };

	(void)state;
	cfg.cooldown_up_ms = 600000;
	cfg.rate_count = 1;
	state_at(&st, 0);
	st.last_up_ms = 0;
	assert_true(group_decide(&cfg, &st, 1000, p, 1, false, &d));
	assert_int_equal(d.combined, 0);
	assert_int_equal(d.desired, 2);
	assert_int_equal(st.desired, 2);
	assert_int_equal(d.bound_by, SCALED_STAGE_CLAMP);
	assert_string_equal(d.bound_reason, "clamp: 0 below min 2");
	assert_int_equal(d.outcome, SCALED_OUTCOME_PENDING);
	group_state_free(&st);
}

/* Above max (max lowered by the operator): down to max at once. */
static void test_desired_above_max(void **state)
{
	struct group_settings cfg = plain_settings(2, 10);
	struct group_state st;
	struct scaled_decision d;
	struct scaled_proposal p[] = { prop("q", SCALED_PROPOSAL_SET, 14) };

	(void)state;
	cfg.stab_down_ms = 300000;
	state_at(&st, 14);
	assert_true(group_decide(&cfg, &st, 1000, p, 1, false, &d));
	assert_int_equal(d.desired, 10);
	assert_int_equal(d.bound_by, SCALED_STAGE_CLAMP);
	assert_string_equal(d.bound_reason, "clamp: 14 above max 10");
	group_state_free(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_both_sides),
		cmocka_unit_test(test_current_below_min),
		cmocka_unit_test(test_desired_above_max),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
