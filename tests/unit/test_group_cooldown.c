/*
 * test_group_cooldown.c - stage 5: cooldown per direction, exact edges.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "pipeline_util.h"

static STAGE_FN(cooldown)
{
	return group_stage_cooldown(cfg, st, t, base, value, bound, why, whylen);
}

static void test_never_acted(void **state)
{
	static const struct stage_step steps[] = {
		{ 0, 5, 9, 9, STEP_FREE, NULL },
		{ 0, 5, 1, 1, STEP_FREE, NULL },
	};
	struct group_settings cfg = plain_settings(0, 100);
	struct group_state st;

	(void)state;
	cfg.cooldown_up_ms = 30000;
	cfg.cooldown_down_ms = 300000;
	state_at(&st, 5);
	run_steps(cooldown, &cfg, &st, steps, N(steps));
}

static void test_up_edges(void **state)
{
	static const struct stage_step steps[] = {
		{ 1000 + 29999, 5, 9, 5, STEP_BOUND,
		  "cooldown: scale-up refused, 29.999s of 30s since last scale-up" },
		{ 1000 + 30000, 5, 9, 9, STEP_FREE, NULL },
		/* a scale-down is not held by the up cooldown (cooldown_down is 0) */
		{ 1001, 5, 2, 2, STEP_FREE, NULL },
	};
	struct group_settings cfg = plain_settings(0, 100);
	struct group_state st;

	(void)state;
	cfg.cooldown_up_ms = 30000;
	state_at(&st, 5);
	st.last_up_ms = 1000;
	run_steps(cooldown, &cfg, &st, steps, N(steps));
}

/* Scale-up counts only from the last scale-up. */
static void test_up_ignores_down(void **state)
{
	static const struct stage_step steps[] = {
		{ 100001, 5, 9, 9, STEP_FREE, NULL },
	};
	struct group_settings cfg = plain_settings(0, 100);
	struct group_state st;

	(void)state;
	cfg.cooldown_up_ms = 30000;
	state_at(&st, 5);
	st.last_down_ms = 100000;
	run_steps(cooldown, &cfg, &st, steps, N(steps));
}

/* Scale-down counts from the last action in either direction. */
static void test_down_edges(void **state)
{
	static const struct stage_step from_up[] = {
		{ 120000, 5, 3, 5, STEP_BOUND,
		  "cooldown: scale-down refused, 120s of 300s since last action" },
		{ 299999, 5, 3, 5, STEP_BOUND, NULL },
		{ 300000, 5, 3, 3, STEP_FREE, NULL },
	};
	static const struct stage_step from_down[] = {
		{ 499999, 5, 3, 5, STEP_BOUND, NULL },
		{ 500000, 5, 3, 3, STEP_FREE, NULL },
		/* and a scale-up is not held by it */
		{ 200001, 5, 6, 6, STEP_FREE, NULL },
	};
	struct group_settings cfg = plain_settings(0, 100);
	struct group_state st;

	(void)state;
	cfg.cooldown_down_ms = 300000;
	state_at(&st, 5);
	st.last_up_ms = 0;
	run_steps(cooldown, &cfg, &st, from_up, N(from_up));
	st.last_down_ms = 200000; /* later than the scale-up: counts from here */
	run_steps(cooldown, &cfg, &st, from_down, N(from_down));
}

static void test_no_change_not_bound(void **state)
{
	static const struct stage_step steps[] = {
		{ 1, 5, 5, 5, STEP_FREE, NULL },
	};
	struct group_settings cfg = plain_settings(0, 100);
	struct group_state st;

	(void)state;
	cfg.cooldown_up_ms = 30000;
	cfg.cooldown_down_ms = 30000;
	state_at(&st, 5);
	st.last_up_ms = st.last_down_ms = 0;
	run_steps(cooldown, &cfg, &st, steps, N(steps));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_never_acted),
		cmocka_unit_test(test_up_edges),
		cmocka_unit_test(test_up_ignores_down),
		cmocka_unit_test(test_down_edges),
		cmocka_unit_test(test_no_change_not_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
