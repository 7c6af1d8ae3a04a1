/*
 * test_group_rate_rules.c - stage 6 with per-direction rules, as the
 * Kubernetes HPA computes its scale limits (calculateScaleUpLimitWith-
 * ScalingRules / calculateScaleDownLimitWithBehaviors): each rule's period
 * start counts the units added and removed within it, in both directions;
 * pods and percent rules; select max, min and disabled.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pipeline_util.h"

static STAGE_FN(rate)
{
	return group_stage_rate(cfg, st, t, base, value, bound, why, whylen);
}

static struct group_rate_rule pods(double n, int64_t period_ms)
{
	return (struct group_rate_rule){ .percent = false, .value = n, .period_ms = period_ms };
}

static struct group_rate_rule pct(double p, int64_t period_ms)
{
	return (struct group_rate_rule){ .percent = true, .value = p, .period_ms = period_ms };
}

/* The rules the settings below point to (one test at a time). */
static struct group_rate_rules rules;

/* HPA's default behavior: up 4 pods or 100 % per 15 s, the larger;
 * down 100 % per 15 s. */
static struct group_settings hpa_defaults(void)
{
	struct group_settings cfg = plain_settings(0, 1000);

	memset(&rules, 0, sizeof rules);
	cfg.rate_rules = &rules;
	rules.up.n = 2;
	rules.up.rules[0] = pods(4, 15000);
	rules.up.rules[1] = pct(100, 15000);
	rules.down.n = 1;
	rules.down.rules[0] = pct(100, 15000);
	return cfg;
}

static void test_hpa_defaults(void **state)
{
	static const struct stage_step steps[] = {
		/* from 2: max(2 + 4, ceil(2 x 2)) = 6 */
		{ 0, 2, 20, 6, STEP_BOUND,
		  "rate: scale-up to 20 limited to 6, 4 units per 15s from 2 (max of 2)" },
		/* from 10: max(14, 20) = 20 */
		{ 0, 10, 50, 20, STEP_BOUND,
		  "rate: scale-up to 50 limited to 20, 100% per 15s from 10 (max of 2)" },
		{ 0, 10, 14, 14, STEP_FREE, NULL },
		/* down 100 %: anything down to 0 */
		{ 0, 10, 0, 0, STEP_FREE, NULL },
	};
	struct group_settings cfg = hpa_defaults();
	struct group_state st;

	(void)state;
	state_at(&st, 2);
	run_steps(rate, &cfg, &st, steps, N(steps));
	group_state_free(&st);
}

/* A change stays in a rule's period until exactly `period` later. */
static void test_period_start(void **state)
{
	static const struct stage_step steps[] = {
		/* 10 -> 20 at 0: at 10 s the period starts at 20 - 10 = 10 */
		{ 10000, 20, 50, 20, STEP_BOUND,
		  "rate: scale-up to 50 limited to 20, 100% per 15s from 10 (max of 2)" },
		/* at 15 s the change has left the period: from 20, up to 40 */
		{ 15000, 20, 50, 40, STEP_BOUND, NULL },
	};
	struct group_settings cfg = hpa_defaults();
	struct group_state st;

	(void)state;
	state_at(&st, 10);
	done_change(&st, 0, 10, 20);
	run_steps(rate, &cfg, &st, steps, N(steps));
	group_state_free(&st);
}

/* select min takes the rule allowing the least; disabled allows nothing;
 * a direction without rules is free. */
static void test_select(void **state)
{
	static const struct stage_step min_steps[] = {
		/* min(2 + 4, ceil(2 x 2)) = 4 */
		{ 0, 2, 20, 4, STEP_BOUND,
		  "rate: scale-up to 20 limited to 4, 100% per 15s from 2 (min of 2)" },
	};
	static const struct stage_step off_steps[] = {
		{ 0, 2, 20, 2, STEP_BOUND, "rate: scale-up to 20 refused, scale-up is disabled" },
		{ 0, 2, 1, 1, STEP_FREE, NULL },
	};
	struct group_settings cfg = hpa_defaults();
	struct group_state st;

	(void)state;
	state_at(&st, 2);
	rules.up.select = GROUP_RATE_MIN;
	run_steps(rate, &cfg, &st, min_steps, N(min_steps));
	rules.up.select = GROUP_RATE_DISABLED;
	rules.up.n = 0; /* disabled needs no rules */
	rules.down.n = 0;
	run_steps(rate, &cfg, &st, off_steps, N(off_steps));
	group_state_free(&st);
}

/* Changes in the other direction count as HPA counts them: after 5 -> 8,
 * a scale-down with "1 unit per 60 s" starts its period at 8 - 3 = 5, so it
 * may go down to 4. And a limit that would move the group the other way
 * holds it. */
static void test_other_direction(void **state)
{
	static const struct stage_step down[] = {
		{ 5000, 8, 2, 4, STEP_BOUND,
		  "rate: scale-down to 2 limited to 4, 1 unit per 60s from 5 (max of 1)" },
	};
	static const struct stage_step hold[] = {
		/* up 2 per 60 s after 5 -> 10: from 5 the limit is 7, below 10 */
		{ 1000, 10, 12, 10, STEP_BOUND, NULL },
	};
	static const struct stage_step round_down[] = {
		/* down 30 %: 7 x 0.7 = 4.9, rounded towards zero: 4 */
		{ 0, 7, 0, 4, STEP_BOUND, NULL },
	};
	struct group_settings cfg = plain_settings(0, 1000);
	struct group_state st;

	(void)state;
	memset(&rules, 0, sizeof rules);
	cfg.rate_rules = &rules;
	rules.down.n = 1;
	rules.down.rules[0] = pods(1, 60000);
	state_at(&st, 5);
	done_change(&st, 0, 5, 8);
	run_steps(rate, &cfg, &st, down, N(down));
	group_state_free(&st);

	rules.up.n = 1;
	rules.up.rules[0] = pods(2, 60000);
	state_at(&st, 5);
	done_change(&st, 0, 5, 10);
	run_steps(rate, &cfg, &st, hold, N(hold));
	group_state_free(&st);

	rules.down.rules[0] = pct(30, 60000);
	state_at(&st, 7);
	run_steps(rate, &cfg, &st, round_down, N(round_down));
	group_state_free(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hpa_defaults),
		cmocka_unit_test(test_period_start),
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_other_direction),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
