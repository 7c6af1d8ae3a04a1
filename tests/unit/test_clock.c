/* test_clock.c - the virtual and the real engine clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "clock.h"

static void test_virtual(void **state)
{
	struct clock c;

	(void)state;
	clock_init_virtual(&c, 1700000000000);
	assert_true(c.is_virtual);
	assert_int_equal(clock_now(&c), 1700000000000);
	assert_int_equal(clock_now(&c), 1700000000000); /* does not move by itself */
	clock_set(&c, 1700000005000);
	assert_int_equal(clock_now(&c), 1700000005000);
	clock_set(&c, 1700000001000); /* never backwards */
	assert_int_equal(clock_now(&c), 1700000005000);
	clock_set(&c, 1700000005000);
	assert_int_equal(clock_now(&c), 1700000005000);
	clock_init_virtual(&c, 0);
	assert_int_equal(clock_now(&c), 0);
}

static void test_real(void **state)
{
	struct clock c;
	int64_t a, b, wall;

	(void)state;
	clock_init_real(&c);
	assert_false(c.is_virtual);
	a = clock_now(&c);
	/* epoch milliseconds, near what time() says (generous: a loaded CI box) */
	wall = (int64_t)time(NULL) * 1000;
	assert_true(a > wall - 60000 && a < wall + 60000);
	clock_set(&c, a + 3600000); /* ignored on a real clock */
	b = clock_now(&c);
	assert_true(b >= a);
	assert_true(b < a + 3600000);
}

static void test_stopwatch(void **state)
{
	int64_t prev = clock_stopwatch_ns();

	(void)state;
	assert_true(prev > 0);
	for (int i = 0; i < 1000; i++) {
		int64_t now = clock_stopwatch_ns();

		assert_true(now >= prev);
		prev = now;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_virtual),
		cmocka_unit_test(test_real),
		cmocka_unit_test(test_stopwatch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
