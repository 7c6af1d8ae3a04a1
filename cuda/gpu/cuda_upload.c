/*
 * cuda_upload.c - device memory that lives as long as the session
 * (weights, biases, constants): allocated, filled from the host once,
 * and remembered in s->allocs for close to free.
 */
#include "cuda_errors.h"
#include "cuda_internal.h"

#include <errno.h>
#include <stdlib.h>

/* Remember p for close to free. */
static int track(struct cu_session *s, void *p)
{
	if (s->n_allocs == s->cap_allocs) {
		int cap = s->cap_allocs ? 2 * s->cap_allocs : 64;
		void **a = realloc(s->allocs, (size_t)cap * sizeof(*a));

		if (!a)
			return -ENOMEM;
		s->allocs = a;
		s->cap_allocs = cap;
	}
	s->allocs[s->n_allocs++] = p;
	return 0;
}

int cu_upload(struct cu_session *s, const void *host, size_t bytes, void **dev,
	      const char *label, char **errmsg)
{
	void *p = NULL;

	CU_RT(s, errmsg, label, cudaMalloc, &p, bytes ? bytes : 1);
	if (track(s, p)) {
		cudaFree(p);
		return graph_errf(errmsg, -ENOMEM, "out of memory");
	}
	*dev = p;
	if (bytes)
		CU_RT(s, errmsg, label, cudaMemcpy, p, host, bytes, cudaMemcpyHostToDevice);
	return 0;
}

int cu_upload_typed(struct cu_session *s, const float *v, int64_t n, void **dev,
		    const char *label, char **errmsg)
{
	void *tmp = malloc((size_t)(n ? n : 1) * s->esize);
	int err;

	if (!tmp)
		return graph_errf(errmsg, -ENOMEM, "out of memory");
	cu_to_type(s, v, n, tmp);
	err = cu_upload(s, tmp, (size_t)n * s->esize, dev, label, errmsg);
	free(tmp);
	return err;
}
