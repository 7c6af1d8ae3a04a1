/*
 * graph.c - building and freeing the internal graph.
 */
#include "errfmt.h"
#include "graph.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct graph *graph_new(const char *name)
{
	struct graph *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->name = strdup(name ? name : "model");
	if (!g->name) {
		free(g);
		return NULL;
	}
	g->input = -1;
	g->output = -1;
	return g;
}

static void node_free(struct graph_node *n)
{
	switch (n->op) {
	case GRAPH_CONV:
		free(n->conv.w);
		free(n->conv.b);
		break;
	case GRAPH_BATCHNORM:
		free(n->bn.scale);
		free(n->bn.shift);
		break;
	case GRAPH_ADD_CONST:
		free(n->addc.c);
		break;
	case GRAPH_GEMM:
		free(n->gemm.w);
		free(n->gemm.b);
		break;
	default:
		break;
	}
	free(n->name);
	free(n->in);
}

void graph_free(struct graph *g)
{
	int i;

	if (!g)
		return;
	for (i = 0; i < g->n_nodes; i++)
		node_free(&g->nodes[i]);
	for (i = 0; i < g->n_values; i++)
		free(g->values[i].name);
	free(g->nodes);
	free(g->values);
	free(g->name);
	free(g);
}

/* Grow an array of elem-sized items to hold one more; 0 or -ENOMEM. */
static int grow(void **arr, int *cap, int n, size_t elem)
{
	void *p;
	int ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	p = realloc(*arr, (size_t)ncap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

int graph_add_value(struct graph *g, const char *name)
{
	struct graph_value *v;

	if (grow((void **)&g->values, &g->cap_values, g->n_values, sizeof(*v)))
		return -ENOMEM;
	v = &g->values[g->n_values];
	memset(v, 0, sizeof(*v));
	v->name = strdup(name);
	if (!v->name)
		return -ENOMEM;
	v->producer = -1;
	return g->n_values++;
}

int graph_add_node(struct graph *g, enum graph_op op, const char *name,
		   const char *op_type, int n_in)
{
	struct graph_node *n;

	if (grow((void **)&g->nodes, &g->cap_nodes, g->n_nodes, sizeof(*n)))
		return -ENOMEM;
	n = &g->nodes[g->n_nodes];
	memset(n, 0, sizeof(*n));
	n->op = op;
	n->op_type = op_type;
	n->out = -1;
	n->name = strdup(name);
	n->in = calloc(n_in > 0 ? (size_t)n_in : 1, sizeof(int));
	if (!n->name || !n->in) {
		free(n->name);
		free(n->in);
		return -ENOMEM;
	}
	n->n_in = n_in;
	return g->n_nodes++;
}

int graph_find_value(const struct graph *g, const char *name)
{
	int i;

	/* Newest first: ONNX names are unique (SSA), and a lookup is most
	 * often for a value produced just before. */
	for (i = g->n_values - 1; i >= 0; i--)
		if (strcmp(g->values[i].name, name) == 0)
			return i;
	return -1;
}

const char *graph_dims_str(const int64_t *dims, int rank, char *buf, size_t len)
{
	size_t off = 0;
	int i;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	off += (size_t)snprintf(buf + off, len - off, "[");
	for (i = 0; i < rank && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%lld",
					i ? "," : "", (long long)dims[i]);
	if (off < len)
		snprintf(buf + off, len - off, "]");
	return buf;
}

int graph_errf(char **errmsg, int err, const char *fmt, ...)
{
	va_list ap;

	if (!errmsg)
		return err;
	va_start(ap, fmt);
	*errmsg = errfmt_v(fmt, ap);
	va_end(ap);
	return err;
}
