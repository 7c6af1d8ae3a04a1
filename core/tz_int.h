/*
 * tz_int.h - what tz.c and tz_posix.c share (never included elsewhere):
 *
 *   tz.c        TZif files, the cache, tz_local, the Lua library
 *   tz_posix.c  the calendar, and the POSIX TZ string of a file's footer
 */
#ifndef SCALED_TZ_INT_H
#define SCALED_TZ_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "tz.h"

enum tz_rule_kind { TZ_RULE_J1, TZ_RULE_J0, TZ_RULE_M };

struct tz_rule {
	enum tz_rule_kind kind;
	int day, week, month; /* Jn, n: day; Mm.w.d: month, week, day (0 = Sunday) */
	int32_t time;         /* local seconds after midnight of that day */
};

struct tz_posix {
	bool has_dst;
	int32_t std_off, dst_off; /* seconds east of UTC */
	char std_abbr[TZ_ABBR_MAX + 1], dst_abbr[TZ_ABBR_MAX + 1];
	struct tz_rule start, end;
};

/* a / b rounded down (b > 0). */
int64_t tz_floor_div(int64_t a, int64_t b);
/* Days since 1970-01-01 of y-m-d, and back (proleptic Gregorian). */
int64_t tz_days_from_civil(int64_t y, int m, int d);
void tz_civil_from_days(int64_t days, int64_t *y, int *m, int *d);
/* Day of the week of a day since the epoch, 0 = Sunday. */
int tz_weekday(int64_t days);

/* Parse a TZ string ("CET-1CEST,M3.5.0,M10.5.0/3") into *z; false if it
 * is not one (see tz_posix.c for the grammar). */
bool tz_posix_parse(const char *s, struct tz_posix *z);
/* Whether the zone's DST holds at t (seconds since the epoch). */
bool tz_posix_dst(const struct tz_posix *z, int64_t t);

#endif
