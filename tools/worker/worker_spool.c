/*
 * worker_spool.c - scaled-worker's claims (worker_spool.h; the protocol:
 * docs/spool.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "worker_spool.h"

#define REFUSED ".refused"

int worker_spool_open(struct worker_spool *s, const char *dir, char *err, size_t errlen)
{
	int rc;

	memset(s, 0, sizeof(*s));
	s->dir = dir;
	s->workfd = -1;
	snprintf(s->suffix, sizeof(s->suffix), ".%ld", (long)getpid());
	s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", dir, strerror(-rc));
		return rc;
	}
	if ((mkdirat(s->dirfd, ".work", 0755) < 0 && errno != EEXIST) ||
	    (s->workfd = openat(s->dirfd, ".work", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s/.work: %s", dir, strerror(-rc));
		worker_spool_close(s);
		return rc;
	}
	return 0;
}

void worker_spool_close(struct worker_spool *s)
{
	if (s->workfd >= 0)
		close(s->workfd);
	if (s->dirfd >= 0)
		close(s->dirfd);
	s->workfd = s->dirfd = -1;
}

int worker_spool_is_job(const struct worker_spool *s, const struct dirent *de)
{
	struct stat st;

	if (de->d_name[0] == '.')
		return 0;
	if (de->d_type != DT_UNKNOWN)
		return de->d_type == DT_REG;
	return fstatat(s->dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISREG(st.st_mode);
}

/*
 * Move a job out of the spool (fromfd/from) without replacing: -EEXIST
 * when the target exists. Where the file system cannot refuse to replace
 * (EINVAL, ENOSYS), check that the target is free, then rename: a claim
 * NAME.PID is made by this process only, so nothing takes it in between,
 * and the rename stays the only arbiter between workers. (dirqueue's link
 * + unlink, right for moving a claim back, would not be here: two workers
 * could both link one job, and the second unlink remove a new job of that
 * name queued meanwhile.)
 */
static int worker_spool_take(int fromfd, const char *from, int tofd, const char *to)
{
	struct stat st;

	if (renameat2(fromfd, from, tofd, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -errno;
	if (fstatat(tofd, to, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return -EEXIST;
	if (errno != ENOENT)
		return -errno;
	return renameat(fromfd, from, tofd, to) == 0 ? 0 : -errno;
}

/* A name too long for a claim: to DIR/.refused/NAME, out of the backlog
 * dirqueue counts. Said on stderr; nothing here stops the worker. */
static void worker_spool_refuse(struct worker_spool *s, const char *name)
{
	int fd, rc;

	if (mkdirat(s->dirfd, REFUSED, 0755) < 0 && errno != EEXIST)
		rc = -errno;
	else if ((fd = openat(s->dirfd, REFUSED, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		rc = -errno;
	else {
		rc = worker_spool_take(s->dirfd, name, fd, name);
		close(fd);
	}
	if (rc == -ENOENT) /* another worker was first */
		return;
	if (rc == 0) {
		fprintf(stderr,
			"scaled-worker: %s: a job name of %zu bytes leaves no room for the claim's "
			"\"%s\" (a file name holds %d); moved to %s/" REFUSED "/\n",
			name, strlen(name), s->suffix, NAME_MAX, s->dir);
		return;
	}
	if (strcmp(s->refused_warned, name) == 0)
		return; /* said already; it stays in the spool */
	snprintf(s->refused_warned, sizeof(s->refused_warned), "%s", name);
	fprintf(stderr,
		"scaled-worker: %s: a job name too long for a claim, left in %s: "
		"move to " REFUSED "/: %s\n",
		name, s->dir, rc == -EEXIST ? "one of that name is there" : strerror(-rc));
}

int worker_spool_claim(struct worker_spool *s, char *name, char *claim, char *err,
		       size_t errlen)
{
	struct dirent *de;
	int fd, rc = 0;
	DIR *d;

	fd = openat(s->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		rc = -errno;
		if (fd >= 0)
			close(fd);
		snprintf(err, errlen, "%s: %s", s->dir, strerror(-rc));
		return rc;
	}
	while ((de = readdir(d))) {
		int r;

		if (!worker_spool_is_job(s, de))
			continue;
		if ((size_t)snprintf(claim, NAME_MAX + 1, "%s%s", de->d_name, s->suffix) > NAME_MAX)
			r = -ENAMETOOLONG;
		else
			r = worker_spool_take(s->dirfd, de->d_name, s->workfd, claim);
		if (r == 0) {
			snprintf(name, NAME_MAX + 1, "%s", de->d_name);
			rc = 1;
			break;
		}
		if (r == -ENAMETOOLONG) { /* from a file system's own limit too */
			worker_spool_refuse(s, de->d_name);
			continue;
		}
		/* ENOENT: another worker was first; EEXIST: a claim of that
		 * name (a dead worker's that had our pid) waits for dirqueue */
		if (r == -ENOENT || r == -EEXIST)
			continue;
		rc = r;
		snprintf(err, errlen, "rename %s/%s to .work/: %s", s->dir, de->d_name,
			 strerror(-r));
		break;
	}
	closedir(d);
	return rc;
}
