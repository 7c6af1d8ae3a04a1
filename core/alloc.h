/*
 * alloc.h - the one allocation wrapper of the core.
 *
 * Every core allocation goes through these so that tests can make the Nth
 * allocation fail (alloc_fail_after) and check that nothing leaks or crashes.
 * They return NULL on failure like malloc; they never abort.
 */
#ifndef SCALED_ALLOC_H
#define SCALED_ALLOC_H

#include <stddef.h>

void *alloc_mem(size_t n);
void *alloc_zero(size_t count, size_t size);
void *alloc_resize(void *p, size_t n);
char *alloc_strdup(const char *s);
char *alloc_strndup(const char *s, size_t n);
/* printf into a fresh string; NULL on failure. */
char *alloc_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void alloc_free(void *p);

/* Tests: the next n allocations succeed, the one after fails, and every one
 * after that too until alloc_fail_after(-1) turns failure off. */
void alloc_fail_after(long n);

#endif
