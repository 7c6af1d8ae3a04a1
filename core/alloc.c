/*
 * alloc.c - malloc wrappers with fail-after-N fault injection.
 *
 * The counter is atomic because plugin threads may allocate through the core
 * (post-from-thread); when injection is off the cost is one relaxed load.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

/* -1: off; n >= 0: n more allocations succeed, then all fail. */
static _Atomic long fail_countdown = -1;

/* Decide whether this allocation may go ahead. */
static int alloc_allowed(void)
{
	long n = atomic_load_explicit(&fail_countdown, memory_order_relaxed);

	while (n > 0) {
		if (atomic_compare_exchange_weak(&fail_countdown, &n, n - 1))
			return 1;
	}
	return n < 0;
}

void alloc_fail_after(long n)
{
	atomic_store(&fail_countdown, n < 0 ? -1 : n);
}

/* malloc(0) may return NULL, which callers would take for failure. */
void *alloc_mem(size_t n)
{
	if (!alloc_allowed())
		return NULL;
	return malloc(n ? n : 1);
}

void *alloc_zero(size_t count, size_t size)
{
	if (!alloc_allowed())
		return NULL;
	if (count == 0 || size == 0)
		count = size = 1;
	return calloc(count, size);
}

/* realloc(p, 0) is implementation-defined: always keep at least one byte. */
void *alloc_resize(void *p, size_t n)
{
	if (!alloc_allowed())
		return NULL;
	return realloc(p, n ? n : 1);
}

char *alloc_strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *d = alloc_mem(len + 1);

	if (!d)
		return NULL;
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

char *alloc_strdup(const char *s)
{
	return alloc_strndup(s, strlen(s));
}

char *alloc_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	s = alloc_mem((size_t)n + 1);
	if (!s)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

void alloc_free(void *p)
{
	free(p);
}
