/*
 * cuda_ops.c - running one step of the plan: set its descriptors for the
 * batch at hand, then the cuDNN call(s). Convolutions are cuda_conv.c's;
 * views and descriptors cuda_view.c's, the clamps cuda_clamp.c's.
 *
 * Descriptors are set on every call rather than once per batch size:
 * setting one is a few hundred nanoseconds of host work, and with CUDA
 * graphs the calls only run at capture anyway.
 */
#include "cuda_errors.h"
#include "cuda_half.h"
#include "cuda_internal.h"
#include "errfmt.h"

#include <errno.h>
#include <float.h>
#include <stdlib.h>
#include <string.h>

static const float one = 1.0f, zero = 0.0f;

static cudnnDataType_t view_dt(const struct cu_session *s, const struct cu_view *v)
{
	return v->t == CU_EXT_IN || v->t == CU_EXT_OUT ? CUDNN_DATA_FLOAT : s->dt;
}

/* The whole of y's tensor as rows of one item each. */
static cudnnStatus_t set_flat(const struct cu_session *s, cudnnTensorDescriptor_t d, int t,
			      int fixed, int n)
{
	int64_t item = s->t[t].item;

	return cudnnSetTensor4dDescriptor(d, CUDNN_TENSOR_NCHW, s->dt, fixed ? fixed : n,
					  (int)item, 1, 1);
}

/* float <-> half (and plain layout changes): cudnnTransformTensor
 * converts types too; where it turns out not to (cu_check_convert), an
 * OpTensor ADD with B scaled by zero does. */
static int convert(struct cu_session *s, const char *lab, cudnnTensorDescriptor_t xd,
		   const void *x, int xdt, cudnnTensorDescriptor_t yd, void *y, int ydt,
		   char **errmsg)
{
	if (xdt != ydt && s->convert_optensor)
		CU_DNN(s, errmsg, lab, cudnnOpTensor, s->dnn, s->op_add, &one, xd, x, &zero, xd, x,
		       &zero, yd, y);
	else
		CU_DNN(s, errmsg, lab, cudnnTransformTensor, s->dnn, &one, xd, x, &zero, yd, y);
	return 0;
}

static int run_copy(struct cu_session *s, struct cu_step *st, int n, void *ext, char **errmsg)
{
	cudnnDataType_t xdt = view_dt(s, &st->x), ydt = view_dt(s, &st->y);

	CU_DNN(s, errmsg, st->label, cu_set_ex, st->xd, xdt, &st->x, n);
	CU_DNN(s, errmsg, st->label, cu_set_ex, st->yd, ydt, &st->y, n);
	return convert(s, st->label, st->xd, cu_view_ptr(s, &st->x, ext), (int)xdt, st->yd,
		       cu_view_ptr(s, &st->y, ext), (int)ydt, errmsg);
}

static int run_pad(struct cu_session *s, struct cu_step *st, int n, char **errmsg)
{
	const struct cu_tensor *p = &s->t[st->y.t];
	struct cu_view full = st->y;
	void *base;

	full.d[1] = (int)p->dims[2];
	full.d[2] = (int)p->dims[3];
	full.off = 0;
	base = cu_view_ptr(s, &full, NULL);
	CU_DNN(s, errmsg, st->label, cu_set_ex, st->zd, s->dt, &full, n);
	CU_DNN(s, errmsg, st->label, cudnnSetTensor, s->dnn, st->zd, base, &st->fill);
	CU_DNN(s, errmsg, st->label, cu_set_ex, st->xd, s->dt, &st->x, n);
	CU_DNN(s, errmsg, st->label, cu_set_ex, st->yd, s->dt, &st->y, n);
	CU_DNN(s, errmsg, st->label, cudnnTransformTensor, s->dnn, &one, st->xd,
	       cu_view_ptr(s, &st->x, NULL), &zero, st->yd, cu_view_ptr(s, &st->y, NULL));
	return 0;
}

static int run_pool(struct cu_session *s, struct cu_step *st, int n, char **errmsg)
{
	void *y = cu_view_ptr(s, &st->y, NULL);

	CU_DNN(s, errmsg, st->label, cu_set_nhwc, st->xd, s->dt, &st->x, n);
	CU_DNN(s, errmsg, st->label, cu_set_nhwc, st->yd, s->dt, &st->y, n);
	CU_DNN(s, errmsg, st->label, cudnnPoolingForward, s->dnn, st->pd, &one, st->xd,
	       cu_view_ptr(s, &st->x, NULL), &zero, st->yd, y);
	if (st->cst) {
		/* Average pooling that excludes an asymmetric padding:
		 * times kernel area / taps inside, per output pixel. */
		CU_DNN(s, errmsg, st->label, cu_set_ex, st->zd, s->dt, &st->y, n);
		CU_DNN(s, errmsg, st->label, cudnnOpTensor, s->dnn, s->op_mul, &one, st->zd, y,
		       &one, st->kd, st->cst, &zero, st->zd, y);
	}
	return 0;
}

static int run_bn(struct cu_session *s, struct cu_step *st, int n, char **errmsg)
{
	const float *p = st->cst;
	int64_t c = st->bn_ch;

	CU_DNN(s, errmsg, st->label, cu_set_ex, st->xd, s->dt, &st->x, n);
	CU_DNN(s, errmsg, st->label, cu_set_ex, st->yd, s->dt, &st->y, n);
	CU_DNN(s, errmsg, st->label, cudnnBatchNormalizationForwardInference, s->dnn,
	       CUDNN_BATCHNORM_SPATIAL, &one, &zero, st->xd, cu_view_ptr(s, &st->x, NULL),
	       st->yd, cu_view_ptr(s, &st->y, NULL), st->kd, p, p + c, p + 2 * c, p + 3 * c,
	       1e-5);
	return 0;
}

static int run_add(struct cu_session *s, struct cu_step *st, int n, char **errmsg)
{
	void *y = cu_view_ptr(s, &st->y, NULL);

	CU_DNN(s, errmsg, st->label, cu_set_ex, st->xd, s->dt, &st->x, n);
	CU_DNN(s, errmsg, st->label, cu_set_ex, st->yd, s->dt, &st->y, n);
	if (st->kind == CU_STEP_ADD) {
		CU_DNN(s, errmsg, st->label, cu_set_ex, st->zd, s->dt, &st->z, n);
		CU_DNN(s, errmsg, st->label, cudnnOpTensor, s->dnn, s->op_add, &one, st->xd,
		       cu_view_ptr(s, &st->x, NULL), &one, st->zd, cu_view_ptr(s, &st->z, NULL),
		       &zero, st->yd, y);
	} else {
		CU_DNN(s, errmsg, st->label, cudnnOpTensor, s->dnn, s->op_add, &one, st->xd,
		       cu_view_ptr(s, &st->x, NULL), &one, st->kd, st->cst, &zero, st->yd, y);
	}
	if (st->clamp.kind == CU_CLAMP_NONE)
		return 0;
	CU_DNN(s, errmsg, st->label, set_flat, s, st->fd, st->y.t, st->y.fixed, n);
	return cu_clamp_run(s, st, st->fd, y, st->fd, y, 0, errmsg);
}

static int run_act(struct cu_session *s, struct cu_step *st, int n, char **errmsg)
{
	CU_DNN(s, errmsg, st->label, cu_set_ex, st->xd, s->dt, &st->x, n);
	CU_DNN(s, errmsg, st->label, cu_set_ex, st->yd, s->dt, &st->y, n);
	return cu_clamp_run(s, st, st->xd, cu_view_ptr(s, &st->x, NULL), st->yd,
			    cu_view_ptr(s, &st->y, NULL), 0, errmsg);
}

static int run_softmax(struct cu_session *s, struct cu_step *st, int n, char **errmsg)
{
	CU_DNN(s, errmsg, st->label, cu_set_ex, st->xd, s->dt, &st->x, n);
	CU_DNN(s, errmsg, st->label, cu_set_ex, st->yd, s->dt, &st->y, n);
	CU_DNN(s, errmsg, st->label, cudnnSoftmaxForward, s->dnn, CUDNN_SOFTMAX_ACCURATE,
	       CUDNN_SOFTMAX_MODE_CHANNEL, &one, st->xd, cu_view_ptr(s, &st->x, NULL), &zero,
	       st->yd, cu_view_ptr(s, &st->y, NULL));
	return 0;
}

int cu_step_run(struct cu_session *s, int i, int n, void *ext, char **errmsg)
{
	struct cu_step *st = &s->steps[i];

	switch (st->kind) {
	case CU_STEP_COPY:
		return run_copy(s, st, n, ext, errmsg);
	case CU_STEP_PAD:
		return run_pad(s, st, n, errmsg);
	case CU_STEP_CONV:
		return cu_conv_run(s, st, n, errmsg);
	case CU_STEP_POOL:
		return run_pool(s, st, n, errmsg);
	case CU_STEP_BN:
		return run_bn(s, st, n, errmsg);
	case CU_STEP_ACT:
		return run_act(s, st, n, errmsg);
	case CU_STEP_ADD:
	case CU_STEP_ADD_CONST:
		return run_add(s, st, n, errmsg);
	case CU_STEP_SOFTMAX:
		return run_softmax(s, st, n, errmsg);
	}
	return graph_errf(errmsg, -EINVAL, "%s: unknown step kind %d", st->label, (int)st->kind);
}

/* ---------------------------------------------------------- preparing -- */

static char *make_label(const struct cu_session *s, const struct cu_step *st)
{
	if (st->node < 0)
		return errfmt("%s", st->what ? st->what : "step");
	if (st->what)
		return errfmt("node %s, %s", s->g->nodes[st->node].name, st->what);
	return errfmt("node %s", s->g->nodes[st->node].name);
}

static int step_ready(struct cu_session *s, struct cu_step *st, char **errmsg)
{
	cudnnTensorDescriptor_t *d[] = { &st->xd, &st->yd, &st->zd, &st->kd, &st->fd };
	size_t i;

	if (!(st->label = make_label(s, st)))
		return graph_errf(errmsg, -ENOMEM, "out of memory");
	for (i = 0; i < sizeof(d) / sizeof(d[0]); i++)
		CU_DNN(s, errmsg, st->label, cudnnCreateTensorDescriptor, d[i]);
	CU_DNN(s, errmsg, st->label, cudnnCreateActivationDescriptor, &st->ad);
	/* coef: the clip of CLIPPED_RELU, RELU's upper bound (a finite
	 * DBL_MAX for none, not the clamp's +inf: see cuda_conv.c). */
	if (st->clamp.kind == CU_CLAMP_RELU || st->clamp.kind == CU_CLAMP_RELU_MAX)
		CU_DNN(s, errmsg, st->label, cudnnSetActivationDescriptor, st->ad,
		       st->clamp.kind == CU_CLAMP_RELU ? CUDNN_ACTIVATION_RELU :
		       CUDNN_ACTIVATION_CLIPPED_RELU, CUDNN_NOT_PROPAGATE_NAN,
		       st->clamp.kind == CU_CLAMP_RELU ? DBL_MAX : (double)st->clamp.hi);
	if (st->clamp.kind == CU_CLAMP_MINMAX) {
		uint32_t b[2] = { cu_bits(s, st->clamp.lo), cu_bits(s, st->clamp.hi) };
		unsigned char host[8];

		/* Two values of esize bytes each, little-endian halves. */
		if (s->esize == 2) {
			uint16_t h[2] = { (uint16_t)b[0], (uint16_t)b[1] };

			memcpy(host, h, sizeof(h));
		} else {
			memcpy(host, b, sizeof(b));
		}
		if (cu_upload(s, host, 2 * s->esize, &st->clampv, st->label, errmsg))
			return -EIO;
	}
	/* Constant descriptors do not depend on the batch: set them once. */
	if (st->kind == CU_STEP_ADD_CONST || (st->kind == CU_STEP_POOL && st->cst))
		CU_DNN(s, errmsg, st->label, cu_set_ex, st->kd, s->dt, &st->k, 1);
	if (st->kind == CU_STEP_BN)
		CU_DNN(s, errmsg, st->label, cudnnSetTensor4dDescriptor, st->kd,
		       CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, st->bn_ch, 1, 1);
	return 0;
}

int cu_steps_ready(struct cu_session *s, char **errmsg)
{
	int i, err;

	for (i = 0; i < s->n_steps; i++)
		if ((err = step_ready(s, &s->steps[i], errmsg)))
			return err;
	return 0;
}

void cu_step_free(struct cu_step *st)
{
	cudnnTensorDescriptor_t d[] = { st->xd, st->yd, st->zd, st->kd, st->fd, st->conv.bd };
	size_t i;

	for (i = 0; i < sizeof(d) / sizeof(d[0]); i++)
		if (d[i])
			cudnnDestroyTensorDescriptor(d[i]);
	if (st->ad)
		cudnnDestroyActivationDescriptor(st->ad);
	if (st->conv.fused_act)
		cudnnDestroyActivationDescriptor(st->conv.fused_act);
	if (st->pd)
		cudnnDestroyPoolingDescriptor(st->pd);
	if (st->conv.wd)
		cudnnDestroyFilterDescriptor(st->conv.wd);
	if (st->conv.cd)
		cudnnDestroyConvolutionDescriptor(st->conv.cd);
	free(st->label);
}

/* --------------------------------------------------- type conversion -- */

/* [1, 2, 1, 2] NCHW floats, exact in half, to half NHWC and back. */
static int try_convert(struct cu_session *s, void *dev, char **errmsg)
{
	static const float want[4] = { 1.5f, -2.25f, 3.0f, 0.125f };
	cudnnTensorDescriptor_t fd = NULL, hd = NULL;
	float *f = dev, *back = (float *)dev + 4;
	void *h = (float *)dev + 8;
	float got[4];
	uint16_t hb[4], hw[4] = { cu_f2h(1.5f), cu_f2h(3.0f), cu_f2h(-2.25f), cu_f2h(0.125f) };
	int err = -EIO;

	if (cudnnCreateTensorDescriptor(&fd) || cudnnCreateTensorDescriptor(&hd))
		goto out;
	if (cudnnSetTensor4dDescriptor(fd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, 2, 1, 2) ||
	    cudnnSetTensor4dDescriptor(hd, CUDNN_TENSOR_NHWC, CUDNN_DATA_HALF, 1, 2, 1, 2))
		goto out;
	/* Both on the legacy stream, which s->stream does not wait for:
	 * done before the conversions run there. */
	if (cudaMemcpy(f, want, sizeof(want), cudaMemcpyHostToDevice) != cudaSuccess ||
	    cudaMemset(back, 0, sizeof(want)) != cudaSuccess ||
	    cudaDeviceSynchronize() != cudaSuccess)
		goto out;
	if ((err = convert(s, "checking float/half conversion", fd, f, CUDNN_DATA_FLOAT, hd, h,
			   CUDNN_DATA_HALF, errmsg)))
		goto out;
	if ((err = convert(s, "checking float/half conversion", hd, h, CUDNN_DATA_HALF, fd, back,
			   CUDNN_DATA_FLOAT, errmsg)))
		goto out;
	err = -EIO;
	if (cudaStreamSynchronize(s->stream) != cudaSuccess ||
	    cudaMemcpy(got, back, sizeof(got), cudaMemcpyDeviceToHost) != cudaSuccess ||
	    cudaMemcpy(hb, h, sizeof(hb), cudaMemcpyDeviceToHost) != cudaSuccess)
		goto out;
	if (memcmp(got, want, sizeof(got)) || memcmp(hb, hw, sizeof(hb))) {
		if (errmsg)
			*errmsg = errfmt("float->half->float gave %g %g %g %g (half bits %04x %04x %04x %04x) for 1.5 -2.25 3 0.125",
					(double)got[0], (double)got[1], (double)got[2],
					(double)got[3], hb[0], hb[1], hb[2], hb[3]);
		goto out;
	}
	err = 0;
out:
	if (fd)
		cudnnDestroyTensorDescriptor(fd);
	if (hd)
		cudnnDestroyTensorDescriptor(hd);
	return err;
}

int cu_check_convert(struct cu_session *s, char **errmsg)
{
	char *why1 = NULL, *why2 = NULL;
	void *dev = NULL;
	int err;

	if (s->dt != CUDNN_DATA_HALF)
		return 0;
	CU_RT(s, errmsg, "checking float/half conversion", cudaMalloc, &dev, 64);
	s->convert_optensor = 0;
	err = try_convert(s, dev, &why1);
	if (err && !s->dead) {
		s->convert_optensor = 1;
		err = try_convert(s, dev, &why2);
		if (!err)
			cu_debug("cudnnTransformTensor does not convert float<->half here (%s); using cudnnOpTensor",
				 why1 ? why1 : "wrong values");
	}
	cudaFree(dev);
	if (err)
		err = graph_errf(errmsg, err, "%s: cannot convert between float and half on the GPU: cudnnTransformTensor: %s; cudnnOpTensor: %s",
				 s->g->name, why1 ? why1 : "wrong values",
				 why2 ? why2 : (s->dead ? "not tried, the device failed" : "wrong values"));
	free(why1);
	free(why2);
	return err;
}
