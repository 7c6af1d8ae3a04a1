/*
 * cudnn_emu_dnn.c - the cuDNN half of the host emulation (see cudnn_emu.c):
 * what the documentation says each call computes, shapes checked the way
 * cuDNN checks them. Not cuDNN: it tests the backend's logic only.
 * Convolutions are cudnn_emu_conv.c's (cudnn_emu_dnn.h: what they share).
 */
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_half.h"	/* cu_f2h: a leaf of the backend, calling nothing */
#include "cudnn_emu_dnn.h"

/* --------------------------------------------------------------- cuDNN -- */

struct cudnnContext {
	int unused;
};

struct cudnnPoolingStruct {
	cudnnPoolingMode_t mode;
	int wh, ww, ph, pw, sh, sw;
};

struct cudnnOpTensorStruct {
	cudnnOpTensorOp_t op;
};

static char last_error[256];

cudnnStatus_t emu_bad(cudnnStatus_t st, const char *what)
{
	snprintf(last_error, sizeof(last_error), "emulation: %s", what);
	fprintf(stderr, "cudnn_emu: %s\n", what);
	return st;
}

const char *cudnnGetErrorString(cudnnStatus_t s)
{
	if (s == CUDNN_STATUS_SUCCESS)
		return "CUDNN_STATUS_SUCCESS";
	return s == CUDNN_STATUS_NOT_SUPPORTED ? "CUDNN_STATUS_NOT_SUPPORTED" : "CUDNN_STATUS_BAD_PARAM";
}

void cudnnGetLastErrorString(char *m, size_t n)
{
	snprintf(m, n, "%s", last_error);
	last_error[0] = 0;
}

size_t cudnnGetVersion(void)
{
	return CUDNN_VERSION;
}

cudnnStatus_t cudnnCreate(cudnnHandle_t *h)
{
	*h = calloc(1, sizeof(**h));
	return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnDestroy(cudnnHandle_t h)
{
	free(h);
	return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetStream(cudnnHandle_t h, cudaStream_t s)
{
	(void)h;
	(void)s;
	return CUDNN_STATUS_SUCCESS;
}

/* Every descriptor is a struct of ints: one allocation size fits all. */
#define EMU_DESC(type, name)                                    \
	cudnnStatus_t cudnnCreate##name(type *d)                \
	{                                                       \
		*d = calloc(1, 64);                             \
		return CUDNN_STATUS_SUCCESS;                    \
	}                                                       \
	cudnnStatus_t cudnnDestroy##name(type d)                \
	{                                                       \
		free(d);                                        \
		return CUDNN_STATUS_SUCCESS;                    \
	}
EMU_DESC(cudnnTensorDescriptor_t, TensorDescriptor)
EMU_DESC(cudnnFilterDescriptor_t, FilterDescriptor)
EMU_DESC(cudnnConvolutionDescriptor_t, ConvolutionDescriptor)
EMU_DESC(cudnnActivationDescriptor_t, ActivationDescriptor)
EMU_DESC(cudnnPoolingDescriptor_t, PoolingDescriptor)
EMU_DESC(cudnnOpTensorDescriptor_t, OpTensorDescriptor)

cudnnStatus_t cudnnSetTensor4dDescriptorEx(cudnnTensorDescriptor_t d, cudnnDataType_t dt, int n,
					   int c, int h, int w, int sn, int sc, int sh, int sw)
{
	if (n < 1 || c < 1 || h < 1 || w < 1 || sn < 1 || sc < 1 || sh < 1 || sw < 1)
		return emu_bad(CUDNN_STATUS_BAD_PARAM, "tensor dims or strides below 1");
	*d = (struct cudnnTensorStruct){ dt, n, c, h, w, sn, sc, sh, sw };
	return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetTensor4dDescriptor(cudnnTensorDescriptor_t d, cudnnTensorFormat_t f,
					 cudnnDataType_t dt, int n, int c, int h, int w)
{
	if (f == CUDNN_TENSOR_NHWC)
		return cudnnSetTensor4dDescriptorEx(d, dt, n, c, h, w, h * w * c, 1, w * c, c);
	return cudnnSetTensor4dDescriptorEx(d, dt, n, c, h, w, c * h * w, h * w, w, 1);
}

cudnnStatus_t cudnnSetActivationDescriptor(cudnnActivationDescriptor_t d,
					   cudnnActivationMode_t m, cudnnNanPropagation_t p,
					   double coef)
{
	(void)p;
	d->mode = m;
	d->coef = coef;
	return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetPooling2dDescriptor(cudnnPoolingDescriptor_t d, cudnnPoolingMode_t m,
					  cudnnNanPropagation_t p, int wh, int ww, int ph, int pw,
					  int sh, int sw)
{
	(void)p;
	*d = (struct cudnnPoolingStruct){ m, wh, ww, ph, pw, sh, sw };
	return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetOpTensorDescriptor(cudnnOpTensorDescriptor_t d, cudnnOpTensorOp_t op,
					 cudnnDataType_t ct, cudnnNanPropagation_t p)
{
	(void)ct;
	(void)p;
	d->op = op;
	return CUDNN_STATUS_SUCCESS;
}

float emu_h2f(uint16_t h)
{
	uint32_t s = (uint32_t)(h & 0x8000u) << 16, e = (h >> 10) & 0x1fu, m = h & 0x3ffu, x;
	float f;

	if (e == 0) {
		f = ldexpf((float)m, -24);
		return s ? -f : f;
	}
	x = s | (e == 31 ? 0x7f800000u : (e + 112) << 23) | (m << 13);
	memcpy(&f, &x, sizeof(f));
	return f;
}

static size_t at(const struct cudnnTensorStruct *d, int n, int c, int h, int w)
{
	return (size_t)n * (size_t)d->sn + (size_t)c * (size_t)d->sc + (size_t)h * (size_t)d->sh +
	       (size_t)w * (size_t)d->sw;
}

float emu_get(const struct cudnnTensorStruct *d, const void *p, int n, int c, int h, int w)
{
	size_t i = at(d, n, c, h, w);

	return d->dt == CUDNN_DATA_HALF ? emu_h2f(((const uint16_t *)p)[i]) : ((const float *)p)[i];
}

void emu_put(const struct cudnnTensorStruct *d, void *p, int n, int c, int h, int w, float v)
{
	size_t i = at(d, n, c, h, w);

	if (d->dt == CUDNN_DATA_HALF)
		((uint16_t *)p)[i] = cu_f2h(v);
	else
		((float *)p)[i] = v;
}

int emu_same(const struct cudnnTensorStruct *a, const struct cudnnTensorStruct *b)
{
	return a->n == b->n && a->c == b->c && a->h == b->h && a->w == b->w;
}

/* B broadcasts to C where B's size is 1. */
static int broadcasts(const struct cudnnTensorStruct *b, const struct cudnnTensorStruct *c)
{
	return (b->n == 1 || b->n == c->n) && (b->c == 1 || b->c == c->c) &&
	       (b->h == 1 || b->h == c->h) && (b->w == 1 || b->w == c->w);
}

static float bget(const struct cudnnTensorStruct *d, const void *p, int n, int c, int h, int w)
{
	return emu_get(d, p, d->n == 1 ? 0 : n, d->c == 1 ? 0 : c, d->h == 1 ? 0 : h,
		       d->w == 1 ? 0 : w);
}

cudnnStatus_t cudnnTransformTensor(cudnnHandle_t hd, const void *alpha,
				   const cudnnTensorDescriptor_t xd, const void *x,
				   const void *beta, const cudnnTensorDescriptor_t yd, void *y)
{
	float a = *(const float *)alpha, b = *(const float *)beta;

	(void)hd;
	if (!emu_same(xd, yd))
		return emu_bad(CUDNN_STATUS_BAD_PARAM, "cudnnTransformTensor: dims differ");
	EMU_FOR4(yd) {
		float v = a * emu_get(xd, x, n_, c_, h_, w_);

		if (b != 0.0f)
			v += b * emu_get(yd, y, n_, c_, h_, w_);
		emu_put(yd, y, n_, c_, h_, w_, v);
	}
	return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetTensor(cudnnHandle_t hd, const cudnnTensorDescriptor_t yd, void *y,
			     const void *value)
{
	float v = yd->dt == CUDNN_DATA_HALF ? emu_h2f(*(const uint16_t *)value) :
					      *(const float *)value;

	(void)hd;
	EMU_FOR4(yd)
		emu_put(yd, y, n_, c_, h_, w_, v);
	return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnAddTensor(cudnnHandle_t hd, const void *alpha, const cudnnTensorDescriptor_t ad,
			     const void *a, const void *beta, const cudnnTensorDescriptor_t cd,
			     void *c)
{
	float al = *(const float *)alpha, be = *(const float *)beta;

	(void)hd;
	if (!broadcasts(ad, cd))
		return emu_bad(CUDNN_STATUS_BAD_PARAM, "cudnnAddTensor: A does not broadcast to C");
	EMU_FOR4(cd)
		emu_put(cd, c, n_, c_, h_, w_,
			al * bget(ad, a, n_, c_, h_, w_) + be * emu_get(cd, c, n_, c_, h_, w_));
	return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnOpTensor(cudnnHandle_t hd, const cudnnOpTensorDescriptor_t od,
			    const void *alpha1, const cudnnTensorDescriptor_t ad, const void *a,
			    const void *alpha2, const cudnnTensorDescriptor_t bd, const void *b,
			    const void *beta, const cudnnTensorDescriptor_t cd, void *c)
{
	float a1 = *(const float *)alpha1, a2 = *(const float *)alpha2, be = *(const float *)beta;

	(void)hd;
	if (!emu_same(ad, cd) || !broadcasts(bd, cd))
		return emu_bad(CUDNN_STATUS_BAD_PARAM, "cudnnOpTensor: A differs from C or B does not broadcast");
	EMU_FOR4(cd) {
		float x = a1 * emu_get(ad, a, n_, c_, h_, w_), y = a2 * bget(bd, b, n_, c_, h_, w_), r;

		switch (od->op) {
		case CUDNN_OP_TENSOR_ADD:
			r = x + y;
			break;
		case CUDNN_OP_TENSOR_MUL:
			r = x * y;
			break;
		case CUDNN_OP_TENSOR_MIN:
			r = fminf(x, y);
			break;
		case CUDNN_OP_TENSOR_MAX:
			r = fmaxf(x, y);
			break;
		default:
			return emu_bad(CUDNN_STATUS_NOT_SUPPORTED, "cudnnOpTensor: op not emulated");
		}
		if (be != 0.0f)
			r += be * emu_get(cd, c, n_, c_, h_, w_);
		emu_put(cd, c, n_, c_, h_, w_, r);
	}
	return CUDNN_STATUS_SUCCESS;
}

float emu_act(const struct cudnnActivationStruct *d, float v)
{
	switch (d->mode) {
	case CUDNN_ACTIVATION_RELU:
		/* cuDNN's reference: coef is RELU's upper bound. */
		return v < 0.0f ? 0.0f : (double)v > d->coef ? (float)d->coef : v;
	case CUDNN_ACTIVATION_CLIPPED_RELU:
		return v < 0.0f ? 0.0f : v > (float)d->coef ? (float)d->coef : v;
	case CUDNN_ACTIVATION_IDENTITY:
		return v;
	default:
		return NAN;
	}
}

cudnnStatus_t cudnnActivationForward(cudnnHandle_t hd, cudnnActivationDescriptor_t a,
				     const void *alpha, const cudnnTensorDescriptor_t xd,
				     const void *x, const void *beta,
				     const cudnnTensorDescriptor_t yd, void *y)
{
	(void)hd;
	(void)alpha;
	(void)beta;
	if (!emu_same(xd, yd))
		return emu_bad(CUDNN_STATUS_BAD_PARAM, "cudnnActivationForward: dims differ");
	/* IDENTITY is only for the fused convolution. */
	if (a->mode == CUDNN_ACTIVATION_IDENTITY)
		return emu_bad(CUDNN_STATUS_BAD_PARAM, "cudnnActivationForward: IDENTITY");
	EMU_FOR4(yd)
		emu_put(yd, y, n_, c_, h_, w_, emu_act(a, emu_get(xd, x, n_, c_, h_, w_)));
	return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnPoolingForward(cudnnHandle_t hd, const cudnnPoolingDescriptor_t p,
				  const void *alpha, const cudnnTensorDescriptor_t xd, const void *x,
				  const void *beta, const cudnnTensorDescriptor_t yd, void *y)
{
	(void)hd;
	(void)alpha;
	(void)beta;
	if (yd->n != xd->n || yd->c != xd->c || yd->h != (xd->h + 2 * p->ph - p->wh) / p->sh + 1 ||
	    yd->w != (xd->w + 2 * p->pw - p->ww) / p->sw + 1)
		return emu_bad(CUDNN_STATUS_BAD_PARAM, "cudnnPoolingForward: output dims");
	EMU_FOR4(yd) {
		float best = -INFINITY;
		double sum = 0.0;
		int cnt = 0, r, s;

		for (r = 0; r < p->wh; r++) {
			for (s = 0; s < p->ww; s++) {
				int iy = h_ * p->sh - p->ph + r, ix = w_ * p->sw - p->pw + s;
				float v;

				if (iy < 0 || ix < 0 || iy >= xd->h || ix >= xd->w)
					continue;
				v = emu_get(xd, x, n_, c_, iy, ix);
				best = v > best ? v : best;
				sum += (double)v;
				cnt++;
			}
		}
		if (p->mode == CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING)
			best = (float)(sum / (double)(p->wh * p->ww));
		else if (p->mode == CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING)
			best = cnt ? (float)(sum / (double)cnt) : 0.0f;
		emu_put(yd, y, n_, c_, h_, w_, best);
	}
	return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnBatchNormalizationForwardInference(
	cudnnHandle_t hd, cudnnBatchNormMode_t mode, const void *alpha, const void *beta,
	const cudnnTensorDescriptor_t xd, const void *x, const cudnnTensorDescriptor_t yd, void *y,
	const cudnnTensorDescriptor_t pd, const void *scale, const void *bias, const void *mean,
	const void *var, double eps)
{
	const float *sc = scale, *bi = bias, *me = mean, *va = var;

	(void)hd;
	(void)alpha;
	(void)beta;
	if (mode != CUDNN_BATCHNORM_SPATIAL || !emu_same(xd, yd) || pd->c != xd->c ||
	    pd->dt != CUDNN_DATA_FLOAT)
		return emu_bad(CUDNN_STATUS_BAD_PARAM, "cudnnBatchNormalizationForwardInference: descriptors");
	EMU_FOR4(yd)
		emu_put(yd, y, n_, c_, h_, w_,
		    sc[c_] * (emu_get(xd, x, n_, c_, h_, w_) - me[c_]) / sqrtf(va[c_] + (float)eps) + bi[c_]);
	return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSoftmaxForward(cudnnHandle_t hd, cudnnSoftmaxAlgorithm_t alg,
				  cudnnSoftmaxMode_t mode, const void *alpha,
				  const cudnnTensorDescriptor_t xd, const void *x, const void *beta,
				  const cudnnTensorDescriptor_t yd, void *y)
{
	int n, c, h, w;

	(void)hd;
	(void)alg;
	(void)alpha;
	(void)beta;
	if (!emu_same(xd, yd) || mode != CUDNN_SOFTMAX_MODE_CHANNEL)
		return emu_bad(CUDNN_STATUS_BAD_PARAM, "cudnnSoftmaxForward: only CHANNEL emulated");
	for (n = 0; n < xd->n; n++) {
		for (h = 0; h < xd->h; h++) {
			for (w = 0; w < xd->w; w++) {
				double mx = -INFINITY, sum = 0.0;

				for (c = 0; c < xd->c; c++)
					mx = fmax(mx, (double)emu_get(xd, x, n, c, h, w));
				for (c = 0; c < xd->c; c++)
					sum += exp((double)emu_get(xd, x, n, c, h, w) - mx);
				for (c = 0; c < xd->c; c++)
					emu_put(yd, y, n, c, h, w,
					    (float)(exp((double)emu_get(xd, x, n, c, h, w) - mx) / sum));
			}
		}
	}
	return CUDNN_STATUS_SUCCESS;
}

