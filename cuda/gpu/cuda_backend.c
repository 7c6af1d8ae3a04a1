/*
 * cuda_backend.c - the cuDNN backend's entry points (graph_backend.h):
 * open builds the plan, uploads the weights, chooses the convolution
 * algorithms and runs one pass to check that cuDNN takes every call;
 * run hands a batch to cuda_exec.c; close frees it all.
 *
 * Built with the legacy cuDNN API (cudnn_ops.h, cudnn_cnn.h): still in
 * cuDNN 9, and a descriptor-per-call API that maps one node to one call.
 *
 * Options come from the environment, read at open (cuda/README.md):
 *   SCALED_CUDA_CHUNK=N      at most N items per forward pass (0: default)
 *   SCALED_CUDA_GRAPHS=0     no CUDA graphs
 *   SCALED_CUDA_ALGO=heuristic   cuDNN's heuristics instead of timing
 *   SCALED_CUDA_FUSE_ADD=0   no Conv+Add fusion
 *   SCALED_CUDA_DEBUG=1      what was chosen, captured or fell back
 */
#include "cuda_errors.h"
#include "cuda_internal.h"
#include "graph_backend.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int env_int(const char *name, int def)
{
	const char *v = getenv(name);
	char *end;
	long l;

	if (!v || !*v)
		return def;
	l = strtol(v, &end, 10);
	return *end || l < 0 || l > 1 << 20 ? def : (int)l;
}

int cuda_backend_available(char *why, size_t whylen)
{
	size_t v = cudnnGetVersion();
	cudaError_t e;
	int n = 0;

	if (!why)
		whylen = 0;
	e = cudaGetDeviceCount(&n);
	if (e != cudaSuccess) {
		snprintf(why, whylen, "no CUDA device (cudaGetDeviceCount: %s: %s)",
			 cudaGetErrorName(e), cudaGetErrorString(e));
		(void)cudaGetLastError();
		return -ENODEV;
	}
	if (n < 1) {
		snprintf(why, whylen, "no CUDA device (cudaGetDeviceCount found none)");
		return -ENODEV;
	}
	if (v / 10000 != CUDNN_MAJOR) {
		snprintf(why, whylen, "cuDNN %zu.%zu is loaded but the backend was built for cuDNN %d",
			 v / 10000, v / 100 % 100, CUDNN_MAJOR);
		return -ENOTSUP;
	}
	return 0;
}

static void cu_close(void *state)
{
	struct cu_session *s = state;
	int i;

	if (!s)
		return;
	cudaSetDevice(s->device);
	if (s->stream)
		cudaStreamSynchronize(s->stream);
	if (s->copy)
		cudaStreamSynchronize(s->copy);
	cu_exec_drop_graphs(s);
	for (i = 0; i < s->n_steps; i++)
		cu_step_free(&s->steps[i]);
	for (i = 0; i < s->n_bufs; i++)
		cudaFree(s->bufs[i]);
	for (i = 0; i < s->n_allocs; i++)
		cudaFree(s->allocs[i]);
	cudaFree(s->ws);
	cudaFree(s->search_ws);
	for (i = 0; i < 2; i++) {
		cudaFree(s->d_in[i]);
		cudaFreeHost(s->h_in[i]);
		if (s->h2d_done[i])
			cudaEventDestroy(s->h2d_done[i]);
		if (s->slot_free[i])
			cudaEventDestroy(s->slot_free[i]);
	}
	cudaFree(s->d_out);
	cudaFreeHost(s->h_out);
	if (s->fwd_done)
		cudaEventDestroy(s->fwd_done);
	if (s->op_add)
		cudnnDestroyOpTensorDescriptor(s->op_add);
	if (s->op_mul)
		cudnnDestroyOpTensorDescriptor(s->op_mul);
	if (s->op_min)
		cudnnDestroyOpTensorDescriptor(s->op_min);
	if (s->op_max)
		cudnnDestroyOpTensorDescriptor(s->op_max);
	if (s->scalar_d)
		cudnnDestroyTensorDescriptor(s->scalar_d);
	if (s->dnn)
		cudnnDestroy(s->dnn);
	if (s->stream)
		cudaStreamDestroy(s->stream);
	if (s->copy)
		cudaStreamDestroy(s->copy);
	/* Errors met while tearing down are not this session's to report,
	 * and must not show up in whatever the thread does next. */
	(void)cudaGetLastError();
	free(s->steps);
	free(s->t);
	free(s->bufs);
	free(s->buf_size);
	free(s->allocs);
	free(s->dead_msg);
	free(s);
}

static int op_desc(struct cu_session *s, cudnnOpTensorDescriptor_t *d, cudnnOpTensorOp_t op,
		   char **errmsg)
{
	CU_DNN(s, errmsg, "open", cudnnCreateOpTensorDescriptor, d);
	CU_DNN(s, errmsg, "open", cudnnSetOpTensorDescriptor, *d, op, CUDNN_DATA_FLOAT,
	       CUDNN_NOT_PROPAGATE_NAN);
	return 0;
}

static int open_device(struct cu_session *s, char **errmsg)
{
	int n = 0, i, err;

	CU_RT(s, errmsg, "open", cudaGetDeviceCount, &n);
	if (s->device < 0 || s->device >= n)
		return graph_errf(errmsg, -ENODEV, "CUDA device %d does not exist (%d found)",
				  s->device, n);
	CU_RT(s, errmsg, "open", cudaSetDevice, s->device);
	CU_DNN(s, errmsg, "open", cudnnCreate, &s->dnn);
	/* Non-blocking: neither stream waits for the legacy default one,
	 * which other code in the process may be using. */
	CU_RT(s, errmsg, "open", cudaStreamCreateWithFlags, &s->stream, cudaStreamNonBlocking);
	CU_RT(s, errmsg, "open", cudaStreamCreateWithFlags, &s->copy, cudaStreamNonBlocking);
	CU_DNN(s, errmsg, "open", cudnnSetStream, s->dnn, s->stream);
	for (i = 0; i < 2; i++) {
		CU_RT(s, errmsg, "open", cudaEventCreateWithFlags, &s->h2d_done[i],
		      cudaEventDisableTiming);
		CU_RT(s, errmsg, "open", cudaEventCreateWithFlags, &s->slot_free[i],
		      cudaEventDisableTiming);
	}
	CU_RT(s, errmsg, "open", cudaEventCreateWithFlags, &s->fwd_done, cudaEventDisableTiming);
	if ((err = op_desc(s, &s->op_add, CUDNN_OP_TENSOR_ADD, errmsg)) ||
	    (err = op_desc(s, &s->op_mul, CUDNN_OP_TENSOR_MUL, errmsg)) ||
	    (err = op_desc(s, &s->op_min, CUDNN_OP_TENSOR_MIN, errmsg)) ||
	    (err = op_desc(s, &s->op_max, CUDNN_OP_TENSOR_MAX, errmsg)))
		return err;
	CU_DNN(s, errmsg, "open", cudnnCreateTensorDescriptor, &s->scalar_d);
	CU_DNN(s, errmsg, "open", cudnnSetTensor4dDescriptor, s->scalar_d, CUDNN_TENSOR_NCHW, s->dt,
	       1, 1, 1, 1);
	return 0;
}

/* Items per forward pass at most: the run's split (cuda_exec.c) applied
 * to max_batch, so buffers fit any batch up to it. */
static int plan_chunk(const struct cu_session *s)
{
	int b = s->max_batch, parts;

	if (!s->g->batch_major)
		return b;
	if (s->chunk_env > 0)
		return s->chunk_env < b ? s->chunk_env : b;
	parts = b / 64 < 1 ? 1 : b / 64 > 4 ? 4 : b / 64;
	return (b + parts - 1) / parts;
}

static int alloc_staging(struct cu_session *s, char **errmsg)
{
	size_t in = (size_t)(s->chunk * s->item_in) * sizeof(float);
	size_t out = (size_t)s->max_batch * (size_t)s->item_out * sizeof(float);
	int i;

	for (i = 0; i < 2; i++) {
		CU_RT(s, errmsg, "input staging", cudaHostAlloc, (void **)&s->h_in[i], in,
		      cudaHostAllocDefault);
		CU_RT(s, errmsg, "input staging", cudaMalloc, (void **)&s->d_in[i], in);
	}
	CU_RT(s, errmsg, "output staging", cudaHostAlloc, (void **)&s->h_out, out,
	      cudaHostAllocDefault);
	CU_RT(s, errmsg, "output staging", cudaMalloc, (void **)&s->d_out, out);
	return 0;
}

/* Weights and constants went up with cudaMemcpy, on the legacy stream:
 * from pageable memory it returns once the bytes are staged, not when
 * they have landed, and the session's streams, being non-blocking, are
 * not ordered after the legacy stream. Wait for them all once, before
 * the first kernel on s->stream reads them (cuda_runtime_api.h, "API
 * synchronization behavior"). */
static int uploads_done(struct cu_session *s, char **errmsg)
{
	cudaError_t e = cudaDeviceSynchronize();

	if (e != cudaSuccess)
		return cu_rt_fail(s, errmsg, e, "cudaDeviceSynchronize", "weight upload");
	return 0;
}

static size_t buffer_bytes(const struct cu_session *s)
{
	size_t b = 0;
	int i;

	for (i = 0; i < s->n_bufs; i++)
		b += s->buf_size[i];
	return b;
}

static int cu_open(const struct graph *g, const struct graph_backend_options *opt,
		   void **state, char **errmsg)
{
	struct cu_session *s = calloc(1, sizeof(*s));
	int err;

	*state = NULL;
	if (!s)
		return graph_errf(errmsg, -ENOMEM, "out of memory");
	s->g = g;
	s->device = opt->device;
	s->max_batch = opt->max_batch;
	s->prec = opt->precision;
	s->dt = s->prec == GRAPH_FP16 ? CUDNN_DATA_HALF : CUDNN_DATA_FLOAT;
	s->esize = s->prec == GRAPH_FP16 ? 2 : 4;
	s->use_graphs = env_int("SCALED_CUDA_GRAPHS", 1) != 0;
	s->fuse_add = env_int("SCALED_CUDA_FUSE_ADD", 1) != 0;
	s->chunk_env = env_int("SCALED_CUDA_CHUNK", 0);
	s->find_algos = !getenv("SCALED_CUDA_ALGO") || strcmp(getenv("SCALED_CUDA_ALGO"), "heuristic");
	s->chunk = plan_chunk(s);
	s->item_in = g->values[g->input].item_size;
	s->item_out = g->output_size;

	if ((err = open_device(s, errmsg)) || (err = cu_plan(s, errmsg)) ||
	    (err = cu_steps_ready(s, errmsg)) || (err = alloc_staging(s, errmsg)) ||
	    (err = uploads_done(s, errmsg)) || (err = cu_check_convert(s, errmsg)) ||
	    (err = cu_conv_choose_all(s, errmsg)) ||
	    (err = cu_exec_trial(s, errmsg))) {
		cu_close(s);
		return err;
	}
	cu_debug("%s: %s, %d steps, %d tensors in %d buffers (%.1f MiB at %d items a pass), workspace %.1f MiB, graphs %s",
		 g->name, s->prec == GRAPH_FP16 ? "FP16 NHWC" : "FP32", s->n_steps, s->n_t,
		 s->n_bufs, (double)buffer_bytes(s) / 1048576.0, s->chunk,
		 (double)s->ws_size / 1048576.0, s->use_graphs ? "on" : "off");
	*state = s;
	return 0;
}

static int cu_run(void *state, const float *input, int batch, float *output, char **errmsg)
{
	struct cu_session *s = state;

	if (s->dead)
		return graph_errf(errmsg, -ENODEV, "%s: the CUDA device failed earlier in this session (%s); close the session and open a new one",
				  s->g->name, s->dead_msg ? s->dead_msg : "fatal error");
	CU_RT(s, errmsg, "run", cudaSetDevice, s->device);
	return cu_exec_run(s, input, batch, output, errmsg);
}

const struct graph_backend cuda_backend = {
	.name = "cuda",
	.open = cu_open,
	.run = cu_run,
	.close = cu_close,
};
