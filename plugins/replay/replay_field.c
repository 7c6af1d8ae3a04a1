/*
 * replay_field.c - one field of a trace row, parsed strictly: an ISO-8601
 * time stamp (timegm, checked back with gmtime_r so that February 30th is
 * refused, not moved to March) and a finite, non-negative decimal number
 * (strtod, after a check that the text is plain decimal: no hex, no sign,
 * no spaces, no "nan" or "inf").
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "replay.h"

/* How much of a bad field a message quotes. */
#define REPLAY_FIELD_QUOTE 40

static int replay_field_digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* The fixed-width "YYYY-MM-DDTHH:MM:SS" at s: 0 and the fields, or -1. */
static int replay_field_civil(const char *s, struct tm *tm)
{
	int y, mo, d, h, mi, se;

	if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
		return -1;
	if (replay_field_digits(s, 4, &y) || replay_field_digits(s + 5, 2, &mo) ||
	    replay_field_digits(s + 8, 2, &d) || replay_field_digits(s + 11, 2, &h) ||
	    replay_field_digits(s + 14, 2, &mi) || replay_field_digits(s + 17, 2, &se))
		return -1;
	memset(tm, 0, sizeof *tm);
	tm->tm_year = y - 1900;
	tm->tm_mon = mo - 1;
	tm->tm_mday = d;
	tm->tm_hour = h;
	tm->tm_min = mi;
	tm->tm_sec = se;
	return 0;
}

int replay_field_time(const char *s, size_t len, int64_t *ms, char *why, size_t whylen)
{
	int q = len > REPLAY_FIELD_QUOTE ? REPLAY_FIELD_QUOTE : (int)len;
	int oh = 0, om = 0, sign = 0;
	struct tm tm, back;
	time_t t;

	if (len == 20 && s[19] == 'Z') {
		/* UTC */
	} else if (len == 25 && (s[19] == '+' || s[19] == '-') && s[22] == ':' &&
		   !replay_field_digits(s + 20, 2, &oh) && !replay_field_digits(s + 23, 2, &om)) {
		sign = s[19] == '+' ? 1 : -1;
	} else if (len != 19) {
		goto bad;
	}
	if (replay_field_civil(s, &tm) < 0)
		goto bad;
	if (tm.tm_year + 1900 < 1 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_hour > 23 ||
	    tm.tm_min > 59 || tm.tm_sec > 59 || oh > 23 || om > 59) {
		snprintf(why, whylen, "timestamp %.*s is out of range", q, s);
		return -EINVAL;
	}
	back = tm;
	t = timegm(&back);
	if (t == (time_t)-1 || !gmtime_r(&t, &back) || back.tm_mday != tm.tm_mday ||
	    back.tm_mon != tm.tm_mon) {
		snprintf(why, whylen, "timestamp %.*s names no such day", q, s);
		return -EINVAL;
	}
	*ms = ((int64_t)t - sign * (int64_t)(oh * 3600 + om * 60)) * 1000;
	return 0;
bad:
	snprintf(why, whylen, "timestamp \"%.*s%s\" is not YYYY-MM-DDTHH:MM:SS with Z, "
		 "+HH:MM, -HH:MM or nothing after it", q, s, (int)len > q ? "..." : "");
	return -EINVAL;
}

/* Plain decimal: digits, an optional fraction, an optional exponent. */
static int replay_field_decimal(const char *s, size_t len)
{
	size_t i = 0, digits = 0;

	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++, digits++;
	if (i < len && s[i] == '.')
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			digits++;
	if (!digits)
		return 0;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		size_t e0;

		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		for (e0 = i; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == e0)
			return 0;
	}
	return i == len;
}

int replay_field_number(const char *s, size_t len, const char *what, double *v,
			char *why, size_t whylen)
{
	int q = len > REPLAY_FIELD_QUOTE ? REPLAY_FIELD_QUOTE : (int)len;
	const char *more = (int)len > q ? "..." : "";
	char *end = NULL;
	double d;

	/* The field ends at a ',' or the line's end, both made '\0' by the
	 * reader, so strtod stops there at the latest. */
	if (!len) {
		snprintf(why, whylen, "%s is empty", what);
		return -EINVAL;
	}
	errno = 0;
	d = strtod(s, &end);
	if (end != s + len) {
		snprintf(why, whylen, "%s \"%.*s%s\" is not a number", what, q, s, more);
		return -EINVAL;
	}
	if (!isfinite(d)) {
		snprintf(why, whylen, "%s \"%.*s%s\" is not a finite number", what, q, s, more);
		return -EINVAL;
	}
	if (d < 0 || s[0] == '-') {
		snprintf(why, whylen, "%s %.*s%s is negative", what, q, s, more);
		return -EINVAL;
	}
	if (!replay_field_decimal(s, len)) {
		snprintf(why, whylen, "%s \"%.*s%s\" is not a plain decimal number", what, q, s,
			 more);
		return -EINVAL;
	}
	*v = d;
	return 0;
}
