/*
 * test_group_stabilize.c - stage 4: Kubernetes-style stabilisation windows
 * over remembered recommendations.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "group_util.h"
#include "pipeline_util.h"

static STAGE_FN(stabilize)
{
	return group_stage_stabilize(cfg, st, t, base, value, bound, why, whylen);
}

/* A dip is held at the window's maximum and released exactly when the
 * window (300 s) has passed since the last higher recommendation. */
static void test_down_window_holds_dip(void **state)
{
	static const struct stage_step steps[] = {
		{ 0, 10, 10, 10, STEP_FREE, NULL },
		{ 10000, 10, 4, 10, STEP_BOUND,
		  "stabilize: scale-down to 4 held at 10, 10 recommended within the last 300s" },
		{ 150000, 10, 4, 10, STEP_ANY, NULL },
		{ 299999, 10, 4, 10, STEP_BOUND, NULL },
		{ 300000, 10, 4, 4, STEP_FREE, NULL },
	};
	struct group_settings cfg = plain_settings(0, 100);
	struct group_state st;

	(void)state;
	cfg.stab_down_ms = 300000;
	state_at(&st, 10);
	run_steps(stabilize, &cfg, &st, steps, N(steps));
	group_state_free(&st);
}

/* The hold steps down through the window's maximum as old values leave. */
static void test_down_window_steps(void **state)
{
	static const struct stage_step steps[] = {
		{ 0, 10, 10, 10, STEP_ANY, NULL },
		{ 100000, 10, 8, 10, STEP_ANY, NULL },
		{ 200000, 10, 6, 10, STEP_ANY, NULL },
		{ 300000, 10, 6, 8, STEP_BOUND,
		  "stabilize: scale-down to 6 held at 8, 8 recommended within the last 300s" },
		/* base has followed to 8; 8 leaves the window at 400 s */
		{ 399999, 8, 6, 8, STEP_ANY, NULL },
		{ 400000, 8, 6, 6, STEP_FREE, NULL },
	};
	struct group_settings cfg = plain_settings(0, 100);
	struct group_state st;

	(void)state;
	cfg.stab_down_ms = 300000;
	state_at(&st, 10);
	run_steps(stabilize, &cfg, &st, steps, N(steps));
	group_state_free(&st);
}

/* A scale-out is never held by the down window. */
static void test_down_window_lets_scale_out(void **state)
{
	static const struct stage_step steps[] = {
		{ 0, 5, 5, 5, STEP_ANY, NULL },
		{ 1000, 5, 3, 5, STEP_BOUND, NULL },
		{ 2000, 5, 9, 9, STEP_FREE, NULL },
	};
	struct group_settings cfg = plain_settings(0, 100);
	struct group_state st;

	(void)state;
	cfg.stab_down_ms = 300000;
	state_at(&st, 5);
	run_steps(stabilize, &cfg, &st, steps, N(steps));
	group_state_free(&st);
}

/* With nothing remembered (a fresh start) the window holds nothing back. */
static void test_empty_history(void **state)
{
	static const struct stage_step steps[] = {
		{ 0, 5, 3, 3, STEP_FREE, NULL },
	};
	struct group_settings cfg = plain_settings(0, 100);
	struct group_state st;

	(void)state;
	cfg.stab_down_ms = 300000;
	state_at(&st, 5);
	run_steps(stabilize, &cfg, &st, steps, N(steps));
	group_state_free(&st);
}

static void test_up_window(void **state)
{
	static const struct stage_step steps[] = {
		{ 0, 2, 2, 2, STEP_ANY, NULL },
		{ 30000, 2, 5, 2, STEP_BOUND,
		  "stabilize: scale-up to 5 held at 2, 2 recommended within the last 60s" },
		{ 59999, 2, 5, 2, STEP_ANY, NULL },
		{ 60000, 2, 5, 5, STEP_FREE, NULL },
		/* with no window, a scale-in goes straight through */
		{ 61000, 5, 1, 1, STEP_FREE, NULL },
	};
	struct group_settings cfg = plain_settings(0, 100);
	struct group_state st;

	(void)state;
	cfg.stab_up_ms = 60000;
	cfg.stab_down_ms = 0;
	state_at(&st, 2);
	run_steps(stabilize, &cfg, &st, steps, N(steps));
	group_state_free(&st);
}

/* Both windows at once: each looks only as far back as its own length,
 * though the history is kept for the longer one. */
static void test_both_windows(void **state)
{
	static const struct stage_step steps[] = {
		{ 0, 5, 5, 5, STEP_ANY, NULL },
		{ 30000, 5, 2, 5, STEP_ANY, NULL },
		{ 59999, 5, 8, 5, STEP_BOUND,
		  "stabilize: scale-up to 8 held at 5, 2 recommended within the last 60s" },
		/* 5 at 0 s has left the up window, 2 at 30 s has not */
		{ 60000, 5, 8, 5, STEP_ANY, NULL },
		{ 89999, 5, 8, 5, STEP_ANY, NULL },
		/* 2 at 30 s leaves at 90 s: up to the lowest left, 8 */
		{ 90000, 5, 8, 8, STEP_FREE, NULL },
		/* the down window still remembers 8 (and 5 at 0 s until 300 s) */
		{ 100000, 8, 1, 8, STEP_BOUND, NULL },
	};
	struct group_settings cfg = plain_settings(0, 100);
	struct group_state st;

	(void)state;
	cfg.stab_up_ms = 60000;
	cfg.stab_down_ms = 300000;
	state_at(&st, 5);
	run_steps(stabilize, &cfg, &st, steps, N(steps));
	group_state_free(&st);
}

/* An up window longer than the down window: the down window still ends
 * exactly on time though the history is kept longer. */
static void test_down_shorter_than_up(void **state)
{
	static const struct stage_step steps[] = {
		{ 0, 9, 9, 9, STEP_ANY, NULL },
		{ 30000, 9, 4, 9, STEP_ANY, NULL },
		{ 59999, 9, 4, 9, STEP_ANY, NULL },
		{ 60000, 9, 4, 4, STEP_FREE, NULL },
	};
	struct group_settings cfg = plain_settings(0, 100);
	struct group_state st;

	(void)state;
	cfg.stab_up_ms = 120000;
	cfg.stab_down_ms = 60000;
	state_at(&st, 9);
	run_steps(stabilize, &cfg, &st, steps, N(steps));
	assert_int_equal(st.recs.len, 2);
	group_state_free(&st);
}

/* Both windows at 0: the current recommendation is the result. */
static void test_no_windows(void **state)
{
	static const struct stage_step steps[] = {
		{ 0, 5, 9, 9, STEP_ANY, NULL },
		{ 1, 9, 2, 2, STEP_FREE, NULL },
	};
	struct group_settings cfg = plain_settings(0, 100);
	struct group_state st;

	(void)state;
	state_at(&st, 5);
	run_steps(stabilize, &cfg, &st, steps, N(steps));
	assert_true(st.recs.len <= 1);
	group_state_free(&st);
}

/* One call, for the cases that are not a table. */
static bool bound;
static char why[SCALED_REASON_MAX];

static int stab(const struct group_settings *cfg, struct group_state *st, int64_t t,
		int base, int combined)
{
	bound = !bound; /* whatever it was, the stage must set it */
	why[0] = '\0';
	return stabilize(cfg, st, t, base, combined, &bound, why, sizeof(why));
}

static void test_history_bounded(void **state)
{
	struct group_settings cfg = plain_settings(0, 100);
	struct group_state st;
	int64_t t;

	(void)state;
	cfg.stab_down_ms = 300000;
	cfg.stab_up_ms = 60000;
	state_at(&st, 5);
	/* a new value every second: the window holds exactly 300 of them */
	for (t = 0; t <= 1000000; t += 1000)
		stab(&cfg, &st, t, 5, (int)(t / 1000 % 7));
	assert_int_equal(st.recs.len, 300);
	assert_int_equal(st.recs.v[0].t_ms, 701000);
	/* the same value again and again is one mark */
	for (t = 1001000; t <= 2000000; t += 1000)
		stab(&cfg, &st, t, 5, 3);
	assert_int_equal(st.recs.len, 1);
	assert_int_equal(st.recs.v[0].t_ms, 2000000);
	group_state_free(&st);
}

/* Without memory to remember, hold rather than forget a peak. */
static void test_out_of_memory_holds(void **state)
{
	struct group_settings cfg = plain_settings(0, 100);
	struct group_state st;
	int r;

	(void)state;
	cfg.stab_down_ms = 300000;
	state_at(&st, 5);
	alloc_fail_after(0);
	r = stab(&cfg, &st, 0, 5, 9);
	alloc_fail_after(-1);
	assert_int_equal(r, 5);
	assert_true(bound);
	assert_string_equal(why, "stabilize: out of memory, holding 5");
	assert_int_equal(st.recs.len, 0);
	assert_int_equal(stab(&cfg, &st, 1, 5, 9), 9);
	group_state_free(&st);
}

/* A held scale-in says the same every tick: the text is kept with its
 * numbers and made again when one of them moves (the recommendation, the
 * hold, the window's maximum or the window itself). */
static void test_reason_kept(void **state)
{
	struct group_settings cfg = plain_settings(0, 100);
	struct group_state st;
	char text[SCALED_REASON_MAX];
	bool b;

	(void)state;
	cfg.stab_down_ms = 300000;
	state_at(&st, 10);
	assert_int_equal(group_stage_stabilize(&cfg, &st, 0, 10, 10, &b, text, sizeof text), 10);
	assert_false(b);
	assert_int_equal(group_stage_stabilize(&cfg, &st, 10000, 10, 4, &b, text, sizeof text), 10);
	assert_string_equal(text, "stabilize: scale-down to 4 held at 10, 10 recommended within the last 300s");
	strcpy(text, "x");
	assert_int_equal(group_stage_stabilize(&cfg, &st, 20000, 10, 4, &b, text, sizeof text), 10);
	assert_string_equal(text, "stabilize: scale-down to 4 held at 10, 10 recommended within the last 300s");
	assert_int_equal(group_stage_stabilize(&cfg, &st, 30000, 10, 5, &b, text, sizeof text), 10);
	assert_string_equal(text, "stabilize: scale-down to 5 held at 10, 10 recommended within the last 300s");
	cfg.stab_down_ms = 600000;
	assert_int_equal(group_stage_stabilize(&cfg, &st, 40000, 10, 5, &b, text, sizeof text), 10);
	assert_string_equal(text, "stabilize: scale-down to 5 held at 10, 10 recommended within the last 600s");
	/* a short buffer is cut and not kept: the next full one is whole */
	assert_int_equal(group_stage_stabilize(&cfg, &st, 50000, 10, 6, &b, text, 12), 10);
	assert_string_equal(text, "stabilize: ");
	assert_int_equal(group_stage_stabilize(&cfg, &st, 60000, 10, 6, &b, text, sizeof text), 10);
	assert_string_equal(text, "stabilize: scale-down to 6 held at 10, 10 recommended within the last 600s");
	group_state_free(&st);
}

/* The window's text in a reason: whole seconds without printf, the rest
 * with it; what snprintf's "%llds" would say, to the byte. */
static void test_dur_text(void **state)
{
	char buf[32], want[32];
	static const int64_t ms[] = { 0, 1000, 9000, 10000, 300000, 31536000000LL,
				      INT64_MAX / 1000 * 1000 };

	(void)state;
	for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) {
		snprintf(want, sizeof want, "%llds", (long long)(ms[i] / 1000));
		assert_string_equal(group_util_dur(buf, sizeof buf, ms[i]), want);
	}
	assert_string_equal(group_util_dur(buf, sizeof buf, -5000), "0s");
	assert_string_equal(group_util_dur(buf, sizeof buf, 1500), "1.500s");
	assert_string_equal(group_util_dur(buf, 4, 300000), "300"); /* cut as snprintf cuts */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dur_text),
		cmocka_unit_test(test_reason_kept),
		cmocka_unit_test(test_down_window_holds_dip),
		cmocka_unit_test(test_down_window_steps),
		cmocka_unit_test(test_down_window_lets_scale_out),
		cmocka_unit_test(test_empty_history),
		cmocka_unit_test(test_up_window),
		cmocka_unit_test(test_both_windows),
		cmocka_unit_test(test_down_shorter_than_up),
		cmocka_unit_test(test_no_windows),
		cmocka_unit_test(test_history_bounded),
		cmocka_unit_test(test_out_of_memory_holds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
