/*
 * copy.h - copies on hot paths that GCC must not inline as `rep movs`.
 *
 * GCC 12 (-O2, generic tuning) inlines a memcpy whose length it can bound
 * (a clamp before it, a small array's size) as `rep movsq`, whose start-up
 * costs more than a short copy: a quarter of g:hold's time once (perf). An
 * empty asm that "changes" the length hides the bound, and the library's
 * memcpy, quick for short lengths, runs instead.
 */
#ifndef SCALED_COPY_H
#define SCALED_COPY_H

#include <stddef.h>
#include <string.h>

static inline void copy_bytes(void *dst, const void *src, size_t n)
{
	__asm__("" : "+r"(n));
	memcpy(dst, src, n);
}

/* src into dst[size] (size > 0), cut to fit, always terminated: what
 * snprintf(dst, size, "%s", src) writes, without the format. */
static inline void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	copy_bytes(dst, src, n);
	dst[n] = '\0';
}

#endif
