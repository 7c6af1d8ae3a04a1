/*
 * cuda_plan_buffers.c - device buffers for the plan's tensors: each root
 * tensor lives from the first step that writes it to the last that reads
 * or writes it, and tensors whose lives do not overlap share a buffer,
 * sized for the largest chunk.
 */
#include "cuda_errors.h"
#include "cuda_plan.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#define CU_ALIGN 256

static int better(size_t cand, size_t cur, size_t need)
{
	int cand_fits = cand >= need, cur_fits = cur >= need;

	if (cand_fits != cur_fits)
		return cand_fits;
	return cand_fits ? cand < cur : cand > cur;
}

static void touch(struct cu_session *s, int t, int i, int write)
{
	struct cu_tensor *r;

	if (t < 0)
		return;
	r = &s->t[s->t[t].root];
	if (write && r->first < 0)
		r->first = i;
	if (i > r->last)
		r->last = i;
}

/* Greedy, in step order: a tensor takes the smallest free buffer that
 * fits (or grows one) at its first write, and gives it back after the
 * last step that reads or writes it. */
int cu_plan_buffers(struct cu_session *s, char **errmsg)
{
	size_t *cap = calloc((size_t)s->n_steps + 1, sizeof(size_t));
	char *busy = calloc((size_t)s->n_steps + 1, 1);
	int i, k, err = 0;

	if (!cap || !busy) {
		err = cu_plan_nomem(errmsg);
		goto out;
	}
	for (i = 0; i < s->n_steps; i++) {
		touch(s, s->steps[i].x.t, i, 0);
		touch(s, s->steps[i].z.t, i, 0);
		touch(s, s->steps[i].y.t, i, 1);
	}
	for (i = 0; i < s->n_steps; i++) {
		int y = s->steps[i].y.t, r = y >= 0 ? s->t[y].root : -1;

		if (r >= 0 && s->t[r].first == i) {
			size_t need;
			int best = -1;

			/* Checked before the product: item is the model's. */
			if (s->t[r].item > INT_MAX / s->chunk) {
				err = graph_errf(errmsg, -EINVAL, "%s: a tensor of %lld values per item is too large for cuDNN at %d items a pass (lower max_batch or SCALED_CUDA_CHUNK)",
						 s->g->name, (long long)s->t[r].item, s->chunk);
				goto out;
			}
			need = (size_t)(s->chunk * s->t[r].item) * s->esize;
			need = (need + CU_ALIGN - 1) / CU_ALIGN * CU_ALIGN;
			for (k = 0; k < s->n_bufs; k++)
				if (!busy[k] && (best < 0 || better(cap[k], cap[best], need)))
					best = k;
			if (best < 0)
				best = s->n_bufs++;
			if (cap[best] < need)
				cap[best] = need;
			busy[best] = 1;
			s->t[r].buf = best;
		}
		for (k = 0; k < s->n_t; k++)
			if (s->t[k].root == k && s->t[k].last == i && s->t[k].buf >= 0)
				busy[s->t[k].buf] = 0;
	}
	s->bufs = calloc((size_t)s->n_bufs + 1, sizeof(void *));
	s->buf_size = calloc((size_t)s->n_bufs + 1, sizeof(size_t));
	if (!s->bufs || !s->buf_size) {
		err = cu_plan_nomem(errmsg);
		goto out;
	}
	for (k = 0; k < s->n_bufs; k++) {
		cudaError_t e = cudaMalloc(&s->bufs[k], cap[k]);

		if (e != cudaSuccess) {
			s->bufs[k] = NULL;
			err = cu_rt_fail(s, errmsg, e, "cudaMalloc", "activation buffers");
			goto out;
		}
		s->buf_size[k] = cap[k];
	}
out:
	free(cap);
	free(busy);
	return err;
}
