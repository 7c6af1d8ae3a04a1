/*
 * test_group_cooldown.c - stage 5: cooldown per direction, exact edges.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "pipeline_util.h"

static bool bound;
static char why[SCALED_REASON_MAX];

static int cool(const struct group_settings *cfg, const struct group_state *st, int64_t t,
		int base, int value)
{
	bound = !bound;
	why[0] = '\0';
	return group_stage_cooldown(cfg, st, t, base, value, &bound, why, sizeof(why));
}

static void test_never_acted(void **state)
{
	struct group_settings cfg = plain_settings(0, 100);
	struct group_state st;

	(void)state;
	cfg.cooldown_up_ms = 30000;
	cfg.cooldown_down_ms = 300000;
	state_at(&st, 5);
	assert_int_equal(cool(&cfg, &st, 0, 5, 9), 9);
	assert_false(bound);
	assert_int_equal(cool(&cfg, &st, 0, 5, 1), 1);
	assert_false(bound);
}

static void test_up_edges(void **state)
{
	struct group_settings cfg = plain_settings(0, 100);
	struct group_state st;

	(void)state;
	cfg.cooldown_up_ms = 30000;
	state_at(&st, 5);
	st.last_up_ms = 1000;
	assert_int_equal(cool(&cfg, &st, 1000 + 29999, 5, 9), 5);
	assert_true(bound);
	assert_string_equal(why, "cooldown: scale-up refused, 29.999s of 30s since last scale-up");
	assert_int_equal(cool(&cfg, &st, 1000 + 30000, 5, 9), 9);
	assert_false(bound);
	/* a scale-down is not held by the up cooldown (cooldown_down is 0) */
	assert_int_equal(cool(&cfg, &st, 1001, 5, 2), 2);
	assert_false(bound);
}

/* Scale-up counts only from the last scale-up. */
static void test_up_ignores_down(void **state)
{
	struct group_settings cfg = plain_settings(0, 100);
	struct group_state st;

	(void)state;
	cfg.cooldown_up_ms = 30000;
	state_at(&st, 5);
	st.last_down_ms = 100000;
	assert_int_equal(cool(&cfg, &st, 100001, 5, 9), 9);
	assert_false(bound);
}

/* Scale-down counts from the last action in either direction. */
static void test_down_edges(void **state)
{
	struct group_settings cfg = plain_settings(0, 100);
	struct group_state st;

	(void)state;
	cfg.cooldown_down_ms = 300000;
	state_at(&st, 5);
	st.last_up_ms = 0;
	assert_int_equal(cool(&cfg, &st, 120000, 5, 3), 5);
	assert_true(bound);
	assert_string_equal(why, "cooldown: scale-down refused, 120s of 300s since last action");
	assert_int_equal(cool(&cfg, &st, 299999, 5, 3), 5);
	assert_true(bound);
	assert_int_equal(cool(&cfg, &st, 300000, 5, 3), 3);
	assert_false(bound);

	st.last_down_ms = 200000; /* later than the scale-up: counts from here */
	assert_int_equal(cool(&cfg, &st, 499999, 5, 3), 5);
	assert_true(bound);
	assert_int_equal(cool(&cfg, &st, 500000, 5, 3), 3);
	assert_false(bound);
	/* and a scale-up is not held by it */
	assert_int_equal(cool(&cfg, &st, 200001, 5, 6), 6);
	assert_false(bound);
}

static void test_no_change_not_bound(void **state)
{
	struct group_settings cfg = plain_settings(0, 100);
	struct group_state st;

	(void)state;
	cfg.cooldown_up_ms = 30000;
	cfg.cooldown_down_ms = 30000;
	state_at(&st, 5);
	st.last_up_ms = st.last_down_ms = 0;
	assert_int_equal(cool(&cfg, &st, 1, 5, 5), 5);
	assert_false(bound);
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
