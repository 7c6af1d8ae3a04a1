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
 * cuda_plan_fuse.c, the buffers in cuda_plan_buffers.c. What the
 * stages share with the rest of the backend lies below them all: the
 * tensor type's numbers in cuda_type.c, uploads in cuda_upload.c.
 */
#include "cuda_plan.h"

#include <stdlib.h>

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
