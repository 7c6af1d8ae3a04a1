/*
 * onnx_load.h - internals shared by the ONNX loader's files: the load
 * context, the node being converted, attribute and constant helpers, and
 * one converter per group of operators.
 *
 * The arrows point one way: the driver (onnx_load.c) calls the converters
 * (onnx_conv.c, onnx_ops.c, onnx_pad.c, onnx_shape.c; the first two hand
 * lists of dimensions over to onnx_shape.c), and they call the helpers
 * (onnx_node.c, onnx_attr.c, onnx_names.c, onnx_tensor.c); no helper
 * calls a converter or the driver.
 *
 * Not for use outside the loader: it includes the protobuf-c code
 * generated at build time from Debian's onnx.proto. The loader's entry
 * point is in onnx.h.
 */
#ifndef SCALED_ONNX_LOAD_H
#define SCALED_ONNX_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "graph.h"
#include "onnx.pb-c.h"

/* A name bound to a constant: an initializer or a Constant node's value. */
struct onnx_const {
	const char *name;
	const Onnx__TensorProto *t;
};

/*
 * A Pad node's output is not a graph value: it names the value it pads and
 * the zeros around it, and the Conv or pool that reads it takes the zeros
 * into its own window (onnx_pad.c). No backend ever sees a Pad.
 */
#define ONNX_PAD_MAX (1 << 20)	/* rows or columns of zeros; far past any image */
struct onnx_pad {
	const char *name;		/* the Pad's output */
	char *node;			/* the Pad node's name, for messages */
	int value;			/* the value it pads */
	int64_t pad[4];			/* top, left, bottom, right */
};

/*
 * An int64 list computed from value shapes at load (Shape, Gather, Concat,
 * ... into a Reshape's shape): element i is a[i] * N + b[i], N the batch
 * (onnx_shape.c). Never a graph value.
 */
#define ONNX_DIMS_MAX 8
struct onnx_dims {
	const char *name;		/* the output it is bound to */
	int rank;			/* 0 (a scalar) or 1 */
	int count;
	int64_t a[ONNX_DIMS_MAX], b[ONNX_DIMS_MAX];
};

struct onnx_ctx {
	struct graph *g;
	int64_t opset;			/* of the default domain */
	struct onnx_const *consts;
	size_t n_consts, cap_consts;
	struct onnx_pad *pads;
	size_t n_pads, cap_pads;
	struct onnx_dims *dims;
	size_t n_dims, cap_dims;
};

/* The ONNX node being converted. */
struct onnx_node {
	struct onnx_ctx *ctx;
	const Onnx__NodeProto *np;
	const char *name;		/* the node name, or "Op#index" */
	const char *op;			/* op_type */
};

/* A decoded constant; exactly one of f and i is set (malloc'd). */
struct onnx_tensor {
	const char *name;
	int rank;
	int64_t dims[GRAPH_MAX_RANK];
	int64_t count;
	float *f;
	int64_t *i;
};

/* onnx_tensor.c: decode t as FLOAT or INT64 (want, an ONNX data type);
 * messages start with prefix. */
int onnx_tensor_decode(const Onnx__TensorProto *t, int want, const char *prefix,
		       struct onnx_tensor *out, char **errmsg);
void onnx_tensor_release(struct onnx_tensor *t);

/* onnx_attr.c. Each getter leaves *out at def when the attribute is absent
 * and refuses one of the wrong type. onnx_attr_ints wants exactly n values
 * and sets *found. onnx_attr_check refuses any attribute not in known
 * (NULL-terminated). */
int onnx_attr_check(const struct onnx_node *n, const char *const *known, char **errmsg);
int onnx_attr_int(const struct onnx_node *n, const char *name, int64_t def,
		  int64_t *out, char **errmsg);
int onnx_attr_float(const struct onnx_node *n, const char *name, float def,
		    float *out, char **errmsg);
int onnx_attr_ints(const struct onnx_node *n, const char *name, int64_t *out,
		   size_t count, int *found, char **errmsg);
int onnx_attr_string(const struct onnx_node *n, const char *name, const char *def,
		     char *buf, size_t len, char **errmsg);
const Onnx__AttributeProto *onnx_attr_find(const struct onnx_node *n, const char *name);

/* onnx_names.c: what a name is bound to besides a graph value. */
const Onnx__TensorProto *onnx_names_find_const(const struct onnx_ctx *c, const char *name);
const struct onnx_pad *onnx_names_find_pad(const struct onnx_ctx *c, const char *name);
const struct onnx_dims *onnx_names_find_dims(const struct onnx_ctx *c, const char *name);
/* name is already bound: a constant, a value, a Pad's or a list of dimensions. */
int onnx_names_defined(const struct onnx_ctx *c, const char *name);
int onnx_names_add_const(struct onnx_ctx *c, const char *name, const Onnx__TensorProto *t,
			 char **errmsg);
/* Make room for element n of a loader array (doubling *cap); -ENOMEM. */
int onnx_names_grow(void **arr, size_t *cap, size_t n, size_t size);
/* Frees the constants, Pads and lists of dimensions of c (not the graph). */
void onnx_names_free(struct onnx_ctx *c);

/* onnx_node.c: messages, inputs and output of the node being converted. */
int onnx_node_errf(const struct onnx_node *n, char **errmsg, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int onnx_node_has_input(const struct onnx_node *n, size_t idx);
/* Input idx must be a computed value; *value gets its index. */
int onnx_node_value(const struct onnx_node *n, size_t idx, int *value, char **errmsg);
/* Like onnx_node_value, but the input may also be a Pad's output: then
 * *value is what the Pad pads and pad[] its zeros (top, left, bottom,
 * right); otherwise pad[] is all 0. *from names the Pad node, or NULL. */
int onnx_node_padded(const struct onnx_node *n, size_t idx, int *value, int64_t pad[4],
		     const char **from, char **errmsg);
/* Input idx must be a constant of type want; decoded into *t. */
int onnx_node_const(const struct onnx_node *n, size_t idx, int want,
		    struct onnx_tensor *t, char **errmsg);
/* Refuse outputs past the first unless their names are empty. */
int onnx_node_one_output(const struct onnx_node *n, char **errmsg);
/* The node's one output, refused when already bound (onnx_names_defined). */
int onnx_node_new_output(const struct onnx_node *n, const char **out, char **errmsg);
/* Append a graph node for n and its output value; *node gets its index. */
int onnx_node_emit(const struct onnx_node *n, enum graph_op op, int n_in, int *node,
		   char **errmsg);

/* onnx_conv.c and onnx_ops.c: one converter per operator. */
int onnx_conv(struct onnx_node *n, char **errmsg);
int onnx_batchnorm(struct onnx_node *n, char **errmsg);
int onnx_maxpool(struct onnx_node *n, char **errmsg);
int onnx_avgpool(struct onnx_node *n, char **errmsg);
int onnx_globalavgpool(struct onnx_node *n, char **errmsg);
int onnx_relu(struct onnx_node *n, char **errmsg);
int onnx_clip(struct onnx_node *n, char **errmsg);
int onnx_add(struct onnx_node *n, char **errmsg);
int onnx_gemm(struct onnx_node *n, char **errmsg);
int onnx_matmul(struct onnx_node *n, char **errmsg);
int onnx_flatten(struct onnx_node *n, char **errmsg);
int onnx_reshape(struct onnx_node *n, char **errmsg);
int onnx_softmax(struct onnx_node *n, char **errmsg);
int onnx_concat(struct onnx_node *n, char **errmsg);
int onnx_identity(struct onnx_node *n, char **errmsg);
int onnx_dropout(struct onnx_node *n, char **errmsg);
int onnx_constant(struct onnx_node *n, char **errmsg);
int onnx_reducemean(struct onnx_node *n, char **errmsg);
/* onnx_pad.c */
int onnx_pad(struct onnx_node *n, char **errmsg);
/* onnx_shape.c: Shape, Gather, Unsqueeze, Squeeze, Slice, Cast, Mul, Sub,
 * Div on lists of dimensions; Add and Concat hand over to it when an
 * operand is one (onnx_is_dims). onnx_input_dims reads input idx as a list
 * of dimensions: one computed here, or an int64 constant. */
int onnx_shape(struct onnx_node *n, char **errmsg);
int onnx_gather(struct onnx_node *n, char **errmsg);
int onnx_unsqueeze(struct onnx_node *n, char **errmsg);
int onnx_squeeze(struct onnx_node *n, char **errmsg);
int onnx_slice(struct onnx_node *n, char **errmsg);
int onnx_cast(struct onnx_node *n, char **errmsg);
int onnx_mul(struct onnx_node *n, char **errmsg);
int onnx_sub(struct onnx_node *n, char **errmsg);
int onnx_div(struct onnx_node *n, char **errmsg);
int onnx_dims_concat(struct onnx_node *n, char **errmsg);
int onnx_dims_arith(struct onnx_node *n, char op, char **errmsg);
int onnx_is_dims(const struct onnx_node *n, size_t idx);
int onnx_input_dims(const struct onnx_node *n, size_t idx, struct onnx_dims *out, char **errmsg);
/* An "axes" list: the attribute before opset since, input idx from then on;
 * count 0 when absent. Constants only, at most ONNX_DIMS_MAX. */
int onnx_input_axes(const struct onnx_node *n, int64_t since, size_t idx, struct onnx_dims *out,
		    char **errmsg);

#endif
