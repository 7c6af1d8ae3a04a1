/*
 * test_replay.c - replay.so on traces the test writes: every kind of bad
 * file refused with its file:line and reason (the exact message), the
 * checks of create() beyond types and limits, and the step function on
 * the engine clock (both alignments, speed, filters, time zones).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "replay_fx.h"

#define SPOT_HEADER "timestamp_iso8601,instance_type,availability_zone,product,price_usd\n"
#define POOL ",c3.2xlarge,us-west-1a,Linux/UNIX,"
/* 2014-02-16T05:33:25Z, 2014-02-17T17:50:20Z (date -u -d ... +%s) */
#define T0 1392528805000LL
#define T1 1392659420000LL

static const char *const spot[] = { "format=spot", NULL };
static const char *const load[] = { "format=load", NULL };

/* The file f->path, written from text, is refused by create() with
 * "<path><where>" exactly, and rc. */
static void refused(struct replay_fx *f, const char *text, const char *const *kv, int rc,
		    const char *where)
{
	char want[600];

	replay_fx_put(f, "trace.csv", text);
	assert_int_equal(replay_fx_create(f, f->path, kv), rc);
	snprintf(want, sizeof(want), "%s%s", f->path, where);
	assert_string_equal(f->err, want);
}

static void test_key_table(void **ts)
{
	struct replay_fx *f = *ts;
	static const char *const names[] = { "path", "format", "instance_type",
					     "availability_zone", "product", "align", "speed" };
	const struct scaled_key *k = f->kind->keys;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_string_equal(k[i].name, names[i]);
	assert_null(k[7].name);
	assert_int_equal(k[1].type, SCALED_KEY_ENUM);
	assert_int_equal(k[0].required && k[1].required, 1);
	assert_int_equal(k[5].type, SCALED_KEY_ENUM);
	assert_string_equal(k[5].default_value, "start");
	assert_string_equal(k[6].default_value, "1");
}

static void test_missing_empty_dir(void **ts)
{
	struct replay_fx *f = *ts;
	char path[160];

	snprintf(path, sizeof(path), "%s/nope.csv", f->dir);
	assert_int_equal(replay_fx_create(f, path, spot), -ENOENT);
	assert_string_equal(f->err, strcat(path, ": No such file or directory"));
	assert_int_equal(replay_fx_create(f, f->dir, spot), -EINVAL);
	snprintf(path, sizeof(path), "%s: not a regular file", f->dir);
	assert_string_equal(f->err, path);
	/* A FIFO with no writer: refused at once, not a create() that blocks
	 * the loop in open() (the test would hang until its timeout). */
	snprintf(path, sizeof(path), "%s/fifo.csv", f->dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(replay_fx_create(f, path, spot), -EINVAL);
	assert_string_equal(f->err, strcat(path, ": not a regular file"));
	refused(f, "", spot, -EINVAL, ": the file is empty");
	refused(f, SPOT_HEADER, spot, -EINVAL, ": no rows after the header");
}

static void test_header(void **ts)
{
	struct replay_fx *f = *ts;

	refused(f, SPOT_HEADER "2014-02-16T05:33:25Z" POOL "0.6831\n", load, -EINVAL,
		":1: header \"timestamp_iso8601,instance_type,availability_zone,product,"
		"price_usd\" is not the \"load\" format's \"timestamp,count\"");
	refused(f, "timestamp,count\n2023-11-16T18:15:46,1\n", spot, -EINVAL,
		":1: header \"timestamp,count\" is not the \"spot\" format's \"timestamp_iso8601,"
		"instance_type,availability_zone,product,price_usd\"");
	refused(f, "timestamp,count,extra\n", load, -EINVAL,
		":1: header \"timestamp,count,extra\" is not the \"load\" format's "
		"\"timestamp,count\"");
}

static void test_order(void **ts)
{
	struct replay_fx *f = *ts;

	refused(f, SPOT_HEADER "2014-02-16T05:33:25Z" POOL "0.6831\n"
		"2014-02-17T17:50:20Z" POOL "1.0\n2014-02-17T05:33:44Z" POOL "0.6831\n",
		spot, -EINVAL, ":4: timestamp 2014-02-17T05:33:44Z is not after the previous "
		"row's (line 3: 2014-02-17T17:50:20Z)");
	refused(f, SPOT_HEADER "2014-02-16T05:33:25Z" POOL "0.6831\n"
		"2014-02-16T05:33:25Z" POOL "1.0\n", spot, -EINVAL,
		":3: timestamp 2014-02-16T05:33:25Z is not after the previous row's (line 2 has "
		"the same time)");
	/* The same instant written in two zones is a duplicate too. */
	refused(f, "timestamp,count\n1995-07-01T00:00:00-04:00,42\n1995-07-01T04:00:00Z,61\n",
		load, -EINVAL, ":3: timestamp 1995-07-01T04:00:00Z is not after the previous "
		"row's (line 2 has the same time)");
}

static void test_numbers(void **ts)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "NaN", "price_usd \"NaN\" is not a finite number" },
		{ "nan", "price_usd \"nan\" is not a finite number" },
		{ "inf", "price_usd \"inf\" is not a finite number" },
		{ "1e999", "price_usd \"1e999\" is not a finite number" },
		{ "-0.5", "price_usd -0.5 is negative" },
		{ "abc", "price_usd \"abc\" is not a number" },
		{ "1.5x", "price_usd \"1.5x\" is not a number" },
		{ "0x1p3", "price_usd \"0x1p3\" is not a plain decimal number" },
		{ " 1", "price_usd \" 1\" is not a plain decimal number" },
		{ "+1", "price_usd \"+1\" is not a plain decimal number" },
		{ "", "price_usd is empty" },
	};
	struct replay_fx *f = *ts;
	char text[256], where[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), SPOT_HEADER "2014-02-16T05:33:25Z" POOL "1\n"
			 "2014-02-17T05:33:44Z" POOL "%s\n", bad[i].text);
		snprintf(where, sizeof(where), ":3: %s", bad[i].why);
		refused(f, text, spot, -EINVAL, where);
	}
	refused(f, "timestamp,count\n2023-11-16T18:15:46,-3\n", load, -EINVAL,
		":2: count -3 is negative");
	refused(f, "timestamp,count\n2023-11-16T18:15:46,lots\n", load, -EINVAL,
		":2: count \"lots\" is not a number");
}

static void test_timestamps(void **ts)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "2014-02-30T00:00:00Z", "timestamp 2014-02-30T00:00:00Z names no such day" },
		{ "2014-13-01T00:00:00Z", "timestamp 2014-13-01T00:00:00Z is out of range" },
		{ "2014-02-17T24:00:00Z", "timestamp 2014-02-17T24:00:00Z is out of range" },
		{ "2014-02-17T05:33:60Z", "timestamp 2014-02-17T05:33:60Z is out of range" },
		{ "2014-02-17 05:33:44Z", "timestamp \"2014-02-17 05:33:44Z\" is not "
		  "YYYY-MM-DDTHH:MM:SS with Z, +HH:MM, -HH:MM or nothing after it" },
		{ "2014-02-17T05:33:44+0400", "timestamp \"2014-02-17T05:33:44+0400\" is not "
		  "YYYY-MM-DDTHH:MM:SS with Z, +HH:MM, -HH:MM or nothing after it" },
		{ "1392528805", "timestamp \"1392528805\" is not "
		  "YYYY-MM-DDTHH:MM:SS with Z, +HH:MM, -HH:MM or nothing after it" },
		{ "", "timestamp \"\" is not "
		  "YYYY-MM-DDTHH:MM:SS with Z, +HH:MM, -HH:MM or nothing after it" },
	};
	struct replay_fx *f = *ts;
	char text[256], where[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), SPOT_HEADER "%s" POOL "1\n", bad[i].text);
		snprintf(where, sizeof(where), ":2: %s", bad[i].why);
		refused(f, text, spot, -EINVAL, where);
	}
}

static void test_text(void **ts)
{
	struct replay_fx *f = *ts;
	char line[1200], type[1000];

	refused(f, SPOT_HEADER "2014-02-16T05:33:25Z,c3.2x\xff" "large,us-west-1a,Linux/UNIX,1\n",
		spot, -EILSEQ, ":2: not UTF-8 (byte 0xff at column 27)");
	/* An overlong '/' and a UTF-16 surrogate are not UTF-8 either. */
	refused(f, SPOT_HEADER "2014-02-16T05:33:25Z,c3,us-west-1a,Linux\xc0\xafUNIX,1\n",
		spot, -EILSEQ, ":2: not UTF-8 (byte 0xc0 at column 41)");
	refused(f, SPOT_HEADER "2014-02-16T05:33:25Z,c3\xed\xa0\x80,us-west-1a,Linux/UNIX,1\n",
		spot, -EILSEQ, ":2: not UTF-8 (byte 0xed at column 24)");
	refused(f, "timestamp,count\r\n2023-11-16T18:15:46,1\r\n", load, -EINVAL,
		":1: a carriage return at column 16 (only \\n line ends are read)");
	refused(f, "timestamp,count\n2023-11-16T18:15:46,\"1\"\n", load, -EINVAL,
		":2: a quote at column 21 (quoted fields are not read)");
	refused(f, "timestamp,count\n2023-11-16T18:15:46,\t1\n", load, -EINVAL,
		":2: control character 0x09 at column 21");
	refused(f, "timestamp,count\n2023-11-16T18:15:46,1\n\n2023-11-16T18:15:47,1\n", load,
		-EINVAL, ":3: empty line");
	refused(f, "timestamp,count\n2023-11-16T18:15:46,1\n\n", load, -EINVAL, ":3: empty line");

	/* A line of 1024 bytes is read; one of 1025 is not: the row is 45 bytes
	 * and its instance type. */
	memset(type, 'x', sizeof(type));
	snprintf(line, sizeof(line), SPOT_HEADER "2014-02-16T05:33:25Z,%.979s,us-west-1a,"
		 "Linux/UNIX,1\n", type);
	replay_fx_put(f, "trace.csv", line);
	assert_int_equal(replay_fx_create(f, f->path, spot), 0);
	f->kind->destroy(f->state);
	f->state = NULL;
	snprintf(line, sizeof(line), SPOT_HEADER "2014-02-16T05:33:25Z,%.980s,us-west-1a,"
		 "Linux/UNIX,1\n", type);
	refused(f, line, spot, -EINVAL, ":2: line longer than 1024 bytes");
}

static void test_columns(void **ts)
{
	struct replay_fx *f = *ts;

	refused(f, SPOT_HEADER "2014-02-16T05:33:25Z,c3.2xlarge,us-west-1a,0.6831\n", spot,
		-EINVAL, ":2: 4 fields, expected 5 (timestamp_iso8601,instance_type,"
		"availability_zone,product,price_usd)");
	refused(f, SPOT_HEADER "2014-02-16T05:33:25Z" POOL "0.6831,x\n", spot, -EINVAL,
		":2: 6 fields, expected 5 (timestamp_iso8601,instance_type,availability_zone,"
		"product,price_usd)");
	refused(f, "timestamp,count\n2023-11-16T18:15:46\n", load, -EINVAL,
		":2: 1 fields, expected 2 (timestamp,count)");
	refused(f, "timestamp,count\n2023-11-16T18:15:46,1,2,3,4,5,6,7\n", load, -EINVAL,
		":2: 8 fields, expected 2 (timestamp,count)");
	refused(f, SPOT_HEADER "2014-02-16T05:33:25Z,,us-west-1a,Linux/UNIX,1\n", spot, -EINVAL,
		":2: instance_type is empty");
}

static void test_too_big(void **ts)
{
	struct replay_fx *f = *ts;

	/* Sparse: nothing is written but the size. */
	replay_fx_put(f, "big.csv", SPOT_HEADER);
	assert_int_equal(truncate(f->path, 64L * 1024 * 1024 + 1), 0);
	assert_int_equal(replay_fx_create(f, f->path, spot), -EFBIG);
	assert_string_equal(strstr(f->err, ": "),
			    ": 67108865 bytes, more than the 67108864 a trace may have");
	assert_memory_equal(f->err, f->path, strlen(f->path));
}

static void test_pools(void **ts)
{
	static const char mixed[] = SPOT_HEADER
		"2014-02-16T05:33:25Z,c3.2xlarge,us-west-1a,Linux/UNIX,0.6831\n"
		"2014-02-16T05:33:25Z,c3.8xlarge,us-west-1a,Linux/UNIX,2.732\n"
		"2014-02-17T17:50:20Z,c3.2xlarge,us-west-1a,Linux/UNIX,1.0\n"
		"2014-02-17T00:56:30Z,c3.8xlarge,us-west-1a,Linux/UNIX,2.5\n";
	const char *const c32[] = { "format=spot", "instance_type=c3.2xlarge", "align=absolute",
				    NULL };
	const char *const none[] = { "format=spot", "instance_type=m1.small",
				     "product=Windows", NULL };
	struct replay_fx *f = *ts;
	double v;

	refused(f, mixed, spot, -EINVAL, ":3: pool c3.8xlarge us-west-1a Linux/UNIX is not "
		"line 2's c3.2xlarge us-west-1a Linux/UNIX: the rows mix pools (choose one "
		"with instance_type, availability_zone and product)");
	/* The zone alone does not tell the pools apart. */
	refused(f, mixed, (const char *const[]){ "format=spot", "availability_zone=us-west-1a",
						 NULL },
		-EINVAL, ":3: pool c3.8xlarge us-west-1a Linux/UNIX is not line 2's c3.2xlarge "
		"us-west-1a Linux/UNIX: the rows mix pools (choose one with instance_type, "
		"availability_zone and product)");
	refused(f, mixed, none, -EINVAL, ": none of the 4 rows has instance_type m1.small, "
		"availability_zone (any) and product Windows");

	/* One pool out of several; the others' order is theirs. */
	replay_fx_put(f, "trace.csv", mixed);
	assert_int_equal(replay_fx_create(f, f->path, c32), 0);
	assert_int_equal(replay_fx_at(f, T0 - 1, &v), 0);
	assert_int_equal(replay_fx_at(f, T0, &v), 1);
	assert_true(v == 0.6831);
	assert_int_equal(replay_fx_at(f, T1, &v), 1);
	assert_true(v == 1.0);
}

static void test_create_checks(void **ts)
{
	struct replay_fx *f = *ts;

	replay_fx_put(f, "trace.csv", "timestamp,count\n2023-11-16T18:15:46,1\n");
	assert_int_equal(replay_fx_create(f, f->path, (const char *const[]){
		"format=load", "instance_type=c3.2xlarge", NULL }), -EINVAL);
	assert_string_equal(f->err, "key \"instance_type\" filters spot rows; format \"load\" "
			    "has none");
	assert_int_equal(replay_fx_create(f, f->path, (const char *const[]){
		"format=spot", "product=", NULL }), -EINVAL);
	assert_string_equal(f->err, "key \"product\" is empty (leave it out to take any)");
	assert_int_equal(replay_fx_create(f, f->path, (const char *const[]){
		"format=load", "align=absolute", "speed=60", NULL }), -EINVAL);
	assert_string_equal(f->err, "key \"speed\" (60) needs align = \"start\": with "
			    "\"absolute\" row times are engine times");
	assert_int_equal(replay_fx_create(f, "", load), -EINVAL);
	assert_string_equal(f->err, "key \"path\" is empty");
}

/* A step function: each value holds from its row's time to the next's. */
static void test_step_absolute(void **ts)
{
	struct replay_fx *f = *ts;
	double v;

	/* No '\n' after the last line. */
	replay_fx_put(f, "trace.csv", SPOT_HEADER "2014-02-16T05:33:25Z" POOL "0.6831\n"
		      "2014-02-17T17:50:20Z" POOL "1.0");
	assert_int_equal(replay_fx_create(f, f->path, (const char *const[]){
		"format=spot", "align=absolute", NULL }), 0);
	assert_int_equal(th_log_count("trace.csv: 2 rows over 130615 s"), 1);
	assert_int_equal(replay_fx_at(f, T0 - 1, &v), 0); /* before the first row */
	assert_int_equal(replay_fx_at(f, T0, &v), 1);
	assert_true(v == 0.6831);
	assert_int_equal(replay_fx_at(f, T1 - 1, &v), 1);
	assert_true(v == 0.6831);
	assert_int_equal(replay_fx_at(f, T1, &v), 1);
	assert_true(v == 1.0);
	/* After the last row its value stays. */
	assert_int_equal(replay_fx_at(f, T1 + 86400000LL * 365, &v), 1);
	assert_true(v == 1.0);
}

static void test_step_start(void **ts)
{
	struct replay_fx *f = *ts;
	int64_t c = 1700000000000LL; /* the test host's clock at create */
	double v;

	replay_fx_put(f, "trace.csv", SPOT_HEADER "2014-02-16T05:33:25Z" POOL "0.6831\n"
		      "2014-02-17T17:50:20Z" POOL "1.0\n");
	th_clock_set(c);
	assert_int_equal(replay_fx_create(f, f->path, spot), 0);
	assert_int_equal(replay_fx_at(f, c, &v), 1);
	assert_true(v == 0.6831);
	assert_int_equal(replay_fx_at(f, c + (T1 - T0) - 1, &v), 1);
	assert_true(v == 0.6831);
	assert_int_equal(replay_fx_at(f, c + (T1 - T0), &v), 1);
	assert_true(v == 1.0);
	f->kind->destroy(f->state);
	f->state = NULL;

	/* speed 60: a trace minute an engine second; 130615 s / 60 = 2176.916 s. */
	th_reset();
	th_clock_set(c);
	assert_int_equal(replay_fx_create(f, f->path, (const char *const[]){
		"format=spot", "speed=60", NULL }), 0);
	assert_int_equal(replay_fx_at(f, c + 2176916, &v), 1);
	assert_true(v == 0.6831);
	assert_int_equal(replay_fx_at(f, c + 2176917, &v), 1);
	assert_true(v == 1.0);
}

/* Z, an offset, and no zone (read as UTC) name the same instants. */
static void test_zones(void **ts)
{
	struct replay_fx *f = *ts;
	int64_t t = 804571200000LL; /* 1995-07-01T04:00:00Z */
	double v;

	replay_fx_put(f, "trace.csv", "timestamp,count\n1995-07-01T00:00:00-04:00,42\n"
		      "1995-07-01T05:01:00+01:00,61\n1995-07-01T04:02:00Z,57\n"
		      "1995-07-01T04:03:00,71\n");
	assert_int_equal(replay_fx_create(f, f->path, (const char *const[]){
		"format=load", "align=absolute", NULL }), 0);
	assert_int_equal(replay_fx_at(f, t, &v), 1);
	assert_true(v == 42);
	assert_int_equal(replay_fx_at(f, t + 60000, &v), 1);
	assert_true(v == 61);
	assert_int_equal(replay_fx_at(f, t + 120000, &v), 1);
	assert_true(v == 57);
	assert_int_equal(replay_fx_at(f, t + 179999, &v), 1);
	assert_true(v == 57);
	assert_int_equal(replay_fx_at(f, t + 180000, &v), 1);
	assert_true(v == 71);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_key_table, replay_fx_setup, replay_fx_teardown),
		cmocka_unit_test_setup_teardown(test_missing_empty_dir, replay_fx_setup,
						replay_fx_teardown),
		cmocka_unit_test_setup_teardown(test_header, replay_fx_setup, replay_fx_teardown),
		cmocka_unit_test_setup_teardown(test_order, replay_fx_setup, replay_fx_teardown),
		cmocka_unit_test_setup_teardown(test_numbers, replay_fx_setup, replay_fx_teardown),
		cmocka_unit_test_setup_teardown(test_timestamps, replay_fx_setup,
						replay_fx_teardown),
		cmocka_unit_test_setup_teardown(test_text, replay_fx_setup, replay_fx_teardown),
		cmocka_unit_test_setup_teardown(test_columns, replay_fx_setup, replay_fx_teardown),
		cmocka_unit_test_setup_teardown(test_too_big, replay_fx_setup, replay_fx_teardown),
		cmocka_unit_test_setup_teardown(test_pools, replay_fx_setup, replay_fx_teardown),
		cmocka_unit_test_setup_teardown(test_create_checks, replay_fx_setup,
						replay_fx_teardown),
		cmocka_unit_test_setup_teardown(test_step_absolute, replay_fx_setup,
						replay_fx_teardown),
		cmocka_unit_test_setup_teardown(test_step_start, replay_fx_setup,
						replay_fx_teardown),
		cmocka_unit_test_setup_teardown(test_zones, replay_fx_setup, replay_fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
