/*
 * test_group_resolve.c - resolving one proposal against the base, with AWS
 * PercentChangeInCapacity rounding.
 */
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "pipeline_util.h"

struct resolve_case {
	enum scaled_proposal_kind kind;
	double value;
	int base, want;
};

static void resolve(const struct resolve_case *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct scaled_proposal p = prop("p", c[i].kind, c[i].value);
		int got = group_resolve(&p, c[i].base);

		if (got != c[i].want)
			fail_msg("case %zu (kind %d, value %g, base %d): got %d, want %d", i,
				 (int)c[i].kind, c[i].value, c[i].base, got, c[i].want);
	}
}

static void test_set(void **state)
{
	static const struct resolve_case cases[] = {
		{ SCALED_PROPOSAL_SET, 7, 3, 7 },
		{ SCALED_PROPOSAL_SET, 0, 3, 0 },
		{ SCALED_PROPOSAL_SET, 7.4, 3, 7 },
		{ SCALED_PROPOSAL_SET, 7.5, 3, 8 },
		{ SCALED_PROPOSAL_SET, -3, 3, 0 },
		{ SCALED_PROPOSAL_SET, 1e12, 3, INT_MAX },
	};

	(void)state;
	resolve(cases, N(cases));
}

static void test_change(void **state)
{
	static const struct resolve_case cases[] = {
		{ SCALED_PROPOSAL_CHANGE, 2, 5, 7 },
		{ SCALED_PROPOSAL_CHANGE, -2, 5, 3 },
		{ SCALED_PROPOSAL_CHANGE, 0, 5, 5 },
		/* negative results floor at 0 */
		{ SCALED_PROPOSAL_CHANGE, -20, 5, 0 },
		{ SCALED_PROPOSAL_CHANGE, 1e12, 5, INT_MAX },
	};

	(void)state;
	resolve(cases, N(cases));
}

/* The four AWS cases, as deltas applied to a base of 10. */
static void test_percent_aws_rounding(void **state)
{
	static const struct resolve_case cases[] = {
		/* 12.7 -> 12: above 1 rounds down */
		{ SCALED_PROPOSAL_PERCENT, 127, 10, 22 },
		/* 0.4 -> 1: in (0, 1] becomes 1 */
		{ SCALED_PROPOSAL_PERCENT, 4, 10, 11 },
		/* -0.4 -> -1: in [-1, 0) becomes -1 */
		{ SCALED_PROPOSAL_PERCENT, -4, 10, 9 },
		/* -6.67 -> -6: below -1 rounds up, towards zero */
		{ SCALED_PROPOSAL_PERCENT, -66.7, 10, 4 },
	};

	(void)state;
	resolve(cases, N(cases));
}

static void test_percent_edges(void **state)
{
	static const struct resolve_case cases[] = {
		/* exactly 1 and -1 */
		{ SCALED_PROPOSAL_PERCENT, 10, 10, 11 },
		{ SCALED_PROPOSAL_PERCENT, -10, 10, 9 },
		/* whole results stay whole: 30% of 10 is 3, not 3.0000000000000004 */
		{ SCALED_PROPOSAL_PERCENT, 30, 10, 13 },
		{ SCALED_PROPOSAL_PERCENT, -30, 10, 7 },
		{ SCALED_PROPOSAL_PERCENT, 50, 20, 30 },
		/* nothing of nothing */
		{ SCALED_PROPOSAL_PERCENT, 50, 0, 0 },
		{ SCALED_PROPOSAL_PERCENT, 0, 10, 10 },
		/* negative results floor at 0: 2 - 6 */
		{ SCALED_PROPOSAL_PERCENT, -300, 2, 0 },
		{ SCALED_PROPOSAL_PERCENT, -100, 7, 0 },
	};

	(void)state;
	resolve(cases, N(cases));
}

static void test_no_number(void **state)
{
	static const struct resolve_case cases[] = {
		{ SCALED_PROPOSAL_HOLD, 99, 4, 4 },
		{ SCALED_PROPOSAL_ERROR, 99, 4, 4 },
		{ SCALED_PROPOSAL_NONE, 99, 4, 4 },
		{ SCALED_PROPOSAL_SET, NAN, 4, 4 },
		{ SCALED_PROPOSAL_CHANGE, INFINITY, 4, 4 },
		{ SCALED_PROPOSAL_PERCENT, -INFINITY, 4, 4 },
	};

	(void)state;
	resolve(cases, N(cases));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_change),
		cmocka_unit_test(test_percent_aws_rounding),
		cmocka_unit_test(test_percent_edges),
		cmocka_unit_test(test_no_number),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
