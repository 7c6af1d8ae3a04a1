/*
 * cuda_errors.h - turning CUDA runtime and cuDNN failures into the
 * backend's errors: a negative errno and a message that names the call
 * that failed and the node it was for, e.g.
 *
 *   "cudnnConvolutionForward (node conv1): CUDNN_STATUS_BAD_PARAM: ..."
 *
 * The macros take the function name from the call itself, so a message
 * can never name the wrong function. A failure that leaves the device
 * unusable (a sticky error: illegal address, ECC, a lost or reset GPU)
 * also marks the session dead, so that every later call fails at once
 * with the first reason instead of touching a broken context again.
 */
#ifndef SCALED_CUDA_ERRORS_H
#define SCALED_CUDA_ERRORS_H

#include <cuda_runtime_api.h>
#include <cudnn.h>

struct cu_session;

/* Does this error leave the CUDA context unusable for the process? */
int cu_fatal(cudaError_t e);

/* Format the failure of fn for node into *errmsg (when not NULL) and
 * return its errno: -ENOMEM for allocations, -ENOTSUP for what cuDNN
 * does not support, -EINVAL for bad parameters, -ENODEV for a lost
 * device, else -EIO. s may be NULL (before a session exists). */
int cu_rt_fail(struct cu_session *s, char **errmsg, cudaError_t e, const char *fn,
	       const char *node);
int cu_dnn_fail(struct cu_session *s, char **errmsg, cudnnStatus_t st, const char *fn,
		const char *node);

/* Mark the session dead after a fatal error (keeps the first message):
 * every later call fails at once with it. */
void cu_mark_dead(struct cu_session *s, const char *msg);

/* Debug lines on stderr, when SCALED_CUDA_DEBUG is set (and not "0"). */
void cu_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int cu_debug_on(void);

/* Run a cuDNN call; on failure return from the calling function with
 * the formatted error. s, errmsg and node are the caller's. */
#define CU_DNN(s, errmsg, node, fn, ...)                                        \
	do {                                                                    \
		cudnnStatus_t cu_st_ = fn(__VA_ARGS__);                         \
		if (cu_st_ != CUDNN_STATUS_SUCCESS)                             \
			return cu_dnn_fail((s), (errmsg), cu_st_, #fn, (node)); \
	} while (0)

#define CU_RT(s, errmsg, node, fn, ...)                                        \
	do {                                                                   \
		cudaError_t cu_e_ = fn(__VA_ARGS__);                           \
		if (cu_e_ != cudaSuccess)                                      \
			return cu_rt_fail((s), (errmsg), cu_e_, #fn, (node));  \
	} while (0)

#endif
