/*
 * test_group_combine.c - stages 1-3: errors and stale data count as hold,
 * missing data refuses scale-in, the largest wanted capacity wins.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pipeline_util.h"

/* One call of stages 1-3 and what it must give: a row of a case. */
struct combine_step {
	struct scaled_proposal *p;
	size_t n;
	int base;
	bool missing;          /* the engine says an input is missing */
	int want;
	enum scaled_stage bound;
	const char *why;       /* NULL: not checked */
};

static void combine(const struct combine_step *steps, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct combine_step *s = &steps[i];
		enum scaled_stage bound = (enum scaled_stage)-1;
		char why[SCALED_REASON_MAX] = "";
		int got = group_stage_combine(s->p, s->n, s->base, s->missing, &bound, why,
					      sizeof(why));

		if (got != s->want)
			fail_msg("step %zu: got %d, want %d", i, got, s->want);
		if (bound != s->bound)
			fail_msg("step %zu: bound by stage %d, want %d", i, (int)bound,
				 (int)s->bound);
		if (s->why && strcmp(why, s->why) != 0)
			fail_msg("step %zu: why \"%s\", want \"%s\"", i, why, s->why);
	}
}

static void test_max_wins(void **state)
{
	struct scaled_proposal p[] = {
		prop("a", SCALED_PROPOSAL_SET, 3),
		prop("b", SCALED_PROPOSAL_SET, 8),
		prop("c", SCALED_PROPOSAL_CHANGE, 1),
	};
	const struct combine_step steps[] = {
		/* a scale-out outbids the others: nothing was refused */
		{ p, N(p), 5, false, 8, SCALED_STAGE_NONE, "" },
	};

	(void)state;
	combine(steps, N(steps));
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
	const struct combine_step steps[] = {
		{ p, N(p), 5, false, 4, SCALED_STAGE_NONE, NULL },
	};

	(void)state;
	combine(steps, N(steps));
}

static void test_hold_refuses_scale_in(void **state)
{
	struct scaled_proposal p[] = {
		prop("cpu", SCALED_PROPOSAL_SET, 3),
		prop("queue", SCALED_PROPOSAL_HOLD, 0),
	};
	const struct combine_step steps[] = {
		{ p, N(p), 5, false, 5, SCALED_STAGE_COMBINE,
		  "combine: scale-in to 3 refused, 'queue' keeps 5" },
	};

	(void)state;
	combine(steps, N(steps));
	assert_int_equal(p[1].wanted, 5);
}

static void test_abstain_ignored(void **state)
{
	struct scaled_proposal p[] = {
		prop("a", SCALED_PROPOSAL_NONE, 0),
		prop("b", SCALED_PROPOSAL_SET, 3),
		prop("c", SCALED_PROPOSAL_NONE, 0),
	};
	const struct combine_step steps[] = {
		{ p, N(p), 5, false, 3, SCALED_STAGE_NONE, NULL },
	};

	(void)state;
	combine(steps, N(steps));
	assert_int_equal(p[0].wanted, 5);
}

static void test_no_opinion_is_base(void **state)
{
	struct scaled_proposal p[] = {
		prop("a", SCALED_PROPOSAL_NONE, 0),
		prop("b", SCALED_PROPOSAL_NONE, 0),
	};
	const struct combine_step steps[] = {
		{ p, N(p), 5, false, 5, SCALED_STAGE_NONE, NULL },
		{ NULL, 0, 7, false, 7, SCALED_STAGE_NONE, NULL },
	};

	(void)state;
	combine(steps, N(steps));
}

static void test_missing_refuses_scale_in(void **state)
{
	struct scaled_proposal p[] = { prop("a", SCALED_PROPOSAL_SET, 2) };
	struct scaled_proposal q[] = {
		prop_missing(prop("quiet", SCALED_PROPOSAL_NONE, 0)),
		prop("a", SCALED_PROPOSAL_SET, 2),
	};
	const struct combine_step steps[] = {
		/* the engine says an input is missing */
		{ p, N(p), 5, true, 5, SCALED_STAGE_STALE,
		  "stale: scale-in to 2 refused, an input of the group is missing" },
		/* a proposal read a series with no data, even one that abstained */
		{ q, N(q), 5, false, 5, SCALED_STAGE_STALE,
		  "stale: scale-in to 2 refused, 'quiet' read a series with no data" },
		/* the same without missing data goes through */
		{ p, N(p), 5, false, 2, SCALED_STAGE_NONE, NULL },
	};

	(void)state;
	combine(steps, N(steps));
}

static void test_missing_allows_scale_out(void **state)
{
	struct scaled_proposal p[] = { prop_missing(prop("a", SCALED_PROPOSAL_SET, 9)) };
	const struct combine_step steps[] = {
		{ p, N(p), 5, true, 9, SCALED_STAGE_NONE, NULL },
	};

	(void)state;
	combine(steps, N(steps));
}

static void test_stale_is_hold(void **state)
{
	struct scaled_proposal in[] = { prop_stale(prop("cpu", SCALED_PROPOSAL_SET, 2)) };
	struct scaled_proposal out[] = {
		prop_stale(prop("cpu", SCALED_PROPOSAL_SET, 9)),
		prop("queue", SCALED_PROPOSAL_SET, 7),
	};
	const struct combine_step scale_in[] = {
		{ in, N(in), 5, false, 5, SCALED_STAGE_STALE,
		  "stale: 'cpu' read stale data, counted as hold" },
	};
	const struct combine_step scale_out[] = {
		/* a stale scale-out does not count either: the fresh 7 wins */
		{ out, N(out), 5, false, 7, SCALED_STAGE_STALE, NULL },
	};

	(void)state;
	combine(scale_in, N(scale_in));
	/* wanted still says what the policy asked for */
	assert_int_equal(in[0].wanted, 2);
	combine(scale_out, N(scale_out));
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
	const struct combine_step first[] = {
		{ p, N(p), 5, false, 5, SCALED_STAGE_POLICY,
		  "policy: 'broken' failed, counted as hold" },
	};
	const struct combine_step then[] = {
		{ two, N(two), 5, false, 5, SCALED_STAGE_POLICY,
		  "policy: 'x' and 1 more failed, counted as hold" },
		/* the failure changed nothing: no opinion is base anyway */
		{ only, N(only), 5, false, 5, SCALED_STAGE_NONE, NULL },
		/* nor does it stop a scale-out */
		{ out, N(out), 5, false, 8, SCALED_STAGE_NONE, NULL },
	};

	(void)state;
	combine(first, N(first));
	assert_int_equal(p[1].wanted, 5);
	combine(then, N(then));
}

/* Stage 1 comes before stage 2. */
static void test_policy_before_stale(void **state)
{
	struct scaled_proposal p[] = {
		prop_stale(prop("s", SCALED_PROPOSAL_SET, 3)),
		prop("e", SCALED_PROPOSAL_ERROR, 0),
	};
	const struct combine_step steps[] = {
		{ p, N(p), 5, true, 5, SCALED_STAGE_POLICY, NULL },
	};

	(void)state;
	combine(steps, N(steps));
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
