/*
 * plugin_fail.h - private to core/plugin_*.c: the loader's error messages
 * (plugin_fail.c).
 */
#ifndef SCALED_PLUGIN_FAIL_H
#define SCALED_PLUGIN_FAIL_H

/* Set *msg to "<where>: <formatted>" unless a message is already there.
 * Returns rc so that callers can write `return plugin_fail(...)`. */
int plugin_fail(char **msg, int rc, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
