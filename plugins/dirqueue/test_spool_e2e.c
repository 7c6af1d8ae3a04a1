/*
 * test_spool_e2e.c (ctest: test_plugin_spool_e2e) - the three pieces
 * together, without the core: scaled-loadgen fills a spool, dirqueue.so
 * counts it, procpool.so runs scaled-worker processes that drain it.
 *
 * The worker command is written the way a user writes it (no `exec`), and
 * each job (600 ms) is longer than a tick: scaling in while the workers are
 * busy must let every job in hand finish (killed stays 0, nothing is left in
 * .work/, every job is done exactly once). A worker that dies anyway
 * (SIGKILLed here, holding a job of a minute) has its claims put back in
 * the queue by dirqueue.
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

#include "procpool_fx.h"

#define WORKER SCALED_BINARY_DIR "/tools/scaled-worker"
#define LOADGEN SCALED_BINARY_DIR "/tools/scaled-loadgen"
#define JOBS 12
#define JOB_MS "600"
#define WAIT_MS 30000

struct fx {
	struct pfx pool; /* procpool.so, its instance "pool"; dir: the spool */
	struct th_plugin dq;
	const struct scaled_kind *queue_kind;
	struct scaled_instance queue;
	void *queue_state;
	int busy; /* for busy(): how many claims to wait for */
};

static int setup(void **ts)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	pfx_open(&f->pool, "/tmp/scaled-test-e2e-XXXXXX");
	th_load("dirqueue", &f->dq);
	f->queue_kind = th_kind(&f->dq, "dirqueue");
	snprintf(f->queue.name, sizeof(f->queue.name), "backlog");
	*ts = f;
	return 0;
}

static int teardown(void **ts)
{
	struct fx *f = *ts;
	int rc;

	/* Stops and reaps every worker, also after a failed test. */
	pfx_destroy(&f->pool);
	if (f->queue_state)
		f->queue_kind->destroy(f->queue_state);
	th_unload(&f->dq);
	rc = pfx_close(&f->pool);
	free(f);
	assert_int_equal(rc, 0);
	return 0;
}

/* Files in DIR/.work: jobs claimed and not finished. */
static int claimed(struct fx *f)
{
	char p[96];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(p, sizeof(p), "%s/.work", f->pool.dir);
	d = opendir(p);
	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Lines of .done.log; each name must be job-like and appear only once. */
static size_t done_count(struct fx *f)
{
	char p[128], buf[256], names[JOBS * 2][64];
	size_t n = 0;
	FILE *in;

	snprintf(p, sizeof(p), "%s/.done.log", f->pool.dir);
	in = fopen(p, "r");
	if (!in)
		return 0;
	while (fgets(buf, sizeof(buf), in) && n < JOBS * 2) {
		assert_int_equal(sscanf(buf, "done %63s", names[n]), 1);
		for (size_t i = 0; i < n; i++)
			if (strcmp(names[i], names[n]) == 0)
				fail_msg("job %s done twice", names[n]);
		n++;
	}
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
	if (f->pool.kind->poll(f->pool.state, err, sizeof(err)) != 0)
		fail_msg("poll: %s", err);
}

static int busy(void *arg)
{
	struct fx *f = arg;

	return claimed(f) >= f->busy;
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
	const struct th_report *r = th_last_report(&((struct fx *)arg)->pool.inst);

	return r && r->state.stopping == 0;
}

static void apply(struct fx *f, int desired, uint64_t token)
{
	struct scaled_target_want want = { sizeof(want), desired, -1, -1 };
	const struct th_done *d;
	char err[256] = "";
	size_t n;

	assert_int_equal(f->pool.kind->apply(f->pool.state, &want, token, err,
					     sizeof(err)), 0);
	n = th_dones(&d);
	assert_true(n > 0 && d[n - 1].token == token);
	assert_int_equal(d[n - 1].status, 0);
}

/* The pool: workers whose jobs take ms ("600"), stop_grace from grace
 * ("stop_grace=10s"). */
static void pool_create(struct fx *f, const char *ms, const char *grace)
{
	char command[256];
	const char *pkv[] = { command, grace, NULL };
	struct scaled_value v[8];
	char err[256] = "";

	/* As a user writes it: no `exec`, jobs longer than a tick. */
	snprintf(command, sizeof(command), "command=%s --spool %s --ms %s",
		 WORKER, f->pool.dir, ms);
	th_values(f->pool.kind, v, 8, pkv);
	assert_int_equal(f->pool.kind->create(&f->pool.inst, v, &f->pool.state,
					      err, sizeof(err)), 0);
}

/* The queue (with extra, a "key=value" or NULL), the pool, JOBS jobs. */
static void start(struct fx *f, const char *queue_extra, const char *ms,
		  const char *grace)
{
	char path[96], jobs[16];
	const char *qkv[] = { path, queue_extra, NULL };
	char *gen[] = { LOADGEN, "--spool", f->pool.dir, "--rate", "5000",
			"--count", jobs, NULL };
	struct scaled_value v[8];
	char err[256] = "";
	double x = -1;
	pid_t pid;
	int st;

	snprintf(path, sizeof(path), "path=%s", f->pool.dir);
	snprintf(jobs, sizeof(jobs), "%d", JOBS);
	th_values(f->queue_kind, v, 8, qkv);
	assert_int_equal(f->queue_kind->create(&f->queue, v, &f->queue_state,
					       err, sizeof(err)), 0);
	pool_create(f, ms, grace);
	assert_int_equal(posix_spawn(&pid, LOADGEN, NULL, NULL, gen, environ), 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	tick(f);
	assert_int_equal(th_last(&f->queue, NULL, &x), 1);
	assert_true(x == JOBS);
}

/* Drain, scale in to 0, and check that every job was done exactly once
 * and nothing is left claimed. */
static void finish(struct fx *f, uint64_t token)
{
	double x = -1;

	if (!th_wait(WAIT_MS, drained, tick, f))
		fail_msg("not drained: %zu of %d done, %d left in .work",
			 done_count(f), JOBS, claimed(f));
	apply(f, 0, token);
	assert_true(th_wait(WAIT_MS, pool_idle, tick, f));
	assert_int_equal(done_count(f), JOBS);
	assert_int_equal(claimed(f), 0);
	assert_int_equal(th_last(&f->pool.inst, "crashes", &x), 1);
	assert_true(x == 0.0);
	assert_int_equal(th_last(&f->queue, "oldest_age", &x), 1);
	assert_true(x == 0.0);
}

static void test_scale_in_while_busy_loses_nothing(void **ts)
{
	struct fx *f = *ts;
	double x = -1;

	start(f, NULL, JOB_MS, "stop_grace=10s");
	apply(f, 4, 1);
	f->busy = 4; /* all four hold a job */
	assert_true(th_wait(WAIT_MS, busy, tick, f));
	/* Scale in while they are busy: the two stopped finish first. */
	apply(f, 2, 2);
	assert_true(th_wait(WAIT_MS, pool_idle, tick, f));
	assert_int_equal(th_log_count("killed by signal"), 0);
	assert_true(claimed(f) <= 2); /* only the two still running */
	finish(f, 3);
	assert_int_equal(th_last(&f->pool.inst, "killed", &x), 1);
	assert_true(x == 0.0);
}

static void test_dead_workers_claims_requeued(void **ts)
{
	struct fx *f = *ts;
	double killed = -1, requeued = -1, x = -1;

	/* Jobs of a minute: once both claims are in .work, neither worker
	 * can finish its job (and exit 0 on the SIGTERM) before the kill. */
	start(f, "claims=.work", "60000", "stop_grace=0s");
	apply(f, 2, 1);
	f->busy = 2;
	assert_true(th_wait(WAIT_MS, busy, tick, f));
	assert_int_equal(claimed(f), 2);
	/* stop_grace 0: SIGKILL, each with a job in hand. */
	apply(f, 0, 2);
	assert_true(th_wait(WAIT_MS, pool_idle, tick, f));
	assert_int_equal(th_last(&f->pool.inst, "killed", &killed), 1);
	/* The next collect puts both claims back in the queue. */
	tick(f);
	assert_int_equal(claimed(f), 0);
	assert_int_equal(th_last(&f->queue, "requeued", &requeued), 1);
	assert_true(requeued == killed && killed == 2.0);
	assert_int_equal(th_log_count("requeued"), 2);
	assert_int_equal(done_count(f), 0);
	assert_int_equal(th_last(&f->queue, NULL, &x), 1);
	assert_true(x == JOBS);
	/* A new pool of short jobs drains it, the requeued two included. */
	pfx_destroy(&f->pool);
	pool_create(f, JOB_MS, NULL);
	apply(f, 2, 3);
	finish(f, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_scale_in_while_busy_loses_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dead_workers_claims_requeued, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
