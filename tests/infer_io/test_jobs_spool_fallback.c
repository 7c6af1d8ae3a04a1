/*
 * test_jobs_spool_fallback.c - the spool queue (cuda/io/jobs_spool.c) on a
 * file system without RENAME_NOREPLACE (docs/spool.md, difference 4).
 *
 * The seam: this program defines renameat2, faccessat and linkat itself, so
 * the static scaled_infer_io calls these instead of libc's (nothing in the
 * library changes for the test). renameat2 refuses RENAME_NOREPLACE with
 * EINVAL, as some network and FUSE file systems do. A "producer" can be
 * armed to queue a job of a given name at the first faccessat or linkat,
 * that is, just after the fallback looked whether the name is free or just
 * before it links: the window of a check-then-rename fallback, hit every
 * time instead of once in a while.
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
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>

#include "jobs.h"
#include "spool_util.h"

static int noreplace_refused; /* renameat2 calls answered EINVAL */
static char race_path[PATH_MAX]; /* armed: the producer writes this job */
static int faccess_errno;        /* armed: faccessat fails with this */

static void producer(void)
{
	FILE *f;

	if (!race_path[0])
		return;
	f = fopen(race_path, "w");
	if (f) {
		fputs("new", f);
		fclose(f);
	}
	race_path[0] = '\0';
}

int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
	      unsigned int flags)
{
	if (flags & RENAME_NOREPLACE) {
		noreplace_refused++;
		errno = EINVAL;
		return -1;
	}
	return (int)syscall(SYS_renameat2, olddirfd, oldpath, newdirfd, newpath, flags);
}

/* F_OK only, which is all jobs_spool.c asks. */
int faccessat(int dirfd, const char *path, int mode, int flags)
{
	struct stat st;
	int r;

	(void)mode;
	if (faccess_errno) {
		errno = faccess_errno;
		return -1;
	}
	r = fstatat(dirfd, path, &st, flags & AT_SYMLINK_NOFOLLOW);
	producer();
	return r;
}

int linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags)
{
	producer();
	return (int)syscall(SYS_linkat, olddirfd, oldpath, newdirfd, newpath, flags);
}

static void arm(const char *dir, const char *name)
{
	snprintf(race_path, sizeof(race_path), "%s/%s", dir, name);
}

static void rm_tree(const char *dir)
{
	char cmd[PATH_MAX + 16];

	assert_int_equal(strncmp(dir, "/tmp/scaled-jobs-test.", 22), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* Claims work without RENAME_NOREPLACE, and a name whose claim is still
 * ours waits in the spool for that ack. */
static void test_claim_without_noreplace(void **state)
{
	char *dir = spool_new_dir("scaled-jobs-test"), *err = NULL, claim[PATH_MAX];
	struct job_queue *q;
	struct job *jobs[4];
	int n;

	(void)state;
	noreplace_refused = 0;
	spool_put(dir, "a", "old");
	assert_int_equal(jobs_spool_open(dir, &q, &err), 0);
	assert_int_equal(job_claim(q, 4, jobs, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_true(noreplace_refused > 0); /* the fallback ran */
	snprintf(claim, sizeof(claim), ".work/a.%s", jobs_spool_worker(q));
	assert_string_equal(spool_get(dir, claim), "old");

	spool_put(dir, "a", "new");
	struct job *again[4];
	assert_int_equal(job_claim(q, 4, again, &n, &err), 0);
	assert_int_equal(n, 0); /* a.<us> is taken: "a" waits */
	assert_string_equal(spool_get(dir, "a"), "new");
	assert_string_equal(spool_get(dir, claim), "old");

	assert_int_equal(job_ack(q, jobs[0], &err), 0);
	assert_int_equal(job_claim(q, 4, again, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(spool_get(dir, claim), "new");
	assert_null(spool_get(dir, "a"));
	assert_int_equal(job_ack(q, again[0], &err), 0);
	job_queue_free(q);
	rm_tree(dir);
	free(dir);
}

/* Where the check cannot say the claim name is free (EACCES, EIO...), the
 * claim is not made: before, any failed check counted as "free", and the
 * rename replaced this queue's own unacked claim of the same name. */
static void test_claim_when_the_check_fails(void **state)
{
	char *dir = spool_new_dir("scaled-jobs-test"), *err = NULL, claim[PATH_MAX];
	struct job_queue *q;
	struct job *jobs[4];
	int n = -1;

	(void)state;
	assert_int_equal(jobs_spool_open(dir, &q, &err), 0);
	snprintf(claim, sizeof(claim), ".work/a.%s", jobs_spool_worker(q));
	spool_put(dir, claim, "mine");
	spool_put(dir, "a", "new");
	faccess_errno = EACCES;
	assert_int_equal(job_claim(q, 4, jobs, &n, &err), -EACCES);
	faccess_errno = 0;
	assert_int_equal(n, 0);
	assert_non_null(strstr(err, "claim a: Permission denied"));
	free(err);
	assert_string_equal(spool_get(dir, claim), "mine");
	assert_string_equal(spool_get(dir, "a"), "new");
	job_queue_free(q);
	rm_tree(dir);
	free(dir);
}

/* A give-back while a job of the same name is queued: both jobs are kept.
 * Before (faccessat + renameat) the claim replaced the new job. */
static void test_nack_keeps_job_queued_meanwhile(void **state)
{
	char *dir = spool_new_dir("scaled-jobs-test"), *err = NULL, claim[PATH_MAX];
	struct job_queue *q;
	struct job *jobs[4];
	int n;

	(void)state;
	spool_put(dir, "b", "old");
	assert_int_equal(jobs_spool_open(dir, &q, &err), 0);
	assert_int_equal(job_claim(q, 4, jobs, &n, &err), 0);
	assert_int_equal(n, 1);
	snprintf(claim, sizeof(claim), ".work/b.%s", jobs_spool_worker(q));

	arm(dir, "b");
	assert_int_equal(job_nack(q, jobs[0], &err), -EEXIST);
	assert_non_null(err);
	free(err);
	err = NULL;
	assert_string_equal(spool_get(dir, "b"), "new");
	assert_string_equal(spool_get(dir, claim), "old"); /* stays claimed */

	/* With the name free, a give-back works. */
	spool_put(dir, "d", "d");
	assert_int_equal(job_claim(q, 4, jobs, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(jobs[0]->name, "d");
	assert_int_equal(job_nack(q, jobs[0], &err), 0);
	assert_string_equal(spool_get(dir, "d"), "d");
	job_queue_free(q);
	rm_tree(dir);
	free(dir);
}

/* Recovery of a dead worker's claim while a job of the same name is queued:
 * both are kept, the claim is tried again next time. */
static void test_recover_keeps_job_queued_meanwhile(void **state)
{
	char *dir = spool_new_dir("scaled-jobs-test"), *err = NULL, dead[256];
	struct job_queue *q;
	unsigned long long start;
	unsigned seq;
	int n, used = 0;
	long pid;

	(void)state;
	assert_int_equal(jobs_spool_open(dir, &q, &err), 0);
	/* Our pid with another start time: a dead process that had our pid. */
	const char *me = jobs_spool_worker(q);
	assert_int_equal(sscanf(me, "%ld-%llu-%u@%n", &pid, &start, &seq, &used), 3);
	snprintf(dead, sizeof(dead), ".work/c.%ld-%llu-0@%s", pid, start + 1, me + used);
	spool_put(dir, dead, "old");

	arm(dir, "c");
	assert_int_equal(job_recover(q, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_string_equal(spool_get(dir, "c"), "new");
	assert_string_equal(spool_get(dir, dead), "old");

	/* Once the new one is gone, the claim is recovered. */
	struct job *jobs[4];
	assert_int_equal(job_claim(q, 4, jobs, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(job_ack(q, jobs[0], &err), 0);
	assert_int_equal(job_recover(q, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(spool_get(dir, "c"), "old");
	assert_null(spool_get(dir, dead));
	job_queue_free(q);
	rm_tree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_claim_without_noreplace),
		cmocka_unit_test(test_claim_when_the_check_fails),
		cmocka_unit_test(test_nack_keeps_job_queued_meanwhile),
		cmocka_unit_test(test_recover_keeps_job_queued_meanwhile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
