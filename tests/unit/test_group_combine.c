/*
 * test_group_combine.c - stages 1-3: errors and stale data count as hold,
 * missing data refuses scale-in, the largest wanted capacity wins.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "pipeline_util.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static enum scaled_stage bound;
static char why[SCALED_REASON_MAX];

static int combine(struct scaled_proposal *p, size_t n, int base, bool missing)
{
	bound = (enum scaled_stage)-1;
	why[0] = '\0';
	return group_stage_combine(p, n, base, missing, &bound, why, sizeof(why));
}

static void test_max_wins(void **state)
{
	struct scaled_proposal p[] = {
		prop("a", SCALED_PROPOSAL_SET, 3),
		prop("b", SCALED_PROPOSAL_SET, 8),
		prop("c", SCALED_PROPOSAL_CHANGE, 1),
	};

	(void)state;
	assert_int_equal(combine(p, N(p), 5, false), 8);
	/* a scale-out outbids the others: nothing was refused */
	assert_int_equal(bound, SCALED_STAGE_NONE);
	assert_string_equal(why, "");
	assert_int_equal(p[0].wanted, 3);
	assert_int_equal(p[1].wanted, 8);
	assert_int_equal(p[2].wanted, 6);
}

static void test_scale_in_when_all_want_less(void **state)
{
	struct scaled_proposal p[] = {
		prop("a", SCALED_PROPOSAL_SET, 2),
		prop("b", SCALED_PROPOSAL_CHANGE, -1),
	};

	(void)state;
	assert_int_equal(combine(p, N(p), 5, false), 4);
	assert_int_equal(bound, SCALED_STAGE_NONE);
}

static void test_hold_refuses_scale_in(void **state)
{
	struct scaled_proposal p[] = {
		prop("cpu", SCALED_PROPOSAL_SET, 3),
		prop("queue", SCALED_PROPOSAL_HOLD, 0),
	};

	(void)state;
	assert_int_equal(combine(p, N(p), 5, false), 5);
	assert_int_equal(bound, SCALED_STAGE_COMBINE);
	assert_string_equal(why, "combine: scale-in to 3 refused, 'queue' keeps 5");
	assert_int_equal(p[1].wanted, 5);
}

static void test_abstain_ignored(void **state)
{
	struct scaled_proposal p[] = {
		prop("a", SCALED_PROPOSAL_NONE, 0),
		prop("b", SCALED_PROPOSAL_SET, 3),
		prop("c", SCALED_PROPOSAL_NONE, 0),
	};

	(void)state;
	assert_int_equal(combine(p, N(p), 5, false), 3);
	assert_int_equal(bound, SCALED_STAGE_NONE);
	assert_int_equal(p[0].wanted, 5);
}

static void test_no_opinion_is_base(void **state)
{
	struct scaled_proposal p[] = {
		prop("a", SCALED_PROPOSAL_NONE, 0),
		prop("b", SCALED_PROPOSAL_NONE, 0),
	};

	(void)state;
	assert_int_equal(combine(p, N(p), 5, false), 5);
	assert_int_equal(bound, SCALED_STAGE_NONE);
	assert_int_equal(combine(NULL, 0, 7, false), 7);
	assert_int_equal(bound, SCALED_STAGE_NONE);
}

static void test_missing_refuses_scale_in(void **state)
{
	struct scaled_proposal p[] = { prop("a", SCALED_PROPOSAL_SET, 2) };
	struct scaled_proposal q[] = {
		prop_missing(prop("quiet", SCALED_PROPOSAL_NONE, 0)),
		prop("a", SCALED_PROPOSAL_SET, 2),
	};

	(void)state;
	/* the engine says an input is missing */
	assert_int_equal(combine(p, N(p), 5, true), 5);
	assert_int_equal(bound, SCALED_STAGE_STALE);
	assert_string_equal(why, "stale: scale-in to 2 refused, an input of the group is missing");
	/* a proposal read a series with no data, even one that abstained */
	assert_int_equal(combine(q, N(q), 5, false), 5);
	assert_int_equal(bound, SCALED_STAGE_STALE);
	assert_string_equal(why, "stale: scale-in to 2 refused, 'quiet' read a series with no data");
	/* the same without missing data goes through */
	assert_int_equal(combine(p, N(p), 5, false), 2);
	assert_int_equal(bound, SCALED_STAGE_NONE);
}

static void test_missing_allows_scale_out(void **state)
{
	struct scaled_proposal p[] = { prop_missing(prop("a", SCALED_PROPOSAL_SET, 9)) };

	(void)state;
	assert_int_equal(combine(p, N(p), 5, true), 9);
	assert_int_equal(bound, SCALED_STAGE_NONE);
}

static void test_stale_is_hold(void **state)
{
	struct scaled_proposal in[] = { prop_stale(prop("cpu", SCALED_PROPOSAL_SET, 2)) };
	struct scaled_proposal out[] = {
		prop_stale(prop("cpu", SCALED_PROPOSAL_SET, 9)),
		prop("queue", SCALED_PROPOSAL_SET, 7),
	};

	(void)state;
	assert_int_equal(combine(in, N(in), 5, false), 5);
	assert_int_equal(bound, SCALED_STAGE_STALE);
	assert_string_equal(why, "stale: 'cpu' read stale data, counted as hold");
	/* wanted still says what the policy asked for */
	assert_int_equal(in[0].wanted, 2);
	/* a stale scale-out does not count either: the fresh 7 wins */
	assert_int_equal(combine(out, N(out), 5, false), 7);
	assert_int_equal(bound, SCALED_STAGE_STALE);
}

static void test_error_is_hold(void **state)
{
	struct scaled_proposal p[] = {
		prop("a", SCALED_PROPOSAL_SET, 2),
		prop("broken", SCALED_PROPOSAL_ERROR, 0),
	};
	struct scaled_proposal two[] = {
		prop("x", SCALED_PROPOSAL_ERROR, 0),
		prop("a", SCALED_PROPOSAL_SET, 2),
		prop("y", SCALED_PROPOSAL_ERROR, 0),
	};
	struct scaled_proposal only[] = { prop("broken", SCALED_PROPOSAL_ERROR, 0) };
	struct scaled_proposal out[] = {
		prop("a", SCALED_PROPOSAL_SET, 8),
		prop("broken", SCALED_PROPOSAL_ERROR, 0),
	};

	(void)state;
	assert_int_equal(combine(p, N(p), 5, false), 5);
	assert_int_equal(bound, SCALED_STAGE_POLICY);
	assert_string_equal(why, "policy: 'broken' failed, counted as hold");
	assert_int_equal(p[1].wanted, 5);
	assert_int_equal(combine(two, N(two), 5, false), 5);
	assert_int_equal(bound, SCALED_STAGE_POLICY);
	assert_string_equal(why, "policy: 'x' and 1 more failed, counted as hold");
	/* the failure changed nothing: no opinion is base anyway */
	assert_int_equal(combine(only, N(only), 5, false), 5);
	assert_int_equal(bound, SCALED_STAGE_NONE);
	/* nor does it stop a scale-out */
	assert_int_equal(combine(out, N(out), 5, false), 8);
	assert_int_equal(bound, SCALED_STAGE_NONE);
}

/* Stage 1 comes before stage 2. */
static void test_policy_before_stale(void **state)
{
	struct scaled_proposal p[] = {
		prop_stale(prop("s", SCALED_PROPOSAL_SET, 3)),
		prop("e", SCALED_PROPOSAL_ERROR, 0),
	};

	(void)state;
	assert_int_equal(combine(p, N(p), 5, true), 5);
	assert_int_equal(bound, SCALED_STAGE_POLICY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_max_wins),
		cmocka_unit_test(test_scale_in_when_all_want_less),
		cmocka_unit_test(test_hold_refuses_scale_in),
		cmocka_unit_test(test_abstain_ignored),
		cmocka_unit_test(test_no_opinion_is_base),
		cmocka_unit_test(test_missing_refuses_scale_in),
		cmocka_unit_test(test_missing_allows_scale_out),
		cmocka_unit_test(test_stale_is_hold),
		cmocka_unit_test(test_error_is_hold),
		cmocka_unit_test(test_policy_before_stale),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
