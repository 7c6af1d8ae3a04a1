/*
 * cudnn_emu_conv.c - the host emulation's convolutions (see cudnn_emu.c):
 * filter and convolution descriptors, cudnnConvolutionForward and the
 * fused bias + residual + activation call, computed as the documentation
 * says with the shapes checked as cuDNN checks them, and an algorithm
 * search that offers one candidate.
 */
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include <stdlib.h>
#include <string.h>

#include "cudnn_emu_dnn.h"

struct cudnnFilterStruct {
	cudnnDataType_t dt;
	cudnnTensorFormat_t format;
	int k, c, h, w;
};

struct cudnnConvolutionStruct {
	int ph, pw, u, v, dh, dw, groups;
	cudnnMathType_t math;
};

cudnnStatus_t cudnnSetFilter4dDescriptor(cudnnFilterDescriptor_t d, cudnnDataType_t dt,
					 cudnnTensorFormat_t f, int k, int c, int h, int w)
{
	*d = (struct cudnnFilterStruct){ dt, f, k, c, h, w };
	return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetConvolution2dDescriptor(cudnnConvolutionDescriptor_t d, int ph, int pw,
					      int u, int v, int dh, int dw,
					      cudnnConvolutionMode_t mode, cudnnDataType_t ct)
{
	if (mode != CUDNN_CROSS_CORRELATION || ct != CUDNN_DATA_FLOAT)
		return emu_bad(CUDNN_STATUS_NOT_SUPPORTED, "only float cross-correlation emulated");
	*d = (struct cudnnConvolutionStruct){ ph, pw, u, v, dh, dw, 1, CUDNN_DEFAULT_MATH };
	return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetConvolutionGroupCount(cudnnConvolutionDescriptor_t d, int g)
{
	d->groups = g;
	return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetConvolutionMathType(cudnnConvolutionDescriptor_t d, cudnnMathType_t m)
{
	d->math = m;
	return CUDNN_STATUS_SUCCESS;
}

static float wget(const struct cudnnFilterStruct *f, const void *p, int k, int c, int r, int s)
{
	size_t i = f->format == CUDNN_TENSOR_NHWC ?
		(((size_t)k * (size_t)f->h + (size_t)r) * (size_t)f->w + (size_t)s) * (size_t)f->c + (size_t)c :
		(((size_t)k * (size_t)f->c + (size_t)c) * (size_t)f->h + (size_t)r) * (size_t)f->w + (size_t)s;

	return f->dt == CUDNN_DATA_HALF ? emu_h2f(((const uint16_t *)p)[i]) : ((const float *)p)[i];
}

/* conv(x) into acc (NCHW floats), after checking the shapes as cuDNN does:
 * y must be what cudnnGetConvolution2dForwardOutputDim says. */
static cudnnStatus_t conv(const struct cudnnTensorStruct *xd, const void *x,
			  const struct cudnnFilterStruct *wd, const void *wt,
			  const struct cudnnConvolutionStruct *cd,
			  const struct cudnnTensorStruct *yd, float *acc)
{
	int g = cd->groups, kpg = wd->k / g;
	int eh = (wd->h - 1) * cd->dh + 1, ew = (wd->w - 1) * cd->dw + 1;

	if (xd->c != wd->c * g || yd->c != wd->k || yd->n != xd->n ||
	    yd->h != (xd->h + 2 * cd->ph - eh) / cd->u + 1 ||
	    yd->w != (xd->w + 2 * cd->pw - ew) / cd->v + 1)
		return emu_bad(CUDNN_STATUS_BAD_PARAM, "convolution: x, w, y and the pads do not agree");
	EMU_FOR4(yd) {
		int grp = c_ / kpg, ci, r, q;
		double s = 0.0;

		for (ci = 0; ci < wd->c; ci++) {
			for (r = 0; r < wd->h; r++) {
				for (q = 0; q < wd->w; q++) {
					int iy = h_ * cd->u - cd->ph + r * cd->dh;
					int ix = w_ * cd->v - cd->pw + q * cd->dw;

					if (iy < 0 || ix < 0 || iy >= xd->h || ix >= xd->w)
						continue;
					s += (double)emu_get(xd, x, n_, grp * wd->c + ci, iy, ix) *
					     (double)wget(wd, wt, c_, ci, r, q);
				}
			}
		}
		acc[(((size_t)n_ * (size_t)yd->c + (size_t)c_) * (size_t)yd->h + (size_t)h_) *
		    (size_t)yd->w + (size_t)w_] = (float)s;
	}
	return CUDNN_STATUS_SUCCESS;
}

static float acc_at(const float *acc, const struct cudnnTensorStruct *yd, int n, int c, int h,
		    int w)
{
	return acc[(((size_t)n * (size_t)yd->c + (size_t)c) * (size_t)yd->h + (size_t)h) *
		   (size_t)yd->w + (size_t)w];
}

cudnnStatus_t cudnnConvolutionForward(cudnnHandle_t hd, const void *alpha,
				      const cudnnTensorDescriptor_t xd, const void *x,
				      const cudnnFilterDescriptor_t wd, const void *wt,
				      const cudnnConvolutionDescriptor_t cd,
				      cudnnConvolutionFwdAlgo_t algo, void *ws, size_t ws_size,
				      const void *beta, const cudnnTensorDescriptor_t yd, void *y)
{
	float *acc = malloc((size_t)yd->n * (size_t)yd->c * (size_t)yd->h * (size_t)yd->w * sizeof(float));
	cudnnStatus_t st;

	(void)hd;
	(void)alpha;
	(void)beta;
	(void)algo;
	(void)ws;
	(void)ws_size;
	if (!acc)
		return emu_bad(CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED, "out of memory");
	st = conv(xd, x, wd, wt, cd, yd, acc);
	if (!st)
		EMU_FOR4(yd)
			emu_put(yd, y, n_, c_, h_, w_, acc_at(acc, yd, n_, c_, h_, w_));
	free(acc);
	return st;
}

cudnnStatus_t cudnnConvolutionBiasActivationForward(
	cudnnHandle_t hd, const void *alpha1, const cudnnTensorDescriptor_t xd, const void *x,
	const cudnnFilterDescriptor_t wd, const void *wt, const cudnnConvolutionDescriptor_t cd,
	cudnnConvolutionFwdAlgo_t algo, void *ws, size_t ws_size, const void *alpha2,
	const cudnnTensorDescriptor_t zd, const void *z, const cudnnTensorDescriptor_t bd,
	const void *b, const cudnnActivationDescriptor_t ad, const cudnnTensorDescriptor_t yd,
	void *y)
{
	float a2 = *(const float *)alpha2, *acc;
	cudnnStatus_t st;

	(void)hd;
	(void)alpha1;
	(void)ws;
	(void)ws_size;
	if (ad->mode == CUDNN_ACTIVATION_IDENTITY &&
	    algo != CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM)
		return emu_bad(CUDNN_STATUS_NOT_SUPPORTED, "IDENTITY needs IMPLICIT_PRECOMP_GEMM");
	if (!emu_same(zd, yd) || bd->c != yd->c || bd->n != 1 || bd->h != 1 || bd->w != 1)
		return emu_bad(CUDNN_STATUS_BAD_PARAM, "fused convolution: z or bias shape");
	acc = malloc((size_t)yd->n * (size_t)yd->c * (size_t)yd->h * (size_t)yd->w * sizeof(float));
	if (!acc)
		return emu_bad(CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED, "out of memory");
	st = conv(xd, x, wd, wt, cd, yd, acc);
	if (!st) {
		EMU_FOR4(yd) {
			float v = acc_at(acc, yd, n_, c_, h_, w_) + emu_get(bd, b, 0, c_, 0, 0);

			if (a2 != 0.0f)
				v += a2 * emu_get(zd, z, n_, c_, h_, w_);
			emu_put(yd, y, n_, c_, h_, w_, emu_act(ad, v));
		}
	}
	free(acc);
	return st;
}

/* One candidate: PRECOMP for an even number of filters, IMPLICIT_GEMM for
 * an odd one, so both the fused-IDENTITY and the separate-bias paths run. */
static void one_algo(const cudnnFilterDescriptor_t wd, const cudnnConvolutionDescriptor_t cd,
		     int *got, cudnnConvolutionFwdAlgoPerf_t *p)
{
	memset(p, 0, sizeof(*p));
	p->algo = wd->k % 2 ? CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM :
		CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM;
	p->status = CUDNN_STATUS_SUCCESS;
	p->time = 0.5f;
	p->memory = 128;
	p->mathType = cd->math;
	*got = 1;
}

cudnnStatus_t cudnnFindConvolutionForwardAlgorithmEx(
	cudnnHandle_t h, const cudnnTensorDescriptor_t xd, const void *x,
	const cudnnFilterDescriptor_t wd, const void *w, const cudnnConvolutionDescriptor_t cd,
	const cudnnTensorDescriptor_t yd, void *y, const int req, int *got,
	cudnnConvolutionFwdAlgoPerf_t *p, void *ws, size_t ws_size)
{
	(void)h;
	(void)xd;
	(void)x;
	(void)w;
	(void)yd;
	(void)y;
	(void)req;
	(void)ws;
	(void)ws_size;
	one_algo(wd, cd, got, p);
	return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnGetConvolutionForwardAlgorithm_v7(cudnnHandle_t h,
						     const cudnnTensorDescriptor_t xd,
						     const cudnnFilterDescriptor_t wd,
						     const cudnnConvolutionDescriptor_t cd,
						     const cudnnTensorDescriptor_t yd, const int req,
						     int *got, cudnnConvolutionFwdAlgoPerf_t *p)
{
	(void)h;
	(void)xd;
	(void)yd;
	(void)req;
	one_algo(wd, cd, got, p);
	return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnGetConvolutionForwardWorkspaceSize(cudnnHandle_t h,
						      const cudnnTensorDescriptor_t xd,
						      const cudnnFilterDescriptor_t wd,
						      const cudnnConvolutionDescriptor_t cd,
						      const cudnnTensorDescriptor_t yd,
						      cudnnConvolutionFwdAlgo_t a, size_t *size)
{
	(void)h;
	(void)xd;
	(void)wd;
	(void)cd;
	(void)yd;
	(void)a;
	*size = 128;
	return CUDNN_STATUS_SUCCESS;
}
