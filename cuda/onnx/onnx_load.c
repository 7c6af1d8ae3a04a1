/*
 * onnx_load.c - ModelProto to internal graph.
 *
 * Checks the model as a whole (IR version, opset, one NCHW float input,
 * one output), binds initializers by name, converts the nodes in file
 * order (ONNX requires topological order, so every input must already be
 * defined when a node is reached), then infers shapes and fuses.
 */
#include "checked.h"
#include "onnx.h"
#include "onnx_load.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* IR 3 introduced opset_import; 10 is the newest this loader was written
 * against. */
#define ONNX_MIN_IR 3
#define ONNX_MAX_IR 10

struct onnx_op_entry {
	const char *op;
	int (*convert)(struct onnx_node *n, char **errmsg);
};

static const struct onnx_op_entry onnx_ops[] = {
	{ "Conv", onnx_conv },
	{ "BatchNormalization", onnx_batchnorm },
	{ "MaxPool", onnx_maxpool },
	{ "AveragePool", onnx_avgpool },
	{ "GlobalAveragePool", onnx_globalavgpool },
	{ "Relu", onnx_relu },
	{ "Clip", onnx_clip },
	{ "Add", onnx_add },
	{ "Gemm", onnx_gemm },
	{ "MatMul", onnx_matmul },
	{ "Flatten", onnx_flatten },
	{ "Reshape", onnx_reshape },
	{ "Softmax", onnx_softmax },
	{ "Concat", onnx_concat },
	{ "Identity", onnx_identity },
	{ "Dropout", onnx_dropout },
	{ "Constant", onnx_constant },
	{ "Pad", onnx_pad },
	{ "ReduceMean", onnx_reducemean },
	{ "Shape", onnx_shape },
	{ "Gather", onnx_gather },
	{ "Unsqueeze", onnx_unsqueeze },
	{ "Squeeze", onnx_squeeze },
	{ "Slice", onnx_slice },
	{ "Cast", onnx_cast },
	{ "Mul", onnx_mul },
	{ "Sub", onnx_sub },
	{ "Div", onnx_div },
};

static int check_model(const Onnx__ModelProto *mp, struct graph *g, char **errmsg)
{
	size_t i;
	int found = 0;

	if (!mp->has_ir_version)
		return graph_errf(errmsg, -EINVAL, "%s: no IR version (not an ONNX model?)", g->name);
	if (mp->ir_version < ONNX_MIN_IR || mp->ir_version > ONNX_MAX_IR)
		return graph_errf(errmsg, -ENOTSUP, "%s: unsupported IR version %lld (supported: %d to %d)",
				  g->name, (long long)mp->ir_version, ONNX_MIN_IR, ONNX_MAX_IR);
	g->ir_version = mp->ir_version;
	for (i = 0; i < mp->n_opset_import; i++) {
		const Onnx__OperatorSetIdProto *o = mp->opset_import[i];

		if (o->domain && o->domain[0] && strcmp(o->domain, "ai.onnx") != 0)
			continue;
		found = 1;
		g->opset = o->has_version ? o->version : 0;
	}
	if (!found)
		return graph_errf(errmsg, -EINVAL, "%s: no opset for the default ONNX domain", g->name);
	if (g->opset < ONNX_MIN_OPSET || g->opset > ONNX_MAX_OPSET)
		return graph_errf(errmsg, -ENOTSUP, "%s: unsupported opset %lld (supported: %d to %d)",
				  g->name, (long long)g->opset, ONNX_MIN_OPSET, ONNX_MAX_OPSET);
	if (!mp->graph)
		return graph_errf(errmsg, -EINVAL, "%s: the model has no graph", g->name);
	return 0;
}

/* The one input that is not an initializer: float, NCHW, C/H/W fixed. */
static int load_input(struct onnx_ctx *c, const Onnx__GraphProto *gp, int *dynamic,
		      char **errmsg)
{
	const Onnx__ValueInfoProto *vi = NULL;
	const Onnx__TypeProto__Tensor *tt;
	struct graph *g = c->g;
	int64_t one[4], total;
	size_t i, count = 0;
	char buf[96];
	int d;

	for (i = 0; i < gp->n_input; i++) {
		const char *name = gp->input[i]->name;

		/* IR < 4 writers also list every initializer as an input. */
		if (name && onnx_names_find_const(c, name))
			continue;
		vi = gp->input[i];
		count++;
	}
	if (count != 1)
		return graph_errf(errmsg, -ENOTSUP, "%s: the model has %zu inputs besides its initializers; expected one image input",
				  g->name, count);
	if (!vi->name || !vi->name[0])
		return graph_errf(errmsg, -EINVAL, "%s: the input has no name", g->name);
	tt = vi->type && vi->type->value_case == ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE ?
		vi->type->tensor_type : NULL;
	if (!tt || !tt->has_elem_type || tt->elem_type != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT)
		return graph_errf(errmsg, -ENOTSUP, "%s: input '%s' is not a float tensor", g->name, vi->name);
	if (!tt->shape || tt->shape->n_dim != 4)
		return graph_errf(errmsg, -ENOTSUP, "%s: input '%s' must be 4-D (NCHW), it has %zu dimensions",
				  g->name, vi->name, tt->shape ? tt->shape->n_dim : 0);
	for (d = 0; d < 4; d++) {
		const Onnx__TensorShapeProto__Dimension *dim = tt->shape->dim[d];
		int fixed = dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE &&
			dim->dim_value > 0;

		if (d == 0) {
			g->input_dims[0] = fixed ? dim->dim_value : -1;
			*dynamic = !fixed;
		} else if (!fixed) {
			return graph_errf(errmsg, -ENOTSUP, "%s: input '%s': dimension %d (C, H or W) must have a fixed size",
					  g->name, vi->name, d);
		} else {
			g->input_dims[d] = dim->dim_value;
		}
	}
	/* Bounded here, before shape inference adds and multiplies them
	 * (a batch of 2^63 - 1 plus one, C*H*W past 64 bits). */
	memcpy(one, g->input_dims, sizeof(one));
	if (*dynamic)
		one[0] = 1;
	if (checked_prod(one, 0, 4, CHECKED_MAX_ELEMS, &total))
		return graph_errf(errmsg, -ENOTSUP, "%s: input '%s': shape %s holds more than 2^40 values",
				  g->name, vi->name, graph_dims_str(one, 4, buf, sizeof(buf)));
	g->input = graph_add_value(g, vi->name);
	return g->input < 0 ? graph_errf(errmsg, -ENOMEM, "out of memory") : 0;
}

static int load_node(struct onnx_ctx *c, const Onnx__NodeProto *np, int idx, char **errmsg)
{
	struct onnx_node n = { .ctx = c, .np = np };
	char fallback[96];
	size_t i;

	n.op = np->op_type ? np->op_type : "";
	if (np->name && np->name[0]) {
		n.name = np->name;
	} else {
		snprintf(fallback, sizeof(fallback), "%.64s#%d", n.op, idx);
		n.name = fallback;
	}
	if (np->domain && np->domain[0] && strcmp(np->domain, "ai.onnx") != 0)
		return onnx_node_errf(&n, errmsg, -ENOTSUP, "unsupported operator domain '%s'", np->domain);
	for (i = 0; i < sizeof(onnx_ops) / sizeof(onnx_ops[0]); i++)
		if (strcmp(onnx_ops[i].op, n.op) == 0)
			return onnx_ops[i].convert(&n, errmsg);
	return graph_errf(errmsg, -ENOTSUP, "node '%s': unsupported operator '%s'", n.name, n.op);
}

static int load_output(struct onnx_ctx *c, const Onnx__GraphProto *gp, char **errmsg)
{
	struct graph *g = c->g;
	const char *name;

	if (gp->n_output != 1)
		return graph_errf(errmsg, -ENOTSUP, "%s: the model has %zu outputs; expected 1",
				  g->name, gp->n_output);
	name = gp->output[0]->name ? gp->output[0]->name : "";
	if (onnx_names_find_pad(c, name))
		return graph_errf(errmsg, -ENOTSUP, "%s: output '%s' comes from a Pad; a Pad is supported only in front of a Conv or a pool",
				  g->name, name);
	if (onnx_names_find_dims(c, name))
		return graph_errf(errmsg, -ENOTSUP, "%s: output '%s' is a list of dimensions computed from shapes, not a tensor",
				  g->name, name);
	g->output = graph_find_value(g, name);
	if (g->output < 0 || g->values[g->output].producer < 0)
		return graph_errf(errmsg, -ENOTSUP, "%s: output '%s' is not computed by any node",
				  g->name, name);
	return 0;
}

static int load_graph(struct onnx_ctx *c, const Onnx__GraphProto *gp, char **errmsg)
{
	struct graph *g = c->g;
	const struct graph_value *out;
	int dynamic = 0, err;
	size_t i;

	c->opset = g->opset;
	for (i = 0; i < gp->n_initializer; i++)
		if ((err = onnx_names_add_const(c, gp->initializer[i]->name, gp->initializer[i], errmsg)))
			return err;
	if (gp->n_sparse_initializer)
		return graph_errf(errmsg, -ENOTSUP, "%s: sparse initializers are not supported", g->name);
	if ((err = load_input(c, gp, &dynamic, errmsg)))
		return err;
	for (i = 0; i < gp->n_node; i++)
		if ((err = load_node(c, gp->node[i], (int)i, errmsg)))
			return err;
	if ((err = load_output(c, gp, errmsg)))
		return err;
	if ((err = graph_infer_batch(g, dynamic ? 1 : g->input_dims[0], dynamic, errmsg)))
		return err;
	out = &g->values[g->output];
	if (g->batch_major) {
		g->output_size = out->item_size;
	} else {
		int64_t total = out->item_size * out->dims[0];

		if (total % g->batch)
			return graph_errf(errmsg, -ENOTSUP, "%s: output '%s' (%lld values) does not split into %lld items",
					  g->name, out->name, (long long)total, (long long)g->batch);
		g->output_size = total / g->batch;
	}
	return graph_fuse(g, errmsg);
}

int onnx_load_graph(const void *data, size_t len, const char *name,
		    struct graph **out, char **errmsg)
{
	struct onnx_ctx c = { 0 };
	Onnx__ModelProto *mp;
	int err;

	*out = NULL;
	c.g = graph_new(name);
	if (!c.g)
		return graph_errf(errmsg, -ENOMEM, "out of memory");
	if (len == 0) {
		err = graph_errf(errmsg, -EINVAL, "%s: empty file", c.g->name);
		goto fail;
	}
	mp = onnx__model_proto__unpack(NULL, len, data);
	if (!mp) {
		err = graph_errf(errmsg, -EINVAL, "%s: not an ONNX model (malformed or truncated protobuf)",
				 c.g->name);
		goto fail;
	}
	err = check_model(mp, c.g, errmsg);
	if (!err)
		err = load_graph(&c, mp->graph, errmsg);
	onnx_names_free(&c);
	onnx__model_proto__free_unpacked(mp, NULL);
	if (err)
		goto fail;
	*out = c.g;
	return 0;
fail:
	graph_free(c.g);
	return err;
}
