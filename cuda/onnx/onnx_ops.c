/*
 * onnx_ops.c - converters for the non-spatial operators: Relu, Clip, Add,
 * Gemm, MatMul, Flatten, Reshape, Softmax, Concat, Identity, Dropout and
 * Constant.
 */
#include "onnx_load.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FLOAT_T ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT
#define INT64_T ONNX__TENSOR_PROTO__DATA_TYPE__INT64

static const char *const no_attrs[] = { NULL };

/* A node with one computed input and no parameters beyond the union. */
static int unary(struct onnx_node *n, enum graph_op op, int *node, char **errmsg)
{
	int err, x;

	if ((err = onnx_node_value(n, 0, &x, errmsg)) ||
	    (err = onnx_node_emit(n, op, 1, node, errmsg)))
		return err;
	n->ctx->g->nodes[*node].in[0] = x;
	return 0;
}

int onnx_relu(struct onnx_node *n, char **errmsg)
{
	int err, node;

	if ((err = onnx_attr_check(n, no_attrs, errmsg)) ||
	    (err = unary(n, GRAPH_CLIP, &node, errmsg)))
		return err;
	n->ctx->g->nodes[node].clip.min = 0.0f;
	n->ctx->g->nodes[node].clip.max = INFINITY;
	return 0;
}

/* Clip's optional min/max inputs (opset 11+): one-element constants. */
static int clip_bound(struct onnx_node *n, size_t idx, float *out, char **errmsg)
{
	struct onnx_tensor t;
	int err;

	if (!onnx_node_has_input(n, idx))
		return 0;
	if ((err = onnx_node_const(n, idx, FLOAT_T, &t, errmsg)))
		return err;
	if (t.count != 1)
		err = onnx_node_errf(n, errmsg, -EINVAL, "bound '%s' must hold one value, it holds %lld",
				     t.name, (long long)t.count);
	else
		*out = t.f[0];
	onnx_tensor_release(&t);
	return err;
}

int onnx_clip(struct onnx_node *n, char **errmsg)
{
	static const char *const legacy[] = { "min", "max", NULL };
	float lo = -INFINITY, hi = INFINITY;
	int err, node;

	/* Before opset 11 the bounds are attributes, since then inputs. */
	if (n->ctx->opset < 11) {
		if ((err = onnx_attr_check(n, legacy, errmsg)) ||
		    (err = onnx_attr_float(n, "min", -FLT_MAX, &lo, errmsg)) ||
		    (err = onnx_attr_float(n, "max", FLT_MAX, &hi, errmsg)))
			return err;
	} else if ((err = onnx_attr_check(n, no_attrs, errmsg)) ||
		   (err = clip_bound(n, 1, &lo, errmsg)) ||
		   (err = clip_bound(n, 2, &hi, errmsg))) {
		return err;
	}
	if ((err = unary(n, GRAPH_CLIP, &node, errmsg)))
		return err;
	n->ctx->g->nodes[node].clip.min = lo;
	n->ctx->g->nodes[node].clip.max = hi;
	return 0;
}

int onnx_add(struct onnx_node *n, char **errmsg)
{
	struct graph_add_const *a;
	struct onnx_tensor t;
	int err, node, x, y, ci;

	if (onnx_is_dims(n, 0) || onnx_is_dims(n, 1) ||
	    (onnx_node_has_input(n, 0) && onnx_node_has_input(n, 1) &&
	     onnx_names_find_const(n->ctx, n->np->input[0]) && onnx_names_find_const(n->ctx, n->np->input[1])))
		return onnx_dims_arith(n, '+', errmsg);
	if ((err = onnx_attr_check(n, no_attrs, errmsg)))
		return err;
	if (!onnx_node_has_input(n, 0) || !onnx_node_has_input(n, 1))
		return onnx_node_errf(n, errmsg, -EINVAL, "needs two inputs");
	if (onnx_names_find_const(n->ctx, n->np->input[0]) && onnx_names_find_const(n->ctx, n->np->input[1]))
		return onnx_node_errf(n, errmsg, -ENOTSUP, "both inputs are constants");

	/* A constant operand (either side: Add commutes) is broadcast. */
	ci = onnx_names_find_const(n->ctx, n->np->input[0]) ? 0 :
	     onnx_names_find_const(n->ctx, n->np->input[1]) ? 1 : -1;
	if (ci < 0) {
		if ((err = onnx_node_value(n, 0, &x, errmsg)) ||
		    (err = onnx_node_value(n, 1, &y, errmsg)) ||
		    (err = onnx_node_emit(n, GRAPH_ADD, 2, &node, errmsg)))
			return err;
		n->ctx->g->nodes[node].in[0] = x;
		n->ctx->g->nodes[node].in[1] = y;
		n->ctx->g->nodes[node].add.act_min = -INFINITY;
		n->ctx->g->nodes[node].add.act_max = INFINITY;
		return 0;
	}
	if ((err = onnx_node_value(n, (size_t)(1 - ci), &x, errmsg)))
		return err;
	if ((err = onnx_node_const(n, (size_t)ci, FLOAT_T, &t, errmsg)))
		return err;
	if ((err = onnx_node_emit(n, GRAPH_ADD_CONST, 1, &node, errmsg))) {
		onnx_tensor_release(&t);
		return err;
	}
	a = &n->ctx->g->nodes[node].addc;
	n->ctx->g->nodes[node].in[0] = x;
	a->rank = t.rank;
	memcpy(a->dims, t.dims, sizeof(a->dims));
	a->count = t.count;
	a->c = t.f;
	a->act_min = -INFINITY;
	a->act_max = INFINITY;
	return 0;
}

/* Gemm and MatMul: in [N, K] times a constant weight, plus a bias. */
static int dense(struct onnx_node *n, float alpha, float beta, int trans_b, char **errmsg)
{
	struct onnx_tensor w = { 0 }, c = { 0 };
	struct graph_gemm *gm;
	int64_t k, m, i, j;
	int err, node, x;

	if ((err = onnx_node_value(n, 0, &x, errmsg)) ||
	    (err = onnx_node_const(n, 1, FLOAT_T, &w, errmsg)))
		goto out;
	if (w.rank != 2) {
		err = onnx_node_errf(n, errmsg, -ENOTSUP, "weight '%s' must be 2-D, it has rank %d",
				     w.name, w.rank);
		goto out;
	}
	k = trans_b ? w.dims[1] : w.dims[0];
	m = trans_b ? w.dims[0] : w.dims[1];
	if (w.count == 0) {
		err = onnx_node_errf(n, errmsg, -EINVAL, "weight '%s' has a zero dimension", w.name);
		goto out;
	}
	if (onnx_node_has_input(n, 2)) {
		if ((err = onnx_node_const(n, 2, FLOAT_T, &c, errmsg)))
			goto out;
		/* Scalar, [M] or [1, M]: anything else would vary by row. */
		if (!(c.count == 1 || (c.count == m && (c.rank == 1 || (c.rank == 2 && c.dims[0] == 1))))) {
			char buf[96];

			err = onnx_node_errf(n, errmsg, -ENOTSUP, "bias '%s' of shape %s is not supported (a scalar or [%lld])",
					     c.name, graph_dims_str(c.dims, c.rank, buf, sizeof(buf)),
					     (long long)m);
			goto out;
		}
	}
	if ((err = onnx_node_emit(n, GRAPH_GEMM, 1, &node, errmsg)))
		goto out;
	gm = &n->ctx->g->nodes[node].gemm;
	n->ctx->g->nodes[node].in[0] = x;
	gm->k = k;
	gm->m = m;
	gm->act_min = -INFINITY;
	gm->act_max = INFINITY;
	gm->w = malloc((size_t)(k * m) * sizeof(float) + 1);
	gm->b = calloc((size_t)m + 1, sizeof(float));
	if (!gm->w || !gm->b) {
		err = graph_errf(errmsg, -ENOMEM, "out of memory");
		goto out;
	}
	/* Kernel layout K x M, alpha and beta applied once here. */
	for (i = 0; i < k; i++)
		for (j = 0; j < m; j++)
			gm->w[i * m + j] = alpha * (trans_b ? w.f[j * k + i] : w.f[i * m + j]);
	for (j = 0; c.f && j < m; j++)
		gm->b[j] = beta * c.f[c.count == 1 ? 0 : j];
out:
	onnx_tensor_release(&w);
	onnx_tensor_release(&c);
	return err;
}

int onnx_gemm(struct onnx_node *n, char **errmsg)
{
	static const char *const known[] = { "alpha", "beta", "transA", "transB", NULL };
	int64_t ta, tb;
	float alpha, beta;
	int err;

	if ((err = onnx_attr_check(n, known, errmsg)) ||
	    (err = onnx_attr_float(n, "alpha", 1.0f, &alpha, errmsg)) ||
	    (err = onnx_attr_float(n, "beta", 1.0f, &beta, errmsg)) ||
	    (err = onnx_attr_int(n, "transA", 0, &ta, errmsg)) ||
	    (err = onnx_attr_int(n, "transB", 0, &tb, errmsg)))
		return err;
	if (ta)
		return onnx_node_errf(n, errmsg, -ENOTSUP, "transA=1 is not supported");
	return dense(n, alpha, beta, tb != 0, errmsg);
}

int onnx_matmul(struct onnx_node *n, char **errmsg)
{
	int err;

	if ((err = onnx_attr_check(n, no_attrs, errmsg)))
		return err;
	if (onnx_node_has_input(n, 2))
		return onnx_node_errf(n, errmsg, -EINVAL, "takes two inputs");
	return dense(n, 1.0f, 1.0f, 0, errmsg);
}

int onnx_flatten(struct onnx_node *n, char **errmsg)
{
	static const char *const known[] = { "axis", NULL };
	int64_t axis;
	int err, node;

	if ((err = onnx_attr_check(n, known, errmsg)) ||
	    (err = onnx_attr_int(n, "axis", 1, &axis, errmsg)) ||
	    (err = unary(n, GRAPH_RESHAPE, &node, errmsg)))
		return err;
	n->ctx->g->nodes[node].reshape.kind = GRAPH_RESHAPE_FLATTEN;
	n->ctx->g->nodes[node].reshape.axis = axis;
	return 0;
}

int onnx_reshape(struct onnx_node *n, char **errmsg)
{
	static const char *const known[] = { "allowzero", NULL };
	struct graph_reshape *r;
	struct onnx_dims t;
	int64_t allowzero;
	int err, node, i;

	if ((err = onnx_attr_check(n, known, errmsg)) ||
	    (err = onnx_attr_int(n, "allowzero", 0, &allowzero, errmsg)))
		return err;
	if (!onnx_node_has_input(n, 1))
		return onnx_node_errf(n, errmsg, -EINVAL, "the shape input is missing");
	/* A constant, or a list computed from shapes (onnx_shape.c). */
	if ((err = onnx_input_dims(n, 1, &t, errmsg)))
		return err;
	if (t.rank != 1 || t.count < 1 || t.count > GRAPH_MAX_RANK)
		return onnx_node_errf(n, errmsg, -ENOTSUP, "shape '%s' must be 1-D with 1 to %d values",
				      n->np->input[1], GRAPH_MAX_RANK);
	/* An entry that grows with N must be a dimension (>= 1) at every N:
	 * a 0 (copy) or -1 (infer) at some batches only would make the
	 * layout change with the batch in a way two trial batches miss. */
	for (i = 0; i < t.count; i++)
		if (t.a[i] && (t.a[i] < 0 || t.a[i] + t.b[i] < 1))
			return onnx_node_errf(n, errmsg, -ENOTSUP, "shape entry %d (%lld*N%+lld) is not a positive size at every batch",
					      i, (long long)t.a[i], (long long)t.b[i]);
	if ((err = unary(n, GRAPH_RESHAPE, &node, errmsg)))
		return err;
	r = &n->ctx->g->nodes[node].reshape;
	r->kind = GRAPH_RESHAPE_SHAPE;
	r->rank = t.count;
	r->allowzero = allowzero != 0;
	memcpy(r->shape, t.b, (size_t)t.count * sizeof(r->shape[0]));
	memcpy(r->shape_n, t.a, (size_t)t.count * sizeof(r->shape_n[0]));
	return 0;
}

int onnx_softmax(struct onnx_node *n, char **errmsg)
{
	static const char *const known[] = { "axis", NULL };
	int legacy = n->ctx->opset < 13;
	int64_t axis;
	int err, node;

	if ((err = onnx_attr_check(n, known, errmsg)) ||
	    (err = onnx_attr_int(n, "axis", legacy ? 1 : -1, &axis, errmsg)) ||
	    (err = unary(n, GRAPH_SOFTMAX, &node, errmsg)))
		return err;
	n->ctx->g->nodes[node].softmax.axis = axis;
	n->ctx->g->nodes[node].softmax.legacy = legacy;
	return 0;
}

int onnx_concat(struct onnx_node *n, char **errmsg)
{
	static const char *const known[] = { "axis", NULL };
	const Onnx__AttributeProto *a;
	int64_t axis;
	int err, node, i, nin = (int)n->np->n_input;
	int *vals;

	if ((err = onnx_attr_check(n, known, errmsg)))
		return err;
	if (!(a = onnx_attr_find(n, "axis")))
		return onnx_node_errf(n, errmsg, -EINVAL, "attribute 'axis' is required");
	if ((err = onnx_attr_int(n, "axis", 1, &axis, errmsg)))
		return err;
	if (nin < 1)
		return onnx_node_errf(n, errmsg, -EINVAL, "has no inputs");
	for (i = 0; i < nin; i++) {
		if (!onnx_is_dims(n, (size_t)i))
			continue;
		if (axis != 0 && axis != -1)
			return onnx_node_errf(n, errmsg, -ENOTSUP, "lists of dimensions are joined on axis 0, not %lld",
					      (long long)axis);
		return onnx_dims_concat(n, errmsg);
	}
	vals = calloc((size_t)nin, sizeof(int));
	if (!vals)
		return graph_errf(errmsg, -ENOMEM, "out of memory");
	for (i = 0; i < nin && !err; i++)
		err = onnx_node_value(n, (size_t)i, &vals[i], errmsg);
	if (!err)
		err = onnx_node_emit(n, GRAPH_CONCAT, nin, &node, errmsg);
	if (!err) {
		memcpy(n->ctx->g->nodes[node].in, vals, (size_t)nin * sizeof(int));
		n->ctx->g->nodes[node].concat.axis = axis;
	}
	free(vals);
	return err;
}

int onnx_identity(struct onnx_node *n, char **errmsg)
{
	int err, node;

	if ((err = onnx_attr_check(n, no_attrs, errmsg)) ||
	    (err = unary(n, GRAPH_RESHAPE, &node, errmsg)))
		return err;
	n->ctx->g->nodes[node].reshape.kind = GRAPH_RESHAPE_SAME;
	return 0;
}

/* Inference: Dropout passes its input through. A training_mode input
 * could turn it on, so it is refused rather than ignored. */
int onnx_dropout(struct onnx_node *n, char **errmsg)
{
	static const char *const known[] = { "ratio", "seed", NULL };
	int err, node;

	if ((err = onnx_attr_check(n, known, errmsg)))
		return err;
	if (onnx_node_has_input(n, 2))
		return onnx_node_errf(n, errmsg, -ENOTSUP, "the training_mode input is not supported");
	if ((err = unary(n, GRAPH_RESHAPE, &node, errmsg)))
		return err;
	n->ctx->g->nodes[node].reshape.kind = GRAPH_RESHAPE_SAME;
	return 0;
}

int onnx_constant(struct onnx_node *n, char **errmsg)
{
	static const char *const known[] = { "value", NULL };
	const Onnx__AttributeProto *a;
	const char *out;
	int err;

	if ((err = onnx_attr_check(n, known, errmsg)) || (err = onnx_node_new_output(n, &out, errmsg)))
		return err;
	a = onnx_attr_find(n, "value");
	if (!a || !a->t)
		return onnx_node_errf(n, errmsg, -EINVAL, "attribute 'value' must be a tensor");
	return onnx_names_add_const(n->ctx, out, a->t, errmsg);
}
