/*
 * onednn_buffers.c - where a plan's tensors live.
 *
 * As the CPU backend does: in step order, a step's output takes the
 * smallest free buffer that fits (or grows one), then the buffers whose
 * last reader was this step are freed; aliases share their root's buffer.
 * The buffers belong to the session and every plan uses them: a plan
 * that needs a larger buffer than the session has grows it, which moves
 * it, so the session's generation changes and each plan rebinds its
 * memories (dnnl_memory_set_data_handle) before its next run. The
 * scratchpad is one buffer too, sized for the largest primitive's need.
 */
#include "onednn_internal.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void *alloc_bytes(size_t n)
{
	if (n > SIZE_MAX - 63)
		return NULL;
	n = (n + 63) / 64 * 64;
	return aligned_alloc(64, n ? n : 64);
}

/* Slot sizes: one that fits beats one that does not; among those that fit
 * the smallest, among those that do not the largest (least growth). */
static int better(size_t cand, size_t cur, size_t need)
{
	int cand_fits = cand >= need, cur_fits = cur >= need;

	if (cand_fits != cur_fits)
		return cand_fits;
	return cand_fits ? cand < cur : cand > cur;
}

static int grow_session(struct dn_session *s, const size_t *cap, int n, size_t scratch)
{
	int k;

	if (n > s->n_bufs) {
		void **b = realloc(s->bufs, (size_t)n * sizeof(*b));
		size_t *c;

		if (!b)
			return -ENOMEM;
		s->bufs = b;
		if (!(c = realloc(s->caps, (size_t)n * sizeof(*c))))
			return -ENOMEM;
		s->caps = c;
		for (k = s->n_bufs; k < n; k++) {
			s->bufs[k] = NULL;
			s->caps[k] = 0;
		}
		s->n_bufs = n;
	}
	for (k = 0; k < n; k++) {
		if (s->caps[k] >= cap[k])
			continue;
		free(s->bufs[k]);
		s->caps[k] = 0;
		s->gen++;
		if (!(s->bufs[k] = alloc_bytes(cap[k])))
			return -ENOMEM;
		s->caps[k] = cap[k];
	}
	if (scratch > s->scratch_cap) {
		free(s->scratch);
		s->scratch_cap = 0;
		s->gen++;
		if (!(s->scratch = alloc_bytes(scratch)))
			return -ENOMEM;
		s->scratch_cap = scratch;
	}
	return 0;
}

int dn_buffers_plan(struct dn_session *s, struct dn_plan *p, char **errmsg)
{
	size_t *need = calloc((size_t)p->n_t + 1, sizeof(size_t));
	size_t *cap = calloc((size_t)p->n_t + 1, sizeof(size_t)), scratch = 0;
	char *busy = calloc((size_t)p->n_t + 1, 1);
	int i, k, n_slots = 0, err = -ENOMEM;

	if (!need || !cap || !busy)
		goto out;
	for (i = 0; i < p->n_t; i++) {
		size_t b = dnnl_memory_desc_get_size(&p->t[i].md);
		int r = p->t[i].root;

		if (b > need[r])
			need[r] = b;
	}
	for (i = 0; i < p->n_steps; i++) {
		const struct dn_step *st = &p->steps[i];

		for (k = 0; k < st->n_args; k++)
			if (st->arg[k].tensor >= 0 && st->arg[k].kind != DNNL_ARG_DST)
				p->t[p->t[st->arg[k].tensor].root].last = i;
		if (st->reads_out)
			p->t[p->t[st->out].root].last = i;
	}
	for (i = 0; i < p->n_steps; i++) {
		const struct dn_step *st = &p->steps[i];
		struct dn_tensor *o = &p->t[p->t[st->out].root];
		size_t sb = dnnl_memory_desc_get_size(&st->scratch_md);
		int best = -1;

		if (sb > scratch)
			scratch = sb;
		if (o->slot == DN_SLOT_NONE) {
			for (k = 0; k < n_slots; k++)
				if (!busy[k] && (best < 0 || better(cap[k], cap[best], need[o->root])))
					best = k;
			if (best < 0)
				best = n_slots++;
			if (cap[best] < need[o->root])
				cap[best] = need[o->root];
			busy[best] = 1;
			o->slot = best;
		}
		for (k = 0; k < st->n_args; k++) {
			const struct dn_tensor *r;

			if (st->arg[k].tensor < 0)
				continue;
			r = &p->t[p->t[st->arg[k].tensor].root];
			if (r->slot >= 0 && r->last == i)
				busy[r->slot] = 0;
		}
		/* An output nobody reads is dead at once. */
		if (o->slot >= 0 && o->last <= i)
			busy[o->slot] = 0;
	}
	err = grow_session(s, cap, n_slots, scratch);
out:
	free(need);
	free(cap);
	free(busy);
	if (err)
		return graph_errf(errmsg, err, "%s: out of memory for the oneDNN backend's buffers at batch %d",
				  s->g->name, p->batch);
	return 0;
}

int dn_buffers_bind(struct dn_session *s, struct dn_plan *p, char **errmsg)
{
	dnnl_status_t rc = dnnl_success;
	int i, k;

	for (i = 0; i < p->n_t && !rc; i++) {
		struct dn_tensor *t = &p->t[i];
		int slot = p->t[t->root].slot;
		void *h = slot >= 0 ? s->bufs[slot] : DNNL_MEMORY_NONE;

		if (!t->mem)
			rc = dnnl_memory_create(&t->mem, &t->md, s->eng, h);
		else if (slot >= 0)
			rc = dnnl_memory_set_data_handle(t->mem, h);
	}
	for (i = 0; i < p->n_steps && !rc; i++) {
		struct dn_step *st = &p->steps[i];

		if (!dnnl_memory_desc_get_size(&st->scratch_md))
			continue;
		if (!st->scratch)
			rc = dnnl_memory_create(&st->scratch, &st->scratch_md, s->eng, s->scratch);
		else
			rc = dnnl_memory_set_data_handle(st->scratch, s->scratch);
	}
	if (rc)
		return dn_fail(errmsg, NULL, "binding memory", rc);
	for (i = 0; i < p->n_steps; i++) {
		struct dn_step *st = &p->steps[i];

		for (k = 0; k < st->n_args; k++) {
			st->exec[k].arg = st->arg[k].kind;
			st->exec[k].memory = st->arg[k].tensor >= 0 ? p->t[st->arg[k].tensor].mem
								    : st->arg[k].mem;
		}
		if (st->scratch) {
			st->exec[k].arg = DNNL_ARG_SCRATCHPAD;
			st->exec[k].memory = st->scratch;
		}
	}
	p->gen = s->gen;
	return 0;
}
