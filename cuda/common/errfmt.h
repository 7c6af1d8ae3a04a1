/*
 * errfmt.h - the worker's error messages: printf into a fresh string for an
 * errmsg out-parameter (freed by the caller with free()). NULL when out of
 * memory; callers treat that as "no message", never as success.
 */
#ifndef SCALED_ERRFMT_H
#define SCALED_ERRFMT_H

char *errfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
