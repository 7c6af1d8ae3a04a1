/* test_sched_model.c - the scheduler against a model that keeps every task
 * in one list and picks the least (due, run_last mark, arm number) by
 * looking at all of them: periodic tasks in lanes and the rest in the heap
 * must run in exactly the model's order, under random arms, far first dues
 * (which do not fit a lane's tail), more periods than there are lanes,
 * run_last marks and cancels from inside callbacks and between them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "sched.h"

#define MAX_TASKS 512
#define RUNS 40000

struct mtask {
	struct sched_task *t; /* NULL: not pending (ran once, or cancelled) */
	int64_t due, period;
	bool last;
	uint64_t seq;
	bool running;
};

struct world {
	struct sched *s;
	struct mtask m[MAX_TASKS];
	int n;
	uint64_t seq;
	uint32_t rng;
	int64_t now;
	int ran[RUNS];
	int nran;
};

static struct world W;

static uint32_t rnd(uint32_t n)
{
	W.rng = W.rng * 1103515245u + 12345u;
	return (W.rng >> 8) % n;
}

/* The model's next task: the least (due, last, seq) of the pending ones. */
static int model_first(void)
{
	int best = -1;

	for (int i = 0; i < W.n; i++) {
		const struct mtask *a = &W.m[i], *b;

		if (!a->t)
			continue;
		if (best < 0) {
			best = i;
			continue;
		}
		b = &W.m[best];
		if (a->due != b->due ? a->due < b->due
		    : a->last != b->last ? !a->last : a->seq < b->seq)
			best = i;
	}
	return best;
}

static void run_task(void *arg);

static void add_task(void)
{
	/* Twelve periods: more than the scheduler's lanes. */
	static const int64_t periods[] = { 0, 0, 1000, 1000, 1000, 10000, 10000, 250, 7,
					   3000, 60000, 5, 11, 13, 17 };
	int i = W.n;
	struct mtask *m;
	int64_t first = W.now + (rnd(8) == 0 ? 50000 + rnd(100000) : rnd(2000));

	if (W.n >= MAX_TASKS)
		return;
	m = &W.m[i];
	m->period = periods[rnd(sizeof(periods) / sizeof(periods[0]))];
	m->due = first;
	m->seq = W.seq++;
	m->t = m->period ? sched_every(W.s, first, m->period, run_task, (void *)(intptr_t)i)
			 : sched_at(W.s, first, run_task, (void *)(intptr_t)i);
	assert_non_null(m->t);
	W.n++;
}

static void cancel_task(int i)
{
	struct mtask *m = &W.m[i];

	if (!m->t)
		return;
	sched_cancel(W.s, m->t);
	m->t = NULL;
}

static void mark_last(int i)
{
	struct mtask *m = &W.m[i];

	if (!m->t || m->last)
		return;
	sched_run_last(W.s, m->t);
	m->last = true;
	/* A pending task (a running periodic one is pending again) takes a
	 * new arm; a running one-shot only takes the mark. */
	if (!(m->running && !m->period))
		m->seq = W.seq++;
}

/* Something random, from inside a callback or between runs. */
static void meddle(void)
{
	switch (rnd(10)) {
	case 0:
		add_task();
		break;
	case 1:
		if (W.n)
			cancel_task((int)rnd((uint32_t)W.n));
		break;
	case 2:
		if (W.n)
			mark_last((int)rnd((uint32_t)W.n));
		break;
	default:
		break;
	}
}

static void run_task(void *arg)
{
	int i = (int)(intptr_t)arg;

	assert_true(W.nran < RUNS);
	W.ran[W.nran++] = i;
	W.m[i].running = true;
	meddle();
	W.m[i].running = false;
}

static void test_against_model(void **state)
{
	(void)state;
	for (uint32_t seed = 1; seed <= 4; seed++) {
		W = (struct world){ .rng = seed };
		W.s = sched_new();
		assert_non_null(W.s);
		for (int i = 0; i < 64; i++)
			add_task();
		while (W.nran < RUNS - 1) {
			int want = model_first(), before = W.nran;
			struct mtask *m;

			if (want < 0 && W.n < MAX_TASKS) {
				add_task();
				continue;
			}
			if (want < 0)
				break;
			m = &W.m[want];
			assert_int_equal(sched_next(W.s), m->due);
			W.now = m->due;
			/* the model's run: a periodic task re-armed first */
			if (m->period) {
				m->due += m->period;
				m->seq = W.seq++;
			} else {
				m->t = NULL;
			}
			assert_int_equal(sched_run_one(W.s, W.now), 1);
			assert_int_equal(W.nran, before + 1);
			assert_int_equal(W.ran[before], want);
			if (rnd(4) == 0)
				meddle();
		}
		print_message("seed %u: %d runs of %d tasks\n", seed, W.nran, W.n);
		assert_true(W.nran >= RUNS / 2);
		sched_free(W.s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_against_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
