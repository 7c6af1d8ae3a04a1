/*
 * tz_fx.h - for the tz tests (test_tz, test_tz_files): tz_local compared
 * with glibc's localtime_r, and TZif files made by hand in a temporary
 * directory.
 */
#ifndef SCALED_TEST_TZ_FX_H
#define SCALED_TEST_TZ_FX_H

#include <stddef.h>
#include <stdint.h>

#define DAY 86400LL
#define YEAR_2020 1577836800LL /* 2020-01-01T00:00:00Z */

/* The temporary directory tzfx_setup makes (and tzfx_teardown removes, with
 * tz_set_dir(NULL)); cmocka group setup and teardown. */
extern char tzfx_dir[64];
int tzfx_setup(void **state);
int tzfx_teardown(void **state);

/* glibc's local time from now on: TZ=tz (a zone, a path, a TZ string). */
void tzfx_glibc_zone(const char *tz);
/* tz_local(zone, t) equals localtime_r(t) field for field, or the test fails. */
void tzfx_check(const char *zone, int64_t t);
/* tzfx_check every `step` seconds in [from, to]; where glibc's offset, DST
 * flag or abbreviation changes, the exact second and its neighbours too.
 * Returns the number of changes seen. */
int tzfx_sweep(const char *zone, int64_t from, int64_t to, int64_t step);
/* tz_local(zone, t) returns rc with a message containing text. */
void tzfx_want_error(const char *zone, int64_t t, int rc, const char *text);

/* Write tzfx_dir/name. */
void tzfx_write(const char *name, const void *data, size_t len);
/* Read TZ_DIR/zone into buf (cap bytes, more than the file); its length. */
size_t tzfx_read_zone(const char *zone, uint8_t *buf, size_t cap);

/* A TZif file: one local time type per entry of types (abbreviation, offset
 * and flag), transitions at times[i] to type idx[i], leapcnt leap records,
 * then for version 2+ the footer. The version 1 block of a version 2+ file
 * holds the types only. */
struct tzfx_type {
	int32_t utoff;
	uint8_t isdst;
	const char *abbr;
};

struct tzfx_zone {
	int version;
	size_t ntimes, ntypes;
	const int64_t *times;
	const uint8_t *idx;
	const struct tzfx_type *types;
	uint32_t leapcnt;
	const char *footer; /* NULL: none written at all */
};

/* Write the file into buf (large enough); returns its length. */
size_t tzfx_tzif(uint8_t *buf, const struct tzfx_zone *z);

#endif
