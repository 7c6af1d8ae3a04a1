/*
 * graph.h - the internal graph every backend executes.
 *
 * The ONNX loader (onnx_load.c) turns a ModelProto into this: activation
 * values with shapes, and nodes in execution order whose parameters
 * (weights, pads, activation bounds) are already resolved. Constants never
 * appear as values: each node owns the weights it needs, already in the
 * layout the kernels want (BatchNorm folded into Conv, Gemm weights K x M,
 * alpha/beta applied).
 *
 * Batch: every value's dims[0] is the batch. When the graph is batch-major
 * (g->batch_major), dims[1..] do not depend on the batch and each item is
 * computed independently, so a backend may run any batch by substituting
 * dims[0]. Otherwise the graph only runs at the batch it was inferred for
 * (g->batch), e.g. a fixed-batch model that reshapes to [1, -1].
 */
#ifndef SCALED_GRAPH_H
#define SCALED_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#define GRAPH_MAX_RANK 6

enum graph_op {
	GRAPH_CONV,
	GRAPH_BATCHNORM,	/* one that could not be folded into a Conv */
	GRAPH_CLIP,		/* Relu and Clip */
	GRAPH_MAXPOOL,
	GRAPH_AVGPOOL,
	GRAPH_GLOBALAVGPOOL,
	GRAPH_ADD,		/* two values of the same shape */
	GRAPH_ADD_CONST,	/* a value plus a broadcast constant */
	GRAPH_GEMM,		/* Gemm and 2-D MatMul */
	GRAPH_RESHAPE,		/* Flatten, Reshape, Identity, Dropout: same bytes */
	GRAPH_SOFTMAX,
	GRAPH_CONCAT,
};

enum graph_auto_pad {
	GRAPH_PAD_NOTSET,
	GRAPH_PAD_VALID,
	GRAPH_PAD_SAME_UPPER,
	GRAPH_PAD_SAME_LOWER,
};

/* Spatial window shared by Conv and the pools. pad: top, left, bottom,
 * right; resolved from auto_pad by shape inference. */
struct graph_window {
	int64_t kernel[2];
	int64_t stride[2];
	int64_t dilation[2];
	int64_t pad[4];
	enum graph_auto_pad auto_pad;
};

struct graph_conv {
	struct graph_window win;
	int64_t out_ch;
	int64_t in_ch_per_group;
	int64_t group;
	float *w;		/* out_ch x in_ch_per_group x kh x kw */
	float *b;		/* out_ch; zeros when the model has none */
	float act_min, act_max;	/* fused Relu/Clip; -inf/+inf when none */
	int has_act;
};

struct graph_pool {
	struct graph_window win;
	int count_include_pad;	/* AveragePool only */
};

struct graph_batchnorm {
	int64_t ch;
	float *scale;		/* gamma / sqrt(var + eps) */
	float *shift;		/* beta - mean * scale */
};

struct graph_clip {
	float min, max;
};

struct graph_add {
	float act_min, act_max;	/* fused Relu/Clip after the Add */
	int has_act;
};

/*
 * value + constant: the constant varies along one contiguous run of axes
 * and is broadcast elsewhere, so per item the value is seen as
 * [outer, mid, inner] and element (o, m, i) gets c[m]. Set by shape
 * inference from the constant's dims.
 */
struct graph_add_const {
	int rank;
	int64_t dims[GRAPH_MAX_RANK];
	float *c;
	int64_t count;
	int64_t outer, mid, inner;
	float act_min, act_max;
	int has_act;
};

/* out[n, m] = sum_k in[n, k] * w[k, m] + b[m] */
struct graph_gemm {
	int64_t k, m;
	float *w;		/* k x m, alpha already applied */
	float *b;		/* m, beta already applied; zeros when none */
	float act_min, act_max;
	int has_act;
};

enum graph_reshape_kind {
	GRAPH_RESHAPE_SAME,	/* Identity, Dropout */
	GRAPH_RESHAPE_FLATTEN,
	GRAPH_RESHAPE_SHAPE,
};

struct graph_reshape {
	enum graph_reshape_kind kind;
	int64_t axis;		/* FLATTEN */
	int rank;		/* SHAPE: the target, with ONNX's 0 and -1, */
	int64_t shape[GRAPH_MAX_RANK];
	int64_t shape_n[GRAPH_MAX_RANK];	/* plus shape_n[i] * batch (a target computed from a Shape) */
	int allowzero;
};

/* Per item the value is [outer, len, inner]; softmax runs along len. */
struct graph_softmax {
	int64_t axis;
	int legacy;		/* opset < 13: coerce to 2-D at axis */
	int64_t outer, len, inner;
};

struct graph_concat {
	int64_t axis;
};

struct graph_node {
	enum graph_op op;
	char *name;		/* the ONNX node name, or "Op#index" */
	const char *op_type;	/* the ONNX operator, for messages */
	int n_in;
	int *in;		/* value indices */
	int out;
	union {
		struct graph_conv conv;
		struct graph_pool pool;
		struct graph_batchnorm bn;
		struct graph_clip clip;
		struct graph_add add;
		struct graph_add_const addc;
		struct graph_gemm gemm;
		struct graph_reshape reshape;
		struct graph_softmax softmax;
		struct graph_concat concat;
	};
};

struct graph_value {
	char *name;
	int producer;		/* node index; -1 for the graph input */
	int rank;
	int64_t dims[GRAPH_MAX_RANK];
	int64_t item_size;	/* product of dims[1..rank) */
};

struct graph {
	char *name;		/* file name, for messages */
	int64_t ir_version;
	int64_t opset;

	struct graph_value *values;
	int n_values, cap_values;
	struct graph_node *nodes;
	int n_nodes, cap_nodes;

	int input;		/* value index of the single input */
	int output;		/* value index of the single output */
	int64_t input_dims[4];	/* as declared; [0] is -1 when dynamic */
	int batch_major;
	int64_t batch;		/* the batch the dims were inferred for */
	int64_t output_size;	/* values per item of the output */
};

struct graph *graph_new(const char *name);
void graph_free(struct graph *g);

/* Append a value / node; return its index, or -ENOMEM. The node is zeroed
 * except for op, and owns name (copied) and in (allocated for n_in). */
int graph_add_value(struct graph *g, const char *name);
int graph_add_node(struct graph *g, enum graph_op op, const char *name,
		   const char *op_type, int n_in);
int graph_find_value(const struct graph *g, const char *name);

/* Shape inference for the whole graph at the given batch (graph_shape.c):
 * fills every value's dims, resolves auto_pad and broadcast layouts, and
 * refuses shape mismatches naming the node. */
int graph_infer_shapes(struct graph *g, int64_t batch, char **errmsg);
/* Infer at batch and batch + 1 to set g->batch_major (see the top of this
 * file); a dynamic-batch graph that is not batch-major is refused. */
int graph_infer_batch(struct graph *g, int64_t batch, int dynamic, char **errmsg);

/* Fold BatchNorm into the preceding Conv and Relu/Clip into the preceding
 * Conv, Gemm or Add where the intermediate value has no other reader
 * (graph_fuse.c). Shapes must be inferred first. */
int graph_fuse(struct graph *g, char **errmsg);

/* Format "[a,b,c]" into buf. */
const char *graph_dims_str(const int64_t *dims, int rank, char *buf, size_t len);

/* Set *errmsg (when errmsg is not NULL) to a malloc'd formatted message
 * (errfmt.h's errfmt_v: NULL when out of memory) and return err (a
 * negative errno). */
int graph_errf(char **errmsg, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
