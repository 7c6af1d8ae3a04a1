/*
 * test_dirqueue.c - the dirqueue plugin (plugins/dirqueue.so) against a
 * temporary spool whose files have mtimes set to the millisecond, read on a
 * virtual clock, so that every count and age is exact.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "plugin_test_host.h"

#define NOW_MS 1700000000000LL

struct fx {
	struct th_plugin plugin;
	const struct scaled_kind *kind;
	struct scaled_instance inst;
	char dir[64];
	char opt[96]; /* "path=<dir>" */
	void *state;
};

static int setup(void **ts)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	th_reset();
	th_clock_set(NOW_MS);
	th_load("dirqueue", &f->plugin);
	f->kind = th_kind(&f->plugin, "dirqueue");
	assert_int_equal(f->kind->role, SCALED_ROLE_SOURCE);
	snprintf(f->inst.name, sizeof(f->inst.name), "backlog");
	snprintf(f->dir, sizeof(f->dir), "/tmp/scaled-test-dq-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->opt, sizeof(f->opt), "path=%s", f->dir);
	*ts = f;
	return 0;
}

static int teardown(void **ts)
{
	struct fx *f = *ts;
	char cmd[128];

	if (f->state)
		f->kind->destroy(f->state);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	th_unload(&f->plugin);
	th_reset();
	free(f);
	return 0;
}

/* A file in the spool whose mtime is `age_ms` before NOW_MS. */
static void job(struct fx *f, const char *name, int64_t age_ms)
{
	int64_t t = NOW_MS - age_ms;
	struct timespec ts[2] = {
		{ t / 1000, (t % 1000) * 1000000 },
		{ t / 1000, (t % 1000) * 1000000 },
	};
	char path[160];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "1\n", 2), 2);
	assert_int_equal(futimens(fd, ts), 0);
	close(fd);
}

static void create(struct fx *f, const char *pattern)
{
	const char *kv[] = { f->opt, pattern, NULL };
	struct scaled_value v[4];
	char err[256] = "";

	th_values(f->kind, v, 4, kv);
	assert_int_equal(f->kind->create(&f->inst, v, &f->state, err,
					 sizeof(err)), 0);
}

static void collect_ok(struct fx *f)
{
	char err[256] = "";
	int rc = f->kind->collect(f->state, err, sizeof(err));

	if (rc != 0)
		fail_msg("collect: %d %s", rc, err);
}

static double last(struct fx *f, const char *suffix)
{
	double v = -1;

	assert_int_equal(th_last(&f->inst, suffix, &v), 1);
	return v;
}

/* The spool every test but the empty one uses. */
static void fill(struct fx *f)
{
	char path[160];

	job(f, "a.job", 1000000);
	job(f, "b.job", 500000);
	job(f, "c.txt", 1500250);   /* the oldest counted file */
	job(f, ".hidden", 9000000); /* dot-files are not jobs */
	job(f, ".tmp.job", 9000000); /* nor when the pattern matches the rest */
	snprintf(path, sizeof(path), "%s/sub", f->dir);
	assert_int_equal(mkdir(path, 0755), 0); /* a directory is not a job */
	snprintf(path, sizeof(path), "%s/link", f->dir);
	assert_int_equal(symlink("a.job", path), 0); /* nor a symlink */
	snprintf(path, sizeof(path), "%s/sub/d.job", f->dir);
	assert_int_equal(close(open(path, O_WRONLY | O_CREAT, 0644)), 0);
}

static void test_counts_regular_files(void **ts)
{
	struct fx *f = *ts;
	const struct th_sample *s;

	fill(f);
	create(f, NULL);
	collect_ok(f);
	assert_int_equal(th_samples(&s), 2);
	assert_string_equal(s[0].suffix, "");
	assert_true(s[0].value == 3.0);
	assert_true(s[0].t_ms == NOW_MS);
	assert_string_equal(s[1].suffix, "oldest_age");
	assert_true(s[1].value == 1500.25);
	assert_true(s[1].t_ms == NOW_MS);
}

static void test_pattern(void **ts)
{
	struct fx *f = *ts;

	fill(f);
	create(f, "pattern=*.job");
	collect_ok(f);
	assert_true(last(f, NULL) == 2.0);
	assert_true(last(f, "oldest_age") == 1000.0);
}

static void test_ages_follow_clock_and_claims(void **ts)
{
	struct fx *f = *ts;
	char path[160];

	fill(f);
	create(f, "pattern=*.job");
	th_clock_set(NOW_MS + 2500);
	collect_ok(f);
	assert_true(last(f, "oldest_age") == 1002.5);
	/* A worker claims the oldest by renaming it into a dot-dir. */
	snprintf(path, sizeof(path), "%s/.work", f->dir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(chdir(f->dir), 0);
	assert_int_equal(rename("a.job", ".work/a.job.1"), 0);
	assert_int_equal(chdir("/"), 0);
	th_clock_set(NOW_MS + 3000);
	collect_ok(f);
	assert_true(last(f, NULL) == 1.0);
	assert_true(last(f, "oldest_age") == 503.0);
}

static void test_empty_spool(void **ts)
{
	struct fx *f = *ts;

	job(f, ".only-a-dotfile", 5000);
	create(f, NULL);
	collect_ok(f);
	assert_true(last(f, NULL) == 0.0);
	assert_true(last(f, "oldest_age") == 0.0);
}

static void test_future_mtime_is_age_zero(void **ts)
{
	struct fx *f = *ts;

	job(f, "late", -60000);
	create(f, NULL);
	collect_ok(f);
	assert_true(last(f, NULL) == 1.0);
	assert_true(last(f, "oldest_age") == 0.0);
}

static void test_missing_dir(void **ts)
{
	struct fx *f = *ts;
	const struct th_sample *s;
	char err[256] = "", want[200];

	snprintf(f->opt, sizeof(f->opt), "path=%s/nope", f->dir);
	create(f, NULL);
	assert_int_equal(f->kind->collect(f->state, err, sizeof(err)), -ENOENT);
	snprintf(want, sizeof(want), "%s/nope: %s", f->dir, strerror(ENOENT));
	assert_string_equal(err, want);
	assert_int_equal(th_samples(&s), 0);
}

static void test_bad_config(void **ts)
{
	struct fx *f = *ts;
	const char *kv[] = { "path=", NULL };
	const char *kv2[] = { f->opt, "pattern=", NULL };
	const char *kv3[] = { f->opt, "claims=", NULL };
	struct scaled_value v[4];
	void *state = NULL;
	char err[256] = "";

	assert_int_equal(f->kind->keys[0].required, 1);
	th_values(f->kind, v, 4, kv);
	assert_int_equal(f->kind->create(&f->inst, v, &state, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "path: must name a directory");
	th_values(f->kind, v, 4, kv2);
	assert_int_equal(f->kind->create(&f->inst, v, &state, err, sizeof(err)),
			 -EINVAL);
	assert_null(state);
	th_values(f->kind, v, 4, kv3);
	assert_int_equal(f->kind->create(&f->inst, v, &state, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "claims: must name a directory");
	assert_null(state);
}

/* A pid that existed and is gone (reaped): a dead worker's. */
static pid_t dead_pid(void)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	return pid;
}

static int there(struct fx *f, const char *name)
{
	char p[192];

	snprintf(p, sizeof(p), "%s/%s", f->dir, name);
	return access(p, F_OK) == 0;
}

static void test_claims_of_dead_workers_requeued(void **ts)
{
	struct fx *f = *ts;
	char dead[64], live[64], dup[64], dead2[64], p[160];
	pid_t gone = dead_pid();

	create(f, "claims=.work");
	collect_ok(f); /* no .work yet: nothing to do, not an error */
	assert_true(last(f, "requeued") == 0.0);

	snprintf(p, sizeof(p), "%s/.work", f->dir);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(dead, sizeof(dead), ".work/a.job.%d", (int)gone);
	snprintf(live, sizeof(live), ".work/b.%d", (int)getpid());
	snprintf(dup, sizeof(dup), ".work/c.%d", (int)gone);
	snprintf(dead2, sizeof(dead2), ".work/.hidden.%d", (int)gone);
	job(f, dead, 0);
	job(f, live, 0);
	job(f, dup, 0);
	job(f, "c", 0);            /* a new job named like a dead claim */
	job(f, dead2, 0);          /* dot-names are not claims */
	job(f, ".work/d.x12", 0);  /* nor names without .<pid> */
	job(f, ".work/e.012", 0);
	collect_ok(f);
	assert_true(there(f, "a.job"));  /* its worker is gone: back */
	assert_false(there(f, dead));
	assert_true(there(f, live));     /* alive: ours */
	assert_true(there(f, dup));      /* never over a queued job */
	assert_true(there(f, dead2) && there(f, ".work/d.x12") &&
		    there(f, ".work/e.012"));
	assert_true(last(f, NULL) == 2.0); /* a.job and c */
	assert_true(last(f, "requeued") == 1.0);
	assert_int_equal(th_log_count("requeued a.job: its worker"), 1);
	assert_int_equal(th_log_count("a job of that name is queued"), 1);
	collect_ok(f); /* nothing new */
	assert_true(last(f, "requeued") == 1.0);
}

/* Without the key nothing is touched, and no requeued series. */
static void test_claims_off_by_default(void **ts)
{
	struct fx *f = *ts;
	char dead[64], p[160];

	snprintf(p, sizeof(p), "%s/.work", f->dir);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(dead, sizeof(dead), ".work/a.%d", (int)dead_pid());
	job(f, dead, 0);
	create(f, NULL);
	collect_ok(f);
	assert_true(there(f, dead));
	assert_int_equal(th_sample_count(&f->inst, "requeued"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_counts_regular_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pattern, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ages_follow_clock_and_claims, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_spool, setup, teardown),
		cmocka_unit_test_setup_teardown(test_future_mtime_is_age_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claims_of_dead_workers_requeued, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claims_off_by_default, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
