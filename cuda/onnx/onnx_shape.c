/*
 * onnx_shape.c - shape arithmetic, done once at load.
 *
 * Exporters that keep the batch dynamic often compute a Reshape's target
 * from the input's own shape: Shape -> Gather -> Unsqueeze -> Concat ->
 * Reshape is how older PyTorch exports wrote x.view(x.size(0), -1), and
 * tf2onnx writes Keras' Flatten with Shape, Slice and Concat. The shapes
 * are known at load except for the batch N, and every dimension of a
 * value is a*N + b (batch-major graphs: N for axis 0, a constant for the
 * others). So these small int64 vectors are evaluated here, symbolically
 * in N, and never become graph nodes; a Reshape that takes one keeps the
 * a*N + b form and shape inference fills in N.
 *
 * Only what that form can hold is taken: products and quotients with a
 * constant, sums of any two, every a and b within ONNX_DIMS_LIMIT (so no
 * arithmetic here or in shape inference can overflow). Anything else is
 * refused naming the node.
 */
#include "checked.h"
#include "onnx_load.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INT64_T ONNX__TENSOR_PROTO__DATA_TYPE__INT64
#define ONNX_DIMS_LIMIT ((int64_t)1 << 40)

int onnx_is_dims(const struct onnx_node *n, size_t idx)
{
	return onnx_node_has_input(n, idx) && onnx_names_find_dims(n->ctx, n->np->input[idx]);
}

int onnx_input_dims(const struct onnx_node *n, size_t idx, struct onnx_dims *out, char **errmsg)
{
	const struct onnx_dims *d;
	struct onnx_tensor t;
	int64_t i;
	int err;

	memset(out, 0, sizeof(*out));
	if (!onnx_node_has_input(n, idx))
		return onnx_node_errf(n, errmsg, -EINVAL, "input %zu is missing", idx);
	if ((d = onnx_names_find_dims(n->ctx, n->np->input[idx]))) {
		*out = *d;
		return 0;
	}
	if (graph_find_value(n->ctx->g, n->np->input[idx]) >= 0 || onnx_names_find_pad(n->ctx, n->np->input[idx]))
		return onnx_node_errf(n, errmsg, -ENOTSUP, "input '%s' is a tensor computed at run time; %s is supported only on shapes known at load time (an int64 initializer, or computed from a Shape)",
				      n->np->input[idx], n->op);
	if ((err = onnx_node_const(n, idx, INT64_T, &t, errmsg)))
		return err;
	if (t.rank > 1 || t.count > ONNX_DIMS_MAX) {
		err = onnx_node_errf(n, errmsg, -ENOTSUP, "constant '%s' must be a scalar or a 1-D list of at most %d values",
				     t.name, ONNX_DIMS_MAX);
	} else {
		out->name = t.name;
		out->rank = t.rank;
		out->count = (int)t.count;
		for (i = 0; i < t.count; i++)
			out->b[i] = t.i[i];
	}
	onnx_tensor_release(&t);
	return err;
}

/* Bind the node's output to d. */
static int bind(const struct onnx_node *n, const struct onnx_dims *d, char **errmsg)
{
	struct onnx_ctx *c = n->ctx;
	const char *out;
	int err, i;

	if ((err = onnx_node_new_output(n, &out, errmsg)))
		return err;
	for (i = 0; i < d->count; i++)
		if (d->a[i] < -ONNX_DIMS_LIMIT || d->a[i] > ONNX_DIMS_LIMIT ||
		    d->b[i] < -ONNX_DIMS_LIMIT || d->b[i] > ONNX_DIMS_LIMIT)
			return onnx_node_errf(n, errmsg, -ENOTSUP, "value %d is beyond %lld, which no dimension reaches",
					      i, (long long)ONNX_DIMS_LIMIT);
	if (onnx_names_grow((void **)&c->dims, &c->cap_dims, c->n_dims, sizeof(*c->dims)))
		return graph_errf(errmsg, -ENOMEM, "out of memory");
	c->dims[c->n_dims] = *d;
	c->dims[c->n_dims].name = out;
	c->n_dims++;
	return 0;
}

/* Shapes of the graph so far at batch, and value v's among them. */
static int probe(struct onnx_ctx *c, int v, int64_t batch, int64_t *dims, int *rank, char **errmsg)
{
	int err = graph_infer_shapes(c->g, batch, errmsg);

	if (!err) {
		*rank = c->g->values[v].rank;
		memcpy(dims, c->g->values[v].dims, sizeof(c->g->values[v].dims));
	}
	return err;
}

/* Clamp a start/end index the way Shape and Slice do. */
static int64_t clamp_index(int64_t i, int64_t len)
{
	if (i < 0)
		i += len;
	return i < 0 ? 0 : i > len ? len : i;
}

int onnx_shape(struct onnx_node *n, char **errmsg)
{
	static const char *const known[] = { "start", "end", NULL };
	static const char *const none[] = { NULL };
	int64_t d1[GRAPH_MAX_RANK], d2[GRAPH_MAX_RANK], start, end, b1;
	struct onnx_dims d = { 0 };
	int err, x, r1, r2, i;
	char *why = NULL;

	if ((err = onnx_attr_check(n, n->ctx->opset < 15 ? none : known, errmsg)) ||
	    (err = onnx_node_value(n, 0, &x, errmsg)))
		return err;
	/* Each dimension as a*N + b, from the shapes at two batches. */
	b1 = n->ctx->g->input_dims[0] > 0 ? n->ctx->g->input_dims[0] : 1;
	if ((err = probe(n->ctx, x, b1, d1, &r1, errmsg)))
		return err;
	if (probe(n->ctx, x, b1 + 1, d2, &r2, &why) || r2 != r1)
		memcpy(d2, d1, sizeof(d1));	/* only runs at its own batch */
	free(why);
	if ((err = onnx_attr_int(n, "start", 0, &start, errmsg)) ||
	    (err = onnx_attr_int(n, "end", r1, &end, errmsg)))
		return err;
	start = clamp_index(start, r1);
	end = clamp_index(end, r1);
	d.rank = 1;
	for (i = (int)start; i < end; i++, d.count++) {
		int64_t p;

		/* Every dimension and b1 are at most 2^40; their product is not. */
		d.a[d.count] = d2[i] - d1[i];
		if (checked_mul(d.a[d.count], b1, &p) || checked_sub(d1[i], p, &d.b[d.count]))
			return onnx_node_errf(n, errmsg, -ENOTSUP, "dimension %d of the input does not grow linearly with the batch",
					      i);
	}
	return bind(n, &d, errmsg);
}

/* One index of a Gather or Slice into d (count elements). */
static int index_in(const struct onnx_node *n, int64_t i, int count, int64_t *out, char **errmsg)
{
	if (i < -count || i >= count)
		return onnx_node_errf(n, errmsg, -EINVAL, "index %lld is out of range for %d values",
				      (long long)i, count);
	*out = i < 0 ? i + count : i;
	return 0;
}

int onnx_gather(struct onnx_node *n, char **errmsg)
{
	static const char *const known[] = { "axis", NULL };
	struct onnx_dims data, idx, d = { 0 };
	int64_t axis, k = 0;
	int err, i;

	if ((err = onnx_attr_check(n, known, errmsg)) ||
	    (err = onnx_attr_int(n, "axis", 0, &axis, errmsg)) ||
	    (err = onnx_input_dims(n, 0, &data, errmsg)) ||
	    (err = onnx_input_dims(n, 1, &idx, errmsg)))
		return err;
	if (data.rank != 1 || (axis != 0 && axis != -1))
		return onnx_node_errf(n, errmsg, -ENOTSUP, "only a Gather from a 1-D list of dimensions is supported");
	d.rank = idx.rank;
	d.count = idx.count;
	for (i = 0; i < idx.count; i++) {
		if (idx.a[i])
			return onnx_node_errf(n, errmsg, -ENOTSUP, "indices must be constants");
		if ((err = index_in(n, idx.b[i], data.count, &k, errmsg)))
			return err;
		d.a[i] = data.a[k];
		d.b[i] = data.b[k];
	}
	return bind(n, &d, errmsg);
}

int onnx_input_axes(const struct onnx_node *n, int64_t since, size_t idx, struct onnx_dims *out,
		    char **errmsg)
{
	const Onnx__AttributeProto *a;
	int err, i;

	memset(out, 0, sizeof(*out));
	out->rank = 1;
	if (n->ctx->opset < since) {
		if (onnx_node_has_input(n, idx))
			return onnx_node_errf(n, errmsg, -EINVAL, "axes is an attribute before opset %lld, not an input",
					      (long long)since);
		if (!(a = onnx_attr_find(n, "axes")))
			return 0;
		if (a->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS)
			return onnx_node_errf(n, errmsg, -EINVAL, "attribute 'axes' must be a list of ints");
		if (a->n_ints > ONNX_DIMS_MAX)
			return onnx_node_errf(n, errmsg, -ENOTSUP, "axes has %zu values; at most %d are supported",
					      a->n_ints, ONNX_DIMS_MAX);
		for (out->count = 0; out->count < (int)a->n_ints; out->count++)
			out->b[out->count] = a->ints[out->count];
		return 0;
	}
	if (!onnx_node_has_input(n, idx))
		return 0;
	if ((err = onnx_input_dims(n, idx, out, errmsg)))
		return err;
	for (i = 0; i < out->count; i++)
		if (out->a[i])
			return onnx_node_errf(n, errmsg, -ENOTSUP, "axes must be constants");
	return 0;
}

/* Unsqueeze and Squeeze between a scalar and a list of one, on axis 0. */
static int squeeze(struct onnx_node *n, int to_rank, char **errmsg)
{
	static const char *const legacy[] = { "axes", NULL };
	static const char *const none[] = { NULL };
	struct onnx_dims d, axes;
	int err;

	if ((err = onnx_attr_check(n, n->ctx->opset < 13 ? legacy : none, errmsg)) ||
	    (err = onnx_input_dims(n, 0, &d, errmsg)) ||
	    (err = onnx_input_axes(n, 13, 1, &axes, errmsg)))
		return err;
	if (d.rank == to_rank || (to_rank == 0 && d.count != 1) ||
	    axes.count > 1 || (axes.count == 1 && axes.b[0] != 0 && axes.b[0] != -1) ||
	    (to_rank == 1 && axes.count != 1))
		return onnx_node_errf(n, errmsg, -ENOTSUP, "only turning %s (axis 0) is supported",
				      to_rank ? "a scalar into a list of one" : "a list of one into a scalar");
	d.rank = to_rank;
	return bind(n, &d, errmsg);
}

int onnx_unsqueeze(struct onnx_node *n, char **errmsg)
{
	return squeeze(n, 1, errmsg);
}

int onnx_squeeze(struct onnx_node *n, char **errmsg)
{
	return squeeze(n, 0, errmsg);
}

/* Slice (opset 10 on: starts, ends, axes, steps as inputs; before: attributes). */
int onnx_slice(struct onnx_node *n, char **errmsg)
{
	static const char *const legacy[] = { "starts", "ends", "axes", NULL };
	static const char *const none[] = { NULL };
	struct onnx_dims data, p[4] = { { 0 } }, d = { 0 };	/* starts, ends, axes, steps */
	int64_t start, end, step = 1, i;
	int err, k, found;

	if ((err = onnx_attr_check(n, n->ctx->opset < 10 ? legacy : none, errmsg)) ||
	    (err = onnx_input_dims(n, 0, &data, errmsg)))
		return err;
	if (n->ctx->opset < 10) {
		static const char *const names[] = { "starts", "ends", "axes" };

		for (k = 0; k < 3; k++) {
			p[k].count = 1;
			if ((err = onnx_attr_ints(n, names[k], p[k].b, 1, &found, errmsg)))
				return err;
			if (!found)
				p[k].count = 0;
		}
	} else {
		for (k = 0; k < 4; k++)
			if (onnx_node_has_input(n, (size_t)k + 1) &&
			    (err = onnx_input_dims(n, (size_t)k + 1, &p[k], errmsg)))
				return err;
	}
	if (data.rank != 1 || p[0].count != 1 || p[1].count != 1 || p[2].count > 1 || p[3].count > 1 ||
	    (p[2].count && p[2].b[0] != 0 && p[2].b[0] != -1) ||
	    p[0].a[0] || p[1].a[0] || p[2].a[0] || p[3].a[0])
		return onnx_node_errf(n, errmsg, -ENOTSUP, "only a Slice of a 1-D list of dimensions with constant bounds is supported");
	if (p[3].count)
		step = p[3].b[0];
	if (step < 1)
		return onnx_node_errf(n, errmsg, -ENOTSUP, "only positive steps are supported");
	start = clamp_index(p[0].b[0], data.count);
	end = clamp_index(p[1].b[0], data.count);
	d.rank = 1;
	/* start, end <= data.count <= ONNX_DIMS_MAX: count first, so a huge
	 * step cannot overflow the index. */
	d.count = start < end ? (int)((end - start - 1) / step + 1) : 0;
	for (i = 0; i < d.count; i++) {
		d.a[i] = data.a[start + i * step];
		d.b[i] = data.b[start + i * step];
	}
	return bind(n, &d, errmsg);
}

int onnx_cast(struct onnx_node *n, char **errmsg)
{
	static const char *const known[] = { "to", "saturate", NULL };
	struct onnx_dims d;
	int64_t to;
	int err;

	if ((err = onnx_attr_check(n, known, errmsg)) ||
	    (err = onnx_attr_int(n, "to", 0, &to, errmsg)))
		return err;
	if (to != INT64_T || !onnx_is_dims(n, 0))
		return onnx_node_errf(n, errmsg, -ENOTSUP, "only a Cast of a list of dimensions to int64 is supported");
	if ((err = onnx_input_dims(n, 0, &d, errmsg)))
		return err;
	return bind(n, &d, errmsg);
}

int onnx_dims_concat(struct onnx_node *n, char **errmsg)
{
	struct onnx_dims part, d = { 0 };
	size_t i;
	int err, k;

	d.rank = 1;
	for (i = 0; i < n->np->n_input; i++) {
		if ((err = onnx_input_dims(n, i, &part, errmsg)))
			return err;
		if (part.rank != 1 || d.count + part.count > ONNX_DIMS_MAX)
			return onnx_node_errf(n, errmsg, -ENOTSUP, "only 1-D lists of at most %d dimensions can be concatenated",
					      ONNX_DIMS_MAX);
		for (k = 0; k < part.count; k++, d.count++) {
			d.a[d.count] = part.a[k];
			d.b[d.count] = part.b[k];
		}
	}
	return bind(n, &d, errmsg);
}

/* Add, Sub, Mul, Div of two lists of dimensions (either may be a single
 * value, broadcast), as long as the result is still a*N + b. */
int onnx_dims_arith(struct onnx_node *n, char op, char **errmsg)
{
	static const char *const none[] = { NULL };
	struct onnx_dims x, y, d = { 0 };
	int err, i, count;

	if ((err = onnx_attr_check(n, none, errmsg)) ||
	    (err = onnx_input_dims(n, 0, &x, errmsg)) ||
	    (err = onnx_input_dims(n, 1, &y, errmsg)))
		return err;
	if (x.count != y.count && x.count != 1 && y.count != 1)
		return onnx_node_errf(n, errmsg, -EINVAL, "operands of %d and %d values do not broadcast",
				      x.count, y.count);
	count = x.count == 1 ? y.count : x.count;	/* [1] with [] is [] */
	d.rank = x.rank > y.rank ? x.rank : y.rank;
	d.count = count;
	for (i = 0; i < count; i++) {
		int64_t xa = x.a[x.count == 1 ? 0 : i], xb = x.b[x.count == 1 ? 0 : i];
		int64_t ya = y.a[y.count == 1 ? 0 : i], yb = y.b[y.count == 1 ? 0 : i];

		int64_t p, q;
		int over = 0;

		switch (op) {
		case '+':
			over = __builtin_add_overflow(xa, ya, &d.a[i]) | __builtin_add_overflow(xb, yb, &d.b[i]);
			break;
		case '-':
			over = __builtin_sub_overflow(xa, ya, &d.a[i]) | __builtin_sub_overflow(xb, yb, &d.b[i]);
			break;
		case '*':
			if (xa && ya)
				return onnx_node_errf(n, errmsg, -ENOTSUP, "a product of two batch-sized dimensions is not supported");
			over = __builtin_mul_overflow(xa, yb, &p) | __builtin_mul_overflow(ya, xb, &q) |
			       __builtin_add_overflow(p, q, &d.a[i]) | __builtin_mul_overflow(xb, yb, &d.b[i]);
			break;
		default:	/* '/': exact division by a constant only */
			if (ya || yb == 0 || (yb == -1 && (xa == INT64_MIN || xb == INT64_MIN)) ||
			    xa % yb || xb % yb)
				return onnx_node_errf(n, errmsg, -ENOTSUP, "only an exact division by a nonzero constant is supported");
			d.a[i] = xa / yb, d.b[i] = xb / yb;
			break;
		}
		if (over)
			return onnx_node_errf(n, errmsg, -ENOTSUP, "value %d overflows 64 bits", i);
	}
	return bind(n, &d, errmsg);
}

int onnx_mul(struct onnx_node *n, char **errmsg)
{
	return onnx_dims_arith(n, '*', errmsg);
}

int onnx_sub(struct onnx_node *n, char **errmsg)
{
	return onnx_dims_arith(n, '-', errmsg);
}

int onnx_div(struct onnx_node *n, char **errmsg)
{
	return onnx_dims_arith(n, '/', errmsg);
}
