/*
 * test_replay_data.c - replay.so on the real traces in
 * SCALED_TESTDATA_DIR (../shared/testdata): spot price history and request
 * counts. Every expected value and time below is read off the CSV rows
 * (quoted beside each check), the epoch seconds from `date -u -d`.
 * Skips (77) when the folder is not there.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "replay_fx.h"

#define SPOT SCALED_TESTDATA_DIR "/spot/"
#define LOAD SCALED_TESTDATA_DIR "/load/"
#define C3_2X SPOT "c3.2xlarge_us-west-1a_2014-02-16_2014-04-18.csv"
#define C3_8X SPOT "c3.8xlarge_us-west-1a_2014-02-16_2014-04-17.csv"
#define NASA LOAD "nasa_http_1995-07-01_to_07-15_per_minute.csv"
#define AZURE LOAD "azure_llm_conv_2023-11-16_per_second.csv"
#define S(sec) ((int64_t)(sec) * 1000)

static const char *const spot_abs[] = { "format=spot", "align=absolute", NULL };
static const char *const load_abs[] = { "format=load", "align=absolute", NULL };

/* The value in force at t (a sample must be published). */
static double at(struct replay_fx *f, int64_t t)
{
	double v = -1;

	assert_int_equal(replay_fx_at(f, t, &v), 1);
	return v;
}

static void test_c3_2xlarge(void **ts)
{
	struct replay_fx *f = *ts;
	double v;

	assert_int_equal(replay_fx_create(f, C3_2X, spot_abs), 0);
	/* The README's count and the span of the first and last rows. */
	assert_int_equal(th_log_count("c3.2xlarge_us-west-1a_2014-02-16_2014-04-18.csv: 7299 rows"
				      " over 5252528 s"), 1);
	/* line 2: 2014-02-16T05:33:25Z ... 0.6831, the first row */
	assert_int_equal(replay_fx_at(f, S(1392528805) - 1, &v), 0);
	assert_true(at(f, S(1392528805)) == 0.6831);
	/* line 4: 2014-02-17T17:50:20Z ... 1.0; line 5: 2014-02-17T18:59:52Z ... 0.6831 */
	assert_true(at(f, S(1392659420) - 1) == 0.6831);
	assert_true(at(f, S(1392659420)) == 1.0);
	assert_true(at(f, S(1392660000)) == 1.0); /* 2014-02-17T18:00:00Z */
	assert_true(at(f, S(1392663592) - 1) == 1.0);
	assert_true(at(f, S(1392663592)) == 0.6831);
	/* the last row, 2014-04-18T00:35:33Z ... 0.0812, holds after the end */
	assert_true(at(f, S(1397781333) - 1) == 0.0699);
	assert_true(at(f, S(1397781333)) == 0.0812);
	assert_true(at(f, S(1397781333) + S(86400) * 30) == 0.0812);
}

static void test_c3_8xlarge(void **ts)
{
	struct replay_fx *f = *ts;
	const char *const kv[] = { "format=spot", "align=absolute", "instance_type=c3.8xlarge",
				   "availability_zone=us-west-1a", "product=Linux/UNIX", NULL };

	assert_int_equal(replay_fx_create(f, C3_8X, kv), 0);
	assert_int_equal(th_log_count(": 1620 rows"), 1);
	/* lines 1286-1288: 13:02:36Z 2.7321, 15:40:47Z 9.6, 19:32:24Z 0.8131 (2014-03-25) */
	assert_true(at(f, S(1395752556) - 1) == 0.4424);
	assert_true(at(f, S(1395752556)) == 2.7321);
	assert_true(at(f, S(1395762047) - 1) == 2.7321);
	assert_true(at(f, S(1395762047)) == 9.6);
	assert_true(at(f, S(1395775944) - 1) == 9.6);
	assert_true(at(f, S(1395775944)) == 0.8131);
}

static void test_filters(void **ts)
{
	struct replay_fx *f = *ts;
	char want[512];

	assert_int_equal(replay_fx_create(f, C3_2X, (const char *const[]){
		"format=spot", "instance_type=c3.8xlarge", NULL }), -EINVAL);
	snprintf(want, sizeof(want), "%s: none of the 7299 rows has instance_type c3.8xlarge, "
		 "availability_zone (any) and product (any)", C3_2X);
	assert_string_equal(f->err, want);
	/* The file name says us-east-1a; every row says us-west-1a (README). */
	assert_int_equal(replay_fx_create(f, C3_2X, (const char *const[]){
		"format=spot", "availability_zone=us-east-1a", NULL }), -EINVAL);
	assert_int_equal(replay_fx_create(f, C3_2X, (const char *const[]){
		"format=spot", "availability_zone=us-west-1a", "product=Linux/UNIX", NULL }), 0);
	assert_int_equal(th_log_count(": 7299 rows"), 1);
}

/* Played from its start at the engine time of create, a minute a second. */
static void test_start_speed(void **ts)
{
	struct replay_fx *f = *ts;
	int64_t c = S(1700000000);

	th_clock_set(c);
	assert_int_equal(replay_fx_create(f, C3_2X, (const char *const[]){
		"format=spot", "speed=60", NULL }), 0);
	assert_true(at(f, c) == 0.6831);
	/* line 4, 1.0, is 130615 s into the trace: 2176916.67 ms at speed 60 */
	assert_true(at(f, c + 2176916) == 0.6831);
	assert_true(at(f, c + 2176917) == 1.0);
}

/* The wrong format for a file is its header's error. */
static void test_wrong_format(void **ts)
{
	struct replay_fx *f = *ts;
	char want[512];

	assert_int_equal(replay_fx_create(f, SPOT "ondemand_prices_2016-12.csv", spot_abs),
			 -EINVAL);
	snprintf(want, sizeof(want), "%s:1: header \"region,instance_type,ondemand_usd_per_hour\""
		 " is not the \"spot\" format's \"timestamp_iso8601,instance_type,"
		 "availability_zone,product,price_usd\"", SPOT "ondemand_prices_2016-12.csv");
	assert_string_equal(f->err, want);
	assert_int_equal(replay_fx_create(f, NASA, spot_abs), -EINVAL);
}

static void test_nasa(void **ts)
{
	struct replay_fx *f = *ts;

	assert_int_equal(replay_fx_create(f, NASA, load_abs), 0);
	/* 20,160 minutes: 1995-07-01T00:00-04:00 to 07-14T23:59-04:00 */
	assert_int_equal(th_log_count(": 20160 rows over 1209540 s"), 1);
	/* lines 2-3: 1995-07-01T00:00:00-04:00,42 and 00:01:00-04:00,61 (04:00Z) */
	assert_true(at(f, S(804571200)) == 42);
	assert_true(at(f, S(804571260) - 1) == 42);
	assert_true(at(f, S(804571260)) == 61);
	/* line 17871, the flash crowd: 1995-07-13T09:49:00-04:00,405, then 308 */
	assert_true(at(f, S(805643340) - 1) == 259);
	assert_true(at(f, S(805643340)) == 405);
	assert_true(at(f, S(805643400)) == 308);
}

static void test_azure(void **ts)
{
	struct replay_fx *f = *ts;
	double v;

	/* No zone in the file: read as UTC. */
	assert_int_equal(replay_fx_create(f, AZURE, load_abs), 0);
	assert_int_equal(th_log_count(": 3503 rows over 3502 s"), 1);
	/* lines 2-3: 2023-11-16T18:15:46,1 and 18:15:47,0; the last 19:14:08,1 */
	assert_int_equal(replay_fx_at(f, S(1700158546) - 1, &v), 0);
	assert_true(at(f, S(1700158546)) == 1);
	assert_true(at(f, S(1700158547)) == 0);
	assert_true(at(f, S(1700162048) + S(3600)) == 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_c3_2xlarge, replay_fx_setup,
						replay_fx_teardown),
		cmocka_unit_test_setup_teardown(test_c3_8xlarge, replay_fx_setup,
						replay_fx_teardown),
		cmocka_unit_test_setup_teardown(test_filters, replay_fx_setup, replay_fx_teardown),
		cmocka_unit_test_setup_teardown(test_start_speed, replay_fx_setup,
						replay_fx_teardown),
		cmocka_unit_test_setup_teardown(test_wrong_format, replay_fx_setup,
						replay_fx_teardown),
		cmocka_unit_test_setup_teardown(test_nasa, replay_fx_setup, replay_fx_teardown),
		cmocka_unit_test_setup_teardown(test_azure, replay_fx_setup, replay_fx_teardown),
	};

	if (access(SCALED_TESTDATA_DIR "/spot", R_OK) || access(SCALED_TESTDATA_DIR "/load", R_OK)) {
		printf("skipped: no test data in %s (configure with -DSCALED_TESTDATA_DIR=...)\n",
		       SCALED_TESTDATA_DIR);
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
