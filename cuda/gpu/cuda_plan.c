/*
 * cuda_plan.c - the cuDNN backend's plan: the graph's nodes become steps
 * on tensors (see cuda_internal.h), constants go to the device once, and
 * the tensors get buffers sized for the largest chunk and reused by
 * liveness.
 *
 * This file is the plan's entry, cu_plan(): the input and output steps
 * around the nodes, in the order the stages need. The stages live beside
 * it (cuda_plan.h lists them): tensors and views in cuda_plan_view.c,
 * one node's steps and layouts in cuda_plan_node.c, the Add fusions in
 * cuda_plan_fuse.c, the buffers in cuda_plan_buffers.c. The half floats
 * and uploads stay here: cuda_conv.c and cuda_ops.c use them too.
 */
#include "cuda_errors.h"
#include "cuda_plan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ numbers -- */

/* IEEE binary16, rounding to nearest even; overflow goes to infinity as
 * a cast in CUDA would. Written out rather than taken from cuda_fp16.h,
 * which is C++. */
uint16_t cu_f2h(float f)
{
	uint32_t x, sign, mant, h, rem, halfway, shift;
	int32_t e;

	memcpy(&x, &f, sizeof(x));
	sign = (x >> 16) & 0x8000u;
	mant = x & 0x7fffffu;
	e = (int32_t)((x >> 23) & 0xffu);
	if (e == 255)
		return (uint16_t)(sign | 0x7c00u | (mant ? 0x200u : 0u));
	e = e - 127 + 15;
	if (e >= 31)
		return (uint16_t)(sign | 0x7c00u);
	if (e <= 0) {
		if (e < -10)
			return (uint16_t)sign;
		mant |= 0x800000u;
		shift = (uint32_t)(14 - e);
		h = mant >> shift;
		rem = mant & ((1u << shift) - 1u);
		halfway = 1u << (shift - 1u);
		if (rem > halfway || (rem == halfway && (h & 1u)))
			h++;
		return (uint16_t)(sign | h);
	}
	h = ((uint32_t)e << 10) | (mant >> 13);
	rem = mant & 0x1fffu;
	/* A carry out of the mantissa bumps the exponent, up to infinity:
	 * that is the right rounding too. */
	if (rem > 0x1000u || (rem == 0x1000u && (h & 1u)))
		h++;
	return (uint16_t)(sign | h);
}

uint32_t cu_bits(const struct cu_session *s, float v)
{
	uint32_t b;

	if (s->dt == CUDNN_DATA_HALF)
		return cu_f2h(v);
	memcpy(&b, &v, sizeof(b));
	return b;
}

void cu_to_type(const struct cu_session *s, const float *in, int64_t n, void *out)
{
	int64_t i;

	if (s->dt == CUDNN_DATA_FLOAT) {
		memcpy(out, in, (size_t)n * sizeof(float));
		return;
	}
	for (i = 0; i < n; i++)
		((uint16_t *)out)[i] = cu_f2h(in[i]);
}

int cu_track(struct cu_session *s, void *p)
{
	if (s->n_allocs == s->cap_allocs) {
		int cap = s->cap_allocs ? 2 * s->cap_allocs : 64;
		void **a = realloc(s->allocs, (size_t)cap * sizeof(*a));

		if (!a)
			return -ENOMEM;
		s->allocs = a;
		s->cap_allocs = cap;
	}
	s->allocs[s->n_allocs++] = p;
	return 0;
}

int cu_upload(struct cu_session *s, const void *host, size_t bytes, void **dev,
	      const char *label, char **errmsg)
{
	void *p = NULL;

	CU_RT(s, errmsg, label, cudaMalloc, &p, bytes ? bytes : 1);
	if (cu_track(s, p)) {
		cudaFree(p);
		return graph_errf(errmsg, -ENOMEM, "out of memory");
	}
	*dev = p;
	if (bytes)
		CU_RT(s, errmsg, label, cudaMemcpy, p, host, bytes, cudaMemcpyHostToDevice);
	return 0;
}

/* Floats converted to the tensor type and uploaded. */
int cu_plan_upload_typed(struct cu_session *s, const float *v, int64_t n, void **dev,
			 const char *label, char **errmsg)
{
	void *tmp = malloc((size_t)(n ? n : 1) * s->esize);
	int err;

	if (!tmp)
		return graph_errf(errmsg, -ENOMEM, "out of memory");
	cu_to_type(s, v, n, tmp);
	err = cu_upload(s, tmp, (size_t)n * s->esize, dev, label, errmsg);
	free(tmp);
	return err;
}

/* The stages' one message for a failed allocation. */
int cu_plan_nomem(char **errmsg)
{
	return graph_errf(errmsg, -ENOMEM, "out of memory");
}

/* ---------------------------------------------------------------- plan -- */

/* The input is made NHWC when a convolution or pool reads it. */
static enum cu_layout input_layout(const struct cu_session *s)
{
	const struct graph *g = s->g;
	int i, k;

	for (i = 0; i < g->n_nodes; i++) {
		const struct graph_node *n = &g->nodes[i];

		for (k = 0; k < n->n_in; k++)
			if (n->in[k] == g->input &&
			    (n->op == GRAPH_CONV || n->op == GRAPH_MAXPOOL ||
			     n->op == GRAPH_AVGPOOL || n->op == GRAPH_GLOBALAVGPOOL))
				return CU_NHWC;
	}
	return CU_PLAIN;
}

int cu_plan(struct cu_session *s, char **errmsg)
{
	const struct graph *g = s->g;
	int *fuse = calloc((size_t)g->n_nodes + 1, sizeof(int));
	int i, in = g->input, out = g->output, err = 0;
	struct cu_step *st;

	if (!fuse || cu_plan_fuse_adds(s, fuse)) {
		free(fuse);
		return cu_plan_nomem(errmsg);
	}
	for (i = 0; i < g->n_values; i++) {
		const struct graph_value *v = &g->values[i];

		if (cu_plan_view_new_tensor(s, v->rank ? v->rank : 1, v->dims, CU_PLAIN) < 0) {
			free(fuse);
			return cu_plan_nomem(errmsg);
		}
	}
	s->t[in].layout = input_layout(s);
	if ((i = cu_plan_view_new_step(s, CU_STEP_COPY, -1, "input")) < 0) {
		free(fuse);
		return cu_plan_nomem(errmsg);
	}
	st = &s->steps[i];
	st->y = cu_plan_view_4d(s, in);
	st->x = st->y;
	st->x.t = CU_EXT_IN;
	cu_plan_view_strides_4d(CU_PLAIN, s->t[in].dims[1], s->t[in].dims[2], s->t[in].dims[3],
				st->x.st);

	for (i = 0; i < g->n_nodes && !err; i++) {
		const struct graph_node *n = &g->nodes[i];
		int k, skip = 0;

		/* An Add absorbed by a convolution is done by it. */
		for (k = 0; k < g->n_nodes && n->op == GRAPH_ADD; k++)
			skip |= fuse[k] == i;
		if (!skip)
			err = cu_plan_node(s, i, fuse, errmsg);
	}
	free(fuse);
	if (err)
		return err;

	if ((i = cu_plan_view_new_step(s, CU_STEP_COPY, -1, "output")) < 0)
		return cu_plan_nomem(errmsg);
	st = &s->steps[i];
	if (s->t[out].rank == 4 && !cu_plan_view_same_bytes(s, out) &&
	    s->t[out].layout == CU_NHWC) {
		st->x = cu_plan_view_4d(s, out);
		st->y = st->x;
		cu_plan_view_strides_4d(CU_PLAIN, s->t[out].dims[1], s->t[out].dims[2], s->t[out].dims[3],
			   st->y.st);
	} else {
		st->x = cu_plan_view_flat(s, out);
		st->y = st->x;
	}
	st->y.t = CU_EXT_OUT;
	return cu_plan_buffers(s, errmsg);
}
