/* test_record.c - the decision ring: a decision is found by its seq while
 * it is kept, and not once RECORD_KEPT later ones pushed it out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "record.h"

static void test_find(void **state)
{
	struct record r;
	struct scaled_decision d;
	const uint64_t total = RECORD_KEPT + RECORD_KEPT / 2 + 3;

	(void)state;
	assert_int_equal(record_init(&r, NULL, NULL), 0);
	memset(&d, 0, sizeof d);
	assert_null(record_find(&r, 0));
	assert_null(record_find(&r, 1));
	for (uint64_t k = 1; k <= total; k++) {
		struct scaled_decision *kept;

		d.desired = (int)k;
		d.outcome = SCALED_OUTCOME_NONE;
		kept = record_add(&r, &d);
		assert_int_equal(kept->seq, k);
		assert_ptr_equal(record_find(&r, k), kept);
		assert_null(record_find(&r, k + 1));
	}
	for (uint64_t k = 1; k <= total; k++) {
		struct scaled_decision *f = record_find(&r, k);

		if (k + RECORD_KEPT <= total) {
			assert_null(f); /* pushed out */
		} else {
			assert_non_null(f);
			assert_int_equal(f->seq, k);
			assert_int_equal(f->desired, (int)k);
		}
	}
	assert_null(record_find(&r, 0));
	assert_null(record_find(&r, UINT64_MAX));
	record_fini(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
