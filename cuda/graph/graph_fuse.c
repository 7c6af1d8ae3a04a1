/*
 * graph_fuse.c - load-time rewrites that save a pass over memory.
 *
 * BatchNormalization after a Conv becomes part of the Conv's weights and
 * bias; a Relu or Clip after a Conv, Gemm or Add becomes that node's
 * output clamp. Either is done only when nothing else reads the
 * intermediate value (and it is not the graph output): otherwise the value
 * is still needed as it was, and the node stays.
 */
#include "graph.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int *count_readers(const struct graph *g)
{
	int *readers = calloc((size_t)g->n_values, sizeof(int));
	int i, j;

	if (!readers)
		return NULL;
	for (i = 0; i < g->n_nodes; i++)
		for (j = 0; j < g->nodes[i].n_in; j++)
			readers[g->nodes[i].in[j]]++;
	readers[g->output]++;
	return readers;
}

static void fold_batchnorm(struct graph_conv *c, const struct graph_batchnorm *bn)
{
	int64_t per_oc = c->in_ch_per_group * c->win.kernel[0] * c->win.kernel[1];
	int64_t oc, i;

	for (oc = 0; oc < c->out_ch; oc++) {
		float s = bn->scale[oc];

		for (i = 0; i < per_oc; i++)
			c->w[oc * per_oc + i] *= s;
		c->b[oc] = c->b[oc] * s + bn->shift[oc];
	}
}

/* The clamp fields of the nodes that can take a fused activation. */
static int act_slot(struct graph_node *p, float **lo, float **hi, int **has)
{
	switch (p->op) {
	case GRAPH_CONV:
		*lo = &p->conv.act_min, *hi = &p->conv.act_max, *has = &p->conv.has_act;
		return 1;
	case GRAPH_GEMM:
		*lo = &p->gemm.act_min, *hi = &p->gemm.act_max, *has = &p->gemm.has_act;
		return 1;
	case GRAPH_ADD:
		*lo = &p->add.act_min, *hi = &p->add.act_max, *has = &p->add.has_act;
		return 1;
	case GRAPH_ADD_CONST:
		*lo = &p->addc.act_min, *hi = &p->addc.act_max, *has = &p->addc.has_act;
		return 1;
	default:
		return 0;
	}
}

/* Let producer p write node n's output instead of n's input. */
static void bypass(struct graph *g, struct graph_node *p, struct graph_node *n, char *dead, int ni)
{
	p->out = n->out;
	g->values[n->out].producer = g->values[n->in[0]].producer;
	dead[ni] = 1;
}

int graph_fuse(struct graph *g, char **errmsg)
{
	int *readers = count_readers(g);
	char *dead = calloc((size_t)g->n_nodes + 1, 1);
	int i, j;

	if (!readers || !dead) {
		free(readers);
		free(dead);
		return graph_errf(errmsg, -ENOMEM, "out of memory");
	}
	for (i = 0; i < g->n_nodes; i++) {
		struct graph_node *n = &g->nodes[i];
		int src = n->n_in ? g->values[n->in[0]].producer : -1;
		struct graph_node *p = src >= 0 ? &g->nodes[src] : NULL;
		float *lo, *hi;
		int *has;

		if (!p || readers[n->in[0]] != 1)
			continue;
		if (n->op == GRAPH_BATCHNORM && p->op == GRAPH_CONV && !p->conv.has_act) {
			fold_batchnorm(&p->conv, &n->bn);
			bypass(g, p, n, dead, i);
		} else if (n->op == GRAPH_CLIP && act_slot(p, &lo, &hi, &has) && !*has) {
			*lo = n->clip.min;
			*hi = n->clip.max;
			*has = 1;
			bypass(g, p, n, dead, i);
		}
	}

	/* Drop the fused nodes and renumber the producers. */
	for (i = 0, j = 0; i < g->n_nodes; i++) {
		if (dead[i]) {
			free(g->nodes[i].name);
			free(g->nodes[i].in);
			if (g->nodes[i].op == GRAPH_BATCHNORM) {
				free(g->nodes[i].bn.scale);
				free(g->nodes[i].bn.shift);
			}
			continue;
		}
		g->nodes[j++] = g->nodes[i];
	}
	g->n_nodes = j;
	for (i = 0; i < g->n_values; i++)
		g->values[i].producer = -1;
	for (i = 0; i < g->n_nodes; i++)
		g->values[g->nodes[i].out].producer = i;
	free(readers);
	free(dead);
	return 0;
}
