/*
 * cpu_gemm.c - blocked SGEMM in plain C.
 *
 * The classic layout: B is packed in KC x NC blocks as strips NR columns
 * wide, A in MC x KC blocks as strips MR rows high, so the micro-kernel
 * streams both from contiguous memory while an MR x NR tile of C stays in
 * registers. The micro-kernel is written so the compiler can vectorise it
 * (fixed trip counts, no aliasing); edge tiles are computed in full on
 * zero-padded strips and only the valid part is stored.
 */
#include "cpu_gemm.h"

#include <string.h>

#define MR 6
#define NR 16
#define KC 256
#define MC 72	/* multiple of MR */
#define NC 512	/* multiple of NR */

size_t cpu_sgemm_scratch(void)
{
	return (size_t)MC * KC + (size_t)KC * NC;
}

/* rows [0, mc) x cols [0, kc) of A into ceil(mc / MR) strips of kc x MR */
static void pack_a(int64_t mc, int64_t kc, const float *a, int64_t lda, float *dst)
{
	int64_t i0, i, p;

	for (i0 = 0; i0 < mc; i0 += MR) {
		int64_t rows = mc - i0 < MR ? mc - i0 : MR;

		for (p = 0; p < kc; p++) {
			for (i = 0; i < rows; i++)
				dst[p * MR + i] = a[(i0 + i) * lda + p];
			for (; i < MR; i++)
				dst[p * MR + i] = 0.0f;
		}
		dst += kc * MR;
	}
}

/* rows [0, kc) x cols [0, nc) of B into ceil(nc / NR) strips of kc x NR */
static void pack_b(int64_t kc, int64_t nc, const float *b, int64_t ldb, float *dst)
{
	int64_t j0, j, p;

	for (j0 = 0; j0 < nc; j0 += NR) {
		int64_t cols = nc - j0 < NR ? nc - j0 : NR;

		for (p = 0; p < kc; p++) {
			const float *src = b + p * ldb + j0;

			if (cols == NR) {
				memcpy(dst + p * NR, src, NR * sizeof(float));
			} else {
				for (j = 0; j < cols; j++)
					dst[p * NR + j] = src[j];
				for (; j < NR; j++)
					dst[p * NR + j] = 0.0f;
			}
		}
		dst += kc * NR;
	}
}

/* The finished tile goes to C: stored, or added on later KC blocks. */
static void store_tile(const float *acc, float *c, int64_t ldc, int accumulate,
		       int64_t mr, int64_t nr)
{
	int64_t i, j;

	for (i = 0; i < mr; i++) {
		float *row = c + i * ldc;
		const float *src = acc + i * NR;

		if (accumulate)
			for (j = 0; j < nr; j++)
				row[j] += src[j];
		else
			for (j = 0; j < nr; j++)
				row[j] = src[j];
	}
}

/*
 * The micro-kernels use GNU C vector types so the accumulators stay in
 * registers. The portable one works on 4-float vectors (SSE, NEON) and
 * does the 16 columns as two halves so its 12 accumulators fit in 16
 * registers; the x86-64 AVX2+FMA one does them at once in 8-float
 * vectors. Both sum over p in the same order; FMA rounds once instead of
 * twice, so the two may differ in the last bits.
 */
typedef float cpu_v4 __attribute__((vector_size(16)));

static void kernel_v4(int64_t kc, const float *restrict a, const float *restrict b,
		      float *restrict acc)
{
	int64_t p, i, h;

	for (h = 0; h < NR; h += 8) {
		cpu_v4 s[MR][2] = { { { 0 } } };

		for (p = 0; p < kc; p++) {
			cpu_v4 b0, b1;

			memcpy(&b0, b + p * NR + h, sizeof(b0));
			memcpy(&b1, b + p * NR + h + 4, sizeof(b1));
#pragma GCC unroll 8
			for (i = 0; i < MR; i++) {
				s[i][0] += a[p * MR + i] * b0;
				s[i][1] += a[p * MR + i] * b1;
			}
		}
		for (i = 0; i < MR; i++) {
			memcpy(acc + i * NR + h, &s[i][0], sizeof(s[i][0]));
			memcpy(acc + i * NR + h + 4, &s[i][1], sizeof(s[i][1]));
		}
	}
}

#if defined(__x86_64__) && defined(__GNUC__)
#define CPU_GEMM_AVX2 1
typedef float cpu_v8 __attribute__((vector_size(32)));

__attribute__((target("avx2,fma")))
static void kernel_avx2(int64_t kc, const float *restrict a, const float *restrict b,
			float *restrict acc)
{
	cpu_v8 s[MR][2] = { { { 0 } } };
	int64_t p, i;

	for (p = 0; p < kc; p++) {
		cpu_v8 b0, b1;

		memcpy(&b0, b + p * NR, sizeof(b0));
		memcpy(&b1, b + p * NR + 8, sizeof(b1));
#pragma GCC unroll 8
		for (i = 0; i < MR; i++) {
			s[i][0] += a[p * MR + i] * b0;
			s[i][1] += a[p * MR + i] * b1;
		}
	}
	for (i = 0; i < MR; i++) {
		memcpy(acc + i * NR, &s[i][0], sizeof(s[i][0]));
		memcpy(acc + i * NR + 8, &s[i][1], sizeof(s[i][1]));
	}
}

static int have_avx2(void)
{
	static int cached = -1;

	/* Benign race: every thread computes the same answer. */
	if (cached < 0) {
		__builtin_cpu_init();
		cached = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
	}
	return cached;
}
#endif

/* C tile (mr x nr valid) = or += packed A strip x packed B strip */
static void kernel(int64_t kc, const float *restrict a, const float *restrict b,
		   float *restrict c, int64_t ldc, int accumulate, int64_t mr, int64_t nr)
{
	float acc[MR * NR] __attribute__((aligned(32)));

#ifdef CPU_GEMM_AVX2
	if (have_avx2())
		kernel_avx2(kc, a, b, acc);
	else
#endif
		kernel_v4(kc, a, b, acc);
	store_tile(acc, c, ldc, accumulate, mr, nr);
}

void cpu_sgemm(int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
	       const float *b, int64_t ldb, float *c, int64_t ldc, float *scratch)
{
	float *pa = scratch, *pb = scratch + (size_t)MC * KC;
	int64_t jc, pc, ic, jr, ir;

	if (k == 0) {
		for (ir = 0; ir < m; ir++)
			memset(c + ir * ldc, 0, (size_t)n * sizeof(float));
		return;
	}
	for (jc = 0; jc < n; jc += NC) {
		int64_t nc = n - jc < NC ? n - jc : NC;

		for (pc = 0; pc < k; pc += KC) {
			int64_t kc = k - pc < KC ? k - pc : KC;

			pack_b(kc, nc, b + pc * ldb + jc, ldb, pb);
			for (ic = 0; ic < m; ic += MC) {
				int64_t mc = m - ic < MC ? m - ic : MC;

				pack_a(mc, kc, a + ic * lda + pc, lda, pa);
				for (jr = 0; jr < nc; jr += NR) {
					for (ir = 0; ir < mc; ir += MR) {
						kernel(kc, pa + ir * kc, pb + jr * kc,
						       c + (ic + ir) * ldc + jc + jr, ldc, pc > 0,
						       mc - ir < MR ? mc - ir : MR,
						       nc - jr < NR ? nc - jr : NR);
					}
				}
			}
		}
	}
}
