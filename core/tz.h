/*
 * tz.h - local time in a named time zone, from the system's compiled zone
 * files (TZif, RFC 8536 / tzfile(5)), for policies that cannot read files.
 *
 * A zone is read once per process from TZ_DIR/NAME (versions 1 to 4; for
 * a version 2+ file its 64-bit data and its footer, the POSIX TZ string
 * that gives local time after the last transition) and kept in a cache
 * shared by every thread (one lock), at most TZ_CACHE_MAX zones; a zone
 * past that is read for each call. A zone file replaced on disk is seen
 * after tz_cache_clear() (or a restart).
 *
 * Zone names are parts of [A-Za-z0-9_+-] joined by single '/' (so no
 * "..", no leading or trailing '/'), at most TZ_NAME_MAX bytes.
 * Leap-second zones ("right/...") are refused.
 *
 * Thread safety: every function may be called from any thread.
 */
#ifndef SCALED_TZ_H
#define SCALED_TZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TZ_DIR "/usr/share/zoneinfo"
#define TZ_NAME_MAX 128
#define TZ_ABBR_MAX 15 /* longest abbreviation kept ("CEST", "+0530") */
#define TZ_CACHE_MAX 64
/* Times tz_local accepts: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z. */
#define TZ_TIME_MIN (-62135596800LL)
#define TZ_TIME_MAX 253402300799LL

/* Local time at one instant. Unlike struct tm, month and yday count from 1
 * and year is the year itself. */
struct tz_local {
	int year, month, day;  /* month 1-12, day 1-31 */
	int hour, min, sec;    /* 0-23, 0-59, 0-59 */
	int wday;              /* 0 = Sunday .. 6 = Saturday (as tm_wday and cron) */
	int yday;              /* 1-366 */
	int32_t utc_offset;    /* seconds east of UTC (CEST: 7200) */
	bool isdst;
	char abbr[TZ_ABBR_MAX + 1]; /* "CEST", "+1030" */
};

/* Local time in zone at t_s (seconds since the epoch). Returns 0, or
 * -EINVAL (bad zone name), -ENOENT (no such zone), -EBADMSG (the zone file
 * is not a valid TZif file, or uses leap seconds), -ERANGE (t_s outside
 * TZ_TIME_MIN..TZ_TIME_MAX), -ENOMEM, or another negative errno from
 * opening the file; err (errlen bytes, may be NULL) then holds a message
 * that starts with "tz: " and names the zone ("tz: unknown time zone
 * 'Mars/Base'"). */
int tz_local(const char *zone, int64_t t_s, struct tz_local *out, char *err, size_t errlen);

/* Whether name is a well-formed zone name (see above); says nothing about
 * whether the zone exists. */
bool tz_name_ok(const char *name);

/* Read zones from dir instead of TZ_DIR (NULL: TZ_DIR again) and empty the
 * cache. For tests; dir is copied. Returns 0 or -ENOMEM. */
int tz_set_dir(const char *dir);

/* Empty the cache (the next call of each zone reads its file again). */
void tz_cache_clear(void);

/* The Lua library a sandbox registers as `tz` (luaL_requiref's openf):
 * pushes a table with localtime(t_s, zone) -> { year, month, day, hour,
 * min, sec, wday (1 = Sunday, as os.date), yday, isdst, offset, zone }.
 * Errors are raised with tz_local's message. */
struct lua_State;
int tz_lua_open(struct lua_State *L);

#endif
