/* test_policy_text.c - numbers in reasons as the policy library writes
 * them (policy_text.c against printf, the definition: integers as %lld
 * below 1e15, else "%.3f" without its trailing zeros and point), and the
 * reason builder's cut against policy_api_copy_reason's. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "policy_int.h"
#include "policy_text.h"

/* What U.num_printf (util.lua) writes. */
static void reference(char *buf, size_t len, double x)
{
	size_t n;

	if (x == floor(x) && fabs(x) < 1e15) {
		snprintf(buf, len, "%lld", (long long)x);
		return;
	}
	snprintf(buf, len, "%.3f", x);
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '0')
		n--;
	if (n > 0 && buf[n - 1] == '.')
		n--;
	buf[n] = '\0';
}

static uint64_t rng = 88172645463325252ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void check(double x)
{
	char got[POLICY_TEXT_NUM_MAX], want[POLICY_TEXT_NUM_MAX];
	size_t n = policy_text_num(got, x);

	reference(want, sizeof want, x);
	if (strcmp(got, want) != 0)
		fail_msg("%.17g: got \"%s\", want \"%s\"", x, got, want);
	assert_int_equal(n, strlen(want));
}

static void test_num(void **state)
{
	static const double fixed[] = {
		0, -0.0, 1, -1, 0.5, 0.0005, 0.0015, 0.0025, -0.0005, 1.0005, 2.675, 0.1,
		0.125, 1.0 / 3, -2.0 / 3, 999999.9995, 999999.9994, 1e6, 1e6 + 0.5, 123456.789,
		1e15, 1e15 + 2, -1e15, 9.999e14 + 0.5, 1e300, -1e-300, 5e-324, 50.833333333333336,
		INFINITY, -INFINITY, NAN, 0.1 + 0.2, 1e-7, 999.9995, 4.0005, 20.0000005,
	};
	int i;

	(void)state;
	for (i = 0; i < (int)(sizeof fixed / sizeof fixed[0]); i++)
		check(fixed[i]);
	for (i = 0; i < 200000; i++) {
		uint64_t r = next();
		double m = (double)(r >> 11) / 9007199254740992.0; /* [0, 1) */
		int e = (int)(next() % 24) - 6;                    /* 1e-6 .. 1e17 */
		double x = m * pow(10, e);

		if (r & 1)
			x = -x;
		if (next() % 4 == 0) /* near a thousandth's tie */
			x = floor(x * 1000) / 1000 + 0.0005;
		check(x);
	}
}

/* The builder cut where policy_api_copy_reason cuts the whole text:
 * texts of ASCII and 2-, 3- and 4-byte UTF-8 characters around the end. */
static void test_cut(void **state)
{
	static const char *const pieces[] = { "a", "bc", "\xc3\xa9", "\xe2\x82\xac",
					      "\xf0\x9f\x99\x82", " jobs, ", "" };
	(void)state;
	for (int round = 0; round < 20000; round++) {
		char whole[4 * SCALED_REASON_MAX], want[SCALED_REASON_MAX],
			got[SCALED_REASON_MAX];
		size_t len = 0;
		struct policy_text t;

		policy_text_init(&t, got, SCALED_REASON_MAX - 1);
		while (len < SCALED_REASON_MAX - 40 + next() % 80) {
			const char *p = pieces[next() % (sizeof pieces / sizeof pieces[0])];
			size_t n = strlen(p);

			memcpy(whole + len, p, n);
			len += n;
			policy_text_add(&t, p, n);
		}
		policy_api_copy_reason(want, whole, len);
		policy_text_end(&t);
		assert_string_equal(got, want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_num),
		cmocka_unit_test(test_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
