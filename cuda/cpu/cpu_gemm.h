/*
 * cpu_gemm.h - single-threaded FP32 matrix multiply for the CPU backend.
 *
 * C[m x n] = A[m x k] * B[k x n], all row-major with leading dimensions
 * lda, ldb, ldc; C is overwritten. Callers split large products across
 * threads by columns of B and C: every element of C is summed in the same
 * order whatever the split, so results do not depend on the thread count.
 */
#ifndef SCALED_CPU_GEMM_H
#define SCALED_CPU_GEMM_H

#include <stddef.h>
#include <stdint.h>

/* Floats of scratch cpu_sgemm needs (for any m, n, k). */
size_t cpu_sgemm_scratch(void);

void cpu_sgemm(int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
	       const float *b, int64_t ldb, float *c, int64_t ldc, float *scratch);

#endif
