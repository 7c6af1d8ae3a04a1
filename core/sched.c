/*
 * sched.c - timed tasks in a 4-ary min-heap ordered by (due, seq); each
 * heap slot carries its order, so sifting never reads the tasks.
 *
 * seq is a counter stamped on every (re-)arm, so tasks due at the same time
 * run in the order they were armed. Each task remembers its heap slot, which
 * makes cancel O(log n).
 *
 * A task whose callback is running is not freed by sched_cancel: it is marked
 * and freed by sched_run_one once the callback has returned, so a callback
 * may cancel itself (and other tasks) freely.
 */
#include <stdbool.h>
#include <stddef.h>

#include "alloc.h"
#include "sched.h"

#define SCHED_NOT_QUEUED ((size_t)-1)

struct sched_task {
	int64_t due;
	int64_t period; /* 0: one-shot */
	size_t slot; /* index in the heap, SCHED_NOT_QUEUED when out of it */
	sched_fn fn;
	void *arg;
	unsigned running; /* callback depth; >1 only if a callback runs the sched */
	bool cancelled;
	bool last; /* after every task without it due at the same time */
};

/* A heap slot holds the task's order itself, so sifting compares slots in
 * one array and never reads the tasks: with 100 000 groups the tasks are
 * scattered over hundreds of megabytes, and a comparison that follows the
 * pointer misses the cache at every level. */
struct sched_slot {
	int64_t due;
	uint64_t ord; /* last << 63 | the arm's sequence number */
	struct sched_task *t;
};

#define SCHED_LAST_BIT ((uint64_t)1 << 63)

/* Four children a slot: half the levels of a binary heap, so a re-armed
 * tick moves half as many slots (each move writes the moved task's slot
 * index, a cache miss at 100 000 tasks); the four siblings are adjacent. */
#define SCHED_ARITY 4

struct sched {
	struct sched_slot *heap;
	size_t len, cap;
	uint64_t next_seq;
	int64_t running_due; /* of the callback now running; INT64_MIN: none */
};

static bool sched_before(const struct sched_slot *a, const struct sched_slot *b)
{
	return a->due != b->due ? a->due < b->due : a->ord < b->ord;
}

static void sched_place(struct sched *s, size_t i, const struct sched_slot *e)
{
	s->heap[i] = *e;
	e->t->slot = i;
}

static void sched_sift_up(struct sched *s, size_t i, struct sched_slot e)
{
	while (i > 0) {
		size_t parent = (i - 1) / SCHED_ARITY;

		if (!sched_before(&e, &s->heap[parent]))
			break;
		sched_place(s, i, &s->heap[parent]);
		i = parent;
	}
	sched_place(s, i, &e);
}

static void sched_sift_down(struct sched *s, size_t i, struct sched_slot e)
{
	for (;;) {
		size_t first = SCHED_ARITY * i + 1, c = first, k;

		if (first >= s->len)
			break;
		for (k = first + 1; k < first + SCHED_ARITY && k < s->len; k++)
			if (sched_before(&s->heap[k], &s->heap[c]))
				c = k;
		if (!sched_before(&s->heap[c], &e))
			break;
		sched_place(s, i, &s->heap[c]);
		i = c;
	}
	sched_place(s, i, &e);
}

/* t's slot as it is to be ordered now: a new sequence number. */
static struct sched_slot sched_arm(struct sched *s, struct sched_task *t)
{
	return (struct sched_slot){
		.due = t->due,
		.ord = (t->last ? SCHED_LAST_BIT : 0) | (s->next_seq++ & ~SCHED_LAST_BIT),
		.t = t,
	};
}

/* The caller has made room (s->len < s->cap). */
static void sched_insert(struct sched *s, struct sched_task *t)
{
	s->len++;
	sched_sift_up(s, s->len - 1, sched_arm(s, t));
}

static void sched_remove(struct sched *s, struct sched_task *t);

void sched_run_last(struct sched *s, struct sched_task *t)
{
	if (!t || t->last)
		return;
	t->last = true;
	if (t->slot == SCHED_NOT_QUEUED)
		return; /* running: placed by its re-arm */
	sched_remove(s, t);
	sched_insert(s, t);
}

static void sched_remove(struct sched *s, struct sched_task *t)
{
	size_t i = t->slot;
	struct sched_slot last = s->heap[--s->len];

	t->slot = SCHED_NOT_QUEUED;
	if (last.t == t)
		return;
	/* The moved task may belong above or below slot i. */
	if (i > 0 && sched_before(&last, &s->heap[(i - 1) / SCHED_ARITY]))
		sched_sift_up(s, i, last);
	else
		sched_sift_down(s, i, last);
}

static int sched_reserve(struct sched *s)
{
	struct sched_slot *heap;
	size_t cap;

	if (s->len < s->cap)
		return 0;
	cap = s->cap ? s->cap * 2 : 16;
	heap = alloc_resize(s->heap, cap * sizeof(*heap));
	if (!heap)
		return -1;
	s->heap = heap;
	s->cap = cap;
	return 0;
}

struct sched *sched_new(void)
{
	struct sched *s = alloc_zero(1, sizeof(struct sched));

	if (s)
		s->running_due = INT64_MIN;
	return s;
}

void sched_free(struct sched *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->len; i++)
		alloc_free(s->heap[i].t);
	alloc_free(s->heap);
	alloc_free(s);
}

static struct sched_task *sched_add(struct sched *s, int64_t due_ms, int64_t period_ms,
				    sched_fn fn, void *arg)
{
	struct sched_task *t;

	if (sched_reserve(s) < 0)
		return NULL;
	t = alloc_zero(1, sizeof(*t));
	if (!t)
		return NULL;
	t->due = due_ms;
	t->period = period_ms;
	t->fn = fn;
	t->arg = arg;
	sched_insert(s, t);
	return t;
}

struct sched_task *sched_at(struct sched *s, int64_t due_ms, sched_fn fn, void *arg)
{
	return sched_add(s, due_ms, 0, fn, arg);
}

struct sched_task *sched_every(struct sched *s, int64_t first_ms, int64_t period_ms,
			       sched_fn fn, void *arg)
{
	if (period_ms <= 0)
		return NULL;
	return sched_add(s, first_ms, period_ms, fn, arg);
}

void sched_cancel(struct sched *s, struct sched_task *t)
{
	if (!t || t->cancelled)
		return;
	if (t->slot != SCHED_NOT_QUEUED)
		sched_remove(s, t);
	t->cancelled = true;
	if (!t->running)
		alloc_free(t);
}

int64_t sched_next(const struct sched *s)
{
	return s->len ? s->heap[0].due : INT64_MAX;
}

int sched_run_one(struct sched *s, int64_t now_ms)
{
	struct sched_task *t;
	int64_t due, saved;

	if (s->len == 0 || s->heap[0].due > now_ms)
		return 0;
	t = s->heap[0].t;
	due = t->due;
	if (t->period) {
		/* Saturate: a task pushed past the end of time never runs again. */
		if (__builtin_add_overflow(t->due, t->period, &t->due))
			t->due = INT64_MAX;
		/* Re-armed in place: the root moves down to where it now goes
		 * (one pass, where taking it out and putting it back is two). */
		sched_sift_down(s, 0, sched_arm(s, t));
	} else {
		sched_remove(s, t);
	}
	saved = s->running_due;
	s->running_due = due;
	t->running++;
	t->fn(t->arg);
	t->running--;
	s->running_due = saved;
	if (!t->running && (t->cancelled || !t->period))
		alloc_free(t);
	return 1;
}

int64_t sched_running_due(const struct sched *s)
{
	return s->running_due;
}

unsigned sched_count(const struct sched *s)
{
	return (unsigned)s->len;
}
