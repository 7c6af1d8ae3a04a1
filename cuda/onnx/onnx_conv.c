/*
 * onnx_conv.c - converters for the spatial operators: Conv,
 * BatchNormalization, MaxPool, AveragePool, GlobalAveragePool, and
 * ReduceMean over H and W (which is a GlobalAveragePool).
 *
 * Only 2-D (NCHW) forms. Attribute values are checked here; what depends
 * on the input size (auto_pad, output size) is left to shape inference.
 * Each takes a Pad's zeros in front of it into its own pads (onnx_pad.c).
 */
#include "onnx_load.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FLOAT_T ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT

static int parse_auto_pad(const struct onnx_node *n, enum graph_auto_pad *out, char **errmsg)
{
	char s[32];
	int err;

	if ((err = onnx_attr_string(n, "auto_pad", "NOTSET", s, sizeof(s), errmsg)))
		return err;
	if (strcmp(s, "NOTSET") == 0)
		*out = GRAPH_PAD_NOTSET;
	else if (strcmp(s, "VALID") == 0)
		*out = GRAPH_PAD_VALID;
	else if (strcmp(s, "SAME_UPPER") == 0)
		*out = GRAPH_PAD_SAME_UPPER;
	else if (strcmp(s, "SAME_LOWER") == 0)
		*out = GRAPH_PAD_SAME_LOWER;
	else
		return onnx_node_errf(n, errmsg, -ENOTSUP, "unsupported auto_pad '%s'", s);
	return 0;
}

/*
 * strides, dilations, pads, auto_pad and kernel_shape. For Conv the kernel
 * comes from the weight (kernel_shape, if given, must agree); pools need
 * kernel_shape.
 */
static int parse_window(const struct onnx_node *n, struct graph_window *w,
			const int64_t *weight_hw, char **errmsg)
{
	int64_t k[2];
	int err, found, i;

	if ((err = parse_auto_pad(n, &w->auto_pad, errmsg)))
		return err;
	w->stride[0] = w->stride[1] = 1;
	w->dilation[0] = w->dilation[1] = 1;
	if ((err = onnx_attr_ints(n, "strides", w->stride, 2, &found, errmsg)) ||
	    (err = onnx_attr_ints(n, "dilations", w->dilation, 2, &found, errmsg)) ||
	    (err = onnx_attr_ints(n, "pads", w->pad, 4, &found, errmsg)) ||
	    (err = onnx_attr_ints(n, "kernel_shape", k, 2, &found, errmsg)))
		return err;
	if (weight_hw) {
		if (found && (k[0] != weight_hw[0] || k[1] != weight_hw[1]))
			return onnx_node_errf(n, errmsg, -EINVAL, "kernel_shape [%lld,%lld] does not match the weight shape's [%lld,%lld]",
					      (long long)k[0], (long long)k[1],
					      (long long)weight_hw[0], (long long)weight_hw[1]);
		k[0] = weight_hw[0];
		k[1] = weight_hw[1];
	} else if (!found) {
		return onnx_node_errf(n, errmsg, -EINVAL, "attribute 'kernel_shape' is required");
	}
	/* Bounded like a Pad's zeros: then no window arithmetic, here, in
	 * shape inference or in a kernel's tap ranges, can pass 64 bits, and
	 * each fits the ints cuDNN takes. */
	for (i = 0; i < 2; i++) {
		w->kernel[i] = k[i];
		if (k[i] < 1 || w->stride[i] < 1 || w->dilation[i] < 1)
			return onnx_node_errf(n, errmsg, -EINVAL, "kernel_shape, strides and dilations must be positive");
		if (k[i] > ONNX_PAD_MAX || w->stride[i] > ONNX_PAD_MAX || w->dilation[i] > ONNX_PAD_MAX)
			return onnx_node_errf(n, errmsg, -ENOTSUP, "kernel_shape, strides and dilations above %d are not supported",
					      ONNX_PAD_MAX);
	}
	for (i = 0; i < 4; i++) {
		if (w->pad[i] < 0)
			return onnx_node_errf(n, errmsg, -EINVAL, "pads must not be negative");
		if (w->pad[i] > ONNX_PAD_MAX)
			return onnx_node_errf(n, errmsg, -ENOTSUP, "pads above %d are not supported",
					      ONNX_PAD_MAX);
		if (w->pad[i] && w->auto_pad != GRAPH_PAD_NOTSET)
			return onnx_node_errf(n, errmsg, -EINVAL, "pads cannot be given with auto_pad other than NOTSET");
	}
	return 0;
}

/*
 * Add the zeros of Pad node 'from' to w's pads. auto_pad SAME computes its
 * pads from the input size, which the zeros change: refused.
 */
static int take_pad(const struct onnx_node *n, struct graph_window *w, const int64_t *pad,
		    const char *from, char **errmsg)
{
	int i;

	if (!from)
		return 0;
	if (w->auto_pad == GRAPH_PAD_SAME_UPPER || w->auto_pad == GRAPH_PAD_SAME_LOWER)
		return onnx_node_errf(n, errmsg, -ENOTSUP, "cannot take the zeros of Pad node '%s' with auto_pad SAME",
				      from);
	w->auto_pad = GRAPH_PAD_NOTSET;
	for (i = 0; i < 4; i++)
		if (__builtin_add_overflow(w->pad[i], pad[i], &w->pad[i]))
			return onnx_node_errf(n, errmsg, -ENOTSUP, "its pads and those of Pad node '%s' add up past any size",
					      from);
	return 0;
}

int onnx_conv(struct onnx_node *n, char **errmsg)
{
	static const char *const known[] = { "auto_pad", "dilations", "group", "kernel_shape",
					     "pads", "strides", NULL };
	struct onnx_tensor w = { 0 }, b = { 0 };
	struct graph_conv *c;
	int64_t group, pad[4];
	const char *from;
	int err, node, x;

	if ((err = onnx_attr_check(n, known, errmsg)) ||
	    (err = onnx_node_padded(n, 0, &x, pad, &from, errmsg)) ||
	    (err = onnx_attr_int(n, "group", 1, &group, errmsg)) ||
	    (err = onnx_node_const(n, 1, FLOAT_T, &w, errmsg)))
		goto out;
	err = -ENOTSUP;
	if (w.rank != 4) {
		onnx_node_errf(n, errmsg, err, "only 2-D convolution is supported (weight '%s' has rank %d)",
			       w.name, w.rank);
		goto out;
	}
	err = -EINVAL;
	if (w.count == 0) {
		onnx_node_errf(n, errmsg, err, "weight '%s' has a zero dimension", w.name);
		goto out;
	}
	if (group < 1 || w.dims[0] % group) {
		onnx_node_errf(n, errmsg, err, "group %lld does not divide the %lld output channels",
			       (long long)group, (long long)w.dims[0]);
		goto out;
	}
	if (onnx_node_has_input(n, 2)) {
		if ((err = onnx_node_const(n, 2, FLOAT_T, &b, errmsg)))
			goto out;
		if (b.count != w.dims[0]) {
			err = onnx_node_errf(n, errmsg, -EINVAL, "bias '%s' has %lld values for %lld output channels",
					     b.name, (long long)b.count, (long long)w.dims[0]);
			goto out;
		}
	} else {
		b.f = calloc((size_t)w.dims[0] + 1, sizeof(float));
		if (!b.f) {
			err = graph_errf(errmsg, -ENOMEM, "out of memory");
			goto out;
		}
	}
	if ((err = onnx_node_emit(n, GRAPH_CONV, 1, &node, errmsg)))
		goto out;
	c = &n->ctx->g->nodes[node].conv;
	n->ctx->g->nodes[node].in[0] = x;
	c->out_ch = w.dims[0];
	c->in_ch_per_group = w.dims[1];
	c->group = group;
	c->w = w.f;
	c->b = b.f;
	w.f = b.f = NULL;
	c->act_min = -INFINITY;
	c->act_max = INFINITY;
	if (!(err = parse_window(n, &c->win, &w.dims[2], errmsg)))
		err = take_pad(n, &c->win, pad, from, errmsg);
out:
	onnx_tensor_release(&w);
	onnx_tensor_release(&b);
	return err;
}

int onnx_batchnorm(struct onnx_node *n, char **errmsg)
{
	static const char *const known[] = { "epsilon", "momentum", "spatial", "training_mode", NULL };
	struct onnx_tensor t[4] = { { 0 } };	/* scale, bias, mean, var */
	struct graph_batchnorm *bn;
	int64_t spatial, training, c, i;
	int err, node, x, k;
	float eps;

	if ((err = onnx_attr_check(n, known, errmsg)) ||
	    (err = onnx_attr_float(n, "epsilon", 1e-5f, &eps, errmsg)) ||
	    (err = onnx_attr_int(n, "spatial", 1, &spatial, errmsg)) ||
	    (err = onnx_attr_int(n, "training_mode", 0, &training, errmsg)) ||
	    (err = onnx_node_value(n, 0, &x, errmsg)))
		return err;
	if (spatial != 1 || training != 0)
		return onnx_node_errf(n, errmsg, -ENOTSUP, "only the inference form (spatial=1, training_mode=0) is supported");
	for (k = 0; k < 4; k++)
		if ((err = onnx_node_const(n, (size_t)k + 1, FLOAT_T, &t[k], errmsg)))
			goto out;
	c = t[0].count;
	for (k = 0; k < 4; k++) {
		if (t[k].rank != 1 || t[k].count != c) {
			err = onnx_node_errf(n, errmsg, -EINVAL, "scale, B, mean and var must all have shape [C]; '%s' does not",
					     t[k].name);
			goto out;
		}
	}
	if ((err = onnx_node_emit(n, GRAPH_BATCHNORM, 1, &node, errmsg)))
		goto out;
	bn = &n->ctx->g->nodes[node].bn;
	n->ctx->g->nodes[node].in[0] = x;
	bn->ch = c;
	/* Precomputed in double so folding loses no more than one rounding. */
	for (i = 0; i < c; i++) {
		double s = (double)t[0].f[i] / sqrt((double)t[3].f[i] + (double)eps);

		t[3].f[i] = (float)((double)t[1].f[i] - (double)t[2].f[i] * s);
		t[0].f[i] = (float)s;
	}
	bn->scale = t[0].f;
	bn->shift = t[3].f;
	t[0].f = t[3].f = NULL;
out:
	for (k = 0; k < 4; k++)
		onnx_tensor_release(&t[k]);
	return err;
}

/*
 * A MaxPool pads with -inf, a Pad with zeros: the same where the input is
 * never negative (it comes from a Relu) and every window still holds one
 * input pixel (each side's pad is shorter than the window; dilation 1).
 */
static int max_takes_zeros(const struct onnx_node *n, const struct graph_pool *p, int x,
			   const char *from, char **errmsg)
{
	const struct graph *g = n->ctx->g;
	int src = g->values[x].producer, i;

	if (src < 0 || g->nodes[src].op != GRAPH_CLIP || !(g->nodes[src].clip.min >= 0.0f) ||
	    !(g->nodes[src].clip.max >= g->nodes[src].clip.min))
		return onnx_node_errf(n, errmsg, -ENOTSUP, "the zeros of Pad node '%s' can be taken only from a value that is never negative (a Relu's output)",
				      from);
	for (i = 0; i < 4; i++)
		if (p->win.dilation[i % 2] != 1 || p->win.pad[i] >= p->win.kernel[i % 2])
			return onnx_node_errf(n, errmsg, -ENOTSUP, "the zeros of Pad node '%s' make a window with no input pixel (or dilation > 1)",
					      from);
	return 0;
}

static int pool(struct onnx_node *n, enum graph_op op, const char *const *known, char **errmsg)
{
	struct graph_pool *p;
	int64_t ceil_mode, order, incl, pad[4];
	const char *from;
	int err, node, x;

	if ((err = onnx_attr_check(n, known, errmsg)) ||
	    (err = onnx_attr_int(n, "ceil_mode", 0, &ceil_mode, errmsg)) ||
	    (err = onnx_attr_int(n, "storage_order", 0, &order, errmsg)) ||
	    (err = onnx_attr_int(n, "count_include_pad", 0, &incl, errmsg)) ||
	    (err = onnx_node_padded(n, 0, &x, pad, &from, errmsg)))
		return err;
	if (ceil_mode)
		return onnx_node_errf(n, errmsg, -ENOTSUP, "ceil_mode=1 is not supported");
	if (order)
		return onnx_node_errf(n, errmsg, -ENOTSUP, "storage_order=1 is not supported");
	if ((err = onnx_node_emit(n, op, 1, &node, errmsg)))
		return err;
	p = &n->ctx->g->nodes[node].pool;
	n->ctx->g->nodes[node].in[0] = x;
	p->count_include_pad = incl != 0;
	if ((err = parse_window(n, &p->win, NULL, errmsg)) || !from)
		return err;
	/* An average counts a Pad's zeros: with pads of its own that it must
	 * not count, the two cannot be told apart any more. */
	if (op == GRAPH_AVGPOOL) {
		if (!p->count_include_pad && p->win.auto_pad == GRAPH_PAD_NOTSET &&
		    (p->win.pad[0] || p->win.pad[1] || p->win.pad[2] || p->win.pad[3]))
			return onnx_node_errf(n, errmsg, -ENOTSUP, "cannot take the zeros of Pad node '%s' on top of pads of its own with count_include_pad=0",
					      from);
		p->count_include_pad = 1;
	}
	if ((err = take_pad(n, &p->win, pad, from, errmsg)))
		return err;
	return op == GRAPH_MAXPOOL ? max_takes_zeros(n, p, x, from, errmsg) : 0;
}

int onnx_maxpool(struct onnx_node *n, char **errmsg)
{
	static const char *const known[] = { "auto_pad", "ceil_mode", "dilations", "kernel_shape",
					     "pads", "storage_order", "strides", NULL };

	return pool(n, GRAPH_MAXPOOL, known, errmsg);
}

int onnx_avgpool(struct onnx_node *n, char **errmsg)
{
	static const char *const known[] = { "auto_pad", "ceil_mode", "count_include_pad",
					     "dilations", "kernel_shape", "pads", "strides", NULL };

	return pool(n, GRAPH_AVGPOOL, known, errmsg);
}

int onnx_globalavgpool(struct onnx_node *n, char **errmsg)
{
	static const char *const known[] = { NULL };
	int err, node, x;

	if ((err = onnx_attr_check(n, known, errmsg)) ||
	    (err = onnx_node_value(n, 0, &x, errmsg)) ||
	    (err = onnx_node_emit(n, GRAPH_GLOBALAVGPOOL, 1, &node, errmsg)))
		return err;
	n->ctx->g->nodes[node].in[0] = x;
	return 0;
}

/*
 * The mean over H and W of an NCHW value is GlobalAveragePool; with
 * keepdims=0 the [N, C, 1, 1] result is then flattened to [N, C]. Any
 * other reduction is refused.
 */
int onnx_reducemean(struct onnx_node *n, char **errmsg)
{
	static const char *const legacy[] = { "axes", "keepdims", NULL };
	static const char *const known[] = { "keepdims", "noop_with_empty_axes", NULL };
	struct graph *g = n->ctx->g;
	struct onnx_dims axes;
	int64_t keep, noop;
	int err, node, x, seen = 0, gap, mid, i;
	char *name;

	if ((err = onnx_attr_check(n, n->ctx->opset < 18 ? legacy : known, errmsg)) ||
	    (err = onnx_attr_int(n, "keepdims", 1, &keep, errmsg)) ||
	    (err = onnx_attr_int(n, "noop_with_empty_axes", 0, &noop, errmsg)) ||
	    (err = onnx_node_one_output(n, errmsg)) ||
	    (err = onnx_input_axes(n, 18, 1, &axes, errmsg)) ||
	    (err = onnx_node_value(n, 0, &x, errmsg)))
		return err;
	for (i = 0; i < axes.count; i++) {
		int64_t a = axes.b[i] < 0 ? axes.b[i] + 4 : axes.b[i];

		if (a == 2 || a == 3)
			seen |= 1 << (a - 2);
		else
			seen = 4;
	}
	if (axes.count != 2 || seen != 3)
		return onnx_node_errf(n, errmsg, -ENOTSUP, "only a mean over H and W (axes 2 and 3 of a 4-D input) is supported%s",
				      axes.count ? "" : noop ? " (this one does nothing)" : " (this one reduces every axis)");
	if (keep) {
		if ((err = onnx_node_emit(n, GRAPH_GLOBALAVGPOOL, 1, &node, errmsg)))
			return err;
		g->nodes[node].in[0] = x;
		return 0;
	}
	/* keepdims=0: the pool writes a value of its own, then a Flatten the
	 * node's output. */
	if (asprintf(&name, "%s (ReduceMean keepdims)", n->np->output[0]) < 0)
		return graph_errf(errmsg, -ENOMEM, "out of memory");
	mid = graph_add_value(g, name);
	free(name);
	gap = mid < 0 ? mid : graph_add_node(g, GRAPH_GLOBALAVGPOOL, n->name, n->op, 1);
	if (gap < 0)
		return graph_errf(errmsg, -ENOMEM, "out of memory");
	g->nodes[gap].in[0] = x;
	g->nodes[gap].out = mid;
	g->values[mid].producer = gap;
	if ((err = onnx_node_emit(n, GRAPH_RESHAPE, 1, &node, errmsg)))
		return err;
	g->nodes[node].in[0] = mid;
	g->nodes[node].reshape.kind = GRAPH_RESHAPE_FLATTEN;
	g->nodes[node].reshape.axis = 1;
	return 0;
}
