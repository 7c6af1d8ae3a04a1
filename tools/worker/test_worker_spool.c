/*
 * test_worker_spool.c (ctest: test_tools_worker_spool) - scaled-worker's
 * claims (worker_spool.c) in-process: only regular files are jobs, also
 * where readdir says DT_UNKNOWN; a claim is never replaced; a name too long
 * for a claim is refused without an error. Each claim test runs twice: with
 * RENAME_NOREPLACE, and with it refused (EINVAL) as on some network and
 * FUSE file systems - this program defines renameat2 itself, and
 * worker_spool.c, linked in, calls that one.
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

#include "spool_util.h"
#include "worker_spool.h"

static int refuse_noreplace;  /* renameat2 answers RENAME_NOREPLACE with EINVAL */
static int noreplace_refused; /* how often it did */

int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
	      unsigned int flags)
{
	if (refuse_noreplace && (flags & RENAME_NOREPLACE)) {
		noreplace_refused++;
		errno = EINVAL;
		return -1;
	}
	return (int)syscall(SYS_renameat2, olddirfd, oldpath, newdirfd, newpath, flags);
}

static void rm_tree(char *dir)
{
	char cmd[PATH_MAX + 16];

	assert_int_equal(strncmp(dir, "/tmp/scaled-worker-spool-test.", 30), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(dir);
}

static int is_job(const struct worker_spool *s, const char *name, unsigned char type)
{
	struct dirent de;

	memset(&de, 0, sizeof(de));
	de.d_type = type;
	snprintf(de.d_name, sizeof(de.d_name), "%s", name);
	return worker_spool_is_job(s, &de);
}

/* A file system that does not fill d_type: a symlink, a FIFO and a
 * directory are not jobs (they were claimed as if they were). */
static void test_dt_unknown_entries(void **state)
{
	char *dir = spool_new_dir("scaled-worker-spool-test"), err[256], path[PATH_MAX];
	struct worker_spool s;

	(void)state;
	spool_put(dir, "reg", "1");
	spool_put(dir, ".hidden", "1");
	snprintf(path, sizeof(path), "%s/sym", dir);
	assert_int_equal(symlink("reg", path), 0);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0644), 0);
	snprintf(path, sizeof(path), "%s/sub", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(worker_spool_open(&s, dir, err, sizeof(err)), 0);

	assert_true(is_job(&s, "reg", DT_UNKNOWN));
	assert_false(is_job(&s, "sym", DT_UNKNOWN));
	assert_false(is_job(&s, "fifo", DT_UNKNOWN));
	assert_false(is_job(&s, "sub", DT_UNKNOWN));
	assert_false(is_job(&s, "gone", DT_UNKNOWN)); /* claimed since readdir */
	assert_false(is_job(&s, ".hidden", DT_UNKNOWN));
	assert_true(is_job(&s, "reg", DT_REG));
	assert_false(is_job(&s, ".hidden", DT_REG));
	assert_false(is_job(&s, "sym", DT_LNK));
	assert_false(is_job(&s, "fifo", DT_FIFO));
	worker_spool_close(&s);
	rm_tree(dir);
}

/* A claim job.<our pid> left by a dead worker that had our pid: a new job
 * "job" must not replace it (rename() did, and the old job was lost). */
static void claim_never_replaces(int fallback)
{
	char *dir = spool_new_dir("scaled-worker-spool-test"), err[256], name[NAME_MAX + 1], claim[NAME_MAX + 1];
	char stale[NAME_MAX + 64];
	struct worker_spool s;

	refuse_noreplace = fallback;
	noreplace_refused = 0;
	assert_int_equal(worker_spool_open(&s, dir, err, sizeof(err)), 0);
	snprintf(stale, sizeof(stale), ".work/job.%ld", (long)getpid());
	spool_put(dir, stale, "old");
	spool_put(dir, "job", "new");
	spool_put(dir, "other", "x");

	assert_int_equal(worker_spool_claim(&s, name, claim, err, sizeof(err)), 1);
	assert_string_equal(name, "other");
	assert_int_equal(unlinkat(s.workfd, claim, 0), 0);
	assert_int_equal(worker_spool_claim(&s, name, claim, err, sizeof(err)), 0);
	assert_string_equal(spool_get(dir, stale), "old");
	assert_string_equal(spool_get(dir, "job"), "new");
	assert_true(fallback ? noreplace_refused > 0 : noreplace_refused == 0);

	/* Once the stale claim is gone (dirqueue put it back elsewhere). */
	snprintf(stale, sizeof(stale), "%s/.work/job.%ld", dir, (long)getpid());
	assert_int_equal(unlink(stale), 0);
	assert_int_equal(worker_spool_claim(&s, name, claim, err, sizeof(err)), 1);
	assert_string_equal(name, "job");
	snprintf(stale, sizeof(stale), ".work/%s", claim);
	assert_string_equal(spool_get(dir, stale), "new");
	assert_null(spool_get(dir, "job"));
	worker_spool_close(&s);
	rm_tree(dir);
	refuse_noreplace = 0;
}

static void test_claim_never_replaces(void **state)
{
	(void)state;
	claim_never_replaces(0);
}

static void test_claim_never_replaces_fallback(void **state)
{
	(void)state;
	claim_never_replaces(1);
}

/* A name with no room for ".<pid>": to .refused/, no error; a second one
 * of that name stays in the spool (the first is never replaced). */
static void long_name_refused(int fallback)
{
	char *dir = spool_new_dir("scaled-worker-spool-test"), err[256], name[NAME_MAX + 1], claim[NAME_MAX + 1];
	char lng[NAME_MAX + 1], path[NAME_MAX + 16];
	struct worker_spool s;

	refuse_noreplace = fallback;
	memset(lng, 'n', NAME_MAX - 1); /* 254: room for "." only */
	lng[NAME_MAX - 1] = '\0';
	assert_int_equal(worker_spool_open(&s, dir, err, sizeof(err)), 0);
	spool_put(dir, lng, "first");
	assert_int_equal(worker_spool_claim(&s, name, claim, err, sizeof(err)), 0);
	assert_null(spool_get(dir, lng));
	snprintf(path, sizeof(path), ".refused/%s", lng);
	assert_string_equal(spool_get(dir, path), "first");

	spool_put(dir, lng, "second");
	spool_put(dir, "ok", "x");
	assert_int_equal(worker_spool_claim(&s, name, claim, err, sizeof(err)), 1);
	assert_string_equal(name, "ok");
	assert_int_equal(worker_spool_claim(&s, name, claim, err, sizeof(err)), 0);
	assert_string_equal(spool_get(dir, lng), "second");
	assert_string_equal(spool_get(dir, path), "first");
	worker_spool_close(&s);
	rm_tree(dir);
	refuse_noreplace = 0;
}

static void test_long_name_refused(void **state)
{
	(void)state;
	long_name_refused(0);
}

static void test_long_name_refused_fallback(void **state)
{
	(void)state;
	long_name_refused(1);
}

static void test_open_errors(void **state)
{
	char err[256];
	struct worker_spool s;

	(void)state;
	assert_int_equal(worker_spool_open(&s, "/nonexistent/spool", err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/spool"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dt_unknown_entries),
		cmocka_unit_test(test_claim_never_replaces),
		cmocka_unit_test(test_claim_never_replaces_fallback),
		cmocka_unit_test(test_long_name_refused),
		cmocka_unit_test(test_long_name_refused_fallback),
		cmocka_unit_test(test_open_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
