/*
 * onednn_conv.c - a Conv node as one oneDNN convolution primitive.
 *
 * The primitive picks its own layouts (format_tag any) for the source,
 * weights and destination: on AVX-512 that is nChw16c activations and
 * blocked weights, which the next convolution reads as they are. The
 * source is reordered only when the input tensor is in another layout
 * (the graph input, say); the weights are reordered once per session.
 * Bias and the fused Relu/Clip are part of the primitive.
 *
 * ResNet's block tail, relu(conv(x) + shortcut), is one primitive too: a
 * sum post-op accumulates the convolution into the shortcut's buffer, then
 * the Add's Relu runs as an eltwise post-op. That takes the shortcut's
 * buffer, so it is done only where nothing reads the shortcut afterwards
 * and it is already in the layout the convolution writes; otherwise the
 * Add stays a binary primitive of its own (onednn_ops.c).
 */
#include "onednn_internal.h"

#include <errno.h>
#include <math.h>
#include <string.h>

/*
 * The Add that only reads node ni's output, when the convolution can
 * accumulate into the Add's other input (the shortcut): returns the Add's
 * index and sets *shortcut, or -1. The shortcut must be a value that a
 * node (not a Reshape) computed before ni, that nothing reads from ni on
 * but the Add, that no Reshape reads (an alias could outlive it), and
 * that is not the graph output.
 */
static int fusable_add(const struct graph *g, int ni, int *shortcut)
{
	const struct graph_node *c = &g->nodes[ni];
	int add = -1, i, k, other;

	if (c->conv.has_act || c->out == g->output)
		return -1;
	for (i = 0; i < g->n_nodes; i++) {
		const struct graph_node *n = &g->nodes[i];

		for (k = 0; k < n->n_in; k++) {
			if (n->in[k] != c->out)
				continue;
			if (add >= 0 || n->op != GRAPH_ADD || i < ni)
				return -1;
			add = i;
		}
	}
	if (add < 0 || g->nodes[add].in[0] == g->nodes[add].in[1])
		return -1;
	other = g->nodes[add].in[g->nodes[add].in[0] == c->out ? 1 : 0];
	if (other == g->input || other == g->output || g->values[other].producer < 0 ||
	    g->values[other].producer > ni || g->nodes[g->values[other].producer].op == GRAPH_RESHAPE)
		return -1;
	for (i = 0; i < g->n_nodes; i++) {
		const struct graph_node *n = &g->nodes[i];

		if (i == add)
			continue;
		for (k = 0; k < n->n_in; k++)
			if (n->in[k] == other && (i >= ni || n->op == GRAPH_RESHAPE))
				return -1;
	}
	*shortcut = other;
	return add;
}

struct conv_mds {
	dnnl_memory_desc_t src, wei, bias, dst, wei_user;
	dnnl_dims_t strides, dil, pad_l, pad_r;
};

static int conv_mds(const struct dn_session *s, const struct dn_plan *p,
		    const struct graph_node *n, struct conv_mds *m)
{
	const struct graph_conv *c = &n->conv;
	const struct graph *g = s->g;
	dnnl_dims_t sd, dd, wd, bd;
	int rank, orank, i;

	dn_dims(p, g, n->in[0], sd, &rank);
	dn_dims(p, g, n->out, dd, &orank);
	if (rank != 4 || orank != 4)
		return -EINVAL;
	if (c->group > 1) {
		wd[0] = c->group;
		wd[1] = c->out_ch / c->group;
		wd[2] = c->in_ch_per_group;
		wd[3] = c->win.kernel[0];
		wd[4] = c->win.kernel[1];
	} else {
		wd[0] = c->out_ch;
		wd[1] = c->in_ch_per_group;
		wd[2] = c->win.kernel[0];
		wd[3] = c->win.kernel[1];
	}
	bd[0] = c->out_ch;
	if (dnnl_memory_desc_init_by_tag(&m->src, 4, sd, dnnl_f32, dnnl_format_tag_any) ||
	    dnnl_memory_desc_init_by_tag(&m->dst, 4, dd, dnnl_f32, dnnl_format_tag_any) ||
	    dnnl_memory_desc_init_by_tag(&m->wei, c->group > 1 ? 5 : 4, wd, dnnl_f32,
					 dnnl_format_tag_any) ||
	    dnnl_memory_desc_init_by_tag(&m->wei_user, c->group > 1 ? 5 : 4, wd, dnnl_f32,
					 c->group > 1 ? dnnl_goihw : dnnl_oihw) ||
	    dnnl_memory_desc_init_by_tag(&m->bias, 1, bd, dnnl_f32, dnnl_a))
		return -EINVAL;
	for (i = 0; i < 2; i++) {
		m->strides[i] = c->win.stride[i];
		m->dil[i] = c->win.dilation[i] - 1;	/* oneDNN: 0 is none */
		m->pad_l[i] = c->win.pad[i];
		m->pad_r[i] = c->win.pad[i + 2];
	}
	return 0;
}

/* The primitive descriptor, with a sum post-op when sum, and the
 * activation lo..hi after it. */
static dnnl_status_t conv_pd(const struct dn_session *s, const struct conv_mds *m, int sum,
			     float lo, float hi, dnnl_primitive_desc_t *pd)
{
	dnnl_convolution_desc_t cd;
	dnnl_primitive_attr_t attr = NULL;
	dnnl_post_ops_t po = NULL;
	dnnl_status_t rc;

	rc = dnnl_dilated_convolution_forward_desc_init(&cd, dnnl_forward_inference,
							dnnl_convolution_direct, &m->src, &m->wei,
							&m->bias, &m->dst, m->strides, m->dil,
							m->pad_l, m->pad_r);
	if (rc || (rc = dnnl_post_ops_create(&po)))
		return rc;
	if ((!sum || !(rc = dnnl_post_ops_append_sum(po, 1.0f))) &&
	    !(rc = dn_post_act(po, lo, hi)) && !(rc = dn_attr(s, po, &attr))) {
		rc = dnnl_primitive_desc_create(pd, &cd, attr, s->eng, NULL);
		dnnl_primitive_attr_destroy(attr);
	}
	dnnl_post_ops_destroy(po);
	return rc;
}

int dn_conv(struct dn_session *s, struct dn_plan *p, int ni, char **errmsg)
{
	const struct graph *g = s->g;
	const struct graph_node *n = &g->nodes[ni];
	const struct graph_conv *c = &n->conv;
	dnnl_primitive_desc_t pd = NULL;
	dnnl_memory_t wmem, bmem;
	struct conv_mds m;
	dnnl_status_t rc = dnnl_success;
	int shortcut = -1, add, src, dst = -1, step, err;
	float lo = c->has_act ? c->act_min : -INFINITY, hi = c->has_act ? c->act_max : INFINITY;

	if (conv_mds(s, p, n, &m))
		return graph_errf(errmsg, -EINVAL, "oneDNN backend: node '%s' (%s): not a 2-D convolution",
				  n->name, n->op_type);
	add = fusable_add(g, ni, &shortcut);
	if (add >= 0) {
		const struct graph_add *a = &g->nodes[add].add;
		const struct dn_tensor *sc = &p->t[p->vt[shortcut]];

		/* The sum needs the shortcut in the layout the plain convolution
		 * would write; ask for that layout, and give up the fusion if
		 * the primitive will not take it. */
		rc = conv_pd(s, &m, 0, lo, hi, &pd);
		if (rc == dnnl_success &&
		    dnnl_memory_desc_equal(dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0),
					   &sc->md) && p->t[sc->root].slot == DN_SLOT_NONE &&
		    dnnl_memory_desc_equal(&p->t[sc->root].md, &sc->md)) {
			dnnl_primitive_desc_destroy(pd);
			pd = NULL;
			m.dst = sc->md;
			rc = conv_pd(s, &m, 1, a->has_act ? a->act_min : -INFINITY,
				     a->has_act ? a->act_max : INFINITY, &pd);
			if (rc == dnnl_success) {
				dst = sc->root;
			} else {
				add = -1;
				dnnl_memory_desc_init_by_tag(&m.dst, 4, m.dst.dims, dnnl_f32,
							     dnnl_format_tag_any);
			}
		} else {
			add = -1;
		}
		if (add < 0 && pd) {
			dnnl_primitive_desc_destroy(pd);
			pd = NULL;
		}
	}
	if (!pd && (rc = conv_pd(s, &m, 0, lo, hi, &pd)) != dnnl_success)
		return dn_fail(errmsg, n, "convolution", rc);

	err = dn_const_get(s, ni, DNNL_ARG_WEIGHTS, &m.wei_user, c->w,
			   dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0), &wmem, errmsg);
	if (!err)
		err = dn_const_get(s, ni, DNNL_ARG_BIAS, &m.bias, c->b, &m.bias, &bmem, errmsg);
	if (err)
		goto out;
	src = dn_as(s, p, n, p->vt[n->in[0]], dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0),
		    errmsg);
	if ((err = src < 0 ? src : 0))
		goto out;
	if (dst < 0) {
		dst = dn_tensor_new(p, dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0));
		if (dst < 0) {
			err = graph_errf(errmsg, -ENOMEM, "out of memory");
			goto out;
		}
	}
	if ((step = dn_step_add(s, p, n, pd, dst, errmsg)) < 0) {
		err = step;
		goto out;
	}
	dn_step_arg(p, step, DNNL_ARG_SRC, src, NULL);
	dn_step_arg(p, step, DNNL_ARG_WEIGHTS, -1, wmem);
	dn_step_arg(p, step, DNNL_ARG_BIAS, -1, bmem);
	dn_step_arg(p, step, DNNL_ARG_DST, dst, NULL);
	if (add >= 0) {
		/* The Add's value is the shortcut's buffer, rewritten: a tensor
		 * of its own, so no reorder made of the old contents is reused. */
		int t = dn_tensor_alias(p, dst, &p->t[dst].md);

		if (t < 0) {
			err = graph_errf(errmsg, -ENOMEM, "out of memory");
			goto out;
		}
		p->vt[g->nodes[add].out] = t;
		p->done[add] = 1;
		/* The step reads the shortcut too (the sum). */
		p->steps[step].reads_out = 1;
	} else {
		p->vt[n->out] = dst;
	}
	err = 0;
out:
	dnnl_primitive_desc_destroy(pd);
	return err;
}
