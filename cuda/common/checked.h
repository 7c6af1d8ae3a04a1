/*
 * checked.h - arithmetic on sizes that come from an untrusted file.
 *
 * A model's dimensions, kernel sizes, strides, pads and Reshape targets
 * are whatever its author wrote; so is the size of an input file. Every
 * product or sum of them goes through one of these, so that a hostile
 * value is refused with a message naming where it came from, instead of
 * wrapping to a small or zero size (a division by zero, a buffer too
 * small for what a kernel then writes).
 *
 * Each returns 0 with the exact result in *out, or -EOVERFLOW when the
 * result does not fit (or, for the bounded ones, passes the bound); *out
 * is unspecified then. Header-only, so that the loader, the graph, the
 * backends and the I/O side share it without depending on each other.
 */
#ifndef SCALED_CHECKED_H
#define SCALED_CHECKED_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

/* The most elements one value (all of its items) may hold: 2^40 floats
 * is 4 TiB, far beyond any CNN's activations, yet far enough below 2^63
 * that a product of it with a batch or a sizeof stays exact. */
#define CHECKED_MAX_ELEMS ((int64_t)1 << 40)

static inline int checked_mul(int64_t a, int64_t b, int64_t *out)
{
	return __builtin_mul_overflow(a, b, out) ? -EOVERFLOW : 0;
}

static inline int checked_add(int64_t a, int64_t b, int64_t *out)
{
	return __builtin_add_overflow(a, b, out) ? -EOVERFLOW : 0;
}

/* a * b + c, each step checked. */
static inline int checked_sub(int64_t a, int64_t b, int64_t *out)
{
	return __builtin_sub_overflow(a, b, out) ? -EOVERFLOW : 0;
}

static inline int checked_muladd(int64_t a, int64_t b, int64_t c, int64_t *out)
{
	int64_t p;

	return checked_mul(a, b, &p) || checked_add(p, c, out) ? -EOVERFLOW : 0;
}

/* The product of dims[from..to), each at least 1, at most limit. */
static inline int checked_prod(const int64_t *dims, int from, int to, int64_t limit,
			       int64_t *out)
{
	int64_t p = 1;

	for (; from < to; from++)
		if (dims[from] < 1 || checked_mul(p, dims[from], &p) || p > limit)
			return -EOVERFLOW;
	*out = p;
	return 0;
}

/* n things of size bytes each, in bytes. */
static inline int checked_bytes(size_t n, size_t size, size_t *out)
{
	return __builtin_mul_overflow(n, size, out) ? -EOVERFLOW : 0;
}

#endif
