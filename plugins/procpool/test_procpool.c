/*
 * test_procpool.c - the procpool plugin (plugins/procpool.so) with real
 * worker processes, on the real clock with short durations. Every wait is
 * bounded; every process a test starts is gone when it ends.
 *
 * Workers are small sh scripts that leave files in the test's directory:
 * D/wN holds the pid of the worker with SCALED_WORKER_INDEX=N (written
 * after its SIGTERM trap is set), D/tN appears when that worker got SIGTERM.
 *
 * The test process is a child subreaper, so that a worker's own children
 * come back to it when orphaned and the test can tell that they died.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "procpool_fx.h"

#define WAIT_MS 10000 /* upper bound for anything to happen */

struct fx {
	struct pfx p; /* first: the pfx_ callbacks take a struct fx */
	pid_t seen[64]; /* every worker pid a test learnt, for teardown */
	int nseen;
};

static struct fx *cur; /* for th_wait's callbacks */

static int setup(void **ts)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	pfx_open(&f->p, "/tmp/scaled-test-pp-XXXXXX");
	assert_int_equal(f->p.kind->role, SCALED_ROLE_TARGET);
	cur = f;
	*ts = f;
	return 0;
}

/* Reap whatever came back to us as subreaper. */
static void reap_orphans(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

static int teardown(void **ts)
{
	struct fx *f = *ts;
	int rc;

	pfx_destroy(&f->p);
	/* Should find nothing; after a failed test it stops what is left. */
	for (int i = 0; i < f->nseen; i++) {
		kill(-f->seen[i], SIGKILL);
		kill(f->seen[i], SIGKILL);
	}
	usleep(10000);
	reap_orphans();
	rc = pfx_close(&f->p);
	free(f);
	cur = NULL;
	assert_int_equal(rc, 0);
	return 0;
}

/* ------------------------------------------------------------ helpers -- */

static void expect_state(struct fx *f, int current, int stopping,
			 int desired)
{
	const struct scaled_target_state *s = pfx_state(&f->p);

	assert_int_equal(s->current, current);
	assert_int_equal(s->stopping, stopping);
	assert_int_equal(s->desired, desired);
	assert_int_equal(s->starting, 0);
}

static void path(struct fx *f, char *buf, size_t len, const char *name, int i)
{
	snprintf(buf, len, "%s/%s%d", f->p.dir, name, i);
}

static int exists(struct fx *f, const char *name, int i)
{
	char p[128];

	path(f, p, sizeof(p), name, i);
	return access(p, F_OK) == 0;
}

/* Wait for D/<name><i>, return the pid in it and remove the file. */
static pid_t wait_pid(struct fx *f, const char *name, int i)
{
	char p[128];
	FILE *in;
	int pid = 0;

	path(f, p, sizeof(p), name, i);
	if (!th_wait(WAIT_MS, pfx_file_there, NULL, p))
		fail_msg("no %s from worker %d", p, i);
	in = fopen(p, "r");
	assert_non_null(in);
	assert_int_equal(fscanf(in, "%d", &pid), 1);
	fclose(in);
	assert_true(pid > 1);
	unlink(p);
	if (f->nseen < (int)(sizeof(f->seen) / sizeof(f->seen[0])))
		f->seen[f->nseen++] = pid;
	return pid;
}

static void wait_pids(struct fx *f, const char *name, int n, pid_t *pids)
{
	for (int i = 0; i < n; i++)
		pids[i] = wait_pid(f, name, i);
}

static int alive(pid_t pid)
{
	return kill(pid, 0) == 0;
}

/* Gone: reaped by its parent (the plugin), or, for a worker's own child,
 * dead and handed back to us (we are the subreaper). */
static int gone(pid_t pid)
{
	if (waitpid(pid, NULL, WNOHANG) == pid)
		return 1;
	return kill(pid, 0) < 0 && errno == ESRCH;
}

/* A worker that leaves D/w<index> with its pid, and D/t<index> when it
 * gets SIGTERM (after `on_term`, a shell command). */
static void worker_cmd(struct fx *f, const char *on_term, const char *extra)
{
	snprintf(f->p.cmd, sizeof(f->p.cmd),
		 "trap '%s' TERM; %s"
		 "echo $$ > %s/w$SCALED_WORKER_INDEX.tmp && "
		 "mv %s/w$SCALED_WORKER_INDEX.tmp %s/w$SCALED_WORKER_INDEX; "
		 "while :; do sleep 0.05; done",
		 on_term, extra, f->p.dir, f->p.dir, f->p.dir);
}

static size_t lines(struct fx *f, const char *name)
{
	char p[128], buf[256];
	size_t n = 0;
	FILE *in;

	snprintf(p, sizeof(p), "%s/%s", f->p.dir, name);
	in = fopen(p, "r");
	if (!in)
		return 0;
	while (fgets(buf, sizeof(buf), in))
		n++;
	fclose(in);
	return n;
}

/* -------------------------------------------------------------- tests -- */

static void test_scale_out_then_in_newest_first(void **ts)
{
	struct fx *f = *ts;
	char on_term[256];
	pid_t pids[3], again;

	snprintf(on_term, sizeof(on_term),
		 "touch %s/t$SCALED_WORKER_INDEX; exit 0", f->p.dir);
	worker_cmd(f, on_term, "");
	pfx_create(&f->p, "stop_grace=10s", NULL, NULL);

	assert_int_equal(pfx_apply(&f->p, 3), 0);
	expect_state(f, 3, 0, 3);
	wait_pids(f, "w", 3, pids);
	for (int i = 0; i < 3; i++)
		assert_true(alive(pids[i]));
	assert_true(pids[0] != pids[1] && pids[1] != pids[2] &&
		    pids[0] != pids[2]);

	assert_int_equal(pfx_apply(&f->p, 1), 0);
	expect_state(f, 1, 2, 1); /* stopping ones are not current */
	/* No poll: the plugin's own tick must reap them. */
	assert_true(th_wait(WAIT_MS, pfx_no_stopping, NULL, f));
	expect_state(f, 1, 0, 1);
	assert_false(exists(f, "t", 0)); /* the oldest kept running */
	assert_true(exists(f, "t", 1));
	assert_true(exists(f, "t", 2));
	assert_true(alive(pids[0]));
	assert_true(gone(pids[1]));
	assert_true(gone(pids[2]));
	assert_true(pfx_counter(&f->p, "killed") == 0.0);
	assert_true(pfx_counter(&f->p, "crashes") == 0.0);

	/* Scale out again: the lowest free index, 1, comes back. */
	assert_int_equal(pfx_apply(&f->p, 2), 0);
	expect_state(f, 2, 0, 2);
	again = wait_pid(f, "w", 1);
	assert_true(again != pids[1] && alive(again));
	assert_false(exists(f, "w", 0) || exists(f, "w", 2));
}

static void test_ignored_sigterm_gets_sigkill(void **ts)
{
	struct fx *f = *ts;
	pid_t pid;

	worker_cmd(f, "", "");
	pfx_create(&f->p, "stop_grace=300ms", NULL, NULL);
	assert_int_equal(pfx_apply(&f->p, 1), 0);
	wait_pids(f, "w", 1, &pid);

	assert_int_equal(pfx_apply(&f->p, 0), 0);
	expect_state(f, 0, 1, 0);
	assert_true(pfx_counter(&f->p, "killed") == 0.0); /* not before the grace */
	assert_true(th_wait(WAIT_MS, pfx_no_stopping, NULL, f));
	expect_state(f, 0, 0, 0);
	assert_true(pfx_counter(&f->p, "killed") == 1.0);
	assert_true(gone(pid));
	assert_int_equal(th_log_count("SIGKILL"), 1);
}

/* On the engine clock: SIGKILL comes exactly stop_grace after SIGTERM. */
static void test_grace_on_engine_clock(void **ts)
{
	struct fx *f = *ts;
	pid_t pid;

	th_clock_set(1800000000000LL);
	worker_cmd(f, "", "");
	pfx_create(&f->p, "stop_grace=5s", NULL, NULL);
	assert_int_equal(pfx_apply(&f->p, 1), 0);
	pid = wait_pid(f, "w", 0);
	assert_int_equal(pfx_apply(&f->p, 0), 0);
	th_advance(4999);
	assert_true(alive(pid));
	assert_true(pfx_counter(&f->p, "killed") == 0.0);
	expect_state(f, 0, 1, 0);
	th_advance(1);
	assert_true(pfx_counter(&f->p, "killed") == 1.0);
	/* The engine clock stands still now; poll() reaps on its own. */
	assert_true(th_wait(WAIT_MS, pfx_no_stopping, pfx_poll, f));
	assert_true(gone(pid));
}

static int crashes_at_least_1(void *arg)
{
	double v = 0;

	return th_last(&((struct fx *)arg)->p.inst, "crashes", &v) && v >= 1;
}

/* A worker that dies leaving a child behind: the child goes with it. */
static void test_leftovers_of_exited_worker_killed(void **ts)
{
	struct fx *f = *ts;
	pid_t kid;
	int st = 0, tries;
	pid_t r;

	snprintf(f->p.cmd, sizeof(f->p.cmd),
		 "sleep 60 & echo $! > %s/g$SCALED_WORKER_INDEX.tmp && "
		 "mv %s/g$SCALED_WORKER_INDEX.tmp %s/g$SCALED_WORKER_INDEX; "
		 "exit 1", f->p.dir, f->p.dir, f->p.dir);
	pfx_create(&f->p, "restart_backoff=60s", NULL, NULL);
	assert_int_equal(pfx_apply(&f->p, 1), 0);
	kid = wait_pid(f, "g", 0);
	assert_true(th_wait(WAIT_MS, crashes_at_least_1, pfx_poll, f));
	for (tries = 0; (r = waitpid(kid, &st, WNOHANG)) == 0 && tries < 1000;
	     tries++)
		usleep(1000);
	assert_int_equal(r, kid); /* orphaned to us, and dead */
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	expect_state(f, 0, 0, 1); /* waiting out its backoff */
}

static int crashes_at_least_3(void *arg)
{
	double v = 0;

	return th_last(&((struct fx *)arg)->p.inst, "crashes", &v) && v >= 3;
}

static void test_crashing_worker_restarted_with_backoff(void **ts)
{
	struct fx *f = *ts;
	const struct th_sample *s;
	size_t n;
	double prev = 0;

	snprintf(f->p.cmd, sizeof(f->p.cmd), "echo $SCALED_WORKER_INDEX >> %s/starts; exit 3",
		 f->p.dir);
	pfx_create(&f->p, "restart_backoff=20ms", "restart_backoff_max=80ms", NULL);
	assert_int_equal(pfx_apply(&f->p, 1), 0);
	assert_true(th_wait(WAIT_MS, crashes_at_least_3, pfx_poll, f));
	assert_true(lines(f, "starts") >= 3);
	/* The count only ever went up by one. */
	n = th_samples(&s);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(s[i].suffix, "crashes"))
			continue;
		assert_true(s[i].value == prev || s[i].value == prev + 1);
		prev = s[i].value;
	}
	/* Backoff doubles from 20 ms and stops at 80 ms. */
	assert_non_null(strstr(th_log_find("restarting in", 0), "exited with status 3"));
	assert_non_null(strstr(th_log_find("restarting in", 0), "restarting in 20 ms"));
	assert_non_null(strstr(th_log_find("restarting in", 1), "restarting in 40 ms"));
	assert_non_null(strstr(th_log_find("restarting in", 2), "restarting in 80 ms"));
	assert_true(pfx_counter(&f->p, "killed") == 0.0);
	assert_int_equal(pfx_state(&f->p)->desired, 1);
}

static int starts_at_least_3(void *arg)
{
	return lines(arg, "starts") >= 3;
}

static void test_clean_exit_restarted_not_a_crash(void **ts)
{
	struct fx *f = *ts;

	snprintf(f->p.cmd, sizeof(f->p.cmd), "echo x >> %s/starts; exit 0", f->p.dir);
	/* reset 0: every run counts as long-lived, so no doubling. */
	pfx_create(&f->p, "restart_backoff=20ms", "restart_backoff_reset=0ms", NULL);
	assert_int_equal(pfx_apply(&f->p, 1), 0);
	assert_true(th_wait(WAIT_MS, starts_at_least_3, pfx_poll, f));
	pfx_poll(f);
	assert_true(pfx_counter(&f->p, "crashes") == 0.0);
	assert_non_null(strstr(th_log_find("restarting in", 1), "restarting in 20 ms"));
}

static void test_destroy_leaves_nothing(void **ts)
{
	struct fx *f = *ts;
	char extra[512];
	pid_t pids[3], kids[3];

	/* The worst case: workers that ignore SIGTERM and have a child. */
	snprintf(extra, sizeof(extra),
		 "sleep 60 & echo $! > %s/g$SCALED_WORKER_INDEX.tmp && "
		 "mv %s/g$SCALED_WORKER_INDEX.tmp %s/g$SCALED_WORKER_INDEX; ",
		 f->p.dir, f->p.dir, f->p.dir);
	worker_cmd(f, "", extra);
	pfx_create(&f->p, "stop_grace=30s", NULL, NULL);
	assert_int_equal(pfx_apply(&f->p, 3), 0);
	wait_pids(f, "w", 3, pids);
	wait_pids(f, "g", 3, kids);
	assert_int_equal(pfx_apply(&f->p, 2), 0); /* one of them is stopping */
	expect_state(f, 2, 1, 2);

	f->p.kind->destroy(f->p.state);
	f->p.state = NULL;
	assert_int_equal(th_pending_timers(&f->p.inst), 0);
	for (int i = 0; i < 3; i++) {
		/* Our pool's direct children: reaped by the plugin. */
		assert_int_equal(kill(pids[i], 0), -1);
		assert_int_equal(errno, ESRCH);
	}
	for (int i = 0; i < 3; i++) {
		int st = 0;
		pid_t r;

		/* Their children: killed with the group, handed to us. */
		for (int tries = 0; (r = waitpid(kids[i], &st, WNOHANG)) == 0 &&
				    tries < 1000; tries++)
			usleep(1000);
		if (r == kids[i])
			assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
		else
			assert_true(gone(kids[i]));
	}
}

static void test_destroy_polite_workers(void **ts)
{
	struct fx *f = *ts;
	char on_term[256];
	pid_t pids[2];

	snprintf(on_term, sizeof(on_term),
		 "touch %s/t$SCALED_WORKER_INDEX; exit 0", f->p.dir);
	worker_cmd(f, on_term, "");
	pfx_create(&f->p, NULL, NULL, NULL);
	assert_int_equal(pfx_apply(&f->p, 2), 0);
	wait_pids(f, "w", 2, pids);
	f->p.kind->destroy(f->p.state);
	f->p.state = NULL;
	for (int i = 0; i < 2; i++) {
		assert_true(gone(pids[i]));
		assert_true(exists(f, "t", i)); /* they were asked first */
	}
}

static void test_bad_apply_and_config(void **ts)
{
	struct fx *f = *ts;
	struct scaled_target_want want = { sizeof(want), -1, -1, -1 };
	const char *kv[] = { "command=true", "restart_backoff=2s",
			     "restart_backoff_max=1s", NULL };
	const char *kv2[] = { "command=", NULL };
	const char *kv3[] = { "command=true", "restart_backoff=0ms", NULL };
	const struct th_done *d;
	struct scaled_value v[8];
	void *st = NULL;
	char err[256] = "";

	snprintf(f->p.cmd, sizeof(f->p.cmd), "true");
	pfx_create(&f->p, NULL, NULL, NULL);
	assert_int_equal(f->p.kind->apply(f->p.state, &want, 7, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(th_dones(&d), 0); /* an error means no apply_done */
	pfx_poll(f);
	expect_state(f, 0, 0, 0);

	th_values(f->p.kind, v, 8, kv);
	assert_int_equal(f->p.kind->create(&f->p.inst, v, &st, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "restart_backoff_max"));
	th_values(f->p.kind, v, 8, kv2);
	assert_int_equal(f->p.kind->create(&f->p.inst, v, &st, err, sizeof(err)),
			 -EINVAL);
	assert_null(st);
	/* A zero backoff is the core's to refuse (a limit), before create. */
	th_values(f->p.kind, v, 8, kv3);
	assert_string_equal(th_limits_broken(f->p.kind, v), "restart_backoff: out of [1ms, ]");
	th_values(f->p.kind, v, 8, kv);
	assert_null(th_limits_broken(f->p.kind, v));
}

/* We are a subreaper, as scaled is as pid 1: a stopping shell-form
 * worker's `sleep`, which dies of the group's SIGTERM after its shell, is
 * handed to us. The pool reaps that zombie of its own worker group, so the
 * group is seen empty at once, not after all of stop_grace as a kill. */
static void test_subreaper_orphans_reaped(void **ts)
{
	struct fx *f = *ts;
	char ready[128];

	snprintf(ready, sizeof(ready), "%s/ready", f->p.dir);
	snprintf(f->p.cmd, sizeof(f->p.cmd), "touch %s; sleep 60; true", ready);
	pfx_create(&f->p, "stop_grace=20s", NULL, NULL);
	assert_int_equal(pfx_apply(&f->p, 1), 0);
	assert_true(th_wait(WAIT_MS, pfx_file_there, NULL, ready));
	usleep(100000); /* the shell has forked sleep */
	assert_int_equal(pfx_apply(&f->p, 0), 0);
	assert_true(th_wait(WAIT_MS, pfx_no_stopping, pfx_poll, f));
	assert_true(pfx_counter(&f->p, "killed") == 0.0);
	assert_non_null(th_log_find("stopped", 0));
}

static void test_worker_index_unique(void **ts)
{
	struct fx *f = *ts;
	pid_t pids[4];

	worker_cmd(f, "", ""); /* ignore SIGTERM: stopping ones stay */
	pfx_create(&f->p, "stop_grace=30s", NULL, NULL);
	assert_int_equal(pfx_apply(&f->p, 4), 0);
	wait_pids(f, "w", 4, pids); /* indexes 0..3, one each */
	assert_int_equal(pfx_apply(&f->p, 2), 0); /* stops 3 and 2, the newest */
	expect_state(f, 2, 2, 2);
	assert_true(alive(pids[2]) && alive(pids[3]));
	/* 2 and 3 are still alive: the new worker must not reuse them. */
	assert_int_equal(pfx_apply(&f->p, 3), 0);
	expect_state(f, 3, 2, 3);
	assert_true(alive(wait_pid(f, "w", 4)));
	assert_false(exists(f, "w", 2) || exists(f, "w", 3));
	assert_true(pfx_counter(&f->p, "killed") == 0.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_scale_out_then_in_newest_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ignored_sigterm_gets_sigkill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grace_on_engine_clock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leftovers_of_exited_worker_killed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crashing_worker_restarted_with_backoff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clean_exit_restarted_not_a_crash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy_polite_workers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_apply_and_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_worker_index_unique, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subreaper_orphans_reaped, setup, teardown),
	};

	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
