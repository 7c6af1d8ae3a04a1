/*
 * sim_idle.c - a pool's stack of idle instances (sim_idle.h): pushed as an
 * instance goes idle, popped newest first by dispatch; entries of instances
 * that went busy, noticed, draining or gone since are skipped on the way
 * and compacted when they are most of it.
 */
#include <errno.h>
#include <stdlib.h>

#include "sim_idle.h"

/* Whether idle entry i may still be taken (sim_idle_pop's test): one that
 * fails it never passes again (an instance idle again is pushed anew). */
static bool sim_idle_live(const struct sim_pool *p, size_t i)
{
	const struct sim_inst *in = &p->inst[p->idle[i]];

	return in->id == p->idle_id[i] && in->state == SIM_IDLE && !in->noticed && !in->draining;
}

/* Drop the stale entries (of instances gone, busy or noticed since) when
 * they are more than half the stack, in order: the stack holds at most
 * about twice the instances idle, not one entry per launch. */
static void sim_idle_compact(struct sim_pool *p)
{
	size_t i, n = 0;

	for (i = 0; i < p->n_idle; i++)
		n += sim_idle_live(p, i);
	if (n * 2 >= p->n_idle)
		return;
	for (i = 0, n = 0; i < p->n_idle; i++)
		if (sim_idle_live(p, i)) {
			p->idle[n] = p->idle[i];
			p->idle_id[n++] = p->idle_id[i];
		}
	p->n_idle = n;
}

int sim_idle_push(struct sim_pool *p, uint32_t slot)
{
	if (p->n_idle == p->cap_idle)
		sim_idle_compact(p);
	if (p->n_idle == p->cap_idle) {
		size_t cap = p->cap_idle ? p->cap_idle * 2 : 16;
		uint32_t *v = realloc(p->idle, cap * sizeof *v);
		uint64_t *ids;

		if (v)
			p->idle = v;
		ids = v ? realloc(p->idle_id, cap * sizeof *ids) : NULL;
		if (!ids)
			return -ENOMEM;
		p->idle_id = ids;
		p->cap_idle = cap;
	}
	p->idle[p->n_idle] = slot;
	p->idle_id[p->n_idle++] = p->inst[slot].id;
	return 0;
}

/* The newest idle instance that may take a job (taken off the stack), or -1. */
long sim_idle_pop(struct sim_pool *p)
{
	while (p->n_idle)
		if (sim_idle_live(p, --p->n_idle))
			return p->idle[p->n_idle];
	return -1;
}
