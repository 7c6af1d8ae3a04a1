/*
 * test_cpu.c - the cpu plugin (plugins/cpu/cpu.so) against /proc/stat
 * fixtures. The expected percentages are worked out in fixtures/README.
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

#include "plugin_test_host.h"

#define FIXTURES SCALED_SOURCE_DIR "/plugins/cpu/fixtures/"

struct fx {
	struct th_plugin plugin;
	const struct scaled_kind *kind;
	struct scaled_instance inst;
	char dir[64];
	char stat[128]; /* the file the instance reads */
	char opt[160];  /* "proc_stat=<stat>" */
	void *state;
};

static int setup(void **ts)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	th_reset();
	th_load("cpu", &f->plugin);
	f->kind = th_kind(&f->plugin, "cpu");
	assert_int_equal(f->kind->role, SCALED_ROLE_SOURCE);
	snprintf(f->inst.name, sizeof(f->inst.name), "cpu");
	snprintf(f->dir, sizeof(f->dir), "/tmp/scaled-test-cpu-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->stat, sizeof(f->stat), "%s/stat", f->dir);
	snprintf(f->opt, sizeof(f->opt), "proc_stat=%s", f->stat);
	*ts = f;
	return 0;
}

static int teardown(void **ts)
{
	struct fx *f = *ts;

	if (f->state)
		f->kind->destroy(f->state);
	unlink(f->stat);
	rmdir(f->dir);
	th_unload(&f->plugin);
	th_reset();
	free(f);
	return 0;
}

/* Put text into the file the instance reads (whole, by rename). */
static void put_text(struct fx *f, const char *text)
{
	char tmp[160];
	FILE *o;

	snprintf(tmp, sizeof(tmp), "%s/.stat.tmp", f->dir);
	o = fopen(tmp, "w");
	assert_non_null(o);
	assert_int_equal(fputs(text, o) >= 0, 1);
	assert_int_equal(fclose(o), 0);
	assert_int_equal(rename(tmp, f->stat), 0);
}

static void put_fixture(struct fx *f, const char *name)
{
	char path[512], buf[4096];
	size_t n;
	FILE *in;

	snprintf(path, sizeof(path), FIXTURES "%s", name);
	in = fopen(path, "r");
	assert_non_null(in);
	n = fread(buf, 1, sizeof(buf) - 1, in);
	fclose(in);
	buf[n] = '\0';
	put_text(f, buf);
}

static void create(struct fx *f, const char *per_core)
{
	const char *kv[] = { f->opt, per_core, NULL };
	struct scaled_value v[8];
	char err[256] = "";

	th_values(f->kind, v, 8, kv);
	assert_int_equal(f->kind->create(&f->inst, v, &f->state, err,
					 sizeof(err)), 0);
}

static int collect(struct fx *f, char *err, size_t errlen)
{
	err[0] = '\0';
	return f->kind->collect(f->state, err, errlen);
}

static void test_key_table(void **ts)
{
	struct fx *f = *ts;
	const struct scaled_key *k = f->kind->keys;

	assert_string_equal(k[0].name, "per_core");
	assert_int_equal(k[0].type, SCALED_KEY_BOOL);
	assert_string_equal(k[0].default_value, "false");
	assert_string_equal(k[1].name, "proc_stat");
	assert_int_equal(k[1].type, SCALED_KEY_STRING);
	assert_string_equal(k[1].default_value, "/proc/stat");
	assert_null(k[2].name);
}

static void test_first_collect_only_primes(void **ts)
{
	struct fx *f = *ts;
	const struct th_sample *s;
	char err[256];

	put_fixture(f, "stat_a");
	create(f, "per_core=true");
	assert_int_equal(collect(f, err, sizeof(err)), 0);
	assert_int_equal(th_samples(&s), 0);
}

static void test_percent_between_two_readings(void **ts)
{
	struct fx *f = *ts;
	const struct th_sample *s;
	char err[256];

	create(f, "per_core=false");
	put_fixture(f, "stat_a");
	assert_int_equal(collect(f, err, sizeof(err)), 0);
	th_clock_set(1700000010000LL);
	put_fixture(f, "stat_b");
	assert_int_equal(collect(f, err, sizeof(err)), 0);
	assert_int_equal(th_samples(&s), 1);
	assert_ptr_equal(s[0].inst, &f->inst);
	assert_string_equal(s[0].suffix, "");
	assert_true(s[0].t_ms == 1700000010000LL);
	assert_true(s[0].value == 45.0);
}

static void test_per_core(void **ts)
{
	struct fx *f = *ts;
	const struct th_sample *s;
	char err[256];

	create(f, "per_core=true");
	put_fixture(f, "stat_a");
	assert_int_equal(collect(f, err, sizeof(err)), 0);
	put_fixture(f, "stat_b");
	assert_int_equal(collect(f, err, sizeof(err)), 0);
	assert_int_equal(th_samples(&s), 3);
	assert_string_equal(s[0].suffix, "");
	assert_true(s[0].value == 45.0);
	assert_string_equal(s[1].suffix, "core0");
	assert_true(s[1].value == 80.0); /* guest not counted twice */
	assert_string_equal(s[2].suffix, "core1");
	assert_true(s[2].value == 10.0); /* iowait is idle */
}

static void test_garbage_names_file_and_line(void **ts)
{
	struct fx *f = *ts;
	const struct th_sample *s;
	char err[256], want[200];
	int rc;

	create(f, "per_core=true");
	put_fixture(f, "stat_a");
	assert_int_equal(collect(f, err, sizeof(err)), 0);

	put_text(f, "cpu  1 2 3 4 5 6 7 8 0 0\nintr 1 2\ncpu0 1 2 x 4\n");
	rc = collect(f, err, sizeof(err));
	assert_int_equal(rc, -EINVAL);
	snprintf(want, sizeof(want), "%s:3:", f->stat);
	assert_non_null(strstr(err, want));

	put_text(f, "cpu  1 2 3\n");
	assert_int_equal(collect(f, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:1: too few fields", f->stat);
	assert_string_equal(err, want);

	put_text(f, "cpux 1 2 3 4\n");
	assert_int_equal(collect(f, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:1:", f->stat);
	assert_non_null(strstr(err, want));

	put_text(f, "hello\nworld\n");
	assert_int_equal(collect(f, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s: no \"cpu\" line in 2 lines", f->stat);
	assert_string_equal(err, want);

	put_text(f, "cpu  1 2 3 4\ncpu  1 2 3 4\n");
	assert_int_equal(collect(f, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:2:", f->stat);
	assert_non_null(strstr(err, want));

	/* Errors published nothing and kept the reading of stat_a. */
	assert_int_equal(th_samples(&s), 0);
	put_fixture(f, "stat_b");
	assert_int_equal(collect(f, err, sizeof(err)), 0);
	assert_int_equal(th_samples(&s), 3);
	assert_true(s[0].value == 45.0);
}

static void test_missing_file(void **ts)
{
	struct fx *f = *ts;
	char err[256], want[200];

	create(f, "per_core=false");
	assert_int_equal(collect(f, err, sizeof(err)), -ENOENT);
	snprintf(want, sizeof(want), "%s: %s", f->stat, strerror(ENOENT));
	assert_string_equal(err, want);
}

static void test_counters_backwards_reprime(void **ts)
{
	struct fx *f = *ts;
	const struct th_sample *s;
	char err[256];

	create(f, "per_core=true");
	put_fixture(f, "stat_b");
	assert_int_equal(collect(f, err, sizeof(err)), 0);
	put_fixture(f, "stat_a"); /* went backwards: say nothing */
	assert_int_equal(collect(f, err, sizeof(err)), 0);
	assert_int_equal(th_samples(&s), 0);
	put_fixture(f, "stat_b"); /* from stat_a again: 45 % */
	assert_int_equal(collect(f, err, sizeof(err)), 0);
	assert_int_equal(th_samples(&s), 3);
	assert_true(s[0].value == 45.0);
}

static void test_real_proc_stat(void **ts)
{
	struct fx *f = *ts;
	const char *kv[] = { NULL };
	struct scaled_value v[8];
	const struct th_sample *s;
	char err[256] = "";
	size_t n;

	th_values(f->kind, v, 8, kv);
	assert_string_equal(v[1].u.str, "/proc/stat");
	assert_int_equal(f->kind->create(&f->inst, v, &f->state, err,
					 sizeof(err)), 0);
	assert_int_equal(collect(f, err, sizeof(err)), 0);
	/* Burn a little CPU so that the counters move. */
	for (volatile unsigned long i = 0; i < 50000000UL; i++)
		;
	assert_int_equal(collect(f, err, sizeof(err)), 0);
	n = th_samples(&s);
	assert_true(n <= 1);
	if (n == 1)
		assert_true(s[0].value >= 0.0 && s[0].value <= 100.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_key_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_collect_only_primes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_percent_between_two_readings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_per_core, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_names_file_and_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counters_backwards_reprime, setup, teardown),
		cmocka_unit_test_setup_teardown(test_real_proc_stat, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
