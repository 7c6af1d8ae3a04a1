/*
 * sched.c - timed tasks ordered by (due, seq): periodic tasks in lanes, the
 * rest in a 4-ary min-heap whose slots carry their order, so sifting never
 * reads the tasks.
 *
 * A lane is a FIFO of periodic tasks of one period (and one run_last mark)
 * kept sorted by appending only a task due no earlier than its tail: each
 * arm takes a new, larger seq, so the FIFO is sorted by (due, seq) too. A
 * re-armed task (due += period) nearly always qualifies -- the tasks ahead
 * of it were re-armed from dues no later than its own -- so 100 000 group
 * ticks a second cost a pop and an append each, not two walks through a
 * 200 000-slot heap whose every move writes a far-away task. A task that
 * does not qualify (a first due far ahead of the lane's tail) goes to the
 * heap and joins the lane at a later arm. The next task is the least of the
 * heap's root and the lanes' heads, so the order is exactly the heap's.
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
#define SCHED_IN_LANE ((size_t)-2)

struct sched_lane;

struct sched_task {
	int64_t due;
	int64_t period; /* 0: one-shot */
	size_t slot; /* heap index, SCHED_IN_LANE or SCHED_NOT_QUEUED */
	uint64_t ord; /* in a lane: its order, as a heap slot's */
	struct sched_task *next, *prev; /* in a lane */
	struct sched_lane *lane;
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

/* Few periods are in use at once (a farm's ticks and polls); a period
 * beyond these goes to the heap. */
#define SCHED_LANES 8

struct sched_lane {
	int64_t period; /* 0: unused */
	bool last;
	struct sched_task *head, *tail;
};

struct sched {
	struct sched_slot *heap;
	size_t len, cap;
	size_t count; /* every pending task: the heap's room is kept for all */
	struct sched_lane lanes[SCHED_LANES];
	/* sched_first's answer while nothing moved (every change goes through
	 * sched_place_armed, sched_remove or sched_rearm, which clear it):
	 * the loop asks for the next due before each task it runs */
	struct sched_task *first;
	bool first_ok;
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

/* The lane of t's period and mark, made on first use; NULL when t is
 * one-shot or every lane is taken by other periods. */
static struct sched_lane *sched_lane_of(struct sched *s, const struct sched_task *t)
{
	struct sched_lane *free = NULL;

	if (!t->period)
		return NULL;
	for (struct sched_lane *l = s->lanes; l < s->lanes + SCHED_LANES; l++) {
		if (l->period == t->period && l->last == t->last)
			return l;
		if (!l->period && !free)
			free = l;
	}
	if (free) {
		free->period = t->period;
		free->last = t->last;
	}
	return free;
}

static void sched_lane_unlink(struct sched_task *t)
{
	struct sched_lane *l = t->lane;

	if (t->prev)
		t->prev->next = t->next;
	else
		l->head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	else
		l->tail = t->prev;
	t->next = t->prev = NULL;
	t->lane = NULL;
	t->slot = SCHED_NOT_QUEUED;
}

/* Put t (out of both) where its new order e belongs: the tail of its lane
 * when that keeps the lane sorted, else the heap, whose room the caller
 * keeps (sched_reserve counts every task). */
/* t's lane when appending t there keeps it sorted, else NULL. */
static struct sched_lane *sched_lane_fits(struct sched *s, const struct sched_task *t)
{
	struct sched_lane *l = sched_lane_of(s, t);

	return l && (!l->tail || l->tail->due <= t->due) ? l : NULL;
}

static void sched_place_armed(struct sched *s, struct sched_task *t, struct sched_slot e)
{
	struct sched_lane *l = sched_lane_fits(s, t);

	s->first_ok = false;
	if (l) {
		t->ord = e.ord;
		t->lane = l;
		t->prev = l->tail;
		t->next = NULL;
		if (l->tail)
			l->tail->next = t;
		else
			l->head = t;
		l->tail = t;
		t->slot = SCHED_IN_LANE;
		return;
	}
	s->len++;
	sched_sift_up(s, s->len - 1, e);
}

static void sched_insert(struct sched *s, struct sched_task *t)
{
	sched_place_armed(s, t, sched_arm(s, t));
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

/* Take t out of the heap or its lane. */
static void sched_remove(struct sched *s, struct sched_task *t)
{
	size_t i = t->slot;
	struct sched_slot last;

	s->first_ok = false;
	if (i == SCHED_IN_LANE) {
		sched_lane_unlink(t);
		return;
	}
	last = s->heap[--s->len];
	t->slot = SCHED_NOT_QUEUED;
	if (last.t == t)
		return;
	/* The moved task may belong above or below slot i. */
	if (i > 0 && sched_before(&last, &s->heap[(i - 1) / SCHED_ARITY]))
		sched_sift_up(s, i, last);
	else
		sched_sift_down(s, i, last);
}

/* Room in the heap for one more task than are pending, wherever they are. */
static int sched_reserve(struct sched *s)
{
	struct sched_slot *heap;
	size_t cap;

	if (s->count < s->cap)
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
	for (size_t i = 0; i < SCHED_LANES; i++) {
		struct sched_task *t = s->lanes[i].head, *next;

		for (; t; t = next) {
			next = t->next;
			alloc_free(t);
		}
	}
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
	s->count++;
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
	if (t->slot != SCHED_NOT_QUEUED) {
		sched_remove(s, t);
		s->count--;
	}
	t->cancelled = true;
	if (!t->running)
		alloc_free(t);
}

/* The earliest task: the heap's root or a lane's head. NULL when none. */
static struct sched_task *sched_first(struct sched *s)
{
	if (s->first_ok)
		return s->first;

	struct sched_task *t = s->len ? s->heap[0].t : NULL;
	int64_t due = s->len ? s->heap[0].due : 0;
	uint64_t ord = s->len ? s->heap[0].ord : 0;

	for (const struct sched_lane *l = s->lanes; l < s->lanes + SCHED_LANES && l->period; l++) {
		struct sched_task *h = l->head;

		if (h && (!t || h->due < due || (h->due == due && h->ord < ord))) {
			t = h;
			due = h->due;
			ord = h->ord;
		}
	}
	s->first = t;
	s->first_ok = true;
	return t;
}

int64_t sched_next(struct sched *s)
{
	const struct sched_task *t = sched_first(s);

	return t ? t->due : INT64_MAX;
}

/* Re-arm a periodic task that is about to run: due += period, a new order,
 * and its place (in one pass where it stays the heap's root). */
static void sched_rearm(struct sched *s, struct sched_task *t)
{
	struct sched_slot e;

	s->first_ok = false;
	/* Saturate: a task pushed past the end of time never runs again. */
	if (__builtin_add_overflow(t->due, t->period, &t->due))
		t->due = INT64_MAX;
	e = sched_arm(s, t);
	if (t->slot == SCHED_IN_LANE) {
		sched_lane_unlink(t);
		sched_place_armed(s, t, e);
		return;
	}
	if (sched_lane_fits(s, t)) {
		sched_remove(s, t);
		sched_place_armed(s, t, e);
		return;
	}
	sched_sift_down(s, 0, e); /* t is the root: it moves down in place */
}

int sched_run_one(struct sched *s, int64_t now_ms)
{
	struct sched_task *t = sched_first(s);
	int64_t due, saved;

	if (!t || t->due > now_ms)
		return 0;
	due = t->due;
	/* A lane's next task runs soon: fetch it and what it works on. */
	if (t->slot == SCHED_IN_LANE && t->next) {
		__builtin_prefetch(t->next->arg);
		if (t->next->next)
			__builtin_prefetch(t->next->next);
	}
	if (t->period) {
		sched_rearm(s, t);
	} else {
		sched_remove(s, t);
		s->count--;
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
	return (unsigned)s->count;
}
