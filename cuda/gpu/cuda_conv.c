/*
 * cuda_conv.c - convolutions (and Gemm as a 1x1 one): weights in cuDNN's
 * NHWC filter layout, the algorithm chosen once per shape at open, and
 * the call with bias, residual input and ReLU fused where cuDNN allows.
 *
 * Algorithms: cudnnFindConvolutionForwardAlgorithmEx times the candidates
 * on the session's own buffers at the planned chunk (SCALED_CUDA_ALGO=
 * heuristic asks cudnnGetConvolutionForwardAlgorithm_v7 instead, which
 * runs nothing). Convolutions of the same shape share the answer. FP16
 * asks for tensor-core math; FP32 forbids it, as TF32's 10-bit mantissa
 * would not hold FP32 accuracy.
 *
 * Fusion: cudnnConvolutionBiasActivationForward computes
 * act(conv(x) + z + bias). With ReLU any algorithm may be used; with no
 * activation (IDENTITY) only IMPLICIT_PRECOMP_GEMM, so a plain conv whose
 * best algorithm is another one runs as convolution + bias add instead.
 * If cuDNN refuses a fused call at open (cu_exec_trial), the step falls
 * back to the separate calls.
 */
#include "cuda_errors.h"
#include "cuda_internal.h"

#include <errno.h>
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Workspace the search may use at most (and algorithms chosen then). */
#define CU_SEARCH_WS_MAX ((size_t)1 << 30)

static const float one = 1.0f, zero = 0.0f;

static const char *algo_name(cudnnConvolutionFwdAlgo_t a)
{
	static const char *const names[] = {
		"IMPLICIT_GEMM", "IMPLICIT_PRECOMP_GEMM", "GEMM", "DIRECT", "FFT",
		"FFT_TILING", "WINOGRAD", "WINOGRAD_NONFUSED",
	};

	return (unsigned)a < sizeof(names) / sizeof(names[0]) ? names[a] : "?";
}

int cu_conv_setup(struct cu_session *s, struct cu_step *st, const struct graph_node *n,
		  char **errmsg)
{
	struct cu_conv *c = &st->conv;
	int64_t k = c->k, cpg = c->c, kh = c->kh, kw = c->kw, o, i, y, x;
	size_t count = (size_t)(k * cpg * kh * kw);
	const float *bias = n->op == GRAPH_GEMM ? n->gemm.b : n->conv.b;
	float *w = malloc(count * sizeof(float));
	void *typed = malloc((count > (size_t)k ? count : (size_t)k) * s->esize);
	int err;

	if (!w || !typed) {
		free(w);
		free(typed);
		return graph_errf(errmsg, -ENOMEM, "out of memory");
	}
	/* KCRS (ONNX) to KRSC; Gemm's K x M to M filters of K. */
	if (n->op == GRAPH_GEMM) {
		for (o = 0; o < k; o++)
			for (i = 0; i < cpg; i++)
				w[o * cpg + i] = n->gemm.w[i * k + o];
	} else {
		for (o = 0; o < k; o++)
			for (i = 0; i < cpg; i++)
				for (y = 0; y < kh; y++)
					for (x = 0; x < kw; x++)
						w[((o * kh + y) * kw + x) * cpg + i] =
							n->conv.w[((o * cpg + i) * kh + y) * kw + x];
	}
	cu_to_type(s, w, (int64_t)count, typed);
	err = cu_upload(s, typed, count * s->esize, &c->w, n->name, errmsg);
	if (!err) {
		cu_to_type(s, bias, k, typed);
		err = cu_upload(s, typed, (size_t)k * s->esize, &c->b, n->name, errmsg);
	}
	free(w);
	free(typed);
	if (err)
		return err;

	CU_DNN(s, errmsg, n->name, cudnnCreateFilterDescriptor, &c->wd);
	CU_DNN(s, errmsg, n->name, cudnnSetFilter4dDescriptor, c->wd, s->dt, CUDNN_TENSOR_NHWC,
	       c->k, c->c, c->kh, c->kw);
	CU_DNN(s, errmsg, n->name, cudnnCreateConvolutionDescriptor, &c->cd);
	/* Accumulate in float for half data too (cuDNN's "pseudo half"). */
	CU_DNN(s, errmsg, n->name, cudnnSetConvolution2dDescriptor, c->cd, c->pad[0], c->pad[1],
	       c->stride[0], c->stride[1], c->dil[0], c->dil[1], CUDNN_CROSS_CORRELATION,
	       CUDNN_DATA_FLOAT);
	CU_DNN(s, errmsg, n->name, cudnnSetConvolutionGroupCount, c->cd, c->group);
	c->math = s->prec == GRAPH_FP16 ? CUDNN_TENSOR_OP_MATH : CUDNN_FMA_MATH;
	CU_DNN(s, errmsg, n->name, cudnnSetConvolutionMathType, c->cd, c->math);
	CU_DNN(s, errmsg, n->name, cudnnCreateTensorDescriptor, &c->bd);
	CU_DNN(s, errmsg, n->name, cudnnSetTensor4dDescriptor, c->bd, CUDNN_TENSOR_NCHW, s->dt, 1,
	       c->k, 1, 1);
	CU_DNN(s, errmsg, n->name, cudnnCreateActivationDescriptor, &c->fused_act);
	return 0;
}

static int set_io(struct cu_session *s, struct cu_step *st, int n, char **errmsg)
{
	CU_DNN(s, errmsg, st->label, cu_set_nhwc, st->xd, s->dt, &st->x, n);
	CU_DNN(s, errmsg, st->label, cu_set_nhwc, st->yd, s->dt, &st->y, n);
	return 0;
}

/* Same shape, same answer: two steps whose descriptors would be equal. */
static int same_shape(const struct cu_step *a, const struct cu_step *b)
{
	const struct cu_conv *x = &a->conv, *y = &b->conv;

	return !memcmp(a->x.d, b->x.d, sizeof(a->x.d)) && !memcmp(a->y.d, b->y.d, sizeof(a->y.d)) &&
	       a->x.fixed == b->x.fixed && x->k == y->k && x->c == y->c && x->kh == y->kh &&
	       x->kw == y->kw && x->group == y->group && !memcmp(x->pad, y->pad, sizeof(x->pad)) &&
	       !memcmp(x->stride, y->stride, sizeof(x->stride)) &&
	       !memcmp(x->dil, y->dil, sizeof(x->dil));
}

static int usable(const struct cu_session *s, const cudnnConvolutionFwdAlgoPerf_t *p,
		  size_t limit)
{
	if (p->status != CUDNN_STATUS_SUCCESS || p->memory > limit)
		return 0;
	/* FP32 must not come back as TF32 tensor-core math. */
	return s->prec == GRAPH_FP16 || p->mathType == CUDNN_FMA_MATH ||
	       p->mathType == CUDNN_DEFAULT_MATH;
}

static int choose(struct cu_session *s, struct cu_step *st, char **errmsg)
{
	cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
	struct cu_conv *c = &st->conv;
	size_t limit = s->find_algos ? s->search_ws_size : CU_SEARCH_WS_MAX;
	int got = 0, i, err;

	if ((err = set_io(s, st, s->chunk, errmsg)))
		return err;
	if (s->find_algos) {
		CU_DNN(s, errmsg, st->label, cudnnFindConvolutionForwardAlgorithmEx, s->dnn, st->xd,
		       cu_view_ptr(s, &st->x, NULL), c->wd, c->w, c->cd, st->yd,
		       cu_view_ptr(s, &st->y, NULL), CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &got, perf,
		       s->search_ws, s->search_ws_size);
		for (i = 0; i < got && !usable(s, &perf[i], limit); i++)
			;
		if (i < got)
			goto found;
		/* Nothing the timed search ran is usable (FP32 NHWC grouped
		 * convolutions may offer only TF32 or nothing): cuDNN's
		 * heuristics may still name an algorithm the search skipped. */
		cu_debug("%s: the timed search found no usable algorithm (%d candidates); "
			 "asking the heuristics", st->label, got);
		limit = CU_SEARCH_WS_MAX;
	}
	CU_DNN(s, errmsg, st->label, cudnnGetConvolutionForwardAlgorithm_v7, s->dnn, st->xd,
	       c->wd, c->cd, st->yd, CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &got, perf);
	for (i = 0; i < got && !usable(s, &perf[i], limit); i++)
		;
	if (i == got)
		return graph_errf(errmsg, -ENOTSUP, "%s: cuDNN has no forward algorithm for this convolution (%d candidates, none usable in %s)",
				  st->label, got, s->prec == GRAPH_FP16 ? "FP16" : "FP32 without TF32");
found:
	c->algo = perf[i].algo;
	/* FP32 stays on FMA math whatever the search said (DEFAULT may
	 * mean TF32 on Ampere and later). */
	c->math = s->prec == GRAPH_FP16 ? perf[i].mathType : CUDNN_FMA_MATH;
	CU_DNN(s, errmsg, st->label, cudnnSetConvolutionMathType, c->cd, c->math);
	CU_DNN(s, errmsg, st->label, cudnnGetConvolutionForwardWorkspaceSize, s->dnn, st->xd,
	       c->wd, c->cd, st->yd, c->algo, &c->ws);
	cu_debug("%s: %s, %s math, %.3f ms at %d, workspace %zu", st->label, algo_name(c->algo),
		 c->math == CUDNN_TENSOR_OP_MATH ? "tensor-op" :
		 c->math == CUDNN_FMA_MATH ? "FMA" : "default",
		 s->find_algos ? (double)perf[i].time : -1.0, s->chunk, c->ws);
	return 0;
}

static int set_fusion(struct cu_session *s, struct cu_step *st, char **errmsg)
{
	struct cu_conv *c = &st->conv;
	int relu = st->clamp.kind == CU_CLAMP_RELU || st->clamp.kind == CU_CLAMP_RELU_MAX;

	c->fused_relu = relu;
	c->fused = relu || st->z.t != CU_NONE || c->algo == CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM;
	/* cuDNN's reference gives coef as RELU's upper bound too, so 0
	 * could clamp every output to 0: DBL_MAX, which PyTorch passes for
	 * its fused convolution + ReLU on cuDNN 9, means no bound. */
	CU_DNN(s, errmsg, st->label, cudnnSetActivationDescriptor, c->fused_act,
	       relu ? CUDNN_ACTIVATION_RELU : CUDNN_ACTIVATION_IDENTITY, CUDNN_NOT_PROPAGATE_NAN,
	       DBL_MAX);
	return 0;
}

int cu_conv_choose_all(struct cu_session *s, char **errmsg)
{
	size_t free_b = 0, total_b = 0, need = 0;
	int i, j, err = 0;

	if (s->find_algos) {
		if (cudaMemGetInfo(&free_b, &total_b) != cudaSuccess)
			free_b = 0;
		s->search_ws_size = free_b / 4 < CU_SEARCH_WS_MAX ? free_b / 4 : CU_SEARCH_WS_MAX;
		if (s->search_ws_size && cudaMalloc(&s->search_ws, s->search_ws_size) != cudaSuccess) {
			(void)cudaGetLastError();
			s->search_ws = NULL;
			s->search_ws_size = 0;
		}
	}
	for (i = 0; i < s->n_steps && !err; i++) {
		struct cu_step *st = &s->steps[i];

		if (st->kind != CU_STEP_CONV)
			continue;
		for (j = 0; j < i; j++)
			if (s->steps[j].kind == CU_STEP_CONV && same_shape(&s->steps[j], st))
				break;
		if (j < i) {
			st->conv.algo = s->steps[j].conv.algo;
			st->conv.math = s->steps[j].conv.math;
			st->conv.ws = s->steps[j].conv.ws;
			if (cudnnSetConvolutionMathType(st->conv.cd, st->conv.math))
				err = graph_errf(errmsg, -EIO, "%s: cudnnSetConvolutionMathType failed",
						 st->label);
		} else {
			err = choose(s, st, errmsg);
		}
		if (!err)
			err = set_fusion(s, st, errmsg);
		if (st->conv.ws > need)
			need = st->conv.ws;
	}
	if (s->search_ws)
		cudaFree(s->search_ws);
	s->search_ws = NULL;
	s->search_ws_size = 0;
	if (err)
		return err;
	if (need)
		CU_RT(s, errmsg, "convolution workspace", cudaMalloc, &s->ws, need);
	s->ws_size = need;
	return 0;
}

int cu_conv_workspace_need(struct cu_session *s, int n, size_t *need, char **errmsg)
{
	size_t ws;
	int i, err;

	*need = 0;
	for (i = 0; i < s->n_steps; i++) {
		struct cu_step *st = &s->steps[i];

		if (st->kind != CU_STEP_CONV)
			continue;
		if ((err = set_io(s, st, n, errmsg)))
			return err;
		CU_DNN(s, errmsg, st->label, cudnnGetConvolutionForwardWorkspaceSize, s->dnn, st->xd,
		       st->conv.wd, st->conv.cd, st->yd, st->conv.algo, &ws);
		if (ws > *need)
			*need = ws;
	}
	return 0;
}

int cu_conv_run(struct cu_session *s, struct cu_step *st, int n, char **errmsg)
{
	struct cu_conv *c = &st->conv;
	void *x = cu_view_ptr(s, &st->x, NULL), *y = cu_view_ptr(s, &st->y, NULL);
	void *z = st->z.t != CU_NONE ? cu_view_ptr(s, &st->z, NULL) : NULL;
	int err;

	if ((err = set_io(s, st, n, errmsg)))
		return err;
	if (c->fused) {
		/* With alpha2 = 0, z is not read: y stands in for it. */
		CU_DNN(s, errmsg, st->label, cudnnConvolutionBiasActivationForward, s->dnn, &one,
		       st->xd, x, c->wd, c->w, c->cd, c->algo, s->ws, s->ws_size, z ? &one : &zero,
		       st->yd, z ? z : y, c->bd, c->b, c->fused_act, st->yd, y);
		if (st->clamp.kind == CU_CLAMP_NONE ||
		    (c->fused_relu && st->clamp.kind == CU_CLAMP_RELU))
			return 0;
	} else {
		CU_DNN(s, errmsg, st->label, cudnnConvolutionForward, s->dnn, &one, st->xd, x, c->wd,
		       c->w, c->cd, c->algo, s->ws, s->ws_size, &zero, st->yd, y);
	}
	/* The rest on y seen as rows of K (one a pixel): the bias is a
	 * plain per-column broadcast then, cuDNN's fast case. */
	CU_DNN(s, errmsg, st->label, cudnnSetTensor4dDescriptor, st->fd, CUDNN_TENSOR_NCHW, s->dt,
	       cu_rows(&st->y, n) * st->y.d[1] * st->y.d[2], st->y.d[0], 1, 1);
	if (!c->fused) {
		CU_DNN(s, errmsg, st->label, cudnnAddTensor, s->dnn, &one, c->bd, c->b, &one, st->fd,
		       y);
		if (z)
			CU_DNN(s, errmsg, st->label, cudnnOpTensor, s->dnn, s->op_add, &one, st->fd, y,
			       &one, st->fd, z, &zero, st->fd, y);
	}
	return cu_clamp_run(s, st, st->fd, y, st->fd, y, c->fused && c->fused_relu, errmsg);
}
