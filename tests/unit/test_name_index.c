/*
 * test_name_index.c - names to pointers (core/name_index.c): found, not
 * found, replaced, many (the table grows and every name is still found),
 * names that differ in one byte, an index used again after free, and
 * room reserved ahead.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "name_index.h"

static void test_basics(void **state)
{
	struct name_index ix = { 0 };
	int a, b;

	(void)state;
	assert_null(name_index_get(&ix, "x")); /* empty: no table at all */
	assert_int_equal(name_index_put(&ix, "workers", &a), 0);
	assert_int_equal(name_index_put(&ix, "worker", &b), 0);
	assert_ptr_equal(name_index_get(&ix, "workers"), &a);
	assert_ptr_equal(name_index_get(&ix, "worker"), &b);
	assert_null(name_index_get(&ix, "workers2"));
	assert_null(name_index_get(&ix, ""));
	assert_int_equal(name_index_put(&ix, "worker", &a), 0); /* replaced */
	assert_ptr_equal(name_index_get(&ix, "worker"), &a);
	assert_int_equal(ix.n, 2);
	name_index_free(&ix);
	assert_null(name_index_get(&ix, "workers"));
	assert_int_equal(name_index_put(&ix, "again", &b), 0); /* usable after free */
	assert_ptr_equal(name_index_get(&ix, "again"), &b);
	name_index_free(&ix);
}

static void test_many(void **state)
{
	enum { N = 20000 };
	static char names[N][16];
	struct name_index ix = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < N; i++) {
		snprintf(names[i], sizeof names[i], "g%zu", i);
		assert_int_equal(name_index_put(&ix, names[i], (void *)(uintptr_t)(i + 1)), 0);
	}
	assert_int_equal(ix.n, N);
	assert_true(ix.cap >= N + N / 3); /* at most 3/4 full */
	for (i = 0; i < N; i++)
		assert_int_equal((uintptr_t)name_index_get(&ix, names[i]), i + 1);
	assert_null(name_index_get(&ix, "g20000"));
	assert_null(name_index_get(&ix, "g-1"));
	name_index_free(&ix);
}

/* Reserved room: the entries already there stay found, and adding up to
 * the reserved count moves nothing; a smaller reserve is a no-op. */
static void test_reserve(void **state)
{
	enum { N = 5000 };
	static char names[N][16];
	struct name_index ix = { 0 };
	struct name_slot *slots;
	size_t i;

	(void)state;
	for (i = 0; i < 100; i++) {
		snprintf(names[i], sizeof names[i], "t%zu", i);
		assert_int_equal(name_index_put(&ix, names[i], names[i]), 0);
	}
	assert_int_equal(name_index_reserve(&ix, N), 0);
	assert_true(ix.cap * 3 >= (size_t)N * 4);
	slots = ix.slots;
	for (i = 0; i < 100; i++)
		assert_ptr_equal(name_index_get(&ix, names[i]), names[i]);
	for (i = 100; i < N; i++) {
		snprintf(names[i], sizeof names[i], "t%zu", i);
		assert_int_equal(name_index_put(&ix, names[i], names[i]), 0);
	}
	assert_ptr_equal(ix.slots, slots); /* never moved */
	assert_int_equal(name_index_reserve(&ix, 10), 0);
	assert_ptr_equal(ix.slots, slots);
	for (i = 0; i < N; i++)
		assert_ptr_equal(name_index_get(&ix, names[i]), names[i]);
	name_index_free(&ix);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basics),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_reserve),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
