/*
 * test_ec2_plan.c - which instances aws.ec2 starts and stops (ec2_plan.c):
 * the most recently launched stopped first, busy ones never, pending ones
 * not, ties by the farm's order then the id, starts in the reverse order,
 * what is short, and the plan in words.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ec2_plan.h"

#define R EC2_STATE_RUNNING
#define P EC2_STATE_PENDING
#define S EC2_STATE_STOPPED
#define X EC2_STATE_STOPPING
#define G EC2_STATE_GONE

/* The ids of the plan's list ix, joined with ' '. */
static const char *ids(const struct ec2_plan_instance *v, const size_t *ix, size_t n)
{
	static char buf[512];
	size_t at = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		at += (size_t)snprintf(buf + at, sizeof buf - at, "%s%s", i ? " " : "", v[ix[i]].id);
	return buf;
}

static void test_states(void **state)
{
	(void)state;
	assert_int_equal(ec2_plan_state_of("running"), R);
	assert_int_equal(ec2_plan_state_of("pending"), P);
	assert_int_equal(ec2_plan_state_of("stopping"), X);
	assert_int_equal(ec2_plan_state_of("shutting-down"), X);
	assert_int_equal(ec2_plan_state_of("stopped"), S);
	assert_int_equal(ec2_plan_state_of("terminated"), G);
	assert_int_equal(ec2_plan_state_of("Running"), G); /* exact, as EC2 spells them */
	assert_int_equal(ec2_plan_state_of(""), G);
	assert_int_equal(ec2_plan_state_of(NULL), G);
}

/* Ten running, launched at 1..10 s; the newest (i-10) busy. */
static void test_stop_newest_first(void **state)
{
	struct ec2_plan_instance v[10];
	char names[10][8];
	struct ec2_plan p;
	char text[512];

	(void)state;
	for (int i = 0; i < 10; i++) {
		snprintf(names[i], sizeof names[i], "i-%d", i + 1);
		v[i] = (struct ec2_plan_instance){ names[i], R, (i + 1) * 1000, 0, 0 };
	}
	v[9].busy = 1;
	assert_int_equal(ec2_plan_make(v, 10, 3, &p), 0);
	assert_int_equal(p.running, 10);
	assert_int_equal(p.n_start, 0);
	assert_string_equal(ids(v, p.stop, p.n_stop), "i-9 i-8 i-7 i-6 i-5 i-4 i-3");
	assert_string_equal(ids(v, p.busy, p.n_busy), "i-10");
	assert_int_equal(p.short_by, 0);
	ec2_plan_text(&p, v, "scaled:busy", text, sizeof text);
	assert_string_equal(text, "10 up (10 running, 0 pending), want 3; kept busy (tag "
			    "'scaled:busy'): i-10; stop 7: i-9, i-8, i-7, i-6, i-5, i-4, i-3");
	ec2_plan_free(&p);

	/* want 0: everything but the busy one, which keeps it one above */
	assert_int_equal(ec2_plan_make(v, 10, 0, &p), 0);
	assert_int_equal(p.n_stop, 9);
	assert_int_equal(p.short_by, 1);
	assert_int_equal(p.pending_kept, 0);
	ec2_plan_text(&p, v, "scaled:busy", text, sizeof text);
	assert_string_equal(text, "10 up (10 running, 0 pending), want 0; 1 above the count "
			    "until the busy ones are free; kept busy (tag 'scaled:busy'): i-10; "
			    "stop 9: i-9, i-8, i-7, i-6, i-5, i-4, i-3, i-2, i-1");
	ec2_plan_free(&p);

	/* want what runs: nothing */
	assert_int_equal(ec2_plan_make(v, 10, 10, &p), 0);
	assert_int_equal(p.n_stop + p.n_start, 0);
	ec2_plan_text(&p, v, "scaled:busy", text, sizeof text);
	assert_string_equal(text, "10 up (10 running, 0 pending), want 10; nothing to do");
	ec2_plan_free(&p);
}

/* Starts: the least recently launched stopped first; the unknown launch
 * time counts as the oldest; more wanted than stopped is short. */
static void test_start_oldest_first(void **state)
{
	struct ec2_plan_instance v[] = {
		{ "i-a", S, 5000, 0, 0 }, { "i-b", R, 1000, 0, 0 }, { "i-c", S, 3000, 1, 0 },
		{ "i-d", S, -1, 0, 0 },   { "i-e", X, 100, 0, 0 },  { "i-f", G, 50, 0, 0 },
		{ "i-g", P, 7000, 0, 0 },
	};
	struct ec2_plan p;
	char text[512];

	(void)state;
	assert_int_equal(ec2_plan_make(v, 7, 4, &p), 0);
	assert_int_equal(p.running, 1);
	assert_int_equal(p.pending, 1);
	assert_int_equal(p.stopping, 1);
	assert_int_equal(p.stopped, 3);
	/* busy does not keep an instance from starting */
	assert_string_equal(ids(v, p.start, p.n_start), "i-d i-c");
	assert_int_equal(p.short_by, 0);
	ec2_plan_free(&p);

	assert_int_equal(ec2_plan_make(v, 7, 9, &p), 0);
	assert_string_equal(ids(v, p.start, p.n_start), "i-d i-c i-a");
	assert_int_equal(p.short_by, 4);
	ec2_plan_text(&p, v, "busy", text, sizeof text);
	assert_string_equal(text, "2 up (1 running, 1 pending), want 9; 4 short: no stopped "
			    "instance left to start (1 stopping); start 3: i-d, i-c, i-a");
	ec2_plan_free(&p);
}

/* Pending instances count as up and are not stopped. */
static void test_pending(void **state)
{
	struct ec2_plan_instance v[] = {
		{ "i-a", P, 9000, 0, 0 }, { "i-b", P, 8000, 0, 0 }, { "i-c", R, 1000, 0, 0 },
	};
	struct ec2_plan p;
	char text[512];

	(void)state;
	assert_int_equal(ec2_plan_make(v, 3, 0, &p), 0);
	assert_string_equal(ids(v, p.stop, p.n_stop), "i-c");
	assert_int_equal(p.short_by, 2);
	assert_int_equal(p.pending_kept, 2);
	ec2_plan_text(&p, v, "busy", text, sizeof text);
	assert_string_equal(text, "3 up (1 running, 2 pending), want 0; 2 above the count "
			    "until the pending ones run; stop 1: i-c");
	ec2_plan_free(&p);
}

/* Ties: by the farm's order (stops: last listed first), then by id. */
static void test_ties(void **state)
{
	struct ec2_plan_instance v[] = {
		{ "i-b", R, 1000, 0, 2 }, { "i-a", R, 1000, 0, 0 }, { "i-c", R, 1000, 0, 1 },
		{ "i-z", S, 1000, 0, 0 }, { "i-y", S, 1000, 0, 0 },
	};
	struct ec2_plan p;

	(void)state;
	assert_int_equal(ec2_plan_make(v, 5, 1, &p), 0);
	assert_string_equal(ids(v, p.stop, p.n_stop), "i-b i-c");
	ec2_plan_free(&p);
	assert_int_equal(ec2_plan_make(v, 5, 4, &p), 0);
	assert_string_equal(ids(v, p.start, p.n_start), "i-y");
	ec2_plan_free(&p);
	/* the same set in another order plans the same */
	{
		struct ec2_plan_instance w[] = { v[4], v[2], v[0], v[3], v[1] };

		assert_int_equal(ec2_plan_make(w, 5, 1, &p), 0);
		assert_string_equal(ids(w, p.stop, p.n_stop), "i-b i-c");
		ec2_plan_free(&p);
	}
}

/* Many: the words stop at EC2_PLAN_IDS ids; a small buffer is cut, not
 * overrun; refusals. */
static void test_text_and_refusals(void **state)
{
	static struct ec2_plan_instance v[40];
	static char names[40][8];
	struct ec2_plan p;
	char text[512], small[16];

	(void)state;
	for (int i = 0; i < 40; i++) {
		snprintf(names[i], sizeof names[i], "i-%02d", i);
		v[i] = (struct ec2_plan_instance){ names[i], R, i, 0, 0 };
	}
	assert_int_equal(ec2_plan_make(v, 40, 5, &p), 0);
	assert_int_equal(p.n_stop, 35);
	ec2_plan_text(&p, v, NULL, text, sizeof text);
	assert_string_equal(text, "40 up (40 running, 0 pending), want 5; stop 35: i-39, i-38, "
			    "i-37, i-36, i-35, i-34, i-33, i-32, i-31, i-30 and 25 more");
	ec2_plan_text(&p, v, NULL, small, sizeof small);
	assert_string_equal(small, "40 up (40 runni");
	ec2_plan_text(&p, v, NULL, small, 0); /* nothing written, nothing read */
	ec2_plan_free(&p);

	assert_int_equal(ec2_plan_make(v, 40, -1, &p), -EINVAL);
	assert_null(p.stop);
	assert_int_equal(ec2_plan_make(NULL, 3, 1, &p), -EINVAL);
	assert_int_equal(ec2_plan_make(v, 40, 0, NULL), -EINVAL);
	/* an empty set: nothing to stop, everything short */
	assert_int_equal(ec2_plan_make(NULL, 0, 2, &p), 0);
	assert_int_equal(p.n_start, 0);
	assert_int_equal(p.short_by, 2);
	ec2_plan_free(&p);
	ec2_plan_free(&p); /* twice is harmless */
	ec2_plan_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_stop_newest_first),
		cmocka_unit_test(test_start_oldest_first),
		cmocka_unit_test(test_pending),
		cmocka_unit_test(test_ties),
		cmocka_unit_test(test_text_and_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
