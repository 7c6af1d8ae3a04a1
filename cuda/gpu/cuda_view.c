/*
 * cuda_view.c - a view (cuda_internal.h) at run time: its rows at the
 * batch at hand, its device pointer, and the cuDNN tensor descriptor that
 * says it. cu_set_ex and cu_set_nhwc keep their short names: they are
 * called through CU_DNN, whose messages quote them.
 */
#include "cuda_internal.h"

int cu_rows(const struct cu_view *v, int n)
{
	return (v->fixed ? v->fixed : n) * v->nmul;
}

cudnnStatus_t cu_set_ex(cudnnTensorDescriptor_t d, cudnnDataType_t dt, const struct cu_view *v,
			int n)
{
	return cudnnSetTensor4dDescriptorEx(d, dt, cu_rows(v, n), v->d[0], v->d[1], v->d[2],
					    (int)v->st[0], (int)v->st[1], (int)v->st[2],
					    (int)v->st[3]);
}

/* Convolutions and pools get their tensors by format rather than by
 * strides: packed NHWC, which is what the views say for them. */
cudnnStatus_t cu_set_nhwc(cudnnTensorDescriptor_t d, cudnnDataType_t dt,
			  const struct cu_view *v, int n)
{
	return cudnnSetTensor4dDescriptor(d, CUDNN_TENSOR_NHWC, dt, cu_rows(v, n), v->d[0],
					  v->d[1], v->d[2]);
}

void *cu_view_ptr(const struct cu_session *s, const struct cu_view *v, void *ext)
{
	if (v->t == CU_EXT_IN || v->t == CU_EXT_OUT)
		return (char *)ext + v->off * (int64_t)sizeof(float);
	if (v->t < 0)
		return NULL;
	return (char *)s->bufs[s->t[s->t[v->t].root].buf] + v->off * (int64_t)s->esize;
}
