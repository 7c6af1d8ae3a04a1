/*
 * test_spool.c (ctest: test_tools_spool) - scaled-loadgen and
 * scaled-worker on a temporary spool: jobs appear whole, each is done exactly once, SIGTERM lets the job
 * in hand finish, bad flags exit 2, a claim is never replaced, a name too
 * long for a claim is refused without stopping the worker. Every process started here is waited
 * for, with a bound, and killed if the bound passes.
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#define WORKER SCALED_BINARY_DIR "/tools/scaled-worker"
#define LOADGEN SCALED_BINARY_DIR "/tools/scaled-loadgen"
#define WAIT_MS 10000

struct fx {
	char dir[64];
	char err[96]; /* the child's stderr */
};

static int setup(void **ts)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/scaled-test-spool-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->err, sizeof(f->err), "%s.stderr", f->dir);
	*ts = f;
	return 0;
}

static int teardown(void **ts)
{
	struct fx *f = *ts;
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", f->dir, f->err);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static pid_t start(struct fx *f, char *const argv[])
{
	posix_spawn_file_actions_t fa;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 2, f->err,
					 O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	assert_int_equal(posix_spawn(&pid, argv[0], &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	return pid;
}

/* Wait for pid at most WAIT_MS; on timeout kill it and fail. */
static int finish(pid_t pid)
{
	int st = 0;

	for (int i = 0; i < WAIT_MS; i++) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid) {
			assert_true(WIFEXITED(st));
			return WEXITSTATUS(st);
		}
		usleep(1000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	fail_msg("pid %d did not finish", (int)pid);
	return -1;
}

static int run(struct fx *f, char *const argv[])
{
	return finish(start(f, argv));
}

static size_t count_entries(const char *dir, int dotfiles)
{
	struct dirent *de;
	size_t n = 0;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    (dotfiles || de->d_name[0] != '.'))
			n++;
	closedir(d);
	return n;
}

static size_t done_lines(struct fx *f, char lines[][128], size_t max)
{
	char p[128], buf[128];
	size_t n = 0;
	FILE *in;

	snprintf(p, sizeof(p), "%s/.done.log", f->dir);
	in = fopen(p, "r");
	if (!in)
		return 0;
	while (fgets(buf, sizeof(buf), in)) {
		if (n < max)
			snprintf(lines[n], 128, "%s", buf);
		n++;
	}
	fclose(in);
	return n;
}

static int stderr_has(struct fx *f, const char *needle)
{
	char buf[2048] = "";
	FILE *in = fopen(f->err, "r");
	size_t n;

	assert_non_null(in);
	n = fread(buf, 1, sizeof(buf) - 1, in);
	buf[n] = '\0';
	fclose(in);
	return strstr(buf, needle) != NULL;
}

static void write_file(const char *path, const char *text)
{
	FILE *o = fopen(path, "w");

	assert_non_null(o);
	assert_true(fputs(text, o) >= 0);
	assert_int_equal(fclose(o), 0);
}

static void test_bad_flags_exit_2(void **ts)
{
	struct fx *f = *ts;
	char *w1[] = { WORKER, "--bogus", NULL };
	char *w2[] = { WORKER, "--ms", "x", "--spool", f->dir, NULL };
	char *w3[] = { WORKER, NULL }; /* --spool is required */
	char *l1[] = { LOADGEN, "--spool", f->dir, "--rate", "1", NULL };
	char *l2[] = { LOADGEN, "--spool", f->dir, "--rate", "0", "--count", "1", NULL };
	char *l3[] = { LOADGEN, "--spool", f->dir, "--rate", "1", "--count", "1",
		       "--seconds", "1", NULL };

	assert_int_equal(run(f, w1), 2);
	assert_true(stderr_has(f, "usage: scaled-worker"));
	assert_int_equal(run(f, w2), 2);
	assert_true(stderr_has(f, "--ms"));
	assert_int_equal(run(f, w3), 2);
	assert_int_equal(run(f, l1), 2);
	assert_true(stderr_has(f, "usage: scaled-loadgen"));
	assert_int_equal(run(f, l2), 2);
	assert_int_equal(run(f, l3), 2);
	assert_int_equal(count_entries(f->dir, 1), 0);
}

static void test_loadgen_then_workers_do_each_job_once(void **ts)
{
	struct fx *f = *ts;
	char *gen[] = { LOADGEN, "--spool", f->dir, "--rate", "2000",
			"--count", "20", "--ms", "5", NULL };
	char *w[] = { WORKER, "--spool", f->dir, "--once", "--ms", "1000", NULL };
	char lines[32][128], names[32][64], p[384], buf[16] = "";
	struct dirent *de;
	pid_t pids[3];
	size_t n;
	FILE *in;
	DIR *d;

	assert_int_equal(run(f, gen), 0);
	assert_int_equal(count_entries(f->dir, 1), 20); /* no temp file left */
	/* Each job holds its --ms. */
	d = opendir(f->dir);
	assert_non_null(d);
	while ((de = readdir(d)) && de->d_name[0] == '.')
		;
	assert_non_null(de);
	snprintf(p, sizeof(p), "%s/%s", f->dir, de->d_name);
	closedir(d);
	in = fopen(p, "r");
	assert_non_null(in);
	assert_non_null(fgets(buf, sizeof(buf), in));
	fclose(in);
	assert_string_equal(buf, "5\n");

	for (int i = 0; i < 3; i++)
		pids[i] = start(f, w);
	for (int i = 0; i < 3; i++)
		assert_int_equal(finish(pids[i]), 0);

	assert_int_equal(count_entries(f->dir, 0), 0);
	snprintf(p, sizeof(p), "%s/.work", f->dir);
	assert_int_equal(count_entries(p, 1), 0);
	n = done_lines(f, lines, 32);
	assert_int_equal(n, 20);
	for (size_t i = 0; i < n; i++) {
		int pid = 0, ok = 0;

		assert_int_equal(sscanf(lines[i], "done %63s %d", names[i], &pid), 2);
		for (int k = 0; k < 3; k++)
			ok |= pid == pids[k];
		assert_true(ok);
		for (size_t j = 0; j < i; j++) /* no job done twice */
			assert_string_not_equal(names[j], names[i]);
	}
}

static int work_dir_busy(struct fx *f)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/.work", f->dir);
	return access(p, F_OK) == 0 && count_entries(p, 1) == 1;
}

static void test_sigterm_finishes_job_in_hand(void **ts)
{
	struct fx *f = *ts;
	char *w[] = { WORKER, "--spool", f->dir, NULL };
	char lines[4][128], p[128], want[64];
	struct timespec t0, t1;
	pid_t pid;
	int i;

	snprintf(p, sizeof(p), "%s/slow", f->dir);
	write_file(p, "400\n");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = start(f, w);
	for (i = 0; i < WAIT_MS && !work_dir_busy(f); i++)
		usleep(1000);
	assert_true(work_dir_busy(f));
	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(finish(pid), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* A lower bound only: the 400 ms job was not cut short. */
	assert_true((t1.tv_sec - t0.tv_sec) * 1000 +
			    (t1.tv_nsec - t0.tv_nsec) / 1000000 >= 400);
	assert_int_equal(done_lines(f, lines, 4), 1);
	snprintf(want, sizeof(want), "done slow %d\n", (int)pid);
	assert_string_equal(lines[0], want);
	assert_false(work_dir_busy(f));
}

static void test_idle_worker_stops_on_sigterm(void **ts)
{
	struct fx *f = *ts;
	char *w[] = { WORKER, "--spool", f->dir, NULL };
	char p[128];
	pid_t pid;
	int i;

	pid = start(f, w);
	snprintf(p, sizeof(p), "%s/.work", f->dir);
	for (i = 0; i < WAIT_MS && access(p, F_OK) != 0; i++)
		usleep(1000);
	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(finish(pid), 0);
	assert_int_equal(done_lines(f, NULL, 0), 0);
}

/* Start the worker on the spool --once --ms 0, after prepare(f, pid) ran
 * with the pid the worker will have: the child waits on a pipe until the
 * parent has prepared, then execs the worker. */
static int run_prepared(struct fx *f, void (*prepare)(struct fx *, pid_t))
{
	char *w[] = { WORKER, "--spool", f->dir, "--once", "--ms", "0", NULL };
	int p[2], fd;
	char c;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			_exit(126);
		fd = open(f->err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || dup2(fd, 2) < 0)
			_exit(126);
		execv(WORKER, w);
		_exit(127);
	}
	close(p[0]);
	prepare(f, pid);
	assert_int_equal(write(p[1], "x", 1), 1);
	close(p[1]);
	return finish(pid);
}

static void read_file(const char *path, char *buf, size_t len)
{
	FILE *in = fopen(path, "r");
	size_t n;

	assert_non_null(in);
	n = fread(buf, 1, len - 1, in);
	buf[n] = '\0';
	fclose(in);
}

/* A dead worker's claim J.PID, and a worker with that pid again (pids are
 * reused, in containers at once) finding a new job J: the old claim must
 * not be replaced (it was, with rename(), and that job lost). */
static void prepare_stale_claim(struct fx *f, pid_t pid)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/.work", f->dir);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/.work/job.%d", f->dir, (int)pid);
	write_file(p, "old\n");
	snprintf(p, sizeof(p), "%s/job", f->dir);
	write_file(p, "new\n");
	snprintf(p, sizeof(p), "%s/other", f->dir);
	write_file(p, "0\n");
}

static void test_claim_never_replaces_a_claim(void **ts)
{
	struct fx *f = *ts;
	char lines[4][128], p[256], buf[16];
	pid_t pid;

	assert_int_equal(run_prepared(f, prepare_stale_claim), 0);
	/* "other" was done; "job" waits in the spool for its name to be free. */
	assert_int_equal(done_lines(f, lines, 4), 1);
	assert_int_equal(sscanf(lines[0], "done other %d", &pid), 1);
	snprintf(p, sizeof(p), "%s/.work/job.%d", f->dir, (int)pid);
	read_file(p, buf, sizeof(buf));
	assert_string_equal(buf, "old\n");
	snprintf(p, sizeof(p), "%s/job", f->dir);
	read_file(p, buf, sizeof(buf));
	assert_string_equal(buf, "new\n");
}

/* A job name with no room for the claim's ".PID": moved to .refused/, and
 * the worker goes on (it exited 1, as did every worker on the spool). */
static void prepare_long_name(struct fx *f, pid_t pid)
{
	char p[512], name[256];

	(void)pid;
	memset(name, 'n', 254);
	name[254] = '\0';
	snprintf(p, sizeof(p), "%s/%s", f->dir, name);
	write_file(p, "0\n");
	snprintf(p, sizeof(p), "%s/ok", f->dir);
	write_file(p, "0\n");
}

static void test_long_name_refused_worker_goes_on(void **ts)
{
	struct fx *f = *ts;
	char lines[4][128], p[512], name[256];

	assert_int_equal(run_prepared(f, prepare_long_name), 0);
	assert_int_equal(done_lines(f, lines, 4), 1);
	assert_int_equal(strncmp(lines[0], "done ok ", 8), 0);
	assert_int_equal(count_entries(f->dir, 0), 0);
	memset(name, 'n', 254);
	name[254] = '\0';
	snprintf(p, sizeof(p), "%s/.refused/%s", f->dir, name);
	assert_int_equal(access(p, F_OK), 0);
	assert_true(stderr_has(f, ".refused/"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bad_flags_exit_2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loadgen_then_workers_do_each_job_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sigterm_finishes_job_in_hand, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_worker_stops_on_sigterm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claim_never_replaces_a_claim, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_name_refused_worker_goes_on, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
