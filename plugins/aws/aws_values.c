/*
 * aws_values.c - the values of AWS answers, read strictly (aws_answers.h):
 * whole numbers that fit an int, plain decimals, ISO 8601 times; and the
 * quoting of a bad value in a message.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_answers.h"
#include "aws_values.h"

/* How much of a bad value a message quotes. */
#define AWS_VALUES_QUOTE 40

void aws_values_quote(char *dst, size_t n, const char *s)
{
	size_t len = strlen(s), take = len, j = 0;

	if (n < 8) {
		if (n)
			dst[0] = '\0';
		return;
	}
	if (take > AWS_VALUES_QUOTE)
		take = AWS_VALUES_QUOTE;
	if (take > n - 6)
		take = n - 6;
	/* Not in the middle of a UTF-8 sequence. */
	while (take < len && take > 0 && ((unsigned char)s[take] & 0xc0) == 0x80)
		take--;
	dst[j++] = '"';
	for (size_t i = 0; i < take; i++) {
		unsigned char c = (unsigned char)s[i];

		dst[j++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	if (take < len)
		memcpy(dst + j, "...", 3), j += 3;
	dst[j++] = '"';
	dst[j] = '\0';
}

void aws_values_cut_details(char *s)
{
	static const char *const marks[] = { "\n\n", "\r\n\r\n", "The Canonical String",
					     "The String-to-Sign", "Canonical String", NULL };
	char *cut = NULL, *p;
	size_t i;

	for (i = 0; marks[i]; i++)
		if ((p = strstr(s, marks[i])) && (!cut || p < cut))
			cut = p;
	if (!cut)
		return;
	while (cut > s && (cut[-1] == ' ' || (unsigned char)cut[-1] < 0x20))
		cut--;
	*cut = '\0';
}

void aws_values_clean(char *s)
{
	size_t n, i;

	aws_values_cut_details(s);
	n = strlen(s);
	i = n;

	for (char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	/* A sequence cut short by truncation: drop its lead and what follows. */
	while (i > 0 && ((unsigned char)s[i - 1] & 0xc0) == 0x80)
		i--;
	if (i > 0 && (unsigned char)s[i - 1] >= 0xc0) {
		unsigned char c = (unsigned char)s[i - 1];
		size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;

		if (n - (i - 1) < need)
			s[i - 1] = '\0';
	}
}

int aws_answers_int(const char *s, const char *what, int *out, char *why, size_t whylen)
{
	char q[64];
	long long v = 0;
	size_t i;

	aws_values_quote(q, sizeof q, s);
	if (!*s || strspn(s, "0123456789") != strlen(s)) {
		snprintf(why, whylen, "%s %s is not a whole number", what, q);
		return -EBADMSG;
	}
	for (i = 0; s[i]; i++) {
		v = v * 10 + (s[i] - '0');
		if (v > INT_MAX) {
			snprintf(why, whylen, "%s %s is over %d", what, q, INT_MAX);
			return -EBADMSG;
		}
	}
	*out = (int)v;
	return 0;
}

int aws_answers_decimal(const char *s, const char *what, double *out, char *why,
			size_t whylen)
{
	size_t i = 0, intd, frac = 0;
	char q[64], *end = NULL;
	double d;

	aws_values_quote(q, sizeof q, s);
	intd = strspn(s, "0123456789");
	i = intd;
	if (s[i] == '.') {
		frac = strspn(s + i + 1, "0123456789");
		i += 1 + frac;
	}
	if (!intd || s[i] || (s[intd] == '.' && !frac)) {
		snprintf(why, whylen, "%s %s is not a plain decimal number", what, q);
		return -EBADMSG;
	}
	/* In a locale whose point is not '.', strtod stops early: refused
	 * below, never misread. */
	d = strtod(s, &end);
	if (end != s + i) {
		snprintf(why, whylen, "%s %s cannot be read as a number", what, q);
		return -EBADMSG;
	}
	if (!isfinite(d)) {
		snprintf(why, whylen, "%s %s is out of range", what, q);
		return -EBADMSG;
	}
	*out = d;
	return 0;
}

/* n digits at s into *v: 0, or -1 when one is not a digit. */
static int aws_values_digits(const char *s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar
 * (H. Hinnant's days_from_civil). */
static int64_t aws_values_days(int y, int m, int d)
{
	int64_t yy = y - (m <= 2), era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400, doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

static int aws_values_mdays(int y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 ? 28 + leap : days[m - 1];
}

int aws_answers_time(const char *s, const char *what, int64_t *ms, char *why, size_t whylen)
{
	int y, mo, d, h, mi, se, oh = 0, om = 0, sign = 0, frac_ms = 0;
	size_t len = strlen(s), i = 19;
	char q[64];

	aws_values_quote(q, sizeof q, s);
	if (len < 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || aws_values_digits(s, 4, &y) || aws_values_digits(s + 5, 2, &mo) ||
	    aws_values_digits(s + 8, 2, &d) || aws_values_digits(s + 11, 2, &h) ||
	    aws_values_digits(s + 14, 2, &mi) || aws_values_digits(s + 17, 2, &se))
		goto bad;
	if (s[i] == '.') {
		size_t n = strspn(s + i + 1, "0123456789");

		if (n < 1 || n > 9)
			goto bad;
		for (size_t k = 0; k < 3; k++)
			frac_ms = frac_ms * 10 + (k < n ? s[i + 1 + k] - '0' : 0);
		i += 1 + n;
	}
	if (s[i] == 'Z') {
		i++;
	} else if (s[i] == '+' || s[i] == '-') {
		if (len - i != 6 || s[i + 3] != ':' || aws_values_digits(s + i + 1, 2, &oh) ||
		    aws_values_digits(s + i + 4, 2, &om))
			goto bad;
		sign = s[i] == '+' ? 1 : -1;
		i += 6;
	}
	if (i != len)
		goto bad;
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > aws_values_mdays(y, mo) || h > 23 ||
	    mi > 59 || se > 59 || oh > 23 || om > 59) {
		snprintf(why, whylen, "%s %s is no such time", what, q);
		return -EBADMSG;
	}
	*ms = ((aws_values_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + se) -
	       sign * (int64_t)(oh * 3600 + om * 60)) * 1000 + frac_ms;
	return 0;
bad:
	snprintf(why, whylen, "%s %s is not an ISO 8601 time (YYYY-MM-DDTHH:MM:SS[.fff]"
		 "[Z|+HH:MM|-HH:MM])", what, q);
	return -EBADMSG;
}
