/* tz_fx.c - comparing tz_local with glibc, and zone files made by hand,
 * for test_tz and test_tz_files (see tz_fx.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tz.h"
#include "tz_fx.h"

char tzfx_dir[64];

void tzfx_glibc_zone(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

/* tz_local(zone, t) equals glibc's localtime_r under the TZ in effect. */
void tzfx_check(const char *zone, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	struct tz_local got;
	char err[256];

	if (!localtime_r(&tt, &tm))
		fail_msg("glibc has no local time for %lld", (long long)t);
	if (tz_local(zone, t, &got, err, sizeof(err)) != 0)
		fail_msg("%s at %lld: %s", zone, (long long)t, err);
	if (got.year != tm.tm_year + 1900 || got.month != tm.tm_mon + 1 ||
	    got.day != tm.tm_mday || got.hour != tm.tm_hour || got.min != tm.tm_min ||
	    got.sec != tm.tm_sec || got.wday != tm.tm_wday || got.yday != tm.tm_yday + 1 ||
	    got.utc_offset != tm.tm_gmtoff || got.isdst != (tm.tm_isdst > 0) ||
	    strcmp(got.abbr, tm.tm_zone) != 0)
		fail_msg("%s at %lld: got %04d-%02d-%02d %02d:%02d:%02d wday %d yday %d %+d "
			 "dst %d %s, glibc %04d-%02d-%02d %02d:%02d:%02d wday %d yday %d %+ld "
			 "dst %d %s", zone, (long long)t, got.year, got.month, got.day,
			 got.hour, got.min, got.sec, got.wday, got.yday, (int)got.utc_offset,
			 got.isdst, got.abbr, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_wday, tm.tm_yday + 1,
			 tm.tm_gmtoff, tm.tm_isdst, tm.tm_zone);
}

/* What glibc says changes at a transition. */
static int tzfx_glibc_state(int64_t t, char *abbr, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	snprintf(abbr, len, "%s", tm.tm_zone);
	return (int)tm.tm_gmtoff * 2 + (tm.tm_isdst > 0);
}

/* Compare every `step` seconds in [from, to]; where glibc's offset, DST
 * flag or abbreviation changes, find the exact second and compare the
 * seconds around it. Returns the number of transitions seen. */
int tzfx_sweep(const char *zone, int64_t from, int64_t to, int64_t step)
{
	char a_prev[32], a[32];
	int transitions = 0, prev = tzfx_glibc_state(from, a_prev, sizeof(a_prev));
	int64_t t_prev = from;

	for (int64_t t = from; t <= to; t += step) {
		int now = tzfx_glibc_state(t, a, sizeof(a));

		tzfx_check(zone, t);
		if (now != prev || strcmp(a, a_prev) != 0) {
			int64_t lo = t_prev, hi = t; /* state(lo) = prev, state(hi) != prev */

			while (hi - lo > 1) {
				int64_t mid = lo + (hi - lo) / 2;
				char am[32];

				if (tzfx_glibc_state(mid, am, sizeof(am)) == prev && strcmp(am, a_prev) == 0)
					lo = mid;
				else
					hi = mid;
			}
			tzfx_check(zone, hi - 1);
			tzfx_check(zone, hi);
			tzfx_check(zone, hi + 1);
			transitions++;
			prev = now;
			snprintf(a_prev, sizeof(a_prev), "%s", a);
		}
		t_prev = t;
	}
	return transitions;
}

void tzfx_want_error(const char *zone, int64_t t, int rc, const char *text)
{
	struct tz_local got;
	char err[512] = "";
	int ret = tz_local(zone, t, &got, err, sizeof(err));

	if (ret != rc)
		fail_msg("%s: returned %d, expected %d (%s)", zone, ret, rc, err);
	if (!strstr(err, text))
		fail_msg("%s: message '%s' lacks '%s'", zone, err, text);
}

void tzfx_write(const char *name, const void *data, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tzfx_dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

size_t tzfx_read_zone(const char *zone, uint8_t *buf, size_t cap)
{
	char path[256];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", TZ_DIR, zone);
	f = fopen(path, "rb");
	assert_non_null(f);
	n = fread(buf, 1, cap, f);
	fclose(f);
	assert_true(n > 0 && n < cap);
	return n;
}

static uint8_t *tzfx_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return p + 4;
}

/* One header and data block; the version 1 block of a version 2+ file
 * (first = true) has 32-bit times and no transitions. */
static uint8_t *tzfx_put_block(uint8_t *p, const struct tzfx_zone *z, bool first)
{
	size_t nt = first && z->version >= 2 ? 0 : z->ntimes, nchars = 0;
	unsigned tsize = first ? 4 : 8;
	int version = z->version;

	for (size_t i = 0; i < z->ntypes; i++)
		nchars += strlen(z->types[i].abbr) + 1;
	memcpy(p, "TZif", 4);
	p[4] = version >= 2 ? (uint8_t)('0' + version) : 0;
	memset(p + 5, 0, 15);
	p += 20;
	p = tzfx_put32(p, 0);
	p = tzfx_put32(p, 0);
	p = tzfx_put32(p, z->leapcnt);
	p = tzfx_put32(p, (uint32_t)nt);
	p = tzfx_put32(p, (uint32_t)z->ntypes);
	p = tzfx_put32(p, (uint32_t)nchars);
	for (size_t i = 0; i < nt; i++) {
		if (tsize == 8)
			p = tzfx_put32(p, (uint32_t)((uint64_t)z->times[i] >> 32));
		p = tzfx_put32(p, (uint32_t)z->times[i]);
	}
	for (size_t i = 0; i < nt; i++)
		*p++ = z->idx[i];
	for (size_t i = 0, at = 0; i < z->ntypes; i++) {
		p = tzfx_put32(p, (uint32_t)z->types[i].utoff);
		*p++ = z->types[i].isdst;
		*p++ = (uint8_t)at;
		at += strlen(z->types[i].abbr) + 1;
	}
	for (size_t i = 0; i < z->ntypes; i++) {
		memcpy(p, z->types[i].abbr, strlen(z->types[i].abbr) + 1);
		p += strlen(z->types[i].abbr) + 1;
	}
	for (uint32_t i = 0; i < z->leapcnt; i++) {
		p = tzfx_put32(p, 0);
		if (tsize == 8)
			p = tzfx_put32(p, 78796800);
		p = tzfx_put32(p, 1);
	}
	return p;
}

size_t tzfx_tzif(uint8_t *buf, const struct tzfx_zone *z)
{
	uint8_t *p = buf;

	p = tzfx_put_block(p, z, true);
	if (z->version < 2)
		return (size_t)(p - buf);
	p = tzfx_put_block(p, z, false);
	if (z->footer)
		p += sprintf((char *)p, "\n%s\n", z->footer);
	return (size_t)(p - buf);
}

int tzfx_setup(void **state)
{
	(void)state;
	snprintf(tzfx_dir, sizeof(tzfx_dir), "/tmp/test_tz.XXXXXX");
	return mkdtemp(tzfx_dir) ? 0 : -1;
}

int tzfx_teardown(void **state)
{
	char cmd[128];

	(void)state;
	tz_set_dir(NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tzfx_dir);
	return system(cmd) == 0 ? 0 : -1;
}

