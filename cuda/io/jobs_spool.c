/*
 * jobs_spool.c - the spool directory queue (see jobs.h for the layout).
 * The protocol it shares with dirqueue and scaled-worker: docs/spool.md.
 *
 * A scan reads up to SPOOL_SCAN_MAX names, sorts them (oldest-name-first
 * is as fair as a directory gets without stat'ing every file) and claims
 * from that list until it runs dry; only then is the directory read again.
 * With a million queued files that keeps a claim from costing a million
 * readdir entries. Names another worker took meanwhile fail the rename
 * with ENOENT and are skipped: the rename is the only arbiter.
 *
 * A name too long to take the claim suffix within NAME_MAX cannot be
 * claimed into .work/; left in the spool it would be counted as backlog
 * for ever and never answered. It is moved to DIR/.refused/ instead and
 * handed out as a job whose load fails, so it is answered with an error
 * line like any bad input (issue 9).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errfmt.h"
#include "jobs.h"

#define SPOOL_SCAN_MAX 65536
#define SPOOL_REFUSED ".refused"

struct spool {
	struct job_queue q;
	char *dir;
	int dirfd, workfd;
	int refusedfd;     /* DIR/.refused, opened when first needed; or -1 */
	char worker[160];  /* PID-START-SEQ@HOST */
	char host[80];     /* sanitised host name */
	char **pending;    /* names from the last scan, pending[next..n) */
	size_t next, n;
};

struct spool_job {
	struct job job;
	char *claimed; /* name in .work/ */
	char *refused; /* or why it was moved to .refused/ instead */
};

/*
 * Moves that never replace: two jobs of the same name stay two jobs. Both
 * try renameat2(RENAME_NOREPLACE) first; they differ in the fallback for a
 * file system that cannot refuse to replace (EINVAL, ENOSYS), by which end
 * of the move other processes can touch (docs/spool.md).
 *
 * spool_take: out of the spool, into a name only this queue object makes
 * (a claim). Check that the name is free, then rename: nobody else can make
 * the name in between, and the rename stays the only arbiter between
 * claimers. (A link + unlink would let two claimers link the same job, and
 * the second unlink remove a new job queued under the name meanwhile.)
 */
static int spool_take(int fromfd, const char *from, int tofd, const char *to)
{
	if (renameat2(fromfd, from, tofd, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -errno;
	if (faccessat(tofd, to, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return -EEXIST;
	if (errno != ENOENT) /* not known to be free: never risk replacing it */
		return -errno;
	return renameat(fromfd, from, tofd, to) == 0 ? 0 : -errno;
}

/*
 * spool_put_back: into the spool, where a producer may queue a job of the
 * same name at any time (give back, recover). Link, then unlink the source:
 * the link fails with EEXIST rather than replace, with no window. A crash
 * (or a failed unlink) between the two leaves the job queued and still
 * claimed: it may be done twice, never lost.
 */
static int spool_put_back(int fromfd, const char *from, int tofd, const char *to)
{
	if (renameat2(fromfd, from, tofd, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -errno;
	if (linkat(fromfd, from, tofd, to, 0) < 0)
		return -errno;
	return unlinkat(fromfd, from, 0) == 0 ? 0 : -errno;
}

/* Field 22 of /proc/PID/stat: start time in ticks since boot; 0 unknown. */
static unsigned long long proc_start(long pid)
{
	char path[64], buf[1024];
	unsigned long long start = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* The command name may hold spaces and ')': skip to the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p)
		return 0;
	p++;
	for (int field = 3; field <= 22 && p; field++) {
		while (*p == ' ')
			p++;
		if (field == 22)
			start = strtoull(p, NULL, 10);
		p = strchr(p, ' ');
	}
	return start;
}

/* Is the worker that made claim id "PID-START-SEQ@HOST" still running?
 * Claims of other hosts, and ids we cannot read, count as alive: only a
 * claim we know to be orphaned may be taken back. */
static int worker_alive(const struct spool *s, const char *id)
{
	long pid;
	unsigned long long start;
	unsigned seq;
	int used = 0;

	if (sscanf(id, "%ld-%llu-%u@%n", &pid, &start, &seq, &used) != 3 || !used)
		return 1;
	if (strcmp(id + used, s->host) != 0 || pid <= 0)
		return 1;
	if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
		return 0;
	/* A live process with that pid: the same one only if it started at
	 * the same tick (pids are reused, in containers at once). */
	unsigned long long now = proc_start(pid);
	return start == 0 || now == 0 || now == start;
}

static void pending_clear(struct spool *s)
{
	for (size_t i = s->next; i < s->n; i++)
		free(s->pending[i]);
	free(s->pending);
	s->pending = NULL;
	s->next = s->n = 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The longest job name a claim ("NAME.WORKER") has room for. */
static size_t claim_name_max(const struct spool *s)
{
	return NAME_MAX - strlen(s->worker) - 1;
}

static int spool_scan(struct spool *s, char **errmsg)
{
	size_t cap = 0;
	struct dirent *de;
	DIR *d;
	int fd;

	pending_clear(s);
	fd = openat(s->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		int err = -errno;

		if (fd >= 0)
			close(fd);
		*errmsg = errfmt("spool %s: read: %s", s->dir, strerror(-err));
		return err;
	}
	while (s->n < SPOOL_SCAN_MAX && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (de->d_type != DT_REG) {
			struct stat st;

			if (de->d_type != DT_UNKNOWN ||
			    fstatat(s->dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
			    !S_ISREG(st.st_mode))
				continue;
		}
		if (s->n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			char **p = realloc(s->pending, ncap * sizeof(*p));

			if (!p)
				break; /* claim what we have */
			s->pending = p;
			cap = ncap;
		}
		if (!(s->pending[s->n] = strdup(de->d_name)))
			break;
		s->n++;
	}
	closedir(d);
	if (s->n)
		qsort(s->pending, s->n, sizeof(*s->pending), cmp_name);
	return 0;
}

static void job_free(struct spool_job *j)
{
	if (!j)
		return;
	free(j->job.name);
	free(j->claimed);
	free(j->refused);
	free(j);
}

/* Move job j, whose name is too long for a claim, to DIR/.refused/ (one
 * there of the same name was refused before, and is replaced), and say
 * why in j->refused. -ENOENT: another worker took it first. */
static int refuse_long_name(struct spool *s, struct spool_job *j)
{
	const char *name = j->job.name;

	free(j->claimed);
	j->claimed = NULL;
	if (s->refusedfd < 0) {
		if (mkdirat(s->dirfd, SPOOL_REFUSED, 0755) < 0 && errno != EEXIST)
			return -errno;
		s->refusedfd = openat(s->dirfd, SPOOL_REFUSED, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (s->refusedfd < 0)
			return -errno;
	}
	if (renameat(s->dirfd, name, s->refusedfd, name) < 0)
		return -errno;
	j->refused = errfmt("%s: a job name of %zu bytes is longer than the %zu a claim has room "
			    "for (a file name holds %d); moved to %s/" SPOOL_REFUSED "/",
			    name, strlen(name), claim_name_max(s), NAME_MAX, s->dir);
	return j->refused ? 0 : -ENOMEM;
}

static int spool_claim(struct job_queue *q, int max, struct job **jobs, int *n,
		       char **errmsg)
{
	struct spool *s = (struct spool *)q;
	int scanned = 0, ret = 0;

	*n = 0;
	while (*n < max) {
		if (s->next == s->n) {
			if (scanned)
				break;
			ret = spool_scan(s, errmsg);
			if (ret)
				break;
			scanned = 1;
			continue;
		}
		char *name = s->pending[s->next++];
		struct spool_job *j = calloc(1, sizeof(*j));

		if (!j || asprintf(&j->claimed, "%s.%s", name, s->worker) < 0) {
			if (j)
				j->claimed = NULL;
			free(name);
			job_free(j);
			*errmsg = errfmt("spool %s: out of memory", s->dir);
			ret = -ENOMEM;
			break;
		}
		j->job.name = name;
		j->job.priv = j;
		if (strlen(name) > claim_name_max(s))
			ret = refuse_long_name(s, j);
		else
			ret = spool_take(s->dirfd, name, s->workfd, j->claimed);
		if (ret == -ENOENT || ret == -EEXIST) {
			/* taken by another worker; or the same name is still
			 * claimed by us and waits for that ack */
			job_free(j);
			ret = 0;
			continue;
		}
		if (ret) {
			*errmsg = errfmt("spool %s: %s %s: %s", s->dir,
					  j->claimed ? "claim" : "move to " SPOOL_REFUSED "/", name,
					  strerror(-ret));
			job_free(j);
			break;
		}
		jobs[(*n)++] = &j->job;
	}
	/* Jobs already claimed are handed out even when a later one failed;
	 * the error is reported on the next call if it persists. */
	if (ret && *n) {
		free(*errmsg);
		*errmsg = NULL;
		ret = 0;
	}
	return ret;
}

int jobs_read_file(int dirfd, const char *path, int flags, const char *name, size_t max,
		   void **data, size_t *len, char **errmsg)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t got = 0, size;
	int fd, ret;

	if (max == 0 || max > JOBS_MAX_PAYLOAD)
		max = JOBS_MAX_PAYLOAD;
	*data = NULL;
	*len = 0;
	/* O_NONBLOCK: opening a FIFO (or a device) named by a job must not
	 * hang the worker; anything but a regular file is refused below, and
	 * reads of a regular file ignore the flag. */
	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | flags);
	if (fd < 0) {
		ret = -errno;
		*errmsg = errfmt("%s: open %s: %s", name, path, strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		*errmsg = errfmt("%s: stat: %s", name, strerror(-ret));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		*errmsg = errfmt("%s: %s is not a regular file", name, path);
		goto out;
	}
	/* Checked before anything is read or allocated: a raw input of a
	 * GiB for a model that takes 600 KiB costs one fstat. */
	if ((uint64_t)st.st_size > max) {
		ret = -EFBIG;
		*len = (size_t)st.st_size;
		*errmsg = errfmt("%s: %lld bytes, more than the %zu it may have", name,
				  (long long)st.st_size, max);
		goto out;
	}
	size = (size_t)st.st_size;
	buf = malloc(size + 1); /* +1: a byte more than fstat said tells growth */
	if (!buf) {
		ret = -ENOMEM;
		*errmsg = errfmt("%s: out of memory for %zu bytes", name, size);
		goto out;
	}
	while (got < size + 1) {
		ssize_t r = read(fd, buf + got, size + 1 - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
			*errmsg = errfmt("%s: read: %s", name, strerror(-ret));
			goto out;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	if (got > size) {
		ret = -EIO;
		*errmsg = errfmt("%s: grew while it was read (write it elsewhere and rename it "
				  "in)", name);
		goto out;
	}
	*data = buf;
	*len = got;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	close(fd);
	return ret;
}

static int spool_load(struct job_queue *q, struct job *job, void **data, size_t *len,
		      char **errmsg)
{
	struct spool *s = (struct spool *)q;
	struct spool_job *j = job->priv;

	if (j->refused) {
		*data = NULL;
		*len = 0;
		*errmsg = strdup(j->refused);
		return -ENAMETOOLONG;
	}
	return jobs_read_file(s->workfd, j->claimed, O_NOFOLLOW, job->name, job->max_len, data,
			      len, errmsg);
}

static int spool_ack(struct job_queue *q, struct job *job, char **errmsg)
{
	struct spool *s = (struct spool *)q;
	struct spool_job *j = job->priv;
	int ret = 0;

	/* No fsync of the directory: an ack lost in a crash only means the
	 * job is answered again, which at-least-once allows. A refused job
	 * stays in .refused/, answered. */
	if (!j->refused && unlinkat(s->workfd, j->claimed, 0) < 0) {
		ret = -errno;
		*errmsg = errfmt("spool %s: ack %s: %s", s->dir, job->name,
				  strerror(-ret));
	}
	job_free(j);
	return ret;
}

static int spool_nack(struct job_queue *q, struct job *job, char **errmsg)
{
	struct spool *s = (struct spool *)q;
	struct spool_job *j = job->priv;
	/* A refused job goes back too, to be refused and answered later. */
	int ret = j->refused ? spool_put_back(s->refusedfd, job->name, s->dirfd, job->name)
			     : spool_put_back(s->workfd, j->claimed, s->dirfd, job->name);

	if (ret)
		*errmsg = errfmt("spool %s: give back %s: %s%s", s->dir, job->name,
				  strerror(-ret),
				  ret == -EEXIST ? " (a new job of that name is queued;"
						   " this one stays claimed)" : "");
	job_free(j);
	return ret;
}

static int spool_recover(struct job_queue *q, int *n, char **errmsg)
{
	struct spool *s = (struct spool *)q;
	struct dirent *de;
	DIR *d;
	int fd, ret = 0;

	*n = 0;
	fd = openat(s->workfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		ret = -errno;
		if (fd >= 0)
			close(fd);
		*errmsg = errfmt("spool %s: read .work: %s", s->dir, strerror(-ret));
		return ret;
	}
	while ((de = readdir(d))) {
		char *dot = strrchr(de->d_name, '.');

		if (de->d_name[0] == '.' || !dot || dot == de->d_name)
			continue;
		if (worker_alive(s, dot + 1))
			continue;
		char name[NAME_MAX + 1];
		size_t len = (size_t)(dot - de->d_name);
		memcpy(name, de->d_name, len);
		name[len] = '\0';
		int r = spool_put_back(s->workfd, de->d_name, s->dirfd, name);
		if (r == 0)
			(*n)++;
		else if (r != -ENOENT && r != -EEXIST && !ret) {
			/* ENOENT: another worker recovered it first; EEXIST:
			 * a new job took the name, try again next time */
			ret = r;
			*errmsg = errfmt("spool %s: recover %s: %s", s->dir,
					  de->d_name, strerror(-r));
		}
	}
	closedir(d);
	return ret;
}

static void spool_free(struct job_queue *q)
{
	struct spool *s = (struct spool *)q;

	pending_clear(s);
	if (s->dirfd >= 0)
		close(s->dirfd);
	if (s->workfd >= 0)
		close(s->workfd);
	if (s->refusedfd >= 0)
		close(s->refusedfd);
	free(s->dir);
	free(s);
}

static const struct job_queue_ops spool_ops = {
	.claim = spool_claim,
	.load = spool_load,
	.ack = spool_ack,
	.nack = spool_nack,
	.recover = spool_recover,
	.free = spool_free,
};

int jobs_spool_open(const char *dir, struct job_queue **out, char **errmsg)
{
	static atomic_uint seq;
	struct spool *s;
	char host[64] = "localhost";
	int ret;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s || !(s->dir = strdup(dir))) {
		free(s);
		*errmsg = errfmt("spool %s: out of memory", dir);
		return -ENOMEM;
	}
	s->q.ops = &spool_ops;
	s->q.where = s->dir;
	s->workfd = -1;
	s->refusedfd = -1;
	s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0) {
		ret = -errno;
		*errmsg = errfmt("spool %s: %s", dir, strerror(-ret));
		goto fail;
	}
	if (mkdirat(s->dirfd, ".work", 0755) < 0 && errno != EEXIST) {
		ret = -errno;
		*errmsg = errfmt("spool %s: create .work: %s", dir, strerror(-ret));
		goto fail;
	}
	s->workfd = openat(s->dirfd, ".work", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->workfd < 0) {
		ret = -errno;
		*errmsg = errfmt("spool %s: open .work: %s", dir, strerror(-ret));
		goto fail;
	}

	/* The host part must not hold the '.' that separates name and id. */
	if (gethostname(host, sizeof(host) - 1) < 0)
		strcpy(host, "localhost");
	host[sizeof(host) - 1] = '\0';
	for (char *p = host; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-'))
			*p = '_';
	snprintf(s->host, sizeof(s->host), "%s", host);
	snprintf(s->worker, sizeof(s->worker), "%ld-%llu-%u@%s", (long)getpid(),
		 proc_start(getpid()), atomic_fetch_add(&seq, 1), s->host);
	*out = &s->q;
	return 0;
fail:
	spool_free(&s->q);
	return ret;
}

const char *jobs_spool_worker(const struct job_queue *q)
{
	return ((const struct spool *)q)->worker;
}
