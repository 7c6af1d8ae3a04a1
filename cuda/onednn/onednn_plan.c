/*
 * onednn_plan.c - the graph as oneDNN steps for one batch size.
 *
 * Nodes become primitives in graph order (onednn_conv.c, onednn_ops.c);
 * a last reorder writes the output value, in plain order, to the caller's
 * buffer. Plans are made once per batch size and kept with the session:
 * the first run at a size pays for creating its primitives (and for
 * reordering weights into a layout no earlier plan used), later runs only
 * execute.
 */
#include "onednn_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef int dn_node_fn(struct dn_session *s, struct dn_plan *p, int ni, char **errmsg);

static dn_node_fn *const builders[] = {
	[GRAPH_CONV] = dn_conv,
	[GRAPH_BATCHNORM] = dn_batchnorm,
	[GRAPH_CLIP] = dn_eltwise,
	[GRAPH_MAXPOOL] = dn_pool,
	[GRAPH_AVGPOOL] = dn_pool,
	[GRAPH_GLOBALAVGPOOL] = dn_pool,
	[GRAPH_ADD] = dn_add,
	[GRAPH_ADD_CONST] = dn_add_const,
	[GRAPH_GEMM] = dn_gemm,
	[GRAPH_RESHAPE] = dn_reshape,
	[GRAPH_SOFTMAX] = dn_softmax,
	[GRAPH_CONCAT] = dn_concat,
};

void dn_plan_free(struct dn_plan *p)
{
	int i;

	if (!p)
		return;
	for (i = 0; i < p->n_steps; i++) {
		if (p->steps[i].prim)
			dnnl_primitive_destroy(p->steps[i].prim);
		if (p->steps[i].scratch)
			dnnl_memory_destroy(p->steps[i].scratch);
	}
	for (i = 0; i < p->n_t; i++)
		if (p->t[i].mem)
			dnnl_memory_destroy(p->t[i].mem);
	free(p->steps);
	free(p->t);
	free(p->vt);
	free(p->done);
	free(p);
}

/* The caller's output: the output value reordered into plain order. */
static int output_step(struct dn_session *s, struct dn_plan *p, char **errmsg)
{
	const struct graph *g = s->g;
	dnnl_primitive_desc_t pd;
	dnnl_memory_desc_t md;
	dnnl_dims_t d;
	dnnl_status_t rc;
	int rank, out, from = p->vt[g->output], step;

	dn_dims(p, g, g->output, d, &rank);
	if (dn_plain_md(&md, rank, d) || (out = dn_tensor_new(p, &md)) < 0)
		return graph_errf(errmsg, -ENOMEM, "out of memory");
	p->t[out].slot = DN_SLOT_OUTPUT;
	rc = dnnl_reorder_primitive_desc_create(&pd, &p->t[from].md, s->eng, &md, s->eng, s->attr);
	if (rc)
		return dn_fail(errmsg, NULL, "the output's reorder", rc);
	step = dn_step_add(s, p, NULL, pd, out, errmsg);
	dnnl_primitive_desc_destroy(pd);
	if (step < 0)
		return step;
	dn_step_arg(p, step, DNNL_ARG_FROM, from, NULL);
	dn_step_arg(p, step, DNNL_ARG_TO, out, NULL);
	return 0;
}

static int build(struct dn_session *s, struct dn_plan *p, char **errmsg)
{
	const struct graph *g = s->g;
	dnnl_memory_desc_t md;
	dnnl_dims_t d;
	int i, rank, in, err;

	p->vt = malloc((size_t)g->n_values * sizeof(int));
	p->done = calloc((size_t)g->n_nodes + 1, 1);
	if (!p->vt || !p->done)
		return graph_errf(errmsg, -ENOMEM, "out of memory");
	for (i = 0; i < g->n_values; i++)
		p->vt[i] = -1;
	dn_dims(p, g, g->input, d, &rank);
	if (dn_plain_md(&md, rank, d) || (in = dn_tensor_new(p, &md)) < 0)
		return graph_errf(errmsg, -ENOMEM, "out of memory");
	p->t[in].slot = DN_SLOT_INPUT;
	p->vt[g->input] = in;
	for (i = 0; i < g->n_nodes; i++) {
		const struct graph_node *n = &g->nodes[i];

		if (p->done[i])
			continue;
		if ((unsigned)n->op >= sizeof(builders) / sizeof(builders[0]) || !builders[n->op])
			return graph_errf(errmsg, -ENOTSUP, "%s: node '%s' (%s) is not supported by the oneDNN backend (the cpu backend runs it)",
					  g->name, n->name, n->op_type);
		if ((err = builders[n->op](s, p, i, errmsg)))
			return err;
	}
	return output_step(s, p, errmsg);
}

int dn_plan_get(struct dn_session *s, int batch, struct dn_plan **out, char **errmsg)
{
	struct dn_plan *p;
	int err;

	for (p = s->plans; p; p = p->next)
		if (p->batch == batch)
			break;
	if (!p) {
		if (!(p = calloc(1, sizeof(*p))))
			return graph_errf(errmsg, -ENOMEM, "out of memory");
		p->batch = batch;
		if ((err = build(s, p, errmsg)) || (err = dn_buffers_plan(s, p, errmsg))) {
			dn_plan_free(p);
			return err;
		}
		p->gen = s->gen - 1;	/* not bound yet */
		p->next = s->plans;
		s->plans = p;
	}
	if (p->gen != s->gen && (err = dn_buffers_bind(s, p, errmsg)))
		return err;
	*out = p;
	return 0;
}
