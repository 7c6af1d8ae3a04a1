/* cuda_errors.c - see cuda_errors.h. */
#include "cuda_errors.h"
#include "cuda_internal.h"
#include "errfmt.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


int cu_fatal(cudaError_t e)
{
	switch (e) {
	/* Sticky: the context is corrupt and every later call fails. */
	case cudaErrorIllegalAddress:
	case cudaErrorLaunchTimeout:
	case cudaErrorContextIsDestroyed:
	case cudaErrorAssert:
	case cudaErrorHardwareStackError:
	case cudaErrorIllegalInstruction:
	case cudaErrorMisalignedAddress:
	case cudaErrorInvalidAddressSpace:
	case cudaErrorInvalidPc:
	case cudaErrorLaunchFailure:
	case cudaErrorECCUncorrectable:
	case cudaErrorNvlinkUncorrectable:
	case cudaErrorExternalDevice:
	case cudaErrorUnknown:
	/* The device or the driver is gone or unusable. */
	case cudaErrorNoDevice:
	case cudaErrorDevicesUnavailable:
	case cudaErrorInitializationError:
	case cudaErrorCudartUnloading:
	case cudaErrorInsufficientDriver:
	case cudaErrorSystemNotReady:
	case cudaErrorDeviceUninitialized:
		return 1;
	default:
		return 0;
	}
}

void cu_mark_dead(struct cu_session *s, const char *msg)
{
	if (s->dead)
		return;
	s->dead = 1;
	s->dead_msg = strdup(msg ? msg : "a fatal CUDA error");
}

static int rt_errno(cudaError_t e)
{
	if (e == cudaErrorMemoryAllocation)
		return -ENOMEM;
	if (cu_fatal(e))
		return -ENODEV;
	if (e == cudaErrorInvalidValue)
		return -EINVAL;
	if (e == cudaErrorNotSupported)
		return -ENOTSUP;
	return -EIO;
}

int cu_rt_fail(struct cu_session *s, char **errmsg, cudaError_t e, const char *fn,
	       const char *node)
{
	int fatal = cu_fatal(e);
	char *msg;

	msg = errfmt("%s (%s): %s: %s%s", fn, node ? node : "open", cudaGetErrorName(e),
		     cudaGetErrorString(e),
		     fatal ? "; the GPU is lost or in an unrecoverable state, this session is closed" : "");
	/* Clear a non-sticky error so it is not reported again by an
	 * unrelated later call; a sticky one stays whatever we do. */
	(void)cudaGetLastError();
	if (fatal && s)
		cu_mark_dead(s, msg);
	if (errmsg)
		*errmsg = msg;
	else
		free(msg);
	return rt_errno(e);
}

int cu_dnn_fail(struct cu_session *s, char **errmsg, cudnnStatus_t st, const char *fn,
		const char *node)
{
	char detail[512] = "";
	cudaError_t e = cudaPeekAtLastError();
	int err, fatal = cu_fatal(e);
	char *msg;

	/* cuDNN 9 keeps a readable reason for its last failure. */
	cudnnGetLastErrorString(detail, sizeof(detail));
	msg = errfmt("%s (%s): %s%s%s%s%s%s", fn, node ? node : "open", cudnnGetErrorString(st),
		     detail[0] ? ": " : "", detail,
		     e != cudaSuccess ? "; CUDA: " : "",
		     e != cudaSuccess ? cudaGetErrorName(e) : "",
		     fatal ? "; the GPU is lost or in an unrecoverable state, this session is closed" : "");
	(void)cudaGetLastError();
	if (fatal && s)
		cu_mark_dead(s, msg);
	if (errmsg)
		*errmsg = msg;
	else
		free(msg);
	switch ((int)st / 1000) {
	case 2:
		err = -EINVAL;
		break;
	case 3:
		err = -ENOTSUP;
		break;
	default:
		err = -EIO;
	}
	if (st == CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED ||
	    st == CUDNN_STATUS_INTERNAL_ERROR_DEVICE_ALLOCATION_FAILED)
		err = -ENOMEM;
	if (fatal)
		err = -ENODEV;
	return err;
}

int cu_debug_on(void)
{
	const char *v = getenv("SCALED_CUDA_DEBUG");

	return v && *v && strcmp(v, "0") != 0;
}

void cu_debug(const char *fmt, ...)
{
	va_list ap;

	if (!cu_debug_on())
		return;
	fputs("scaled cuda: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
