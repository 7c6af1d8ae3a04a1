/*
 * errfmt.h - the inference worker's one printf-to-malloc helper, for error
 * messages: printf into a fresh string for an errmsg out-parameter (freed
 * by the caller with free()). NULL when out of memory; callers treat that
 * as "no message", never as success. Every part of cuda/ and the infer
 * plugin formats its messages with these (the core has its own,
 * alloc_printf, on its allocator).
 */
#ifndef SCALED_ERRFMT_H
#define SCALED_ERRFMT_H

#include <stdarg.h>

char *errfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *errfmt_v(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#endif
