/*
 * cuda_type.c - numbers in the session's tensor type (half or float):
 * a float's bits in it, and floats converted to it on the host before
 * they are uploaded (weights, constants, clamp bounds, paddings).
 */
#include "cuda_half.h"
#include "cuda_internal.h"

#include <string.h>

uint32_t cu_bits(const struct cu_session *s, float v)
{
	uint32_t b;

	if (s->dt == CUDNN_DATA_HALF)
		return cu_f2h(v);
	memcpy(&b, &v, sizeof(b));
	return b;
}

void cu_to_type(const struct cu_session *s, const float *in, int64_t n, void *out)
{
	int64_t i;

	if (s->dt == CUDNN_DATA_FLOAT) {
		memcpy(out, in, (size_t)n * sizeof(float));
		return;
	}
	for (i = 0; i < n; i++)
		((uint16_t *)out)[i] = cu_f2h(in[i]);
}
