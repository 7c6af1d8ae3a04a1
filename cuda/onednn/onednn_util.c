/*
 * onednn_util.c - the small pieces every file of the oneDNN backend uses:
 * messages, layouts, tensors, steps, reorders into a reader's layout,
 * fused activations and the constants (weights) reordered once.
 */
#include "onednn_internal.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <dnnl_debug.h>

int dn_fail(char **errmsg, const struct graph_node *n, const char *what, dnnl_status_t st)
{
	int err = st == dnnl_out_of_memory ? -ENOMEM : -EINVAL;

	if (!n)
		return graph_errf(errmsg, err, "oneDNN backend: %s: %s", what, dnnl_status2str(st));
	return graph_errf(errmsg, err, "oneDNN backend: node '%s' (%s): %s: %s", n->name,
			  n->op_type, what, dnnl_status2str(st));
}

void dn_dims(const struct dn_plan *p, const struct graph *g, int v, dnnl_dims_t dims, int *rank)
{
	const struct graph_value *gv = &g->values[v];
	int i;

	*rank = gv->rank;
	for (i = 0; i < gv->rank; i++)
		dims[i] = gv->dims[i];
	if (g->batch_major)
		dims[0] = p->batch;
}

int dn_plain_md(dnnl_memory_desc_t *md, int rank, const dnnl_dims_t dims)
{
	static const dnnl_format_tag_t tags[] = { dnnl_a, dnnl_ab, dnnl_abc, dnnl_abcd,
						  dnnl_abcde, dnnl_abcdef };

	if (rank < 1 || rank > 6)
		return -EINVAL;
	return dnnl_memory_desc_init_by_tag(md, rank, dims, dnnl_f32, tags[rank - 1]) ==
	       dnnl_success ? 0 : -EINVAL;
}

static int grow(void **v, int *cap, int n, size_t size)
{
	void *nv;
	int nc;

	if (n < *cap)
		return 0;
	nc = *cap ? *cap * 2 : 32;
	nv = realloc(*v, (size_t)nc * size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = nc;
	return 0;
}

int dn_tensor_alias(struct dn_plan *p, int root, const dnnl_memory_desc_t *md)
{
	struct dn_tensor *t;
	void *v = p->t;

	if (grow(&v, &p->cap_t, p->n_t, sizeof(*p->t)))
		return -ENOMEM;
	p->t = v;
	t = &p->t[p->n_t];
	memset(t, 0, sizeof(*t));
	t->md = *md;
	t->root = root < 0 ? p->n_t : p->t[root].root;
	t->from = -1;
	t->slot = DN_SLOT_NONE;
	t->last = -1;
	return p->n_t++;
}

int dn_tensor_new(struct dn_plan *p, const dnnl_memory_desc_t *md)
{
	return dn_tensor_alias(p, -1, md);
}

int dn_step_add(struct dn_session *s, struct dn_plan *p, const struct graph_node *n,
		const_dnnl_primitive_desc_t pd, int out, char **errmsg)
{
	const dnnl_memory_desc_t *smd;
	struct dn_step *st;
	dnnl_status_t rc;
	void *v = p->steps;

	(void)s;
	if (grow(&v, &p->cap_steps, p->n_steps, sizeof(*p->steps)))
		return graph_errf(errmsg, -ENOMEM, "out of memory");
	p->steps = v;
	st = &p->steps[p->n_steps];
	memset(st, 0, sizeof(*st));
	st->node = n ? n->name : "output";
	st->out = out;
	rc = dnnl_primitive_create(&st->prim, pd);
	if (rc != dnnl_success)
		return dn_fail(errmsg, n, "creating the primitive", rc);
	smd = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
	if (smd && dnnl_memory_desc_get_size(smd))
		st->scratch_md = *smd;
	return p->n_steps++;
}

void dn_step_arg(struct dn_plan *p, int step, int kind, int tensor, dnnl_memory_t mem)
{
	struct dn_step *st = &p->steps[step];

	st->arg[st->n_args].kind = kind;
	st->arg[st->n_args].tensor = tensor;
	st->arg[st->n_args].mem = mem;
	st->n_args++;
}

static int reorder_step(struct dn_session *s, struct dn_plan *p, const struct graph_node *n,
			int from, int to, char **errmsg)
{
	dnnl_primitive_desc_t pd;
	dnnl_status_t rc;
	int step;

	rc = dnnl_reorder_primitive_desc_create(&pd, &p->t[from].md, s->eng, &p->t[to].md,
						s->eng, s->attr);
	if (rc != dnnl_success)
		return dn_fail(errmsg, n, "reorder", rc);
	step = dn_step_add(s, p, n, pd, to, errmsg);
	dnnl_primitive_desc_destroy(pd);
	if (step < 0)
		return step;
	dn_step_arg(p, step, DNNL_ARG_FROM, from, NULL);
	dn_step_arg(p, step, DNNL_ARG_TO, to, NULL);
	return 0;
}

int dn_as(struct dn_session *s, struct dn_plan *p, const struct graph_node *n, int t,
	  const dnnl_memory_desc_t *md, char **errmsg)
{
	int i, to, err;

	if (dnnl_memory_desc_equal(&p->t[t].md, md))
		return t;
	for (i = 0; i < p->n_t; i++)
		if (p->t[i].from == t && dnnl_memory_desc_equal(&p->t[i].md, md))
			return i;
	if ((to = dn_tensor_new(p, md)) < 0)
		return graph_errf(errmsg, to, "out of memory");
	p->t[to].from = t;
	if ((err = reorder_step(s, p, n, t, to, errmsg)))
		return err;
	return to;
}

int dn_as_plain(struct dn_session *s, struct dn_plan *p, const struct graph_node *n, int t,
		int v, char **errmsg)
{
	dnnl_memory_desc_t md;
	dnnl_dims_t dims;
	int rank;

	dn_dims(p, s->g, v, dims, &rank);
	if (dn_plain_md(&md, rank, dims))
		return graph_errf(errmsg, -EINVAL, "oneDNN backend: node '%s' (%s): rank %d",
				  n ? n->name : "output", n ? n->op_type : "-", rank);
	return dn_as(s, p, n, t, &md, errmsg);
}

dnnl_status_t dn_post_act(dnnl_post_ops_t po, float lo, float hi)
{
	if (lo == 0.0f && isinf(hi) && hi > 0)
		return dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f);
	if (isinf(lo) && lo < 0 && isinf(hi) && hi > 0)
		return dnnl_success;
	return dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_clip_v2, lo, hi);
}

dnnl_status_t dn_attr(const struct dn_session *s, const_dnnl_post_ops_t po,
		      dnnl_primitive_attr_t *attr)
{
	dnnl_status_t rc = dnnl_primitive_attr_clone(attr, s->attr);

	if (rc == dnnl_success && po && (rc = dnnl_primitive_attr_set_post_ops(*attr, po)))
		dnnl_primitive_attr_destroy(*attr);
	return rc;
}

int dn_const_get(struct dn_session *s, int node, int kind, const dnnl_memory_desc_t *user,
		 const float *src, const dnnl_memory_desc_t *want, dnnl_memory_t *out,
		 char **errmsg)
{
	const struct graph_node *n = &s->g->nodes[node];
	/* The graph's floats are only read: the reorder's source and, when
	 * the layout is the graph's own, the constant itself. */
	void *data = (void *)(uintptr_t)src;
	dnnl_memory_t from = NULL;
	dnnl_primitive_desc_t pd = NULL;
	dnnl_primitive_t prim = NULL;
	dnnl_exec_arg_t args[3];
	struct dn_const *c;
	dnnl_status_t rc;
	const char *what;

	for (c = s->consts; c; c = c->next)
		if (c->node == node && c->kind == kind && dnnl_memory_desc_equal(&c->md, want)) {
			*out = c->mem;
			return 0;
		}
	c = calloc(1, sizeof(*c));
	if (!c)
		return graph_errf(errmsg, -ENOMEM, "out of memory");
	c->node = node;
	c->kind = kind;
	c->md = *want;
	if (dnnl_memory_desc_equal(user, want)) {
		what = "constant memory";
		rc = dnnl_memory_create(&c->mem, want, s->eng, data);
		goto out;
	}
	what = "constant memory";
	if ((rc = dnnl_memory_create(&c->mem, want, s->eng, DNNL_MEMORY_ALLOCATE)) ||
	    (rc = dnnl_memory_create(&from, user, s->eng, data)))
		goto out;
	what = "reordering a constant";
	if ((rc = dnnl_reorder_primitive_desc_create(&pd, user, s->eng, want, s->eng, NULL)) ||
	    (rc = dnnl_primitive_create(&prim, pd)))
		goto out;
	args[0] = (dnnl_exec_arg_t){ DNNL_ARG_FROM, from };
	args[1] = (dnnl_exec_arg_t){ DNNL_ARG_TO, c->mem };
	if ((rc = dnnl_primitive_execute(prim, s->strm, 2, args)) ||
	    (rc = dnnl_stream_wait(s->strm)))
		goto out;
out:
	if (prim)
		dnnl_primitive_destroy(prim);
	if (pd)
		dnnl_primitive_desc_destroy(pd);
	if (from)
		dnnl_memory_destroy(from);
	if (rc != dnnl_success) {
		if (c->mem)
			dnnl_memory_destroy(c->mem);
		free(c);
		return dn_fail(errmsg, n, what, rc);
	}
	c->next = s->consts;
	s->consts = c;
	*out = c->mem;
	return 0;
}
