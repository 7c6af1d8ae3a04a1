/*
 * sim_heap.c - the event heap (sim_heap.h): sift up on push, down on pop.
 */
#include <errno.h>
#include <stdlib.h>

#include "sim_heap.h"

static int sim_heap_less(const struct sim_event *a, const struct sim_event *b)
{
	return a->t_ms < b->t_ms || (a->t_ms == b->t_ms && a->seq < b->seq);
}

int sim_heap_push(struct sim_heap *h, struct sim_event ev)
{
	size_t i;

	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 256;
		struct sim_event *v = realloc(h->v, cap * sizeof *v);

		if (!v)
			return -ENOMEM;
		h->v = v;
		h->cap = cap;
	}
	ev.seq = h->next_seq++;
	for (i = h->n++; i > 0; i = (i - 1) / 2) {
		if (!sim_heap_less(&ev, &h->v[(i - 1) / 2]))
			break;
		h->v[i] = h->v[(i - 1) / 2];
	}
	h->v[i] = ev;
	return 0;
}

const struct sim_event *sim_heap_top(const struct sim_heap *h)
{
	return h->n ? &h->v[0] : NULL;
}

int sim_heap_pop(struct sim_heap *h, struct sim_event *out)
{
	struct sim_event last;
	size_t i = 0;

	if (!h->n)
		return -1;
	*out = h->v[0];
	last = h->v[--h->n];
	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && sim_heap_less(&h->v[c + 1], &h->v[c]))
			c++;
		if (!sim_heap_less(&h->v[c], &last))
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->n)
		h->v[i] = last;
	return 0;
}

void sim_heap_free(struct sim_heap *h)
{
	free(h->v);
	h->v = NULL;
	h->n = h->cap = 0;
}
