/*
 * test_jobs.c - the spool directory queue: claim, load, ack, nack, recovery
 * of dead workers' claims, and concurrent claimers in several processes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

#include "jobs.h"
#include "spool_util.h"

/* Regular files directly in dir/sub ("" for dir), dotfiles excluded. */
static int count(const char *dir, const char *sub)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	d = opendir(path);
	assert_non_null(d);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && de->d_type == DT_REG)
			n++;
	closedir(d);
	return n;
}

static void rm_tree(const char *dir)
{
	char cmd[PATH_MAX + 16];

	assert_int_equal(strncmp(dir, "/tmp/scaled-jobs-test.", 22), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_claim_load_ack_nack(void **state)
{
	char *dir = spool_new_dir("scaled-jobs-test"), *err = NULL;
	struct job_queue *q;
	struct job *jobs[8];
	int n;

	(void)state;
	spool_put(dir, "c.jpg", "CCC");
	spool_put(dir, "a.jpg", "A");
	spool_put(dir, "b.f32", "BB");
	spool_put(dir, ".d.tmp", "in the making");
	char sub[PATH_MAX];
	snprintf(sub, sizeof(sub), "%s/subdir", dir);
	assert_int_equal(mkdir(sub, 0755), 0);

	assert_int_equal(jobs_spool_open(dir, &q, &err), 0);
	assert_int_equal(job_claim(q, 2, jobs, &n, &err), 0);
	assert_int_equal(n, 2);
	/* sorted by name; dotfiles and directories are not jobs */
	assert_string_equal(jobs[0]->name, "a.jpg");
	assert_string_equal(jobs[1]->name, "b.f32");
	assert_int_equal(count(dir, ""), 1);
	assert_int_equal(count(dir, ".work"), 2);

	void *data;
	size_t len;
	assert_int_equal(job_load(q, jobs[1], &data, &len, &err), 0);
	assert_int_equal(len, 2);
	assert_memory_equal(data, "BB", 2);
	free(data);

	/* ack removes the claim; nack puts the job back under its name */
	assert_int_equal(job_ack(q, jobs[0], &err), 0);
	assert_int_equal(job_nack(q, jobs[1], &err), 0);
	assert_int_equal(count(dir, ".work"), 0);
	assert_int_equal(count(dir, ""), 2);

	assert_int_equal(job_claim(q, 8, jobs, &n, &err), 0);
	assert_int_equal(n, 2);
	/* c.jpg from the scan in hand, then b.f32 from the next scan */
	assert_string_equal(jobs[0]->name, "c.jpg");
	assert_string_equal(jobs[1]->name, "b.f32");
	assert_int_equal(job_ack(q, jobs[0], &err), 0);
	assert_int_equal(job_ack(q, jobs[1], &err), 0);
	assert_int_equal(job_claim(q, 8, jobs, &n, &err), 0);
	assert_int_equal(n, 0);

	/* a job queued after the scan is found by the next claim */
	spool_put(dir, "late.jpg", "L");
	assert_int_equal(job_claim(q, 8, jobs, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(jobs[0]->name, "late.jpg");

	/* the same name queued again while claimed waits for the ack */
	spool_put(dir, "late.jpg", "L2");
	struct job *again[2];
	assert_int_equal(job_claim(q, 2, again, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(job_ack(q, jobs[0], &err), 0);
	assert_int_equal(job_claim(q, 2, again, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(job_load(q, again[0], &data, &len, &err), 0);
	assert_memory_equal(data, "L2", 2);
	free(data);
	assert_int_equal(job_ack(q, again[0], &err), 0);

	job_queue_free(q);
	rm_tree(dir);
	free(dir);
}

/* Issue 9 (B16): a name with no room for the claim suffix was skipped in
 * silence, never answered, yet counted as backlog. It is handed out,
 * moved to .refused/, and its load says why. */
static void test_long_name_refused(void **state)
{
	char *dir = spool_new_dir("scaled-jobs-test"), *err = NULL;
	char long_x[NAME_MAX + 1], long_y[NAME_MAX + 1], want[NAME_MAX + 200];
	struct job_queue *q;
	struct job *jobs[8];
	void *data = (void *)&data;
	size_t len = 1;
	int n;

	(void)state;
	memset(long_x, 'x', 240);
	strcpy(long_x + 240, ".f32");	/* 244 bytes: fits a file, not a claim */
	memset(long_y, 'y', 240);
	strcpy(long_y + 240, ".f32");
	spool_put(dir, "a.f32", "A");
	spool_put(dir, long_x, "X");
	assert_int_equal(jobs_spool_open(dir, &q, &err), 0);
	assert_int_equal(job_claim(q, 8, jobs, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(jobs[0]->name, "a.f32");
	assert_string_equal(jobs[1]->name, long_x);
	assert_int_equal(count(dir, ""), 0);	/* no longer backlog */
	assert_int_equal(count(dir, ".work"), 1);
	assert_int_equal(count(dir, ".refused"), 1);

	assert_int_equal(job_load(q, jobs[1], &data, &len, &err), -ENAMETOOLONG);
	assert_null(data);
	assert_int_equal(len, 0);
	snprintf(want, sizeof(want), "%s: a job name of 244 bytes is longer than the %zu a "
		 "claim has room for (a file name holds %d); moved to %s/.refused/", long_x,
		 (size_t)NAME_MAX - strlen(jobs_spool_worker(q)) - 1, NAME_MAX, dir);
	assert_string_equal(err, want);
	free(err);
	err = NULL;
	/* acked (answered): it stays in .refused/, out of the queue */
	assert_int_equal(job_ack(q, jobs[0], &err), 0);
	assert_int_equal(job_ack(q, jobs[1], &err), 0);
	assert_int_equal(count(dir, ".refused"), 1);
	assert_int_equal(count(dir, ".work"), 0);

	/* given back (a failed batch): back in the queue, refused again later */
	spool_put(dir, long_y, "Y");
	assert_int_equal(job_claim(q, 8, jobs, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(count(dir, ""), 0);
	assert_int_equal(job_nack(q, jobs[0], &err), 0);
	assert_int_equal(count(dir, ""), 1);
	assert_int_equal(count(dir, ".refused"), 1);
	assert_int_equal(job_claim(q, 8, jobs, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(jobs[0]->name, long_y);
	assert_int_equal(job_ack(q, jobs[0], &err), 0);
	assert_int_equal(count(dir, ".refused"), 2);
	assert_int_equal(job_claim(q, 8, jobs, &n, &err), 0);
	assert_int_equal(n, 0);

	job_queue_free(q);
	rm_tree(dir);
	free(dir);
}

/* A load never reads past the caller's max_len (issue 9, B17): a longer
 * file is refused by its size, with its size. */
static void test_load_max_len(void **state)
{
	char *dir = spool_new_dir("scaled-jobs-test"), *err = NULL;
	struct job_queue *q;
	struct job *jobs[2];
	void *data = (void *)&data;
	size_t len = 0;
	int n;

	(void)state;
	spool_put(dir, "a.f32", "0123456789");
	assert_int_equal(jobs_spool_open(dir, &q, &err), 0);
	assert_int_equal(job_claim(q, 2, jobs, &n, &err), 0);
	assert_int_equal(n, 1);
	jobs[0]->max_len = 9;
	assert_int_equal(job_load(q, jobs[0], &data, &len, &err), -EFBIG);
	assert_null(data);
	assert_int_equal(len, 10);
	assert_string_equal(err, "a.f32: 10 bytes, more than the 9 it may have");
	free(err);
	jobs[0]->max_len = 10;
	assert_int_equal(job_load(q, jobs[0], &data, &len, &err), 0);
	assert_int_equal(len, 10);
	assert_memory_equal(data, "0123456789", 10);
	free(data);
	assert_int_equal(job_ack(q, jobs[0], &err), 0);
	job_queue_free(q);
	rm_tree(dir);
	free(dir);
}

static void test_open_errors(void **state)
{
	struct job_queue *q;
	char *err = NULL;

	(void)state;
	assert_int_equal(jobs_spool_open("/nonexistent/spool", &q, &err), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/spool"));
	free(err);
	err = NULL;
	/* jobs_open() takes any path as a spool, and says which it was */
	assert_int_equal(jobs_open("/nonexistent/spool", &q, &err), -ENOENT);
	assert_non_null(strstr(err, "spool /nonexistent/spool"));
	free(err);
	err = NULL;
	assert_int_equal(jobs_open("amqp://host/q", &q, &err), -EINVAL);
	assert_non_null(strstr(err, "unknown queue kind"));
	free(err);
}

/* A child claims `claim` jobs and dies without acking. */
static void die_holding(const char *dir, int claim)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct job_queue *q;
		struct job *jobs[16];
		char *err = NULL;
		int n = 0;

		if (jobs_spool_open(dir, &q, &err) || job_claim(q, claim, jobs, &n, &err) ||
		    n != claim)
			_exit(1);
		_exit(0); /* no ack, no nack: as if killed */
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void test_recover(void **state)
{
	char *dir = spool_new_dir("scaled-jobs-test"), *err = NULL, name[32];
	struct job_queue *q, *live;
	struct job *jobs[16];
	int n;

	(void)state;
	for (int i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "job%02d", i);
		spool_put(dir, name, "x");
	}
	die_holding(dir, 3);
	assert_int_equal(count(dir, ".work"), 3);

	/* A live worker's claim (another queue in this process) stays. */
	struct job *held[2];
	assert_int_equal(jobs_spool_open(dir, &live, &err), 0);
	assert_int_equal(job_claim(live, 2, held, &n, &err), 0);
	assert_int_equal(n, 2);
	/* Claims of another host stay; so does an id we cannot read. */
	spool_put(dir, ".work/x.1-1-0@some-other-host", "x");
	spool_put(dir, ".work/y.garbage", "y");
	/* Our own pid with another start time: a previous process that had
	 * our pid (pids are reused) - recovered. */
	const char *me = jobs_spool_worker(live);
	long pid;
	unsigned long long start;
	unsigned seq;
	int used = 0;
	assert_int_equal(sscanf(me, "%ld-%llu-%u@%n", &pid, &start, &seq, &used), 3);
	assert_int_equal(pid, (long)getpid());
	char reused[256];
	snprintf(reused, sizeof(reused), ".work/z.%ld-%llu-0@%s", pid, start + 1, me + used);
	spool_put(dir, reused, "z");

	assert_int_equal(jobs_spool_open(dir, &q, &err), 0);
	assert_int_equal(job_recover(q, &n, &err), 0);
	assert_int_equal(n, 4); /* 3 from the dead child + z */
	assert_int_equal(count(dir, ".work"), 4); /* live's 2, x, y */
	assert_int_equal(count(dir, ""), 9); /* 5 unclaimed + 3 + z */

	/* Everything recovered can be claimed again: 8 left, never a dup. */
	assert_int_equal(job_claim(q, 16, jobs, &n, &err), 0);
	assert_int_equal(n, 9);
	for (int i = 0; i < n; i++)
		assert_int_equal(job_ack(q, jobs[i], &err), 0);
	assert_int_equal(job_ack(live, held[0], &err), 0);
	assert_int_equal(job_ack(live, held[1], &err), 0);
	assert_int_equal(count(dir, ".work"), 2); /* x and y */
	job_queue_free(q);
	job_queue_free(live);
	rm_tree(dir);
	free(dir);
}

enum { JOBS = 600, CLAIMERS = 4 };

/* Several processes drain one spool; each writes what it got to a file. */
static void test_concurrent_claimers(void **state)
{
	char *dir = spool_new_dir("scaled-jobs-test"), name[64], path[PATH_MAX];
	pid_t pids[CLAIMERS];

	(void)state;
	for (int i = 0; i < JOBS; i++) {
		snprintf(name, sizeof(name), "j%04d", i);
		spool_put(dir, name, name);
	}
	for (int c = 0; c < CLAIMERS; c++) {
		pids[c] = fork();
		assert_true(pids[c] >= 0);
		if (pids[c])
			continue;
		struct job_queue *q;
		struct job *jobs[7];
		char *err = NULL;
		int n;
		FILE *log;

		alarm(60); /* never outlive the test */
		snprintf(path, sizeof(path), "%s/.got%d", dir, c);
		log = fopen(path, "w");
		if (!log || jobs_spool_open(dir, &q, &err))
			_exit(1);
		do {
			if (job_claim(q, 7, jobs, &n, &err))
				_exit(2);
			for (int i = 0; i < n; i++) {
				void *data;
				size_t len;

				/* the payload is the one the name promises */
				if (job_load(q, jobs[i], &data, &len, &err) ||
				    len != strlen(jobs[i]->name) ||
				    memcmp(data, jobs[i]->name, len))
					_exit(3);
				free(data);
				fprintf(log, "%s\n", jobs[i]->name);
				if (job_ack(q, jobs[i], &err))
					_exit(4);
			}
		} while (n > 0);
		fclose(log);
		job_queue_free(q);
		_exit(0);
	}
	for (int c = 0; c < CLAIMERS; c++) {
		int st;

		assert_int_equal(waitpid(pids[c], &st, 0), pids[c]);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}

	static int seen[JOBS];
	memset(seen, 0, sizeof(seen));
	for (int c = 0; c < CLAIMERS; c++) {
		snprintf(path, sizeof(path), "%s/.got%d", dir, c);
		FILE *f = fopen(path, "r");
		int i;

		assert_non_null(f);
		while (fscanf(f, "j%d\n", &i) == 1) {
			assert_in_range(i, 0, JOBS - 1);
			seen[i]++;
		}
		fclose(f);
	}
	for (int i = 0; i < JOBS; i++)
		assert_int_equal(seen[i], 1);
	assert_int_equal(count(dir, ""), 0);
	assert_int_equal(count(dir, ".work"), 0);
	rm_tree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_claim_load_ack_nack),
		cmocka_unit_test(test_long_name_refused),
		cmocka_unit_test(test_load_max_len),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_recover),
		cmocka_unit_test(test_concurrent_claimers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
