/*
 * int_text.h - a whole number's decimal digits, written by hand: what
 * "%lld" writes, without printf's parsing (hot in decision JSON, series.csv
 * rows and --check's description).
 */
#ifndef SCALED_INT_TEXT_H
#define SCALED_INT_TEXT_H

#include <stddef.h>

#define INT_TEXT_MAX 21 /* "-9223372036854775808" and room */

/* The digits of v, ending at end (not terminated): their first byte; the
 * caller writes end - first bytes from it. end must have INT_TEXT_MAX
 * bytes before it. */
static inline char *int_text(char *end, long long v)
{
	unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
	char *p = end;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	return p;
}

#endif
