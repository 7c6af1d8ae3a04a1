/*
 * onednn_ops.c - every node but Conv as a oneDNN primitive: pools
 * (pooling_v2, which has dilations), Relu/Clip (eltwise), an unfolded
 * BatchNormalization (binary mul by the scale with a binary add of the
 * shift as post-op), Add (binary, its Relu/Clip a post-op), Add of a
 * broadcast constant, Gemm/MatMul (inner product), Reshape-like nodes
 * (an alias, no copy), Softmax and Concat.
 *
 * Pools, eltwise and binary ops keep their input's layout (blocked after a
 * convolution); Gemm, Reshape, Softmax and a broadcast constant's Add need
 * ONNX's order of bytes and take the plain layout.
 */
#include "onednn_internal.h"

#include <errno.h>
#include <math.h>
#include <string.h>

/* Create the primitive for op descriptor od (attr: NULL for the session's),
 * make its output tensor of the layout it chose and its step. */
static int prim(struct dn_session *s, struct dn_plan *p, const struct graph_node *n,
		const_dnnl_op_desc_t od, const_dnnl_post_ops_t po, int *out, const char *what,
		char **errmsg)
{
	dnnl_primitive_desc_t pd;
	dnnl_primitive_attr_t attr;
	dnnl_status_t rc;
	int step;

	if ((rc = dn_attr(s, po, &attr)))
		return dn_fail(errmsg, n, what, rc);
	rc = dnnl_primitive_desc_create(&pd, od, attr, s->eng, NULL);
	dnnl_primitive_attr_destroy(attr);
	if (rc)
		return dn_fail(errmsg, n, what, rc);
	*out = dn_tensor_new(p, dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0));
	step = *out < 0 ? graph_errf(errmsg, -ENOMEM, "out of memory")
			: dn_step_add(s, p, n, pd, *out, errmsg);
	dnnl_primitive_desc_destroy(pd);
	if (step >= 0)
		p->vt[n->out] = *out;
	return step;
}

static int any_md(dnnl_memory_desc_t *md, const struct dn_plan *p, const struct graph *g, int v)
{
	dnnl_dims_t d;
	int rank;

	dn_dims(p, g, v, d, &rank);
	return dnnl_memory_desc_init_by_tag(md, rank, d, dnnl_f32, dnnl_format_tag_any) ? -EINVAL : 0;
}

int dn_pool(struct dn_session *s, struct dn_plan *p, int ni, char **errmsg)
{
	const struct graph_node *n = &s->g->nodes[ni];
	const struct graph_window *w = &n->pool.win;
	int src = p->vt[n->in[0]], out, step, i;
	dnnl_dims_t strides, kernel, dil, pad_l, pad_r;
	dnnl_pooling_v2_desc_t pdesc;
	dnnl_memory_desc_t dst;
	dnnl_alg_kind_t alg;
	dnnl_status_t rc;

	if (any_md(&dst, p, s->g, n->out) || p->t[src].md.ndims != 4)
		return graph_errf(errmsg, -EINVAL, "oneDNN backend: node '%s' (%s): not a 2-D pool",
				  n->name, n->op_type);
	for (i = 0; i < 2; i++) {
		if (n->op == GRAPH_GLOBALAVGPOOL) {
			kernel[i] = p->t[src].md.dims[2 + i];
			strides[i] = 1;
			dil[i] = pad_l[i] = pad_r[i] = 0;
			continue;
		}
		kernel[i] = w->kernel[i];
		strides[i] = w->stride[i];
		dil[i] = w->dilation[i] - 1;
		pad_l[i] = w->pad[i];
		pad_r[i] = w->pad[i + 2];
	}
	alg = n->op == GRAPH_MAXPOOL ? dnnl_pooling_max
	      : n->op == GRAPH_AVGPOOL && n->pool.count_include_pad ? dnnl_pooling_avg_include_padding
	      : dnnl_pooling_avg_exclude_padding;
	rc = dnnl_pooling_v2_forward_desc_init(&pdesc, dnnl_forward_inference, alg, &p->t[src].md,
					       &dst, strides, kernel, dil, pad_l, pad_r);
	if (rc)
		return dn_fail(errmsg, n, "pooling", rc);
	if ((step = prim(s, p, n, &pdesc, NULL, &out, "pooling", errmsg)) < 0)
		return step;
	dn_step_arg(p, step, DNNL_ARG_SRC, src, NULL);
	dn_step_arg(p, step, DNNL_ARG_DST, out, NULL);
	return 0;
}

int dn_eltwise(struct dn_session *s, struct dn_plan *p, int ni, char **errmsg)
{
	const struct graph_node *n = &s->g->nodes[ni];
	int src = p->vt[n->in[0]], out, step;
	float lo = n->clip.min, hi = n->clip.max;
	dnnl_eltwise_desc_t ed;
	dnnl_status_t rc;

	if (lo == 0.0f && isinf(hi) && hi > 0)
		rc = dnnl_eltwise_forward_desc_init(&ed, dnnl_forward_inference, dnnl_eltwise_relu,
						    &p->t[src].md, 0.0f, 0.0f);
	else
		rc = dnnl_eltwise_forward_desc_init(&ed, dnnl_forward_inference, dnnl_eltwise_clip_v2,
						    &p->t[src].md, lo, hi);
	if (rc)
		return dn_fail(errmsg, n, "eltwise", rc);
	if ((step = prim(s, p, n, &ed, NULL, &out, "eltwise", errmsg)) < 0)
		return step;
	dn_step_arg(p, step, DNNL_ARG_SRC, src, NULL);
	dn_step_arg(p, step, DNNL_ARG_DST, out, NULL);
	return 0;
}

/* [1, C, 1, ...] of rank: a per-channel constant broadcast over a value. */
static int channel_md(dnnl_memory_desc_t *md, int rank, int64_t ch)
{
	dnnl_dims_t d;
	int i;

	for (i = 0; i < rank; i++)
		d[i] = i == 1 ? ch : 1;
	return dn_plain_md(md, rank, d);
}

int dn_batchnorm(struct dn_session *s, struct dn_plan *p, int ni, char **errmsg)
{
	const struct graph_node *n = &s->g->nodes[ni];
	int src = p->vt[n->in[0]], out, step, err, rank = p->t[src].md.ndims;
	dnnl_memory_desc_t cmd;
	dnnl_memory_t scale, shift;
	dnnl_binary_desc_t bd;
	dnnl_post_ops_t po;
	dnnl_status_t rc;

	if (rank < 2 || channel_md(&cmd, rank, n->bn.ch))
		return graph_errf(errmsg, -EINVAL, "oneDNN backend: node '%s' (%s): rank %d",
				  n->name, n->op_type, rank);
	if ((err = dn_const_get(s, ni, DNNL_ARG_SRC_1, &cmd, n->bn.scale, &cmd, &scale, errmsg)) ||
	    (err = dn_const_get(s, ni, DNNL_ARG_BIAS, &cmd, n->bn.shift, &cmd, &shift, errmsg)))
		return err;
	rc = dnnl_binary_desc_init(&bd, dnnl_binary_mul, &p->t[src].md, &cmd, &p->t[src].md);
	if (rc || (rc = dnnl_post_ops_create(&po)))
		return dn_fail(errmsg, n, "binary", rc);
	if ((rc = dnnl_post_ops_append_binary(po, dnnl_binary_add, &cmd))) {
		dnnl_post_ops_destroy(po);
		return dn_fail(errmsg, n, "binary", rc);
	}
	step = prim(s, p, n, &bd, po, &out, "binary", errmsg);
	dnnl_post_ops_destroy(po);
	if (step < 0)
		return step;
	dn_step_arg(p, step, DNNL_ARG_SRC_0, src, NULL);
	dn_step_arg(p, step, DNNL_ARG_SRC_1, -1, scale);
	dn_step_arg(p, step, DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1, -1, shift);
	dn_step_arg(p, step, DNNL_ARG_DST, out, NULL);
	return 0;
}

/* Binary add of tensor a and tensor b (or constant memory cb of layout
 * *bmd when b < 0), with the fused activation. */
static int binary_add(struct dn_session *s, struct dn_plan *p, const struct graph_node *n, int a,
		      int b, const dnnl_memory_desc_t *bmd, dnnl_memory_t cb, int has_act, float lo,
		      float hi, char **errmsg)
{
	dnnl_binary_desc_t bd;
	dnnl_post_ops_t po;
	dnnl_status_t rc;
	int out, step;

	rc = dnnl_binary_desc_init(&bd, dnnl_binary_add, &p->t[a].md, bmd, &p->t[a].md);
	if (rc || (rc = dnnl_post_ops_create(&po)))
		return dn_fail(errmsg, n, "binary", rc);
	if (has_act && (rc = dn_post_act(po, lo, hi))) {
		dnnl_post_ops_destroy(po);
		return dn_fail(errmsg, n, "binary", rc);
	}
	step = prim(s, p, n, &bd, po, &out, "binary", errmsg);
	dnnl_post_ops_destroy(po);
	if (step < 0)
		return step;
	dn_step_arg(p, step, DNNL_ARG_SRC_0, a, NULL);
	dn_step_arg(p, step, DNNL_ARG_SRC_1, b, cb);
	dn_step_arg(p, step, DNNL_ARG_DST, out, NULL);
	return 0;
}

int dn_add(struct dn_session *s, struct dn_plan *p, int ni, char **errmsg)
{
	const struct graph_node *n = &s->g->nodes[ni];
	int a = p->vt[n->in[0]], b = p->vt[n->in[1]];

	/* Both in one layout: the second follows the first. */
	b = dn_as(s, p, n, b, &p->t[a].md, errmsg);
	if (b < 0)
		return b;
	return binary_add(s, p, n, a, b, &p->t[b].md, NULL, n->add.has_act, n->add.act_min,
			  n->add.act_max, errmsg);
}

int dn_add_const(struct dn_session *s, struct dn_plan *p, int ni, char **errmsg)
{
	const struct graph_node *n = &s->g->nodes[ni];
	const struct graph_add_const *ac = &n->addc;
	int a, rank, i, off, err;
	dnnl_memory_desc_t cmd;
	dnnl_memory_t c;
	dnnl_dims_t d;

	a = dn_as_plain(s, p, n, p->vt[n->in[0]], n->in[0], errmsg);
	if (a < 0)
		return a;
	/* The constant right-aligned against the value; never along the batch. */
	rank = p->t[a].md.ndims;
	off = rank - ac->rank;
	for (i = 0; i < rank; i++)
		d[i] = i < off || i == 0 ? 1 : ac->dims[i - off];
	if (off < 0 || dn_plain_md(&cmd, rank, d))
		return graph_errf(errmsg, -EINVAL, "oneDNN backend: node '%s' (%s): constant of rank %d",
				  n->name, n->op_type, ac->rank);
	if ((err = dn_const_get(s, ni, DNNL_ARG_SRC_1, &cmd, ac->c, &cmd, &c, errmsg)))
		return err;
	return binary_add(s, p, n, a, -1, &cmd, c, ac->has_act, ac->act_min, ac->act_max, errmsg);
}

int dn_gemm(struct dn_session *s, struct dn_plan *p, int ni, char **errmsg)
{
	const struct graph_node *n = &s->g->nodes[ni];
	const struct graph_gemm *gm = &n->gemm;
	dnnl_memory_desc_t wany, wuser, bmd, dst;
	dnnl_dims_t wd = { gm->m, gm->k }, bd = { gm->m };
	dnnl_primitive_desc_t pd;
	dnnl_primitive_attr_t attr;
	dnnl_inner_product_desc_t ipd;
	dnnl_memory_t wmem, bmem;
	dnnl_post_ops_t po;
	dnnl_status_t rc;
	int src, out = -1, step, err;

	src = dn_as_plain(s, p, n, p->vt[n->in[0]], n->in[0], errmsg);
	if (src < 0)
		return src;
	/* The graph's weights are K x M: oneDNN's [M, K] stored transposed (ba). */
	if (dnnl_memory_desc_init_by_tag(&wany, 2, wd, dnnl_f32, dnnl_format_tag_any) ||
	    dnnl_memory_desc_init_by_tag(&wuser, 2, wd, dnnl_f32, dnnl_ba) ||
	    dnnl_memory_desc_init_by_tag(&bmd, 1, bd, dnnl_f32, dnnl_a) || any_md(&dst, p, s->g, n->out))
		return graph_errf(errmsg, -EINVAL, "oneDNN backend: node '%s' (%s): bad shape",
				  n->name, n->op_type);
	rc = dnnl_inner_product_forward_desc_init(&ipd, dnnl_forward_inference, &p->t[src].md, &wany,
						  &bmd, &dst);
	if (rc || (rc = dnnl_post_ops_create(&po)))
		return dn_fail(errmsg, n, "inner product", rc);
	if (!(rc = gm->has_act ? dn_post_act(po, gm->act_min, gm->act_max) : dnnl_success) &&
	    !(rc = dn_attr(s, po, &attr))) {
		rc = dnnl_primitive_desc_create(&pd, &ipd, attr, s->eng, NULL);
		dnnl_primitive_attr_destroy(attr);
	}
	dnnl_post_ops_destroy(po);
	if (rc)
		return dn_fail(errmsg, n, "inner product", rc);
	err = dn_const_get(s, ni, DNNL_ARG_WEIGHTS, &wuser, gm->w,
			   dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0), &wmem, errmsg);
	if (!err)
		err = dn_const_get(s, ni, DNNL_ARG_BIAS, &bmd, gm->b, &bmd, &bmem, errmsg);
	if (!err && (out = dn_tensor_new(p, dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0))) < 0)
		err = graph_errf(errmsg, -ENOMEM, "out of memory");
	step = err ? err : dn_step_add(s, p, n, pd, out, errmsg);
	dnnl_primitive_desc_destroy(pd);
	if (step < 0)
		return step;
	p->vt[n->out] = out;
	dn_step_arg(p, step, DNNL_ARG_SRC, src, NULL);
	dn_step_arg(p, step, DNNL_ARG_WEIGHTS, -1, wmem);
	dn_step_arg(p, step, DNNL_ARG_BIAS, -1, bmem);
	dn_step_arg(p, step, DNNL_ARG_DST, out, NULL);
	return 0;
}

int dn_reshape(struct dn_session *s, struct dn_plan *p, int ni, char **errmsg)
{
	const struct graph_node *n = &s->g->nodes[ni];
	dnnl_memory_desc_t md;
	dnnl_dims_t d;
	int src, rank, t;

	src = dn_as_plain(s, p, n, p->vt[n->in[0]], n->in[0], errmsg);
	if (src < 0)
		return src;
	dn_dims(p, s->g, n->out, d, &rank);
	if (dn_plain_md(&md, rank, d))
		return graph_errf(errmsg, -EINVAL, "oneDNN backend: node '%s' (%s): rank %d",
				  n->name, n->op_type, rank);
	if ((t = dn_tensor_alias(p, src, &md)) < 0)
		return graph_errf(errmsg, -ENOMEM, "out of memory");
	p->vt[n->out] = t;
	return 0;
}

int dn_softmax(struct dn_session *s, struct dn_plan *p, int ni, char **errmsg)
{
	const struct graph_node *n = &s->g->nodes[ni];
	const struct graph_softmax *sm = &n->softmax;
	dnnl_dims_t d = { 0, sm->len, sm->inner };
	dnnl_memory_desc_t md, plain;
	dnnl_softmax_desc_t sd;
	dnnl_status_t rc;
	int src, view, out, step, rank;

	src = dn_as_plain(s, p, n, p->vt[n->in[0]], n->in[0], errmsg);
	if (src < 0)
		return src;
	/* [batch * outer, len, inner] over the same bytes, softmax on axis 1. */
	d[0] = p->t[src].md.dims[0] * sm->outer;
	if (dn_plain_md(&md, 3, d) || (view = dn_tensor_alias(p, src, &md)) < 0)
		return graph_errf(errmsg, -ENOMEM, "out of memory");
	rc = dnnl_softmax_forward_desc_init(&sd, dnnl_forward_inference, &md, 1);
	if (rc)
		return dn_fail(errmsg, n, "softmax", rc);
	if ((step = prim(s, p, n, &sd, NULL, &out, "softmax", errmsg)) < 0)
		return step;
	dn_step_arg(p, step, DNNL_ARG_SRC, view, NULL);
	dn_step_arg(p, step, DNNL_ARG_DST, out, NULL);
	dn_dims(p, s->g, n->out, d, &rank);
	if (dn_plain_md(&plain, rank, d) || (p->vt[n->out] = dn_tensor_alias(p, out, &plain)) < 0)
		return graph_errf(errmsg, -ENOMEM, "out of memory");
	return 0;
}

int dn_concat(struct dn_session *s, struct dn_plan *p, int ni, char **errmsg)
{
	const struct graph_node *n = &s->g->nodes[ni];
	dnnl_memory_desc_t mds[DN_MAX_ARGS - 1];
	int src[DN_MAX_ARGS - 1], k, out, step;
	dnnl_primitive_desc_t pd;
	dnnl_status_t rc;

	if (n->n_in > DN_MAX_ARGS - 1)
		return graph_errf(errmsg, -ENOTSUP, "oneDNN backend: node '%s' (%s): %d inputs, at most %d supported",
				  n->name, n->op_type, n->n_in, DN_MAX_ARGS - 1);
	/* Plain inputs: their blocked layouts may not agree on the axis. */
	for (k = 0; k < n->n_in; k++) {
		if ((src[k] = dn_as_plain(s, p, n, p->vt[n->in[k]], n->in[k], errmsg)) < 0)
			return src[k];
		mds[k] = p->t[src[k]].md;
	}
	rc = dnnl_concat_primitive_desc_create(&pd, NULL, n->n_in, (int)n->concat.axis, mds, s->attr,
					       s->eng);
	if (rc)
		return dn_fail(errmsg, n, "concat", rc);
	out = dn_tensor_new(p, dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0));
	step = out < 0 ? graph_errf(errmsg, -ENOMEM, "out of memory") : dn_step_add(s, p, n, pd, out, errmsg);
	dnnl_primitive_desc_destroy(pd);
	if (step < 0)
		return step;
	for (k = 0; k < n->n_in; k++)
		dn_step_arg(p, step, DNNL_ARG_MULTIPLE_SRC + k, src[k], NULL);
	dn_step_arg(p, step, DNNL_ARG_DST, out, NULL);
	p->vt[n->out] = out;
	return 0;
}
