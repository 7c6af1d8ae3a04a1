/*
 * graph_shape.c - shape inference over the internal graph.
 *
 * Runs at load, once per batch the loader tries: it checks every node's
 * inputs against its weights and attributes, resolves what depends on
 * the input size (auto_pad, broadcast and softmax layouts) and refuses
 * mismatches naming the node and both shapes.
 */
#include "checked.h"
#include "graph.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DIMS(v, buf) graph_dims_str((v)->dims, (v)->rank, buf, sizeof(buf))

static int set_out(struct graph *g, const struct graph_node *n, int rank,
		   const int64_t *dims, char **errmsg)
{
	struct graph_value *v = &g->values[n->out];
	int64_t size = 1;
	int i;

	if (rank < 1 || rank > GRAPH_MAX_RANK)
		return graph_errf(errmsg, -EINVAL, "node '%s' (%s): output rank %d is not supported (1 to %d)",
				  n->name, n->op_type, rank, GRAPH_MAX_RANK);
	/* Every value's product is bounded here (the input's in
	 * graph_infer_shapes), so prod() over a value's dims cannot overflow. */
	for (i = 0; i < rank; i++)
		if (dims[i] < 1 || checked_mul(size, dims[i], &size) || size > CHECKED_MAX_ELEMS)
			return graph_errf(errmsg, -EINVAL, "node '%s' (%s): output dimension %d would be %lld%s",
					  n->name, n->op_type, i, (long long)dims[i],
					  dims[i] < 1 ? "" : ", more than 2^40 values in all");
	v->rank = rank;
	memcpy(v->dims, dims, (size_t)rank * sizeof(dims[0]));
	v->item_size = size / dims[0];
	return 0;
}

/* Only over the dims of a value (bounded by set_out), or a part of them. */
static int64_t prod(const int64_t *dims, int from, int to)
{
	int64_t p = 1;

	for (; from < to; from++)
		p *= dims[from];
	return p;
}

/* Normalise an ONNX axis in [-rank, rank) (or [-rank, rank] when
 * inclusive, for Flatten); -1 if out of range. */
static int64_t norm_axis(int64_t axis, int rank, int inclusive)
{
	int64_t hi = inclusive ? rank : rank - 1;

	if (axis < 0)
		axis += rank;
	return axis < 0 || axis > hi ? -1 : axis;
}

static int window(struct graph_window *w, const struct graph_node *n,
		  const struct graph_value *in, int64_t out_hw[2], char **errmsg)
{
	char buf[96];
	int i;

	for (i = 0; i < 2; i++) {
		int64_t size = in->dims[2 + i], stride = w->stride[i];
		int64_t eff, total, span, o;

		/* Kernel, dilation, stride and pads are the model's: positive
		 * and at most 2^20 (a Pad's zeros added: 2^21) by the loader,
		 * yet checked here too, as the graph does not see the loader's
		 * rules. The size is at least 1. */
		if (checked_muladd(w->kernel[i] - 1, w->dilation[i], 1, &eff))
			goto overflow;
		switch (w->auto_pad) {
		case GRAPH_PAD_NOTSET:
			break;
		case GRAPH_PAD_VALID:
			w->pad[i] = w->pad[i + 2] = 0;
			break;
		case GRAPH_PAD_SAME_UPPER:
		case GRAPH_PAD_SAME_LOWER:
			/* Output ceil(in / stride); the odd pixel of padding
			 * goes at the end for UPPER, the start for LOWER. */
			o = (size - 1) / stride + 1;
			if (checked_muladd(o - 1, stride, eff, &total))
				goto overflow;
			total -= size;
			if (total < 0)
				total = 0;
			w->pad[i] = w->auto_pad == GRAPH_PAD_SAME_UPPER ? total / 2 : total - total / 2;
			w->pad[i + 2] = total - w->pad[i];
			break;
		}
		if (checked_add(size, w->pad[i], &span) || checked_add(span, w->pad[i + 2], &span))
			goto overflow;
		if (span < eff)
			return graph_errf(errmsg, -EINVAL, "node '%s' (%s): input shape %s is smaller than the %lldx%lld window",
					  n->name, n->op_type, DIMS(in, buf),
					  (long long)w->kernel[0], (long long)w->kernel[1]);
		out_hw[i] = (span - eff) / stride + 1;
	}
	return 0;
overflow:
	return graph_errf(errmsg, -EINVAL, "node '%s' (%s): kernel %lldx%lld, dilations %lldx%lld, strides %lldx%lld and pads [%lld,%lld,%lld,%lld] overflow 64 bits on input shape %s",
			  n->name, n->op_type, (long long)w->kernel[0], (long long)w->kernel[1],
			  (long long)w->dilation[0], (long long)w->dilation[1],
			  (long long)w->stride[0], (long long)w->stride[1],
			  (long long)w->pad[0], (long long)w->pad[1], (long long)w->pad[2],
			  (long long)w->pad[3], DIMS(in, buf));
}

static int need_rank(const struct graph_node *n, const struct graph_value *in,
		     int rank, char **errmsg)
{
	char buf[96];

	if (in->rank == rank)
		return 0;
	return graph_errf(errmsg, -EINVAL, "node '%s' (%s): input shape %s is not %d-D",
			  n->name, n->op_type, DIMS(in, buf), rank);
}

static int infer_conv(struct graph *g, struct graph_node *n, char **errmsg)
{
	const struct graph_value *in = &g->values[n->in[0]];
	struct graph_conv *c = &n->conv;
	int64_t dims[4], hw[2];
	char buf[96];
	int err;

	if ((err = need_rank(n, in, 4, errmsg)))
		return err;
	if (in->dims[1] != c->in_ch_per_group * c->group)
		return graph_errf(errmsg, -EINVAL, "node '%s' (Conv): input shape %s has %lld channels but weight shape [%lld,%lld,%lld,%lld] with group %lld expects %lld",
				  n->name, DIMS(in, buf), (long long)in->dims[1],
				  (long long)c->out_ch, (long long)c->in_ch_per_group,
				  (long long)c->win.kernel[0], (long long)c->win.kernel[1],
				  (long long)c->group, (long long)(c->in_ch_per_group * c->group));
	if ((err = window(&c->win, n, in, hw, errmsg)))
		return err;
	dims[0] = in->dims[0];
	dims[1] = c->out_ch;
	dims[2] = hw[0];
	dims[3] = hw[1];
	return set_out(g, n, 4, dims, errmsg);
}

static int infer_pool(struct graph *g, struct graph_node *n, char **errmsg)
{
	const struct graph_value *in = &g->values[n->in[0]];
	int64_t dims[4], hw[2];
	int err;

	if ((err = need_rank(n, in, 4, errmsg)))
		return err;
	if (n->op == GRAPH_GLOBALAVGPOOL) {
		hw[0] = hw[1] = 1;
	} else if ((err = window(&n->pool.win, n, in, hw, errmsg))) {
		return err;
	}
	dims[0] = in->dims[0];
	dims[1] = in->dims[1];
	dims[2] = hw[0];
	dims[3] = hw[1];
	return set_out(g, n, 4, dims, errmsg);
}

static int infer_same(struct graph *g, struct graph_node *n, char **errmsg)
{
	const struct graph_value *in = &g->values[n->in[0]];
	char buf[96];

	if (n->op == GRAPH_BATCHNORM && (in->rank < 2 || in->dims[1] != n->bn.ch))
		return graph_errf(errmsg, -EINVAL, "node '%s' (BatchNormalization): input shape %s does not have %lld channels",
				  n->name, DIMS(in, buf), (long long)n->bn.ch);
	return set_out(g, n, in->rank, in->dims, errmsg);
}

static int infer_add(struct graph *g, struct graph_node *n, char **errmsg)
{
	const struct graph_value *a = &g->values[n->in[0]];
	const struct graph_value *b = &g->values[n->in[1]];
	char ba[96], bb[96];

	if (a->rank != b->rank ||
	    memcmp(a->dims, b->dims, (size_t)a->rank * sizeof(a->dims[0])))
		return graph_errf(errmsg, -EINVAL, "node '%s' (Add): input shapes %s and %s differ (two computed inputs must have the same shape)",
				  n->name, DIMS(a, ba), DIMS(b, bb));
	return set_out(g, n, a->rank, a->dims, errmsg);
}

/*
 * The constant, aligned right against the value, must be 1 or the value's
 * size on each axis, must not vary along the batch, and must vary along
 * one contiguous run of axes: that covers scalars, per-channel [C,1,1],
 * last-axis [M] and same-shape constants.
 */
static int infer_add_const(struct graph *g, struct graph_node *n, char **errmsg)
{
	const struct graph_value *in = &g->values[n->in[0]];
	struct graph_add_const *a = &n->addc;
	int64_t cd[GRAPH_MAX_RANK];
	int off = in->rank - a->rank, first = -1, last = -1, i;
	char bv[96], bc[96];

	graph_dims_str(a->dims, a->rank, bc, sizeof(bc));
	if (off < 0)
		return graph_errf(errmsg, -EINVAL, "node '%s' (Add): constant shape %s has more axes than the input shape %s",
				  n->name, bc, DIMS(in, bv));
	for (i = 0; i < in->rank; i++) {
		cd[i] = i < off ? 1 : a->dims[i - off];
		if (cd[i] != 1 && cd[i] != in->dims[i])
			return graph_errf(errmsg, -EINVAL, "node '%s' (Add): constant shape %s does not broadcast to the input shape %s",
					  n->name, bc, DIMS(in, bv));
		if (cd[i] != 1) {
			if (first < 0)
				first = i;
			last = i;
		}
	}
	if (first == 0)
		return graph_errf(errmsg, -EINVAL, "node '%s' (Add): constant shape %s varies along the batch axis",
				  n->name, bc);
	for (i = first; first >= 0 && i <= last; i++)
		if (cd[i] != in->dims[i])
			return graph_errf(errmsg, -EINVAL, "node '%s' (Add): broadcasting constant shape %s over the input shape %s is not supported",
					  n->name, bc, DIMS(in, bv));
	if (first < 0) {
		a->outer = 1;
		a->mid = 1;
		a->inner = in->item_size;
	} else {
		a->outer = prod(in->dims, 1, first);
		a->mid = prod(in->dims, first, last + 1);
		a->inner = prod(in->dims, last + 1, in->rank);
	}
	return set_out(g, n, in->rank, in->dims, errmsg);
}

static int infer_gemm(struct graph *g, struct graph_node *n, char **errmsg)
{
	const struct graph_value *in = &g->values[n->in[0]];
	int64_t dims[2];
	char buf[96];
	int err;

	if ((err = need_rank(n, in, 2, errmsg)))
		return err;
	if (in->dims[1] != n->gemm.k)
		return graph_errf(errmsg, -EINVAL, "node '%s' (%s): input shape %s does not match weight shape [%lld,%lld] (K %lld vs %lld)",
				  n->name, n->op_type, DIMS(in, buf),
				  (long long)n->gemm.k, (long long)n->gemm.m,
				  (long long)in->dims[1], (long long)n->gemm.k);
	dims[0] = in->dims[0];
	dims[1] = n->gemm.m;
	return set_out(g, n, 2, dims, errmsg);
}

static int infer_reshape(struct graph *g, struct graph_node *n, char **errmsg)
{
	const struct graph_value *in = &g->values[n->in[0]];
	struct graph_reshape *r = &n->reshape;
	int64_t dims[GRAPH_MAX_RANK], total = prod(in->dims, 0, in->rank), known = 1;
	int64_t axis;
	int i, minus = -1;
	char bi[96], bs[96];

	switch (r->kind) {
	case GRAPH_RESHAPE_SAME:
		return set_out(g, n, in->rank, in->dims, errmsg);
	case GRAPH_RESHAPE_FLATTEN:
		axis = norm_axis(r->axis, in->rank, 1);
		if (axis < 0)
			return graph_errf(errmsg, -EINVAL, "node '%s' (Flatten): axis %lld is out of range for input shape %s",
					  n->name, (long long)r->axis, DIMS(in, bi));
		dims[0] = prod(in->dims, 0, (int)axis);
		dims[1] = prod(in->dims, (int)axis, in->rank);
		return set_out(g, n, 2, dims, errmsg);
	case GRAPH_RESHAPE_SHAPE:
		break;
	}
	for (i = 0; i < r->rank; i++)
		if (checked_muladd(r->shape_n[i], g->values[g->input].dims[0], r->shape[i], &dims[i]))
			return graph_errf(errmsg, -EINVAL, "node '%s' (Reshape): shape entry %d overflows at batch %lld",
					  n->name, i, (long long)g->values[g->input].dims[0]);
	graph_dims_str(dims, r->rank, bs, sizeof(bs));
	for (i = 0; i < r->rank; i++) {
		if (dims[i] == 0 && !r->allowzero) {
			if (i >= in->rank)
				goto bad;
			dims[i] = in->dims[i];
		}
		if (dims[i] == -1) {
			if (minus >= 0)
				goto bad;
			minus = i;
			continue;
		}
		/* The target is the model's: a product that wraps (to 0, say,
		 * as [-1, 2, 2^62, 2] does) must not reach the division. */
		if (dims[i] < 1 || checked_mul(known, dims[i], &known) || known > total)
			goto bad;
	}
	if (minus >= 0)
		dims[minus] = total / known;
	if (prod(dims, 0, r->rank) != total)
		goto bad;
	return set_out(g, n, r->rank, dims, errmsg);
bad:
	return graph_errf(errmsg, -EINVAL, "node '%s' (Reshape): cannot reshape input shape %s to %s",
			  n->name, DIMS(in, bi), bs);
}

static int infer_softmax(struct graph *g, struct graph_node *n, char **errmsg)
{
	const struct graph_value *in = &g->values[n->in[0]];
	struct graph_softmax *s = &n->softmax;
	int64_t axis = norm_axis(s->axis, in->rank, 0);
	char buf[96];

	if (axis < 0)
		return graph_errf(errmsg, -EINVAL, "node '%s' (Softmax): axis %lld is out of range for input shape %s",
				  n->name, (long long)s->axis, DIMS(in, buf));
	if (axis == 0)
		return graph_errf(errmsg, -EINVAL, "node '%s' (Softmax): softmax across the batch axis is not supported",
				  n->name);
	s->outer = prod(in->dims, 1, (int)axis);
	if (s->legacy) {
		s->len = prod(in->dims, (int)axis, in->rank);
		s->inner = 1;
	} else {
		s->len = in->dims[axis];
		s->inner = prod(in->dims, (int)axis + 1, in->rank);
	}
	return set_out(g, n, in->rank, in->dims, errmsg);
}

static int infer_concat(struct graph *g, struct graph_node *n, char **errmsg)
{
	const struct graph_value *a = &g->values[n->in[0]];
	int64_t axis = norm_axis(n->concat.axis, a->rank, 0), dims[GRAPH_MAX_RANK];
	char ba[96], bb[96];
	int i, j;

	if (axis < 0)
		return graph_errf(errmsg, -EINVAL, "node '%s' (Concat): axis %lld is out of range for input shape %s",
				  n->name, (long long)n->concat.axis, DIMS(a, ba));
	if (axis == 0)
		return graph_errf(errmsg, -EINVAL, "node '%s' (Concat): concatenation along the batch axis is not supported",
				  n->name);
	n->concat.axis = axis;
	memcpy(dims, a->dims, sizeof(dims));
	dims[axis] = 0;
	for (i = 0; i < n->n_in; i++) {
		const struct graph_value *b = &g->values[n->in[i]];

		for (j = 0; j < a->rank && b->rank == a->rank; j++)
			if (j != axis && b->dims[j] != a->dims[j])
				break;
		if (b->rank != a->rank || j < a->rank)
			return graph_errf(errmsg, -EINVAL, "node '%s' (Concat): input shapes %s and %s differ outside axis %lld",
					  n->name, DIMS(a, ba), DIMS(b, bb), (long long)axis);
		if (checked_add(dims[axis], b->dims[axis], &dims[axis]))
			return graph_errf(errmsg, -EINVAL, "node '%s' (Concat): the sizes along axis %lld overflow 64 bits",
					  n->name, (long long)axis);
	}
	return set_out(g, n, a->rank, dims, errmsg);
}

static int infer_node(struct graph *g, struct graph_node *n, char **errmsg)
{
	switch (n->op) {
	case GRAPH_CONV:
		return infer_conv(g, n, errmsg);
	case GRAPH_MAXPOOL:
	case GRAPH_AVGPOOL:
	case GRAPH_GLOBALAVGPOOL:
		return infer_pool(g, n, errmsg);
	case GRAPH_BATCHNORM:
	case GRAPH_CLIP:
		return infer_same(g, n, errmsg);
	case GRAPH_ADD:
		return infer_add(g, n, errmsg);
	case GRAPH_ADD_CONST:
		return infer_add_const(g, n, errmsg);
	case GRAPH_GEMM:
		return infer_gemm(g, n, errmsg);
	case GRAPH_RESHAPE:
		return infer_reshape(g, n, errmsg);
	case GRAPH_SOFTMAX:
		return infer_softmax(g, n, errmsg);
	case GRAPH_CONCAT:
		return infer_concat(g, n, errmsg);
	}
	return graph_errf(errmsg, -EINVAL, "node '%s': unknown internal op %d", n->name, (int)n->op);
}

int graph_infer_shapes(struct graph *g, int64_t batch, char **errmsg)
{
	struct graph_value *in = &g->values[g->input];
	int64_t total;
	char buf[96];
	int i, err;

	in->rank = 4;
	in->dims[0] = batch;
	for (i = 1; i < 4; i++)
		in->dims[i] = g->input_dims[i];
	if (checked_prod(in->dims, 0, 4, CHECKED_MAX_ELEMS, &total))
		return graph_errf(errmsg, -EINVAL, "input '%s': shape %s is not a size or holds more than 2^40 values",
				  in->name, DIMS(in, buf));
	in->item_size = total / batch;
	for (i = 0; i < g->n_nodes; i++)
		if ((err = infer_node(g, &g->nodes[i], errmsg)))
			return err;
	g->batch = batch;
	return 0;
}

/*
 * Decide whether each item is computed on its own: infer at batch and
 * batch + 1 and require every value to keep the batch as dims[0] with
 * the rest unchanged. Models with a dynamic batch must be batch-major;
 * a fixed-batch model that is not (say it reshapes to [1, -1]) still
 * loads but only runs at its own batch. Leaves the dims of `batch`.
 */
int graph_infer_batch(struct graph *g, int64_t batch, int dynamic, char **errmsg)
{
	int64_t (*saved)[GRAPH_MAX_RANK];
	char *why = NULL;
	int i, err, bad = -1;

	if ((err = graph_infer_shapes(g, batch, errmsg)))
		return err;
	saved = calloc((size_t)g->n_values, sizeof(*saved));
	if (!saved)
		return graph_errf(errmsg, -ENOMEM, "out of memory");
	for (i = 0; i < g->n_values; i++)
		memcpy(saved[i], g->values[i].dims, sizeof(saved[i]));
	err = graph_infer_shapes(g, batch + 1, &why);
	for (i = 0; !err && i < g->n_nodes && bad < 0; i++) {
		const struct graph_value *v = &g->values[g->nodes[i].out];

		if (v->dims[0] != batch + 1 || saved[g->nodes[i].out][0] != batch ||
		    memcmp(&v->dims[1], &saved[g->nodes[i].out][1],
			   (size_t)(v->rank - 1) * sizeof(v->dims[0])))
			bad = i;
	}
	free(saved);
	g->batch_major = !err && bad < 0;
	if (!g->batch_major && dynamic) {
		if (err) {
			err = graph_errf(errmsg, err, "at batch %lld: %s", (long long)(batch + 1),
					 why ? why : "shape inference failed");
		} else {
			err = graph_errf(errmsg, -EINVAL, "node '%s' (%s): output does not keep the batch as its first axis, so the model cannot take a dynamic batch",
					 g->nodes[bad].name, g->nodes[bad].op_type);
		}
		free(why);
		return err;
	}
	free(why);
	return graph_infer_shapes(g, batch, errmsg);
}
