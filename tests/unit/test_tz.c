/* test_tz.c - tz_local on the system's zones against glibc's localtime_r
 * (which reads the same files), values worked out by hand, zone names, the
 * cache and threads. Hand-made files are in test_tz_files.c. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "tz.h"
#include "tz_fx.h"

/* Every instant a few days apart from 1800 to 2200, and every quarter hour
 * of years around now and in the far future (where the footer rules),
 * with each transition checked to the second. */
static void test_against_glibc(void **state)
{
	static const struct {
		const char *zone;
		int per_year; /* transitions in a year of the footer's rule */
	} zones[] = {
		{ "Europe/Berlin", 2 },     { "America/New_York", 2 },
		{ "Australia/Lord_Howe", 2 }, /* 30-minute DST */
		{ "Asia/Kolkata", 0 },      { "UTC", 0 },
		{ "America/Nuuk", 2 },       /* rule times -1 and 0 */
		{ "Asia/Jerusalem", 2 },     /* rule time 26:00 */
		{ "Pacific/Chatham", 2 },    /* +12:45 / +13:45 */
		{ "Europe/Dublin", 2 },      /* DST in winter (negative) */
		{ "America/Sao_Paulo", 0 },  /* DST abolished in 2019 */
	};
	static const int years[] = { 2025, 2026, 2027, 2038, 2100, 2400 };

	(void)state;
	for (size_t z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
		tzfx_glibc_zone(zones[z].zone);
		/* 1800-01-01 to 2200-01-01, every 5 days and an hour less a second */
		tzfx_sweep(zones[z].zone, -5364662400LL, 7258118400LL, 5 * DAY + 3599);
		for (size_t y = 0; y < sizeof(years) / sizeof(years[0]); y++) {
			int64_t from = YEAR_2020 + (int64_t)(years[y] - 2020) * 36524 * DAY / 100;
			int seen = tzfx_sweep(zones[z].zone, from, from + 365 * DAY, 900);

			if (years[y] >= 2027 && seen != zones[z].per_year)
				fail_msg("%s %d: %d transitions, expected %d", zones[z].zone,
					 years[y], seen, zones[z].per_year);
		}
	}
}

/* Values worked out by hand (and with `TZ=... date -d @T`). */
static void test_known_instants(void **state)
{
	static const struct {
		const char *zone;
		int64_t t;
		int y, mo, d, h, mi, s, wday, yday, off, dst;
		const char *abbr;
	} cases[] = {
		/* Berlin, spring forward 2026-03-29 01:00Z: 02:00 CET -> 03:00 CEST */
		{ "Europe/Berlin", 1774745999, 2026, 3, 29, 1, 59, 59, 0, 88, 3600, 0, "CET" },
		{ "Europe/Berlin", 1774746000, 2026, 3, 29, 3, 0, 0, 0, 88, 7200, 1, "CEST" },
		/* fall back 2026-10-25 01:00Z: 03:00 CEST -> 02:00 CET */
		{ "Europe/Berlin", 1792889999, 2026, 10, 25, 2, 59, 59, 0, 298, 7200, 1, "CEST" },
		{ "Europe/Berlin", 1792890000, 2026, 10, 25, 2, 0, 0, 0, 298, 3600, 0, "CET" },
		/* New York 2026-03-08 07:00Z: 02:00 EST -> 03:00 EDT */
		{ "America/New_York", 1772953200, 2026, 3, 8, 3, 0, 0, 0, 67, -14400, 1, "EDT" },
		{ "America/New_York", 1793512800, 2026, 11, 1, 1, 0, 0, 0, 305, -18000, 0, "EST" },
		/* Lord Howe: 2026-04-04 15:00Z, 02:00 +11 -> 01:30 +1030 */
		{ "Australia/Lord_Howe", 1775314799, 2026, 4, 5, 1, 59, 59, 0, 95, 39600, 1, "+11" },
		{ "Australia/Lord_Howe", 1775314800, 2026, 4, 5, 1, 30, 0, 0, 95, 37800, 0, "+1030" },
		/* 2026-10-03 15:30Z: 02:00 +1030 -> 02:30 +11 */
		{ "Australia/Lord_Howe", 1791041400, 2026, 10, 4, 2, 30, 0, 0, 277, 39600, 1, "+11" },
		{ "Asia/Kolkata", 1768478400, 2026, 1, 15, 17, 30, 0, 4, 15, 19800, 0, "IST" },
		{ "UTC", 0, 1970, 1, 1, 0, 0, 0, 4, 1, 0, 0, "UTC" },
		/* 2400-07-01 12:00Z, a Saturday: the footer's rule, 370 years on */
		{ "Europe/Berlin", 13585233600, 2400, 7, 1, 14, 0, 0, 6, 183, 7200, 1, "CEST" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tz_local g;
		char err[256];

		if (tz_local(cases[i].zone, cases[i].t, &g, err, sizeof(err)) != 0)
			fail_msg("%s: %s", cases[i].zone, err);
		if (g.year != cases[i].y || g.month != cases[i].mo || g.day != cases[i].d ||
		    g.hour != cases[i].h || g.min != cases[i].mi || g.sec != cases[i].s ||
		    g.wday != cases[i].wday || g.yday != cases[i].yday ||
		    g.utc_offset != cases[i].off || g.isdst != cases[i].dst ||
		    strcmp(g.abbr, cases[i].abbr) != 0)
			fail_msg("case %zu (%s %lld): got %04d-%02d-%02d %02d:%02d:%02d w%d y%d "
				 "%d %d %s", i, cases[i].zone, (long long)cases[i].t, g.year,
				 g.month, g.day, g.hour, g.min, g.sec, g.wday, g.yday,
				 (int)g.utc_offset, g.isdst, g.abbr);
	}
}

static void test_bad_names(void **state)
{
	static const char *const bad[] = {
		"", "/etc/localtime", "../etc/passwd", "Europe/../../etc/passwd",
		"Europe//Berlin", "Europe/Berlin/", "/", "Europe/Berlin.txt",
		"Europe/Ber lin", "zone.tab", "Europe\\Berlin", "Europe/Berlin\n",
	};
	char long_name[TZ_NAME_MAX + 2];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(tz_name_ok(bad[i]));
		tzfx_want_error(bad[i], 0, -EINVAL, "tz: invalid time zone name '");
	}
	tzfx_want_error("../etc/passwd", 0, -EINVAL,
		     "tz: invalid time zone name '../etc/passwd' (parts of letters, digits, "
		     "'_', '+' and '-' joined by '/', like 'Europe/Berlin')");
	tzfx_want_error("Europe/Berlin\n", 0, -EINVAL, "'Europe/Berlin?'"); /* shown printable */
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_false(tz_name_ok(long_name));
	tzfx_want_error(long_name, 0, -EINVAL, "aaa...' (parts");
	long_name[TZ_NAME_MAX] = '\0';
	assert_true(tz_name_ok(long_name)); /* well formed, but no such zone */
	tzfx_want_error(long_name, 0, -ENOENT, "tz: unknown time zone 'aaaa");
	assert_true(tz_name_ok("Etc/GMT+5"));
	assert_true(tz_name_ok("America/Port-au-Prince"));
	assert_true(tz_name_ok("posix/Europe/Berlin"));
	tzfx_want_error(NULL, 0, -EINVAL, "tz: invalid time zone name ''");
}

static void test_unknown_and_range(void **state)
{
	struct tz_local g;

	(void)state;
	tzfx_want_error("Mars/Base", 0, -ENOENT, "tz: unknown time zone 'Mars/Base'");
	tzfx_want_error("Europe", 0, -ENOENT, "tz: unknown time zone 'Europe' (a directory of zones)");
	tzfx_want_error("Europe/Berlin", TZ_TIME_MAX + 1, -ERANGE,
		     "tz: time 253402300800 is outside the years 1 to 9999");
	tzfx_want_error("Europe/Berlin", TZ_TIME_MIN - 1, -ERANGE,
		     "tz: time -62135596801 is outside the years 1 to 9999");
	assert_int_equal(tz_local("Europe/Berlin", TZ_TIME_MAX, &g, NULL, 0), 0);
	assert_int_equal(g.year, 10000); /* 9999-12-31T23:59:59Z is 00:59:59 in Berlin */
	tzfx_glibc_zone("Europe/Berlin");
	tzfx_check("Europe/Berlin", TZ_TIME_MAX);
	tzfx_check("Europe/Berlin", TZ_TIME_MIN);
	assert_int_equal(tz_local("Mars/Base", 0, &g, NULL, 0), -ENOENT); /* no message wanted */
}

/* Zones are read once: a changed file is seen after tz_cache_clear. More
 * zones than the cache holds are read for each call, with the same
 * answers. Failed allocations are reported, not crashed on. */
static void test_cache(void **state)
{
	uint8_t zone[8192];
	size_t n = tzfx_read_zone("Europe/Berlin", zone, sizeof(zone));
	struct tz_local g;
	char err[256], name[16];

	(void)state;
	assert_int_equal(tz_set_dir(tzfx_dir), 0);
	tzfx_write("Cached", zone, n);
	assert_int_equal(tz_local("Cached", 1774746000, &g, err, sizeof(err)), 0);
	tzfx_write("Cached", "garbage", 7);
	assert_int_equal(tz_local("Cached", 1774746000, &g, err, sizeof(err)), 0);
	assert_string_equal(g.abbr, "CEST");
	tz_cache_clear();
	tzfx_want_error("Cached", 0, -EBADMSG, "/Cached: not a TZif file");

	for (int i = 0; i < TZ_CACHE_MAX + 6; i++) {
		snprintf(name, sizeof(name), "Z%d", i);
		tzfx_write(name, zone, n);
	}
	tzfx_glibc_zone("Europe/Berlin");
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < TZ_CACHE_MAX + 6; i++) {
			snprintf(name, sizeof(name), "Z%d", i);
			tzfx_check(name, 1792890000 - i);
		}

	tz_cache_clear();
	for (long k = 0; k < 2; k++) { /* the file's buffer, then the zone */
		alloc_fail_after(k);
		tzfx_want_error("Z1", 0, -ENOMEM, "tz: out of memory");
		alloc_fail_after(-1);
	}
	tzfx_check("Z1", 0);
	tz_set_dir(NULL);
}

static void *hammer(void *arg)
{
	static const char *const zones[] = { "Europe/Berlin", "Asia/Kolkata", "America/New_York" };
	intptr_t k = (intptr_t)arg;
	struct tz_local g;

	for (int i = 0; i < 20000; i++) {
		if (tz_local(zones[(i + k) % 3], YEAR_2020 + i * 3607LL, &g, NULL, 0) != 0)
			return (void *)1;
		if (k == 0 && i % 1000 == 0)
			tz_cache_clear();
	}
	return NULL;
}

/* Threads share the cache, one of them clearing it now and then. */
static void test_threads(void **state)
{
	pthread_t th[4];
	void *ret;

	(void)state;
	for (intptr_t i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, hammer, (void *)i), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], &ret), 0);
		assert_null(ret);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_against_glibc),
		cmocka_unit_test(test_known_instants),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_unknown_and_range),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_threads),
	};
	int rc = cmocka_run_group_tests(tests, tzfx_setup, tzfx_teardown);

	tz_cache_clear();
	return rc;
}
