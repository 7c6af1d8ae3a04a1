/*
 * cpu_kernels.h - the CPU backend's operator kernels (FP32, NCHW).
 *
 * Each kernel computes one graph node for a whole batch: in[] are the
 * node's inputs (n->n_in of them) and out its output, with dims[0] set to
 * the batch being run. Kernels split their work over the session's pool
 * and use x->scratch[worker] (x->scratch_floats each) for temporaries.
 * They cannot fail: sizes were checked when the session was made.
 */
#ifndef SCALED_CPU_KERNELS_H
#define SCALED_CPU_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "cpu_threads.h"
#include "graph.h"

struct cpu_exec {
	struct cpu_threads *threads;
	float **scratch;		/* one per worker */
	size_t scratch_floats;
};

struct cpu_tensor {
	int rank;
	int64_t dims[GRAPH_MAX_RANK];
	float *data;
};

typedef void cpu_kernel_fn(struct cpu_exec *x, const struct graph_node *n,
			   const struct cpu_tensor *in, const struct cpu_tensor *out);

/* cpu_conv.c */
cpu_kernel_fn cpu_conv;
/* Scratch floats per worker for Conv on input value in. */
size_t cpu_conv_scratch(const struct graph_node *n, const struct graph_value *in);

/* cpu_pool.c */
cpu_kernel_fn cpu_maxpool;
cpu_kernel_fn cpu_avgpool;
cpu_kernel_fn cpu_globalavgpool;

/* cpu_ops.c */
cpu_kernel_fn cpu_batchnorm;
cpu_kernel_fn cpu_clip;
cpu_kernel_fn cpu_add;
cpu_kernel_fn cpu_add_const;
cpu_kernel_fn cpu_gemm;
cpu_kernel_fn cpu_softmax;
cpu_kernel_fn cpu_concat;
size_t cpu_gemm_layer_scratch(void);

/* Clamp n floats to [lo, hi] (fused activations). */
void cpu_clamp(float *p, int64_t n, float lo, float hi);

#endif
