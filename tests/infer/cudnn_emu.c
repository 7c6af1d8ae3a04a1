/*
 * cudnn_emu.c - a host-memory stand-in for the CUDA runtime and cuDNN
 * calls the cuDNN backend makes, for gpu_plan_emu_test (test_gpu_models.c
 * linked against this, cudnn_emu_dnn.c and cudnn_emu_conv.c instead of the
 * real libraries). This file: the runtime (memory, streams, events; graphs
 * refused).
 *
 * It computes what cuDNN's documentation says each call computes (FP32
 * and FP16 storage, strides, broadcasting, NHWC/KCRS/KRSC filters, groups,
 * dilations, symmetric pads, output shapes checked as cuDNN checks them),
 * so it tests the backend's own logic: its layouts, views, paddings,
 * fusions, chunks and buffer plan. It says nothing about cuDNN itself,
 * kernels, streams or CUDA graphs (capture always fails here, so the
 * eager path runs): those need the GPU test on a GPU.
 */
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EMU_PINS 64

/* ------------------------------------------------------------- runtime -- */

static void *pins[EMU_PINS];
static size_t pin_size[EMU_PINS];

cudaError_t cudaGetDeviceCount(int *n)
{
	*n = 1;
	return cudaSuccess;
}

const char *cudaGetErrorName(cudaError_t e)
{
	return e == cudaSuccess ? "cudaSuccess" : "cudaErrorEmulated";
}

const char *cudaGetErrorString(cudaError_t e)
{
	return e == cudaSuccess ? "no error" : "not in the emulation";
}

cudaError_t cudaGetLastError(void)
{
	return cudaSuccess;
}

cudaError_t cudaPeekAtLastError(void)
{
	return cudaSuccess;
}

cudaError_t cudaSetDevice(int d)
{
	return d == 0 ? cudaSuccess : cudaErrorInvalidDevice;
}

cudaError_t cudaMalloc(void **p, size_t n)
{
	/* Garbage, as device memory is: NaN-ish bytes. */
	*p = malloc(n ? n : 1);
	memset(*p, 0x7f, n);
	return *p ? cudaSuccess : cudaErrorMemoryAllocation;
}

cudaError_t cudaFree(void *p)
{
	free(p);
	return cudaSuccess;
}

cudaError_t cudaMemcpy(void *d, const void *s, size_t n, enum cudaMemcpyKind k)
{
	(void)k;
	memcpy(d, s, n);
	return cudaSuccess;
}

cudaError_t cudaMemcpyAsync(void *d, const void *s, size_t n, enum cudaMemcpyKind k,
			    cudaStream_t st)
{
	(void)k;
	(void)st;
	memcpy(d, s, n);
	return cudaSuccess;
}

cudaError_t cudaMemset(void *d, int v, size_t n)
{
	memset(d, v, n);
	return cudaSuccess;
}

cudaError_t cudaHostAlloc(void **p, size_t n, unsigned int flags)
{
	int i;

	(void)flags;
	*p = malloc(n ? n : 1);
	for (i = 0; i < EMU_PINS && *p; i++) {
		if (!pins[i]) {
			pins[i] = *p;
			pin_size[i] = n;
			break;
		}
	}
	return *p ? cudaSuccess : cudaErrorMemoryAllocation;
}

cudaError_t cudaFreeHost(void *p)
{
	int i;

	for (i = 0; i < EMU_PINS; i++)
		if (p && pins[i] == p)
			pins[i] = NULL;
	free(p);
	return cudaSuccess;
}

cudaError_t cudaPointerGetAttributes(struct cudaPointerAttributes *a, const void *p)
{
	const char *c = p;
	int i;

	memset(a, 0, sizeof(*a));
	a->type = cudaMemoryTypeUnregistered;
	for (i = 0; i < EMU_PINS; i++)
		if (pins[i] && c >= (const char *)pins[i] && c < (const char *)pins[i] + pin_size[i])
			a->type = cudaMemoryTypeHost;
	return cudaSuccess;
}

cudaError_t cudaMemGetInfo(size_t *f, size_t *t)
{
	*f = (size_t)1 << 28;
	*t = (size_t)1 << 30;
	return cudaSuccess;
}

/* Streams and events: everything already happened when a call returns. */
cudaError_t cudaStreamCreateWithFlags(cudaStream_t *s, unsigned int flags)
{
	(void)flags;
	*s = malloc(16);
	return cudaSuccess;
}

cudaError_t cudaStreamDestroy(cudaStream_t s)
{
	free(s);
	return cudaSuccess;
}

cudaError_t cudaStreamSynchronize(cudaStream_t s)
{
	(void)s;
	return cudaSuccess;
}

cudaError_t cudaDeviceSynchronize(void)
{
	return cudaSuccess;
}

cudaError_t cudaStreamWaitEvent(cudaStream_t s, cudaEvent_t e, unsigned int flags)
{
	(void)s;
	(void)e;
	(void)flags;
	return cudaSuccess;
}

cudaError_t cudaEventCreateWithFlags(cudaEvent_t *e, unsigned int flags)
{
	(void)flags;
	*e = malloc(16);
	return cudaSuccess;
}

cudaError_t cudaEventDestroy(cudaEvent_t e)
{
	free(e);
	return cudaSuccess;
}

cudaError_t cudaEventRecord(cudaEvent_t e, cudaStream_t s)
{
	(void)e;
	(void)s;
	return cudaSuccess;
}

cudaError_t cudaEventSynchronize(cudaEvent_t e)
{
	(void)e;
	return cudaSuccess;
}

/* No graphs: the backend must fall back to running its steps eagerly. */
cudaError_t cudaStreamBeginCapture(cudaStream_t s, enum cudaStreamCaptureMode m)
{
	(void)s;
	(void)m;
	return cudaErrorStreamCaptureUnsupported;
}

cudaError_t cudaStreamEndCapture(cudaStream_t s, cudaGraph_t *g)
{
	(void)s;
	*g = NULL;
	return cudaErrorStreamCaptureUnsupported;
}

cudaError_t cudaGraphInstantiate(cudaGraphExec_t *e, cudaGraph_t g, unsigned long long flags)
{
	(void)g;
	(void)flags;
	*e = NULL;
	return cudaErrorNotSupported;
}

cudaError_t cudaGraphDestroy(cudaGraph_t g)
{
	(void)g;
	return cudaSuccess;
}

cudaError_t cudaGraphExecDestroy(cudaGraphExec_t g)
{
	(void)g;
	return cudaSuccess;
}

cudaError_t cudaGraphLaunch(cudaGraphExec_t g, cudaStream_t s)
{
	(void)g;
	(void)s;
	return cudaErrorNotSupported;
}
