/*
 * cuda_clamp.c - the activation a step ends with (struct cu_clamp): ReLU
 * and clipped ReLU as cuDNN activations, a general [lo, hi] as two
 * OpTensor calls; used by the steps of cuda_ops.c and by convolutions.
 */
#include "cuda_errors.h"
#include "cuda_internal.h"

#include <math.h>

static const float one = 1.0f, zero = 0.0f;

int cu_clamp_run(struct cu_session *s, struct cu_step *st, cudnnTensorDescriptor_t xd,
		 const void *x, cudnnTensorDescriptor_t yd, void *y, int skip_relu,
		 char **errmsg)
{
	const char *lab = st->label;

	switch (st->clamp.kind) {
	case CU_CLAMP_NONE:
		if (x != y)
			CU_DNN(s, errmsg, lab, cudnnTransformTensor, s->dnn, &one, xd, x, &zero, yd, y);
		return 0;
	case CU_CLAMP_RELU:
		if (skip_relu)
			return 0;
		/* The activation descriptor says which of the two. */
		__attribute__((fallthrough));
	case CU_CLAMP_RELU_MAX:
		CU_DNN(s, errmsg, lab, cudnnActivationForward, s->dnn, st->ad, &one, xd, x, &zero,
		       yd, y);
		return 0;
	case CU_CLAMP_MINMAX:
		/* No min/max activation in cuDNN: max with a broadcast scalar,
		 * then min with another (the output's elements are written
		 * where they are read, which elementwise kernels allow). */
		if (st->clamp.lo != -INFINITY) {
			CU_DNN(s, errmsg, lab, cudnnOpTensor, s->dnn, s->op_max, &one, xd, x, &one,
			       s->scalar_d, st->clampv, &zero, yd, y);
			x = y;
			xd = yd;
		}
		if (st->clamp.hi != INFINITY)
			CU_DNN(s, errmsg, lab, cudnnOpTensor, s->dnn, s->op_min, &one, xd, x, &one,
			       s->scalar_d, (char *)st->clampv + s->esize, &zero, yd, y);
		return 0;
	}
	return 0;
}
