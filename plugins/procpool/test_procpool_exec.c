/*
 * test_procpool_exec.c - how procpool.so runs a worker's command, and
 * what happens to a worker's process group at scale-in:
 *
 * - a command that needs no shell is exec'd directly (the worker is the
 *   process procpool started, so SIGTERM and its grace reach it); one that
 *   needs a shell runs under /bin/sh -c;
 * - a script without a `#!` line, run directly, runs under /bin/sh;
 * - a program that does not exist fails the spawn (and the apply);
 * - when a stopping worker's main process dies at once of the SIGTERM (a
 *   shell that forked the real worker), the rest of its process group keeps
 *   the rest of stop_grace, and is SIGKILLed only when that runs out.
 *
 * Not a child subreaper (unlike test_procpool.c): a worker's orphans
 * must go to init, which reaps them, or its group would never look empty.
 * Every process a test starts is killed by its pgid in teardown.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "procpool_fx.h"

#define WAIT_MS 10000 /* upper bound for anything to happen */

struct fx {
	struct pfx p; /* first: the pfx_ callbacks take a struct fx */
	pid_t pid; /* the worker's main process (= its pgid), once known */
};

static int setup(void **ts)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	pfx_open(&f->p, "/tmp/scaled-test-ppx-XXXXXX");
	*ts = f;
	return 0;
}

static int teardown(void **ts)
{
	struct fx *f = *ts;
	int rc;

	pfx_destroy(&f->p);
	if (f->pid > 0) /* after a failed test: whatever is left of it */
		kill(-f->pid, SIGKILL);
	rc = pfx_close(&f->p);
	free(f);
	assert_int_equal(rc, 0);
	return 0;
}

/* apply(desired); the apply_done status. (Looser than pfx_apply: the last
 * apply_done must be ours, not the only one since the call.) */
static int apply(struct fx *f, int desired)
{
	struct scaled_target_want want = { sizeof(want), desired, -1, -1 };
	const struct th_done *d;
	char err[256] = "";
	size_t n;

	assert_int_equal(f->p.kind->apply(f->p.state, &want, ++f->p.token, err,
					 sizeof(err)), 0);
	n = th_dones(&d);
	assert_true(n > 0 && d[n - 1].token == f->p.token);
	return d[n - 1].status;
}

/* The pid of the nth worker started, from the plugin's log. */
static pid_t started_pid(struct fx *f, size_t nth)
{
	const char *line = th_log_find("started, pid ", nth);
	int pid = 0;

	assert_non_null(line);
	assert_int_equal(sscanf(strstr(line, "pid ") + 4, "%d", &pid), 1);
	assert_true(pid > 1);
	f->pid = pid;
	return pid;
}

/* The program a process runs: "sleep", "sh", ... */
static void comm(pid_t pid, char *buf, size_t len)
{
	char p[64];
	FILE *in;

	snprintf(p, sizeof(p), "/proc/%d/comm", (int)pid);
	in = fopen(p, "r");
	assert_non_null(in);
	assert_non_null(fgets(buf, (int)len, in));
	fclose(in);
	buf[strcspn(buf, "\n")] = '\0';
}

static int group_gone(void *arg)
{
	return kill(-((struct fx *)arg)->pid, 0) < 0 && errno == ESRCH;
}

/* One command, run once. direct: the worker's main process is the program
 * itself, at once. Either way it runs as the command says: a command that
 * needs a shell but were exec'd directly would fail (`sleep '30'` is not a
 * duration, `X=1` not a program) and show as a crash. */
static void expect_run(struct fx *f, const char *command, int direct)
{
	char name[32];

	snprintf(f->p.cmd, sizeof(f->p.cmd), "%s", command);
	pfx_create(&f->p, "stop_grace=0s", NULL, NULL);
	assert_int_equal(apply(f, 1), 0);
	comm(started_pid(f, th_log_count("started, pid ") - 1), name,
	     sizeof(name));
	if (direct && strcmp(name, "sleep") != 0)
		fail_msg("%s: runs as %s, not sleep", command, name);
	usleep(300000);
	pfx_poll(f);
	if (pfx_counter(&f->p, "crashes") != 0.0 || pfx_state(&f->p)->current != 1)
		fail_msg("%s: did not keep running", command);
	assert_int_equal(apply(f, 0), 0);
	assert_true(th_wait(WAIT_MS, pfx_no_stopping, NULL, f));
	pfx_destroy(&f->p);
}

static void test_plain_command_runs_directly(void **ts)
{
	struct fx *f = *ts;

	expect_run(f, "sleep 30", 1);
	expect_run(f, "  sleep   30 ", 1);
	expect_run(f, "/bin/sleep 30.5", 1);
	/* What needs a shell gets one. */
	expect_run(f, "sleep 30; true", 0);
	expect_run(f, "sleep $((10 + 20))", 0);
	expect_run(f, "X=1 sleep 30", 0);
	expect_run(f, "sleep '30'", 0);
	expect_run(f, "exec sleep 30", 0);
}

/* A script without a `#!` line, run directly: execve gives ENOEXEC, and
 * /bin/sh runs it, as execvp and `sh -c` would. */
static void test_script_without_shebang_runs(void **ts)
{
	struct fx *f = *ts;
	char script[128], mark[128];
	FILE *out;

	snprintf(script, sizeof(script), "%s/noshebang", f->p.dir);
	snprintf(mark, sizeof(mark), "%s/mark", f->p.dir);
	out = fopen(script, "w");
	assert_non_null(out);
	fprintf(out, "echo \"$1\" > %s\nexec sleep 30\n", mark);
	assert_int_equal(fclose(out), 0);
	assert_int_equal(chmod(script, 0755), 0);
	snprintf(f->p.cmd, sizeof(f->p.cmd), "%s arg1", script);
	pfx_create(&f->p, "stop_grace=0s", "restart_backoff=60s", NULL);
	assert_int_equal(apply(f, 1), 0);
	started_pid(f, 0);
	assert_true(th_wait(WAIT_MS, pfx_file_there, NULL, mark));
	pfx_poll(f);
	assert_true(pfx_counter(&f->p, "crashes") == 0.0);
	assert_int_equal(pfx_state(&f->p)->current, 1);
	assert_int_equal(apply(f, 0), 0);
	assert_true(th_wait(WAIT_MS, pfx_no_stopping, NULL, f));
}

static void test_missing_program_fails_the_spawn(void **ts)
{
	struct fx *f = *ts;
	const struct th_done *d;
	size_t n;

	snprintf(f->p.cmd, sizeof(f->p.cmd), "%s/no-such-worker --spool x", f->p.dir);
	pfx_create(&f->p, "restart_backoff=60s", NULL, NULL);
	assert_true(apply(f, 1) < 0);
	n = th_dones(&d);
	assert_non_null(strstr(d[n - 1].msg, "no-such-worker"));
	assert_true(pfx_counter(&f->p, "crashes") == 1.0);
	assert_int_equal(pfx_state(&f->p)->current, 0);
}

/* `sh W; true` with stop_grace: the shell forks `sh W`, the real worker,
 * which on SIGTERM runs job (shell code: its job's end) and then leaves
 * D/finished. The outer shell (the main process) dies of the SIGTERM at
 * once. */
static void forking_worker(struct fx *f, const char *job, const char *grace)
{
	char script[128], ready[128];
	FILE *out;

	snprintf(script, sizeof(script), "%s/w.sh", f->p.dir);
	snprintf(ready, sizeof(ready), "%s/ready", f->p.dir);
	out = fopen(script, "w");
	assert_non_null(out);
	fprintf(out, "trap '%s; touch %s/finished; exit 0' TERM\n"
		     "touch %s\nwhile :; do sleep 0.05; done\n",
		job, f->p.dir, ready);
	assert_int_equal(fclose(out), 0);
	snprintf(f->p.cmd, sizeof(f->p.cmd), "sh %s; true", script);
	pfx_create(&f->p, grace, NULL, NULL);
	assert_int_equal(apply(f, 1), 0);
	started_pid(f, 0);
	assert_true(th_wait(WAIT_MS, pfx_file_there, NULL, ready));
}

static int main_reaped(void *arg)
{
	struct fx *f = arg;

	return kill(f->pid, 0) < 0 && errno == ESRCH;
}

/* forking_worker(job, grace), then apply(0): returns once the shell (the
 * main process) is gone and reaped; finished: the path of D/finished. */
static void stop_forking_worker(struct fx *f, const char *job,
				const char *grace, char *finished, size_t len)
{
	snprintf(finished, len, "%s/finished", f->p.dir);
	forking_worker(f, job, grace);
	assert_int_equal(apply(f, 0), 0);
	assert_true(th_wait(WAIT_MS, main_reaped, NULL, f));
}

static void test_stopping_group_keeps_its_grace(void **ts)
{
	struct fx *f = *ts;
	char finished[128], job[192], go[128];
	FILE *out;

	/* Its job ends when we say so, by creating D/go: no timer to race. */
	snprintf(go, sizeof(go), "%s/go", f->p.dir);
	snprintf(job, sizeof(job), "until [ -e %s ]; do sleep 0.05; done", go);
	stop_forking_worker(f, job, "stop_grace=10s", finished, sizeof(finished));
	/* The shell is gone and reaped, its worker still busy: stopping. */
	assert_false(group_gone(f));
	pfx_poll(f);
	assert_int_equal(pfx_state(&f->p)->stopping, 1);
	assert_int_equal(access(finished, F_OK), -1);
	out = fopen(go, "w");
	assert_non_null(out);
	assert_int_equal(fclose(out), 0);
	/* It finishes its job; the pool sees its group empty. */
	assert_true(th_wait(WAIT_MS, pfx_no_stopping, NULL, f));
	assert_int_equal(access(finished, F_OK), 0);
	assert_true(group_gone(f));
	assert_true(pfx_counter(&f->p, "killed") == 0.0);
	assert_non_null(th_log_find("stopped: its process group is empty", 0));
}

static void test_stopping_group_killed_when_grace_runs_out(void **ts)
{
	struct fx *f = *ts;
	char finished[128];

	stop_forking_worker(f, "sleep 30", "stop_grace=500ms", finished, sizeof(finished));
	assert_true(th_wait(WAIT_MS, pfx_no_stopping, NULL, f));
	assert_true(pfx_counter(&f->p, "killed") == 1.0);
	assert_non_null(th_log_find("the rest of its process group still running", 0));
	assert_true(th_wait(WAIT_MS, group_gone, NULL, f));
	assert_int_equal(access(finished, F_OK), -1);
}

/* A running worker whose main process exits takes its group with it, at
 * once, as before. */
static void test_running_worker_exit_kills_its_group(void **ts)
{
	struct fx *f = *ts;
	char ready[128];

	snprintf(ready, sizeof(ready), "%s/ready", f->p.dir);
	snprintf(f->p.cmd, sizeof(f->p.cmd),
		 "sleep 60 & touch %s; sleep 0.2; exit 0", ready);
	pfx_create(&f->p, "restart_backoff=60s", NULL, NULL);
	assert_int_equal(apply(f, 1), 0);
	started_pid(f, 0);
	assert_true(th_wait(WAIT_MS, pfx_file_there, NULL, ready));
	assert_true(th_wait(WAIT_MS, main_reaped, pfx_poll, f));
	/* Its `sleep 60` did not outlive it. */
	assert_true(th_wait(WAIT_MS, group_gone, NULL, f));
	assert_non_null(th_log_find("exited with status 0 after", 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_plain_command_runs_directly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_script_without_shebang_runs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_program_fails_the_spawn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stopping_group_keeps_its_grace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stopping_group_killed_when_grace_runs_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_running_worker_exit_kills_its_group, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
