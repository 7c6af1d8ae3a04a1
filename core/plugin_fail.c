/*
 * plugin_fail.c - the loader's error messages: "<where>: <why>", the first
 * one set wins (plugin_fail.h).
 */
#include "plugin_fail.h"

#include <stdarg.h>
#include <stdio.h>

#include "alloc.h"

int plugin_fail(char **msg, int rc, const char *where, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (*msg)
		return rc;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	*msg = alloc_printf("%s: %s", where, buf);
	return rc;
}
