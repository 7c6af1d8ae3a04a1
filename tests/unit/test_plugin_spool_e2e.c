/*
 * test_plugin_spool_e2e.c - the three pieces together, without the core:
 * scaled-loadgen fills a spool, dirqueue.so counts it, procpool.so runs
 * scaled-worker processes that drain it, and scaling in while they are busy
 * lets every job in hand finish (killed stays 0, no job is lost or done
 * twice).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "plugin_test_host.h"

#define WORKER SCALED_BINARY_DIR "/tools/scaled-worker"
#define LOADGEN SCALED_BINARY_DIR "/tools/scaled-loadgen"
#define JOBS 30
#define WAIT_MS 20000

struct fx {
	struct th_plugin pp, dq;
	const struct scaled_kind *pool_kind, *queue_kind;
	struct scaled_instance pool, queue;
	void *pool_state, *queue_state;
	char dir[64];
};

static int setup(void **ts)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	th_reset();
	th_clock_real();
	th_load("procpool", &f->pp);
	th_load("dirqueue", &f->dq);
	f->pool_kind = th_kind(&f->pp, "procpool");
	f->queue_kind = th_kind(&f->dq, "dirqueue");
	snprintf(f->pool.name, sizeof(f->pool.name), "pool");
	snprintf(f->queue.name, sizeof(f->queue.name), "backlog");
	snprintf(f->dir, sizeof(f->dir), "/tmp/scaled-test-e2e-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	*ts = f;
	return 0;
}

static int teardown(void **ts)
{
	struct fx *f = *ts;
	char cmd[128];

	if (f->pool_state)
		f->pool_kind->destroy(f->pool_state);
	if (f->queue_state)
		f->queue_kind->destroy(f->queue_state);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	th_unload(&f->pp);
	th_unload(&f->dq);
	th_reset();
	free(f);
	return 0;
}

static size_t done_count(struct fx *f)
{
	char p[128], buf[256];
	size_t n = 0;
	FILE *in;

	snprintf(p, sizeof(p), "%s/.done.log", f->dir);
	in = fopen(p, "r");
	if (!in)
		return 0;
	while (fgets(buf, sizeof(buf), in))
		n++;
	fclose(in);
	return n;
}

/* One engine "tick" by hand: collect the queue, poll the pool. */
static void tick(void *arg)
{
	struct fx *f = arg;
	char err[256] = "";

	if (f->queue_kind->collect(f->queue_state, err, sizeof(err)) != 0)
		fail_msg("collect: %s", err);
	if (f->pool_kind->poll(f->pool_state, err, sizeof(err)) != 0)
		fail_msg("poll: %s", err);
}

static int some_done(void *arg)
{
	return done_count(arg) >= 3;
}

static int drained(void *arg)
{
	struct fx *f = arg;
	double backlog = -1;

	return th_last(&f->queue, NULL, &backlog) && backlog == 0 &&
	       done_count(f) == JOBS;
}

static int pool_idle(void *arg)
{
	const struct th_report *r = th_last_report(&((struct fx *)arg)->pool);

	return r && r->state.stopping == 0;
}

static void apply(struct fx *f, int desired, uint64_t token)
{
	struct scaled_target_want want = { sizeof(want), desired, -1, -1 };
	const struct th_done *d;
	char err[256] = "";
	size_t n;

	assert_int_equal(f->pool_kind->apply(f->pool_state, &want, token, err,
					     sizeof(err)), 0);
	n = th_dones(&d);
	assert_true(n > 0 && d[n - 1].token == token);
	assert_int_equal(d[n - 1].status, 0);
}

static void test_drain_and_scale_in_gracefully(void **ts)
{
	struct fx *f = *ts;
	char path[96], command[256], jobs[16];
	const char *qkv[] = { path, NULL };
	const char *pkv[] = { command, "stop_grace=10s", NULL };
	char *gen[] = { LOADGEN, "--spool", f->dir, "--rate", "5000",
			"--count", jobs, "--ms", "40", NULL };
	struct scaled_value v[8];
	char err[256] = "";
	double x = -1;
	pid_t pid;
	int st;

	snprintf(path, sizeof(path), "path=%s", f->dir);
	snprintf(command, sizeof(command), "command=exec %s --spool %s", WORKER,
		 f->dir);
	snprintf(jobs, sizeof(jobs), "%d", JOBS);
	th_values(f->queue_kind, v, 8, qkv);
	assert_int_equal(f->queue_kind->create(&f->queue, v, &f->queue_state,
					       err, sizeof(err)), 0);
	th_values(f->pool_kind, v, 8, pkv);
	assert_int_equal(f->pool_kind->create(&f->pool, v, &f->pool_state,
					      err, sizeof(err)), 0);

	assert_int_equal(posix_spawn(&pid, LOADGEN, NULL, NULL, gen, environ), 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	tick(f);
	assert_int_equal(th_last(&f->queue, NULL, &x), 1);
	assert_true(x == JOBS);

	apply(f, 4, 1);
	/* Scale in while all four are busy: each finishes its job first. */
	assert_true(th_wait(WAIT_MS, some_done, tick, f));
	apply(f, 2, 2);
	assert_true(th_wait(WAIT_MS, drained, tick, f));
	apply(f, 0, 3);
	assert_true(th_wait(WAIT_MS, pool_idle, tick, f));
	assert_int_equal(th_last(&f->pool, "killed", &x), 1);
	assert_true(x == 0.0);
	assert_int_equal(th_last(&f->pool, "crashes", &x), 1);
	assert_true(x == 0.0);
	assert_int_equal(done_count(f), JOBS);
	assert_int_equal(th_last(&f->queue, "oldest_age", &x), 1);
	assert_true(x == 0.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_drain_and_scale_in_gracefully, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
