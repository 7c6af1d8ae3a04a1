/*
 * tz_posix.c - the proleptic Gregorian calendar and POSIX TZ strings, for
 * tz.c (see tz_int.h).
 *
 * The TZ string: std offset [dst [offset] [,start[/time],end[/time]]], an
 * offset being [+-]hh[:mm[:ss]] west of UTC (the dst one defaults to an
 * hour ahead of std), names alphabetic or <quoted>, dates Jn (1-365, no
 * Feb 29), n (0-365) or Mm.w.d (week 5: the last), times signed and up to
 * 167 hours, 02:00 when left out (RFC 8536 3.3.1). A string with DST but
 * no rule is refused: zic always writes the rule.
 */
#include <string.h>

#include "tz.h"
#include "tz_int.h"

/* ------------------------------------------------------------ calendar -- */

int64_t tz_floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static bool tz_leap(int64_t y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

/* Days since 1970-01-01 of a date in the proleptic Gregorian calendar
 * (H. Hinnant's days_from_civil). */
int64_t tz_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = tz_floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void tz_civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
	int64_t z = days + 719468, era = tz_floor_div(z, 146097), doe, yoe, doy, mp;

	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* 0 = Sunday; 1970-01-01 was a Thursday. */
int tz_weekday(int64_t days)
{
	return (int)(days + 4 - 7 * tz_floor_div(days + 4, 7));
}

static int tz_month_days(int64_t y, int m)
{
	static const int len[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return len[m - 1] + (m == 2 && tz_leap(y));
}

/* ---------------------------------------------------------- TZ strings -- */

/* 1 to 3 digits in [lo, hi]. */
static const char *tz_posix_num(const char *p, int lo, int hi, int *out)
{
	int v = 0, n = 0;

	while (*p >= '0' && *p <= '9' && n < 3) {
		v = v * 10 + (*p++ - '0');
		n++;
	}
	if (n == 0 || (*p >= '0' && *p <= '9') || v < lo || v > hi)
		return NULL;
	*out = v;
	return p;
}

static bool tz_posix_quoted_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '-';
}

/* An abbreviation: 3 or more letters, or <...> of letters, digits, + and -. */
static const char *tz_posix_name(const char *p, char *out)
{
	const char *start;
	size_t n;

	if (*p == '<') {
		start = ++p;
		while (tz_posix_quoted_char(*p))
			p++;
		if (*p != '>')
			return NULL;
		n = (size_t)(p++ - start);
	} else {
		start = p;
		while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
			p++;
		n = (size_t)(p - start);
	}
	if (n < 3 || n > TZ_ABBR_MAX)
		return NULL;
	memcpy(out, start, n);
	out[n] = '\0';
	return p;
}

/* [+-]hh[:mm[:ss]], hh at most max_h. */
static const char *tz_posix_hms(const char *p, int max_h, int32_t *secs)
{
	int sign = 1, h, m = 0, s = 0;

	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	p = tz_posix_num(p, 0, max_h, &h);
	if (p && *p == ':') {
		p = tz_posix_num(p + 1, 0, 59, &m);
		if (p && *p == ':')
			p = tz_posix_num(p + 1, 0, 59, &s);
	}
	if (p)
		*secs = sign * (h * 3600 + m * 60 + s);
	return p;
}

static const char *tz_posix_rule(const char *p, struct tz_rule *r)
{
	if (*p == 'J') {
		r->kind = TZ_RULE_J1;
		p = tz_posix_num(p + 1, 1, 365, &r->day);
	} else if (*p == 'M') {
		r->kind = TZ_RULE_M;
		p = tz_posix_num(p + 1, 1, 12, &r->month);
		p = p && *p == '.' ? tz_posix_num(p + 1, 1, 5, &r->week) : NULL;
		p = p && *p == '.' ? tz_posix_num(p + 1, 0, 6, &r->day) : NULL;
	} else {
		r->kind = TZ_RULE_J0;
		p = tz_posix_num(p, 0, 365, &r->day);
	}
	r->time = 7200;
	if (p && *p == '/')
		p = tz_posix_hms(p + 1, 167, &r->time);
	return p;
}

bool tz_posix_parse(const char *s, struct tz_posix *z)
{
	const char *p;
	int32_t west;

	memset(z, 0, sizeof(*z));
	p = tz_posix_name(s, z->std_abbr);
	p = p ? tz_posix_hms(p, 24, &west) : NULL;
	if (!p)
		return false;
	z->std_off = -west;
	if (*p == '\0')
		return true;
	p = tz_posix_name(p, z->dst_abbr);
	if (!p)
		return false;
	z->has_dst = true;
	z->dst_off = z->std_off + 3600;
	if (*p != ',') {
		p = tz_posix_hms(p, 24, &west);
		if (!p)
			return false;
		z->dst_off = -west;
	}
	if (*p != ',')
		return false;
	p = tz_posix_rule(p + 1, &z->start);
	if (!p || *p != ',')
		return false;
	p = tz_posix_rule(p + 1, &z->end);
	return p && *p == '\0';
}

/* Days since the epoch of the day a rule names in year y. */
static int64_t tz_rule_day(const struct tz_rule *r, int64_t y)
{
	int64_t first, d;

	switch (r->kind) {
	case TZ_RULE_J1: /* 1-365, February 29 never counted */
		return tz_days_from_civil(y, 1, 1) + r->day - 1 + (tz_leap(y) && r->day >= 60);
	case TZ_RULE_J0: /* 0-365, February 29 counted */
		return tz_days_from_civil(y, 1, 1) + r->day;
	case TZ_RULE_M:
		break;
	}
	first = tz_days_from_civil(y, r->month, 1);
	d = first + (r->day - tz_weekday(first) + 7) % 7 + 7 * (r->week - 1);
	while (d >= first + tz_month_days(y, r->month)) /* week 5: the last one */
		d -= 7;
	return d;
}

/* Whether DST holds at t: the transitions of the years around t's year,
 * in order, and the last one at or before t. Looking at three years copes
 * with times past 24:00 or before 00:00 and with southern zones, whose DST
 * spans the new year; on a tie the later-listed transition wins, so DST
 * all year ("EST5EDT,0/0,J365/25") stays DST. */
bool tz_posix_dst(const struct tz_posix *z, int64_t t)
{
	struct {
		int64_t at;
		bool dst;
	} tr[6], tmp;
	int64_t year;
	int m, d, n = 0;
	bool dst = false;

	tz_civil_from_days(tz_floor_div(t + z->std_off, 86400), &year, &m, &d);
	for (int64_t y = year - 1; y <= year + 1; y++) {
		tr[n].at = tz_rule_day(&z->start, y) * 86400 + z->start.time - z->std_off;
		tr[n++].dst = true;
		tr[n].at = tz_rule_day(&z->end, y) * 86400 + z->end.time - z->dst_off;
		tr[n++].dst = false;
	}
	for (int i = 1; i < n; i++) /* insertion sort: stable */
		for (int j = i; j > 0 && tr[j - 1].at > tr[j].at; j--) {
			tmp = tr[j];
			tr[j] = tr[j - 1];
			tr[j - 1] = tmp;
		}
	for (int i = 0; i < n && tr[i].at <= t; i++)
		dst = tr[i].dst;
	return dst;
}
