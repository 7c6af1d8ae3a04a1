/*
 * sim_heap.h - the world's one event heap: a binary min-heap ordered by
 * time, then by the order events were pushed (so that ties run first in,
 * first out, and a run is the same every time).
 */
#ifndef SIM_HEAP_H
#define SIM_HEAP_H

#include <stddef.h>
#include <stdint.h>

struct sim_event {
	int64_t t_ms;
	uint64_t seq;   /* set by sim_heap_push */
	int type;       /* the world's event types */
	uint32_t pool;  /* which pool */
	uint32_t slot;  /* which instance slot of the pool */
	uint64_t id;    /* the instance it was for (stale when the slot moved on) */
};

struct sim_heap {
	struct sim_event *v;
	size_t n, cap;
	uint64_t next_seq;
};

/* 0 or -ENOMEM. */
int sim_heap_push(struct sim_heap *h, struct sim_event ev);
/* The earliest event, or NULL when empty. */
const struct sim_event *sim_heap_top(const struct sim_heap *h);
/* Remove the earliest event into *out; 0, or -1 when empty. */
int sim_heap_pop(struct sim_heap *h, struct sim_event *out);
void sim_heap_free(struct sim_heap *h);

#endif
