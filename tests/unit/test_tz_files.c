/* test_tz_files.c - TZif files made by hand: footer rules checked against
 * glibc's reading of the same TZ string, a version 1 file, and garbage or
 * truncated files refused with the file and the reason. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tz.h"
#include "tz_fx.h"

/* Footer rules glibc also reads from a plain TZ variable: the same string
 * after one transition in 1900 must give what glibc gives. */
static void test_footer_rules(void **state)
{
	static const char *const rules[] = {
		"<-02>2<-01>,M3.5.0/-1,M10.5.0/0",     /* negative time */
		"IST-2IDT,M3.4.4/26,M10.5.0",          /* past 24:00 */
		"<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", /* southern, 30 minutes */
		"AAA3BBB,J60/2,J300",                  /* Jn skips February 29 */
		"AAA3BBB,59/2,299",                    /* n counts it */
		"XXX-5:30",                            /* no DST */
		"<-0330>3:30<-0230>,M3.2.0/-2:30,M11.1.0/167", /* long and odd */
		"CET-1CEST-3:30:15,M3.5.0,M10.5.0/3",  /* DST offset given */
	};
	static const int64_t times[] = { -2208988800LL };
	static const uint8_t idx[] = { 0 };
	static const struct tzfx_type types[] = { { 3600, 0, "LMT" } };
	uint8_t buf[1024];

	(void)state;
	assert_int_equal(tz_set_dir(tzfx_dir), 0);
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		struct tzfx_zone z = { 2, 1, 1, times, idx, types, 0, rules[i] };
		char name[16];

		snprintf(name, sizeof(name), "Rule%zu", i);
		tzfx_write(name, buf, tzfx_tzif(buf, &z));
		tzfx_glibc_zone(rules[i]);
		/* 2031 to 2033 (2032 is a leap year), and a year far on */
		tzfx_sweep(name, YEAR_2020 + 4018 * DAY, YEAR_2020 + 5114 * DAY, 900);
		tzfx_sweep(name, 13569465600LL, 13569465600LL + 366 * DAY, 3600);
	}

	/* DST all year (RFC 8536 3.3.1's example). glibc departs here: it takes
	 * the rule of the UTC year, so from 00:00 UTC on January 1 until the
	 * rule's start (05:00 UTC) it says EST. */
	{
		struct tzfx_zone z = { 2, 1, 1, times, idx, types, 0, "EST5EDT,0/0,J365/25" };
		struct tz_local g;

		tzfx_write("AllYear", buf, tzfx_tzif(buf, &z));
		for (int64_t t = YEAR_2020 + 4018 * DAY; t < YEAR_2020 + 5114 * DAY; t += 3599) {
			assert_int_equal(tz_local("AllYear", t, &g, NULL, 0), 0);
			if (g.utc_offset != -14400 || !g.isdst || strcmp(g.abbr, "EDT") != 0)
				fail_msg("AllYear at %lld: %d %d %s", (long long)t,
					 (int)g.utc_offset, g.isdst, g.abbr);
		}
	}
	tz_set_dir(NULL);
}

/* A version 1 file (no footer): its 32-bit block, the last type after the
 * last transition; type 0 before the first. Checked against glibc reading
 * the same file. */
static void test_version1(void **state)
{
	static const int64_t times[] = { 0, 15552000, 31536000 };
	static const uint8_t idx[] = { 1, 2, 1 };
	static const struct tzfx_type types[] = {
		{ 1234, 0, "LMT" }, { -3600, 0, "AAA" }, { 0, 1, "BBB" },
	};
	struct tzfx_zone z = { 1, 3, 3, times, idx, types, 0, NULL };
	uint8_t buf[512];
	char path[128];

	(void)state;
	tzfx_write("Version1", buf, tzfx_tzif(buf, &z));
	snprintf(path, sizeof(path), "%s/Version1", tzfx_dir);
	tzfx_glibc_zone(path);
	assert_int_equal(tz_set_dir(tzfx_dir), 0);
	assert_int_equal(tzfx_sweep("Version1", -10 * DAY, 800 * DAY, 3 * 3600 + 1), 3);
	tz_set_dir(NULL);
}

/* Garbage and truncated files in a temporary directory are refused with
 * the file and the reason. */
static void test_bad_files(void **state)
{
	static const int64_t times[] = { 100, 50 };
	static const uint8_t idx[] = { 0, 1 }, bad_idx[] = { 0, 7 };
	static const struct tzfx_type types[] = { { 0, 0, "AAA" }, { 3600, 1, "BBB" } };
	static const struct tzfx_type far[] = { { 0, 0, "AAA" }, { 26 * 3600, 0, "BBB" } };
	static const struct tzfx_type two[] = { { 0, 0, "AAA" }, { 3600, 2, "BBB" } };
	static const struct {
		const char *name;
		struct tzfx_zone z;
		const char *why;
	} fakes[] = {
		{ "Unsorted", { 2, 2, 2, times, idx, types, 0, "AAA0" },
		  "transition times not in ascending order" },
		{ "BadType", { 2, 1, 2, times, bad_idx + 1, types, 0, "AAA0" },
		  "a transition names a local time type that does not exist" },
		{ "Leap", { 2, 1, 2, times, idx, types, 1, "AAA0" },
		  "leap seconds are not supported (a \"right/\" zone?)" },
		{ "FarOff", { 2, 1, 2, times, idx, far, 0, "AAA0" },
		  "a UT offset of 26 hours or more" },
		{ "DstTwo", { 2, 1, 2, times, idx, two, 0, "AAA0" },
		  "a DST flag other than 0 or 1" },
		{ "NoTypes", { 2, 0, 0, times, idx, types, 0, "AAA0" },
		  "no local time types, or more than 256" },
		{ "NoFooter", { 2, 1, 2, times, idx, types, 0, NULL },
		  "no footer (the TZ string after the data)" },
		{ "BadFooter", { 2, 1, 2, times, idx, types, 0, "garbage in" },
		  "footer is not a TZ string this reader understands" },
		{ "NoRule", { 2, 1, 2, times, idx, types, 0, "CET-1CEST" },
		  "footer is not a TZ string this reader understands" },
	};
	uint8_t buf[8192], zone[8192];
	size_t n = tzfx_read_zone("Europe/Berlin", zone, sizeof(zone));
	char why[512];

	(void)state;
	assert_int_equal(tz_set_dir(tzfx_dir), 0);
	for (size_t i = 0; i < sizeof(fakes) / sizeof(fakes[0]); i++) {
		tzfx_write(fakes[i].name, buf, tzfx_tzif(buf, &fakes[i].z));
		snprintf(why, sizeof(why), "tz: bad zone file %s/%s: %s", tzfx_dir, fakes[i].name,
			 fakes[i].why);
		tzfx_want_error(fakes[i].name, 0, -EBADMSG, why);
	}

	tzfx_write("Empty", "", 0);
	tzfx_want_error("Empty", 0, -EBADMSG, "/Empty: not a TZif file (no \"TZif\" at the start)");
	tzfx_write("Text", "Europe/Berlin\n", 14);
	tzfx_want_error("Text", 0, -EBADMSG, "/Text: not a TZif file");
	tzfx_write("Header", zone, 30);
	tzfx_want_error("Header", 0, -EBADMSG, "/Header: truncated in a header");
	tzfx_write("Cut", zone, 200);
	tzfx_want_error("Cut", 0, -EBADMSG, "/Cut: truncated in a data block");
	tzfx_write("CutLate", zone, n - 40);
	tzfx_want_error("CutLate", 0, -EBADMSG, "/CutLate: truncated in a data block");
	tzfx_write("CutFooter", zone, n - 1); /* the closing newline gone */
	tzfx_want_error("CutFooter", 0, -EBADMSG, "/CutFooter: footer without its closing newline");
	memcpy(buf, zone, n);
	buf[4] = '1';
	tzfx_write("Version", buf, n);
	tzfx_want_error("Version", 0, -EBADMSG, "/Version: unknown TZif version");

	snprintf(why, sizeof(why), "%s/Huge", tzfx_dir);
	assert_int_equal(truncate(why, 0), -1); /* not there yet */
	tzfx_write("Huge", "", 0);
	assert_int_equal(truncate(why, 320 << 10), 0);
	tzfx_want_error("Huge", 0, -EBADMSG, "/Huge: larger than 256 KiB");

	/* A FIFO named like a zone is not opened for reading and waited on. */
	snprintf(why, sizeof(why), "%s/Fifo", tzfx_dir);
	assert_int_equal(mkfifo(why, 0600), 0);
	tzfx_want_error("Fifo", 0, -ENOENT, "tz: unknown time zone 'Fifo'");

	/* The real file under another name reads fine. */
	tzfx_write("Copy", zone, n);
	tzfx_glibc_zone("Europe/Berlin");
	tzfx_check("Copy", 1774746000);
	tz_set_dir(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_footer_rules),
		cmocka_unit_test(test_version1),
		cmocka_unit_test(test_bad_files),
	};
	int rc = cmocka_run_group_tests(tests, tzfx_setup, tzfx_teardown);

	tz_cache_clear();
	return rc;
}
