/* test_sched.c - ordering, FIFO ties, periodic re-arm, cancel, many tasks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "alloc.h"
#include "sched.h"

/* What ran, in order: each callback appends its id (and the clock). */
struct trace {
	struct sched *s;
	int64_t now;
	int ids[64];
	int64_t at[64];
	int n;
};

struct job {
	struct trace *tr;
	int id;
	struct sched_task *task;  /* its own task, for cancel-self */
	struct sched_task *other; /* a task to cancel, if any */
	int64_t next_seen;        /* sched_next() from inside the callback */
	int runs;
	int cancel_after; /* cancel itself on this run (0: never) */
};

static void job_run(void *arg)
{
	struct job *j = arg;
	struct trace *tr = j->tr;

	tr->ids[tr->n] = j->id;
	tr->at[tr->n++] = tr->now;
	j->runs++;
	j->next_seen = sched_next(tr->s);
	if (j->cancel_after && j->runs == j->cancel_after)
		sched_cancel(tr->s, j->task);
	if (j->other) {
		sched_cancel(tr->s, j->other);
		j->other = NULL;
	}
}

/* Run everything due up to until, like the engine's step(). */
static void run_until(struct trace *tr, int64_t until)
{
	while (sched_next(tr->s) <= until) {
		tr->now = sched_next(tr->s);
		assert_int_equal(sched_run_one(tr->s, tr->now), 1);
	}
	tr->now = until;
}

static void test_empty(void **state)
{
	struct sched *s = sched_new();

	(void)state;
	assert_non_null(s);
	assert_int_equal(sched_next(s), INT64_MAX);
	assert_int_equal(sched_count(s), 0);
	assert_int_equal(sched_run_one(s, INT64_MAX), 0);
	sched_free(s);
	sched_free(NULL);
}

static void test_order(void **state)
{
	struct trace tr = { .s = sched_new() };
	struct job a = { .tr = &tr, .id = 1 }, b = { .tr = &tr, .id = 2 }, c = { .tr = &tr, .id = 3 };

	(void)state;
	assert_non_null(sched_at(tr.s, 30, job_run, &c));
	assert_non_null(sched_at(tr.s, 10, job_run, &a));
	assert_non_null(sched_at(tr.s, 20, job_run, &b));
	assert_int_equal(sched_count(tr.s), 3);
	assert_int_equal(sched_next(tr.s), 10);

	assert_int_equal(sched_run_one(tr.s, 9), 0); /* not yet due */
	assert_int_equal(tr.n, 0);
	assert_int_equal(sched_run_one(tr.s, 10), 1); /* due exactly now */
	assert_int_equal(sched_run_one(tr.s, 100), 1); /* overdue */
	assert_int_equal(sched_run_one(tr.s, 100), 1);
	assert_int_equal(sched_run_one(tr.s, 100), 0);
	assert_int_equal(tr.n, 3);
	assert_int_equal(tr.ids[0], 1);
	assert_int_equal(tr.ids[1], 2);
	assert_int_equal(tr.ids[2], 3);
	assert_int_equal(sched_count(tr.s), 0);
	assert_int_equal(sched_next(tr.s), INT64_MAX);
	sched_free(tr.s);
}

static void test_fifo_ties(void **state)
{
	struct trace tr = { .s = sched_new() };
	struct job j[6];
	/* ids 0..5 at times 50, 20, 50, 20, 50, 20 */
	static const int expect[6] = { 1, 3, 5, 0, 2, 4 };

	(void)state;
	for (int i = 0; i < 6; i++) {
		j[i] = (struct job){ .tr = &tr, .id = i };
		assert_non_null(sched_at(tr.s, i % 2 ? 20 : 50, job_run, &j[i]));
	}
	run_until(&tr, 100);
	assert_int_equal(tr.n, 6);
	for (int i = 0; i < 6; i++)
		assert_int_equal(tr.ids[i], expect[i]);
	sched_free(tr.s);
}

/* A task marked run-last runs after the others due at its time, however
 * they were armed, and keeps its place as it re-arms. */
static void test_run_last(void **state)
{
	struct trace tr = { .s = sched_new() };
	struct job tick = { .tr = &tr, .id = 9 }, src = { .tr = &tr, .id = 1 };
	struct sched_task *t;

	(void)state;
	t = sched_every(tr.s, 60, 60, job_run, &tick); /* armed first */
	assert_non_null(t);
	sched_run_last(tr.s, t);
	assert_non_null(sched_every(tr.s, 0, 60, job_run, &src));
	run_until(&tr, 180);
	/* 0: src; 60: src, tick; 120: src, tick; 180: src, tick */
	assert_int_equal(tr.n, 7);
	static const int expect[7] = { 1, 1, 9, 1, 9, 1, 9 };
	for (int i = 0; i < 7; i++)
		assert_int_equal(tr.ids[i], expect[i]);
	sched_free(tr.s);
}

static void test_periodic(void **state)
{
	struct trace tr = { .s = sched_new() };
	struct job p = { .tr = &tr, .id = 7 };
	struct sched_task *t;

	(void)state;
	t = sched_every(tr.s, 100, 50, job_run, &p);
	assert_non_null(t);
	assert_int_equal(sched_next(tr.s), 100);
	run_until(&tr, 300);
	assert_int_equal(p.runs, 5); /* 100 150 200 250 300 */
	for (int i = 0; i < 5; i++)
		assert_int_equal(tr.at[i], 100 + 50 * i);
	/* re-armed before the callback ran: it saw its own next due time */
	assert_int_equal(p.next_seen, 350);
	assert_int_equal(sched_count(tr.s), 1);
	assert_int_equal(sched_next(tr.s), 350);

	/* a late run catches up one period at a time, never skipping */
	assert_int_equal(sched_run_one(tr.s, 1000), 1);
	assert_int_equal(sched_next(tr.s), 400);

	sched_cancel(tr.s, t);
	assert_int_equal(sched_count(tr.s), 0);
	assert_int_equal(sched_run_one(tr.s, 10000), 0);

	assert_null(sched_every(tr.s, 0, 0, job_run, &p));
	assert_null(sched_every(tr.s, 0, -5, job_run, &p));
	assert_int_equal(sched_count(tr.s), 0);
	sched_free(tr.s);
}

/* A periodic task re-armed at T goes behind tasks already waiting for T. */
static void test_periodic_tie(void **state)
{
	struct trace tr = { .s = sched_new() };
	struct job p = { .tr = &tr, .id = 1 }, o = { .tr = &tr, .id = 2 };

	(void)state;
	assert_non_null(sched_every(tr.s, 0, 10, job_run, &p));
	assert_non_null(sched_at(tr.s, 10, job_run, &o));
	run_until(&tr, 10);
	assert_int_equal(tr.n, 3);
	assert_int_equal(tr.ids[0], 1);
	assert_int_equal(tr.ids[1], 2);
	assert_int_equal(tr.ids[2], 1);
	sched_free(tr.s);
}

static void test_cancel_pending(void **state)
{
	struct trace tr = { .s = sched_new() };
	struct job j[5];
	struct sched_task *t[5];

	(void)state;
	for (int i = 0; i < 5; i++) {
		j[i] = (struct job){ .tr = &tr, .id = i };
		t[i] = sched_at(tr.s, 10 * (i + 1), job_run, &j[i]);
		assert_non_null(t[i]);
	}
	sched_cancel(tr.s, t[0]); /* the root */
	sched_cancel(tr.s, t[2]); /* the middle */
	sched_cancel(tr.s, t[4]); /* the last */
	sched_cancel(tr.s, NULL); /* harmless */
	assert_int_equal(sched_count(tr.s), 2);
	assert_int_equal(sched_next(tr.s), 20);
	run_until(&tr, 100);
	assert_int_equal(tr.n, 2);
	assert_int_equal(tr.ids[0], 1);
	assert_int_equal(tr.ids[1], 3);
	sched_free(tr.s);
}

static void test_cancel_self(void **state)
{
	struct trace tr = { .s = sched_new() };
	struct job once = { .tr = &tr, .id = 1, .cancel_after = 1 };
	struct job every = { .tr = &tr, .id = 2, .cancel_after = 3 };

	(void)state;
	once.task = sched_at(tr.s, 5, job_run, &once);
	every.task = sched_every(tr.s, 10, 10, job_run, &every);
	assert_non_null(once.task);
	assert_non_null(every.task);
	run_until(&tr, 1000);
	assert_int_equal(once.runs, 1);
	assert_int_equal(every.runs, 3); /* 10, 20, 30, then cancelled itself */
	assert_int_equal(sched_count(tr.s), 0);
	assert_int_equal(sched_next(tr.s), INT64_MAX);
	sched_free(tr.s); /* ASan: nothing freed twice, nothing left over */
}

static void test_cancel_other(void **state)
{
	struct trace tr = { .s = sched_new() };
	struct job victim = { .tr = &tr, .id = 2 }, ticker = { .tr = &tr, .id = 3 };
	struct job killer = { .tr = &tr, .id = 1 }, killer2 = { .tr = &tr, .id = 4 };

	(void)state;
	/* a one-shot cancels a pending one-shot due later */
	assert_non_null(sched_at(tr.s, 10, job_run, &killer));
	killer.other = sched_at(tr.s, 20, job_run, &victim);
	/* another cancels a periodic task that is already running */
	assert_non_null(sched_at(tr.s, 25, job_run, &killer2));
	killer2.other = sched_every(tr.s, 15, 5, job_run, &ticker);
	assert_non_null(killer.other);
	assert_non_null(killer2.other);

	run_until(&tr, 100);
	assert_int_equal(killer.runs, 1);
	assert_int_equal(victim.runs, 0);
	assert_int_equal(killer2.runs, 1);
	/* 15 and 20; re-armed for 25 after killer2 was added, so killer2 goes first */
	assert_int_equal(ticker.runs, 2);
	assert_int_equal(sched_count(tr.s), 0);
	sched_free(tr.s);
}

/* A callback that adds a task due now: it runs on the next call, not inside. */
struct adder {
	struct sched *s;
	struct job *child;
	int runs;
};

static void adder_run(void *arg)
{
	struct adder *a = arg;

	a->runs++;
	assert_non_null(sched_at(a->s, 0, job_run, a->child));
}

static void test_add_from_callback(void **state)
{
	struct trace tr = { .s = sched_new() };
	struct job child = { .tr = &tr, .id = 9 };
	struct adder a = { .s = tr.s, .child = &child };

	(void)state;
	assert_non_null(sched_at(tr.s, 0, adder_run, &a));
	assert_int_equal(sched_run_one(tr.s, 0), 1);
	assert_int_equal(a.runs, 1);
	assert_int_equal(child.runs, 0);
	assert_int_equal(sched_count(tr.s), 1);
	assert_int_equal(sched_run_one(tr.s, 0), 1);
	assert_int_equal(child.runs, 1);
	sched_free(tr.s);
}

static void test_free_pending(void **state)
{
	struct trace tr = { .s = sched_new() };
	struct job j = { .tr = &tr, .id = 1 };

	(void)state;
	for (int i = 0; i < 100; i++)
		assert_non_null(sched_at(tr.s, i, job_run, &j));
	assert_non_null(sched_every(tr.s, 0, 1, job_run, &j));
	sched_free(tr.s); /* without running any */
	assert_int_equal(j.runs, 0);
}

/* Many tasks in random order, with many equal times and random cancels. */
#define N_MANY 10000

struct many {
	int64_t due;
	int id;
	int ran;
	struct sched_task *t;
	struct many_log *log;
};

struct many_log {
	int order[N_MANY];
	int n;
};

static void many_run(void *arg)
{
	struct many *m = arg;

	m->ran++;
	m->log->order[m->log->n++] = m->id;
}

/* A periodic task run late knows when each run was due: runs are a period
 * apart however late the loop gets to them (what a group's cooldown is
 * timed by); outside a callback there is none. */
struct due_probe {
	struct sched *s;
	int64_t seen[4];
	int n;
};

static void due_probe_run(void *arg)
{
	struct due_probe *p = arg;

	if (p->n < 4)
		p->seen[p->n++] = sched_running_due(p->s);
}

static void test_running_due(void **state)
{
	struct due_probe p = { .s = sched_new() };

	(void)state;
	assert_non_null(p.s);
	assert_true(sched_running_due(p.s) == INT64_MIN);
	assert_non_null(sched_every(p.s, 1000, 2000, due_probe_run, &p));
	assert_int_equal(sched_run_one(p.s, 1001), 1); /* 1 ms late */
	assert_int_equal(sched_run_one(p.s, 3000), 1); /* on time */
	assert_int_equal(sched_run_one(p.s, 5007), 1); /* 7 ms late */
	assert_int_equal(p.n, 3);
	assert_true(p.seen[0] == 1000);
	assert_true(p.seen[1] == 3000);
	assert_true(p.seen[2] == 5000);
	assert_true(sched_running_due(p.s) == INT64_MIN);
	sched_free(p.s);
}

static void test_many(void **state)
{
	struct sched *s = sched_new();
	struct many *m = calloc(N_MANY, sizeof(*m));
	struct many_log *log = calloc(1, sizeof(*log));
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	int cancelled = 0;

	(void)state;
	assert_non_null(m);
	assert_non_null(log);
	for (int i = 0; i < N_MANY; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		m[i] = (struct many){ .due = (int64_t)(x % 3000), .id = i, .log = log };
		m[i].t = sched_at(s, m[i].due, many_run, &m[i]);
		assert_non_null(m[i].t);
	}
	assert_int_equal(sched_count(s), N_MANY);
	for (int i = 0; i < N_MANY; i += 3) {
		sched_cancel(s, m[i].t);
		m[i].t = NULL;
		cancelled++;
	}
	assert_int_equal(sched_count(s), N_MANY - cancelled);

	while (sched_run_one(s, INT64_MAX))
		;
	assert_int_equal(log->n, N_MANY - cancelled);
	for (int k = 1; k < log->n; k++) {
		const struct many *a = &m[log->order[k - 1]], *b = &m[log->order[k]];

		/* sorted by time; equal times in the order they were added */
		assert_true(a->due < b->due || (a->due == b->due && a->id < b->id));
	}
	for (int i = 0; i < N_MANY; i++)
		assert_int_equal(m[i].ran, i % 3 ? 1 : 0);
	sched_free(s);
	free(log);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_fifo_ties),
		cmocka_unit_test(test_run_last),
		cmocka_unit_test(test_periodic),
		cmocka_unit_test(test_periodic_tie),
		cmocka_unit_test(test_cancel_pending),
		cmocka_unit_test(test_cancel_self),
		cmocka_unit_test(test_cancel_other),
		cmocka_unit_test(test_add_from_callback),
		cmocka_unit_test(test_free_pending),
		cmocka_unit_test(test_running_due),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
