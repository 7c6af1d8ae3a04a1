/*
 * cuda_internal.h - the cuDNN backend's insides, shared by its files.
 *
 * At open the graph becomes a list of steps (cuda_plan.c), each one or a
 * few cuDNN calls on tensors that live in device buffers planned once for
 * the largest chunk (reused by liveness, as the CPU backend does):
 *
 *   step 0        float NCHW input slot -> the input tensor (FP16 NHWC)
 *   steps 1..n-2  the graph's nodes, plus layout changes and paddings
 *   step n-1      the output tensor -> float, plain order, staging buffer
 *
 * Tensors hold the graph's values in the session's type (half or float).
 * A 4-D value that a convolution or pool makes or reads is NHWC, the
 * layout cuDNN's tensor-core kernels want; everything else is kept in
 * the plain (ONNX, row-major) order that Flatten/Reshape/Gemm/Softmax
 * assume. Where a reader needs the other layout a COPY step converts
 * once, into a tensor of its own. When H*W == 1 or C == 1 both layouts
 * are the same bytes and nothing is converted.
 *
 * Every descriptor is set for the batch being run just before its call,
 * so steps run at any chunk size up to the planned one; steps 1..n-2 are
 * captured into a CUDA graph per chunk size and replayed (cuda_exec.c).
 */
#ifndef SCALED_CUDA_INTERNAL_H
#define SCALED_CUDA_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <cuda_runtime_api.h>
#include <cudnn.h>

#include "graph.h"
#include "graph_backend.h"

/* View targets that are not planned tensors: the float staging buffers
 * of the input slot and of the output, passed to the step at run time. */
#define CU_EXT_IN (-2)
#define CU_EXT_OUT (-3)
#define CU_NONE (-1)

/* Chunk sizes with a captured graph at a time (a worker sees a handful:
 * full batches and the odd partial one). */
#define CU_MAX_GRAPHS 16

enum cu_layout {
	CU_PLAIN = 0,
	CU_NHWC = 1,
};

struct cu_tensor {
	int rank;
	int64_t dims[GRAPH_MAX_RANK];	/* logical (ONNX) dims; [0] is the batch */
	int64_t item;			/* elements per item */
	enum cu_layout layout;
	int root;			/* the tensor whose buffer it is (aliases) */
	int first, last;		/* first step writing it, last reading it */
	int buf;			/* buffer slot (roots), -1 before planning */
	int conv[2];			/* its copy in each layout, or CU_NONE */
};

/*
 * A 4-D window on a tensor, what a cuDNN descriptor says: at batch n the
 * descriptor has (fixed ? fixed : n) * nmul rows of d[0] x d[1] x d[2]
 * elements (fixed: a graph that mixes the batch axis has dims that need
 * not start with the batch, and runs at one batch only), with
 * strides st[] (in elements) and the first element off elements into the
 * tensor's buffer. nmul folds leading axes into the rows (softmax).
 */
struct cu_view {
	int t;
	int fixed;		/* rows at a fixed batch, 0: the run's batch */
	int nmul;
	int d[3];
	int64_t st[4];
	int64_t off;
};

enum cu_step_kind {
	CU_STEP_COPY,		/* cudnnTransformTensor: layout, type, slices */
	CU_STEP_PAD,		/* y = fill, x copied into a window of y */
	CU_STEP_CONV,		/* Conv and Gemm (a 1x1 conv on 1x1 pixels) */
	CU_STEP_POOL,		/* MaxPool, AveragePool, GlobalAveragePool */
	CU_STEP_BN,
	CU_STEP_ACT,		/* Relu, Clip */
	CU_STEP_ADD,
	CU_STEP_ADD_CONST,
	CU_STEP_SOFTMAX,
};

enum cu_clamp_kind {
	CU_CLAMP_NONE,
	CU_CLAMP_RELU,		/* [0, inf) */
	CU_CLAMP_RELU_MAX,	/* [0, hi]: CLIPPED_RELU, e.g. ReLU6 */
	CU_CLAMP_MINMAX,	/* [lo, hi]: cudnnOpTensor MAX then MIN */
};

struct cu_clamp {
	enum cu_clamp_kind kind;
	float lo, hi;
};

struct cu_conv {
	int k, c, kh, kw, group;	/* c: input channels per group */
	int pad[2], stride[2], dil[2];
	cudnnFilterDescriptor_t wd;
	cudnnConvolutionDescriptor_t cd;
	cudnnTensorDescriptor_t bd;	/* bias, [1, K, 1, 1] */
	cudnnActivationDescriptor_t fused_act;	/* RELU or IDENTITY */
	cudnnConvolutionFwdAlgo_t algo;
	cudnnMathType_t math;
	int fused;		/* cudnnConvolutionBiasActivationForward */
	int fused_relu;		/* its activation is RELU, not IDENTITY */
	size_t ws;		/* workspace at the planned chunk */
	void *w, *b;
};

struct cu_step {
	enum cu_step_kind kind;
	int node;		/* graph node, -1 for the input/output copies */
	const char *what;	/* for messages when node < 0 or a helper step */
	char *label;		/* "node 'conv1'" or "input" */
	struct cu_view x, y, z;	/* z.t == CU_NONE: none */
	struct cu_view k;	/* a constant's view (t unused): add, pool scale */
	struct cu_clamp clamp;	/* the activation after the op */
	uint32_t fill;		/* PAD: the value's bits in the tensor type */
	cudnnTensorDescriptor_t xd, yd, zd, kd, fd;	/* fd: y as flat rows */
	cudnnActivationDescriptor_t ad;	/* the clamp's */
	cudnnPoolingDescriptor_t pd;
	void *cst;		/* device constants of the step */
	void *clampv;		/* device [lo, hi] for CU_CLAMP_MINMAX */
	struct cu_conv conv;
	int bn_ch;
};

struct cu_graph {
	int n;			/* chunk size */
	int eager;		/* no graph (yet): run the steps one by one */
	int pending;		/* capture on the next pass at this size */
	cudaGraphExec_t exec;
};

struct cu_session {
	const struct graph *g;
	int device;
	int max_batch;
	int chunk;		/* the most items one forward pass takes */
	enum graph_precision prec;
	cudnnDataType_t dt;
	size_t esize;
	cudnnHandle_t dnn;
	cudaStream_t stream;	/* compute */
	cudaStream_t copy;	/* host <-> device copies */
	cudaEvent_t h2d_done[2], slot_free[2], fwd_done;
	cudnnOpTensorDescriptor_t op_add, op_mul, op_min, op_max;
	cudnnTensorDescriptor_t scalar_d;	/* [1,1,1,1] in the tensor type */

	struct cu_tensor *t;
	int n_t, cap_t;
	struct cu_step *steps;
	int n_steps, cap_steps;
	void **bufs;
	size_t *buf_size;
	int n_bufs;
	void **allocs;		/* weights and constants */
	int n_allocs, cap_allocs;

	void *ws;
	size_t ws_size;
	void *search_ws;	/* only while algorithms are chosen at open */
	size_t search_ws_size;

	int64_t item_in, item_out;
	float *h_in[2], *d_in[2];	/* pinned host / device, one chunk each */
	float *h_out, *d_out;		/* max_batch items */

	struct cu_graph graphs[CU_MAX_GRAPHS];
	int n_graphs;
	int graph_off_said;	/* "graph cache full" logged once */

	/* Options, from the environment at open (see cuda/README.md). */
	int use_graphs;
	int find_algos;
	int fuse_add;
	int chunk_env;

	int convert_optensor;	/* float<->half via cudnnOpTensor */
	int dead;		/* a fatal CUDA error happened: refuse runs */
	char *dead_msg;
};

/*
 * Which file calls which: arrows point down only, so no two files call
 * each other (tools/check-circles):
 *
 *   cuda_backend.c       open, run, close
 *     cuda_plan.c        the plan; its stages (cuda_plan.h) set up
 *                        convolutions with cuda_conv.c
 *     cuda_exec.c        chunks, streams, CUDA graphs, the workspace
 *       cuda_ops.c       one step; convolutions are cuda_conv.c's
 *         cuda_conv.c
 *           cuda_clamp.c, cuda_view.c, cuda_upload.c, cuda_type.c
 *             cuda_half.c, cuda_errors.c (messages through errfmt.h)
 */

/* cuda_plan.c: the steps and tensors from the graph, constants uploaded,
 * buffers planned and allocated. */
int cu_plan(struct cu_session *s, char **errmsg);

/* cuda_upload.c: allocate and upload bytes; the pointer is kept for
 * close to free. */
int cu_upload(struct cu_session *s, const void *host, size_t bytes, void **dev,
	      const char *label, char **errmsg);
/* Floats converted to the tensor type and uploaded. */
int cu_upload_typed(struct cu_session *s, const float *v, int64_t n, void **dev,
		    const char *label, char **errmsg);

/* cuda_type.c: a float in the tensor type's bits (half: IEEE binary16). */
uint32_t cu_bits(const struct cu_session *s, float v);
/* Floats to the tensor type, into out (esize bytes each). */
void cu_to_type(const struct cu_session *s, const float *in, int64_t n, void *out);

/* cuda_view.c: a view's rows at batch n, its device pointer (ext: the
 * staging pointer for views on CU_EXT_IN / CU_EXT_OUT), its descriptor. */
int cu_rows(const struct cu_view *v, int n);
void *cu_view_ptr(const struct cu_session *s, const struct cu_view *v, void *ext);
cudnnStatus_t cu_set_ex(cudnnTensorDescriptor_t d, cudnnDataType_t dt, const struct cu_view *v,
			int n);
cudnnStatus_t cu_set_nhwc(cudnnTensorDescriptor_t d, cudnnDataType_t dt,
			  const struct cu_view *v, int n);

/* cuda_clamp.c: the step's clamp on y (from x; in place when x == y).
 * skip_relu: the fused call already did the ReLU. */
int cu_clamp_run(struct cu_session *s, struct cu_step *st, cudnnTensorDescriptor_t xd,
		 const void *x, cudnnTensorDescriptor_t yd, void *y, int skip_relu,
		 char **errmsg);

/* cuda_ops.c: one step at batch n; ext is the staging pointer for views
 * on CU_EXT_IN / CU_EXT_OUT. */
int cu_step_run(struct cu_session *s, int i, int n, void *ext, char **errmsg);
/* Descriptors, labels and clamp constants of every step. */
int cu_steps_ready(struct cu_session *s, char **errmsg);
void cu_step_free(struct cu_step *st);
/* Is float <-> half conversion done right by cudnnTransformTensor here?
 * Else switch to cudnnOpTensor; fail when neither is. */
int cu_check_convert(struct cu_session *s, char **errmsg);

/* cuda_conv.c */
int cu_conv_setup(struct cu_session *s, struct cu_step *st, const struct graph_node *n,
		  char **errmsg);
/* Choose every convolution's algorithm at the planned chunk and size the
 * workspace (the maximum over them). */
int cu_conv_choose_all(struct cu_session *s, char **errmsg);
int cu_conv_run(struct cu_session *s, struct cu_step *st, int n, char **errmsg);
/* The workspace every convolution needs at chunk n, into *need (the
 * caller grows s->ws: cuda_exec.c, which owns the graphs that hold it). */
int cu_conv_workspace_need(struct cu_session *s, int n, size_t *need, char **errmsg);

/* cuda_exec.c */
int cu_exec_run(struct cu_session *s, const float *input, int batch, float *output,
		char **errmsg);
/* One eager pass over every step at the planned chunk: checks at open that
 * each call is accepted, falling back from fused calls cuDNN refuses. */
int cu_exec_trial(struct cu_session *s, char **errmsg);
void cu_exec_drop_graphs(struct cu_session *s);

/* cuda_backend.c */

#endif
