/* test_duration.c - duration_parse and duration_format. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "duration.h"

struct good {
	const char *text;
	int64_t ms;
};

static void test_parse_good(void **state)
{
	static const struct good cases[] = {
		{ "250ms", 250 },
		{ "30s", 30000 },
		{ "5m", 300000 },
		{ "1h", 3600000 },
		{ "1d", 86400000 },
		{ "1m30s", 90000 },
		{ "1h30m", 5400000 },
		{ "2h15s", 7215000 },
		{ "1d2h3m4s5ms", 93784005 },
		{ "1s500ms", 1500 },
		{ "0", 0 },
		{ "0s", 0 },
		{ "0ms", 0 },
		{ "5", 5000 },
		{ "1.5", 1500 },
		{ "0.1", 100 },
		{ "0.001", 1 },
		{ "007s", 7000 },
		{ "1.5s", 1500 },
		{ "0.25s", 250 },
		{ "2.500s", 2500 },
		{ "1.50000000000000000000s", 1500 }, /* trailing zeros are free */
		{ "1.5h", 5400000 },
		{ "0.5m", 30000 },
		{ "1.0005d", 86443200 },
		{ "0.0000078125d", 675 }, /* ten significant decimals */
		{ "1h0.5m", 3630000 },
		{ "9223372036854775807ms", INT64_MAX },
		{ "106751991167d", 9223372036828800000LL },
		{ "106751991167d25975807ms", INT64_MAX },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t ms = -42;

		if (duration_parse(cases[i].text, &ms) != 0)
			fail_msg("'%s' refused", cases[i].text);
		if (ms != cases[i].ms)
			fail_msg("'%s' -> %lld, want %lld", cases[i].text, (long long)ms,
				 (long long)cases[i].ms);
	}
}

static void test_parse_bad(void **state)
{
	static const char *const cases[] = {
		"", "-5s", "-5", "+5s", "s", "ms", "m", "abc", "5x", "5 s", " 5s", "5s ",
		"1.s", ".5s", ".5", "1.", "1..5s", "1.5.3s", "5S", "5M", "5H", "30s1m",
		"1s1s", "1m1m", "1ms1s", "1m30", "1h-5m", "1e3", "0x10", "inf", "nan",
		"5sec", "5mm", "5msms", "1,5s", "1.5ms", "1.0001s", "0.0001",
		"0.0000000115740740740740d", "0.00000000001d",
		"9223372036854775808ms", "9223372036854775807", "106751991168d",
		"106751991167d25975808ms", "99999999999999999999999999ms",
		"5s\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t ms = -42;
		int rc = duration_parse(cases[i], &ms);

		if (rc != -EINVAL)
			fail_msg("'%s' -> rc %d ms %lld, want -EINVAL", cases[i], rc,
				 (long long)ms);
		assert_int_equal(ms, -42); /* untouched on error */
	}
	assert_int_equal(duration_parse(NULL, &(int64_t){ 0 }), -EINVAL);
}

struct fmt {
	int64_t ms;
	const char *text;
};

static void test_format(void **state)
{
	static const struct fmt cases[] = {
		{ 0, "0s" },
		{ 1, "1ms" },
		{ 250, "250ms" },
		{ 500, "500ms" }, /* not "0.5s": no zero whole part */
		{ 1000, "1s" },
		{ 1500, "1.5s" },
		{ 1001, "1s1ms" },
		{ 60000, "1m" },
		{ 61000, "61s" },
		{ 90000, "90s" },
		{ 150000, "150s" }, /* ties with "2.5m": no decimal point wins */
		{ 300000, "5m" },
		{ 3600000, "1h" },
		{ 3661000, "61m1s" }, /* ties with "3661s": larger unit wins */
		{ 5400000, "90m" },
		{ 36000000, "10h" },
		{ 86400000, "1d" },
		{ 129600000, "36h" },
		{ 604800000, "7d" },
		{ 93784005, "93784s5ms" },
		{ -5000, "-5s" },
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(duration_format(cases[i].ms, buf, sizeof(buf)),
				    cases[i].text);
	/* returns its buffer */
	assert_ptr_equal(duration_format(1, buf, sizeof(buf)), buf);
}

/* Every formatted value parses back to itself and is no longer than "<n>ms". */
static void check_round_trip(int64_t ms)
{
	char buf[32], plain[32];
	int64_t back = -1;

	duration_format(ms, buf, sizeof(buf));
	snprintf(plain, sizeof(plain), "%lldms", (long long)ms);
	if (duration_parse(buf, &back) != 0 || back != ms)
		fail_msg("%lld -> '%s' -> %lld", (long long)ms, buf, (long long)back);
	if (strlen(buf) > strlen(plain))
		fail_msg("%lld -> '%s' is longer than '%s'", (long long)ms, buf, plain);
}

static void test_round_trip(void **state)
{
	uint64_t x = 88172645463325252ULL;

	(void)state;
	for (int64_t ms = 0; ms < 200000; ms += 7)
		check_round_trip(ms);
	check_round_trip(INT64_MAX);
	check_round_trip(INT64_MAX - 1);
	check_round_trip(9223372036828800000LL);
	for (int i = 0; i < 100000; i++) {
		/* xorshift: reproducible values of every magnitude */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		check_round_trip((int64_t)(x >> (1 + x % 63)));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
