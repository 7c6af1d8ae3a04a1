/* errfmt.c - see errfmt.h. */
#include <stdarg.h>
#include <stdio.h>

#include "errfmt.h"

char *errfmt_v(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	return s;
}

char *errfmt(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = errfmt_v(fmt, ap);
	va_end(ap);
	return s;
}
