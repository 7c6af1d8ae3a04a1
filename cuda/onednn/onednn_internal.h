/*
 * onednn_internal.h - the oneDNN backend's insides, shared by its files.
 *
 * A session (onednn_backend.c) holds one CPU engine and stream, the
 * activation buffers and the scratchpad, the weights reordered into the
 * layouts the primitives chose, and one plan per batch size it has run.
 * A plan (onednn_plan.c) is the graph as a list of steps, each one oneDNN
 * primitive with its arguments, over tensors:
 *
 *   tensor = a memory descriptor (layout) + a buffer of the session.
 *
 * Every graph value becomes a tensor in the layout its producer chose
 * (convolutions pick blocked layouts such as nChw16c through
 * format_tag::any; pools, element-wise ops and binaries keep their
 * input's). A reader that needs another layout gets a reorder into a
 * tensor of its own, made once per (tensor, layout) in the plan; readers
 * that see ONNX's order of bytes (Reshape/Flatten, Gemm, Softmax, the
 * graph output) take the plain layout. Reshape-like nodes alias their
 * input's buffer. Buffers are planned by liveness (onednn_buffers.c) and
 * shared by all the session's plans; the graph input and output are the
 * caller's buffers, bound at each run.
 *
 * Which file calls which (no circles):
 *   onednn_backend.c -> onednn_plan.c -> onednn_conv.c | onednn_ops.c
 *                    -> onednn_buffers.c;  all of them -> onednn_util.c
 */
#ifndef SCALED_ONEDNN_INTERNAL_H
#define SCALED_ONEDNN_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <dnnl.h>

#include "graph.h"
#include "graph_backend.h"

#define DN_MAX_ARGS 8
#define DN_SLOT_NONE (-1)
#define DN_SLOT_INPUT (-2)	/* the caller's input, bound at run */
#define DN_SLOT_OUTPUT (-3)	/* the caller's output, bound at run */

struct dn_tensor {
	dnnl_memory_desc_t md;
	int root;		/* the tensor whose buffer this is (itself unless an alias) */
	int from;		/* a reorder's source tensor, else -1 */
	int slot;		/* roots: session buffer, or DN_SLOT_* */
	int last;		/* roots: the last step reading it, -1 none */
	dnnl_memory_t mem;
};

/* One argument: a tensor, or a memory of the session's (weights, bias,
 * constants) when tensor is -1. */
struct dn_arg {
	int kind;		/* DNNL_ARG_* */
	int tensor;
	dnnl_memory_t mem;
};

struct dn_step {
	dnnl_primitive_t prim;
	const char *node;	/* the graph node's name, for messages */
	int out;		/* the tensor it writes */
	int reads_out;		/* and reads first (a sum post-op) */
	int n_args;
	struct dn_arg arg[DN_MAX_ARGS];
	dnnl_exec_arg_t exec[DN_MAX_ARGS + 1];
	dnnl_memory_desc_t scratch_md;
	dnnl_memory_t scratch;	/* NULL when the primitive needs none */
};

struct dn_plan {
	int batch;
	struct dn_tensor *t;
	int n_t, cap_t;
	int *vt;		/* per graph value: its tensor */
	struct dn_step *steps;
	int n_steps, cap_steps;
	char *done;		/* per graph node: computed already (fused) */
	unsigned gen;		/* the session's buffer generation it is bound to */
	struct dn_plan *next;
};

/* A constant memory made once per session: weights in the layout a
 * primitive chose, keyed by node and layout. */
struct dn_const {
	int node;
	int kind;
	dnnl_memory_desc_t md;
	dnnl_memory_t mem;
	struct dn_const *next;
};

struct dn_session {
	const struct graph *g;
	int threads;
	int max_batch;
	dnnl_engine_t eng;
	dnnl_stream_t strm;
	dnnl_primitive_attr_t attr;	/* user scratchpad: no allocation per run */
	struct dn_plan *plans;
	struct dn_const *consts;
	void **bufs;
	size_t *caps;
	int n_bufs;
	void *scratch;
	size_t scratch_cap;
	unsigned gen;			/* bumped when a buffer moves */
};

/* onednn_plan.c: the plan for batch (made and bound on first use). */
int dn_plan_get(struct dn_session *s, int batch, struct dn_plan **out, char **errmsg);
void dn_plan_free(struct dn_plan *p);

/* onednn_buffers.c: liveness, buffer slots, growth of the session's
 * buffers, and binding every tensor and scratchpad to them. */
int dn_buffers_plan(struct dn_session *s, struct dn_plan *p, char **errmsg);
int dn_buffers_bind(struct dn_session *s, struct dn_plan *p, char **errmsg);

/* onednn_conv.c: Conv, with its Relu/Clip and, where it can write into
 * the shortcut's buffer, the residual Add that reads it (a sum post-op). */
int dn_conv(struct dn_session *s, struct dn_plan *p, int ni, char **errmsg);

/* onednn_ops.c: every other node. */
int dn_pool(struct dn_session *s, struct dn_plan *p, int ni, char **errmsg);
int dn_eltwise(struct dn_session *s, struct dn_plan *p, int ni, char **errmsg);
int dn_batchnorm(struct dn_session *s, struct dn_plan *p, int ni, char **errmsg);
int dn_add(struct dn_session *s, struct dn_plan *p, int ni, char **errmsg);
int dn_add_const(struct dn_session *s, struct dn_plan *p, int ni, char **errmsg);
int dn_gemm(struct dn_session *s, struct dn_plan *p, int ni, char **errmsg);
int dn_reshape(struct dn_session *s, struct dn_plan *p, int ni, char **errmsg);
int dn_softmax(struct dn_session *s, struct dn_plan *p, int ni, char **errmsg);
int dn_concat(struct dn_session *s, struct dn_plan *p, int ni, char **errmsg);

/* onednn_util.c */
/* A message "node 'NAME' (OP): WHAT: <oneDNN status>" and -EINVAL (or
 * -ENOMEM for out_of_memory). */
int dn_fail(char **errmsg, const struct graph_node *n, const char *what, dnnl_status_t st);
/* The dims of graph value v at the plan's batch. */
void dn_dims(const struct dn_plan *p, const struct graph *g, int v, dnnl_dims_t dims, int *rank);
/* The plain (row-major, ONNX order) f32 layout of dims. */
int dn_plain_md(dnnl_memory_desc_t *md, int rank, const dnnl_dims_t dims);
/* A new tensor of layout md (a root without a buffer yet), or an alias
 * of root's buffer; the index, or -ENOMEM. */
int dn_tensor_new(struct dn_plan *p, const dnnl_memory_desc_t *md);
int dn_tensor_alias(struct dn_plan *p, int root, const dnnl_memory_desc_t *md);
/* Append a step for primitive descriptor pd (the primitive is created
 * here; pd is the caller's to destroy); its index, or an error. */
int dn_step_add(struct dn_session *s, struct dn_plan *p, const struct graph_node *n,
		const_dnnl_primitive_desc_t pd, int out, char **errmsg);
void dn_step_arg(struct dn_plan *p, int step, int kind, int tensor, dnnl_memory_t mem);
/* Tensor t in layout md: t itself, or a reorder of it (made once per plan). */
int dn_as(struct dn_session *s, struct dn_plan *p, const struct graph_node *n, int t,
	  const dnnl_memory_desc_t *md, char **errmsg);
/* Tensor t in the plain layout of graph value v. */
int dn_as_plain(struct dn_session *s, struct dn_plan *p, const struct graph_node *n, int t,
		int v, char **errmsg);
/* A fused activation [lo, hi] as an eltwise post-op (nothing when it is
 * the identity); 0 or the oneDNN status. */
dnnl_status_t dn_post_act(dnnl_post_ops_t po, float lo, float hi);
/* The session's attributes with post-ops po (NULL: none); destroy after use. */
dnnl_status_t dn_attr(const struct dn_session *s, const_dnnl_post_ops_t po,
		      dnnl_primitive_attr_t *attr);
/* A constant: src (the graph's floats in layout user) reordered into
 * layout want, once per (node, kind, layout); NULL memory on failure. */
int dn_const_get(struct dn_session *s, int node, int kind, const dnnl_memory_desc_t *user,
		 const float *src, const dnnl_memory_desc_t *want, dnnl_memory_t *out,
		 char **errmsg);

#endif
