/*
 * dirqueue_claims.c - give the jobs of dead workers back to the queue.
 *
 * A worker claims a job by renaming spool/NAME to CLAIMS/NAME.<pid>
 * (tools/worker/scaled-worker does) and removes the claim when the job is
 * done. A worker that dies with a job in hand (SIGKILL, a crash, the OOM
 * killer) leaves its claim behind, and the job would never be counted or
 * done again. On each collect, a claim whose pid no longer exists goes back
 * to spool/NAME.
 *
 * The rule is only as good as the pid: the workers must run on this host,
 * in this pid namespace. A pid that was reused by an unrelated process
 * delays the recovery until that process ends (it never requeues a job
 * whose worker lives). A pid of another host's worker would be "gone" here,
 * and its job done twice: that is why the `claims` key is off by default.
 * The spool protocol it shares with the workers: docs/spool.md.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dirqueue.h"

/* NAME.<pid> -> length of NAME and the pid; 0 when it is not a claim. */
static size_t claim_parse(const char *name, pid_t *pid)
{
	const char *dot = strrchr(name, '.');
	char *end;
	long v;

	if (!dot || dot == name || dot[1] < '1' || dot[1] > '9')
		return 0;
	errno = 0;
	v = strtol(dot + 1, &end, 10);
	if (errno || *end || v <= 0 || v > INT_MAX)
		return 0;
	*pid = (pid_t)v;
	return (size_t)(dot - name);
}

/* rename without replacing: a new job of the same name is never lost. */
static int claim_move(int from_dir, const char *from, int to_dir,
		      const char *to)
{
	if (renameat2(from_dir, from, to_dir, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -errno;
	/* A file system without RENAME_NOREPLACE: link, then unlink. */
	if (linkat(from_dir, from, to_dir, to, 0) < 0)
		return -errno;
	return unlinkat(from_dir, from, 0) < 0 ? -errno : 0;
}

int dirqueue_claims_requeue(const struct scaled_host *host,
			    struct scaled_instance *inst, const char *spool,
			    const char *claims, uint64_t *requeued, char *err,
			    size_t errlen)
{
	int spool_fd = -1, claims_fd = -1, rc = 0;
	struct dirent *de;
	DIR *d = NULL;

	spool_fd = open(spool, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (spool_fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", spool, strerror(errno));
		goto out;
	}
	claims_fd = openat(spool_fd, claims, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (claims_fd < 0) {
		if (errno != ENOENT) { /* none yet: no worker has claimed */
			rc = -errno;
			snprintf(err, errlen, "%s/%s: %s", spool, claims,
				 strerror(errno));
		}
		goto out;
	}
	d = fdopendir(claims_fd);
	if (!d) {
		rc = -errno;
		snprintf(err, errlen, "%s/%s: %s", spool, claims, strerror(errno));
		goto out;
	}
	claims_fd = -1; /* d owns it */
	while ((de = readdir(d))) {
		char job[NAME_MAX + 1];
		struct stat st;
		size_t len;
		pid_t pid;
		int r;

		if (de->d_name[0] == '.' || !(len = claim_parse(de->d_name, &pid)))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue; /* finished since readdir, or not a job */
		if (kill(pid, 0) == 0 || errno != ESRCH)
			continue; /* alive (EPERM: someone else's, alive) */
		snprintf(job, sizeof(job), "%.*s", (int)len, de->d_name);
		r = claim_move(dirfd(d), de->d_name, spool_fd, job);
		if (r == 0) {
			(*requeued)++;
			host->log(inst, SCALED_LOG_WARN,
				  "requeued %s: its worker (pid %d) is gone",
				  job, (int)pid);
		} else if (r != -ENOENT) { /* ENOENT: someone was first */
			host->log(inst, SCALED_LOG_WARN,
				  "%s/%s/%s: worker (pid %d) gone, job not requeued: %s",
				  spool, claims, de->d_name, (int)pid,
				  r == -EEXIST ? "a job of that name is queued"
					       : strerror(-r));
		}
	}
out:
	if (d)
		closedir(d);
	if (claims_fd >= 0)
		close(claims_fd);
	if (spool_fd >= 0)
		close(spool_fd);
	return rc;
}
