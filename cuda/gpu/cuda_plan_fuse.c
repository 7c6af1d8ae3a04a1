/*
 * cuda_plan_fuse.c - fusions beyond graph_fuse.c's, found before any
 * step is planned.
 *
 * An Add whose ReLU was fused into it and one of whose inputs is a Conv
 * read by nothing else becomes that Conv's "z" input:
 * cudnnConvolutionBiasActivationForward computes relu(conv(x) + bias + z)
 * in one pass, the ResNet block's tail.
 */
#include "cuda_plan.h"

#include <errno.h>
#include <stdlib.h>

/* fuse[conv node] = the Add it absorbs (see the top of this file). */
int cu_plan_fuse_adds(struct cu_session *s, int *fuse)
{
	const struct graph *g = s->g;
	int *readers = calloc((size_t)g->n_values, sizeof(int));
	int i, k;

	if (!readers)
		return -ENOMEM;
	for (i = 0; i < g->n_nodes; i++) {
		fuse[i] = -1;
		for (k = 0; k < g->nodes[i].n_in; k++)
			readers[g->nodes[i].in[k]]++;
	}
	readers[g->output]++;
	for (i = 0; s->fuse_add && i < g->n_nodes; i++) {
		const struct graph_node *a = &g->nodes[i];
		int best = -1;

		if (a->op != GRAPH_ADD || !a->add.has_act || a->add.act_min != 0.0f ||
		    a->in[0] == a->in[1])
			continue;
		for (k = 0; k < 2; k++) {
			int v = a->in[k], o = a->in[1 - k], p = g->values[v].producer;
			const struct graph_node *c = p >= 0 ? &g->nodes[p] : NULL;

			/* The other input must exist before the conv runs. */
			if (!c || c->op != GRAPH_CONV || c->conv.has_act || readers[v] != 1 ||
			    fuse[p] >= 0 || g->values[o].producer >= p)
				continue;
			if (p > best)
				best = p;
		}
		if (best >= 0)
			fuse[best] = i;
	}
	free(readers);
	return 0;
}
