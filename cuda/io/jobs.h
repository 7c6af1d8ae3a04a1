/*
 * jobs.h - where inference jobs come from: a queue with at-least-once
 * delivery. A worker claims a batch, answers every job in it, makes the
 * answers durable, and only then acks; a worker that dies before its ack
 * leaves its jobs to be delivered again (so a job may be answered twice,
 * never zero times).
 *
 * The queue is an interface (struct job_queue and its ops) with two
 * backends; jobs_open() picks one from what --input names:
 *  - spool directory (jobs_spool.c): one file per job; claim = rename into
 *    DIR/.work/, ack = unlink, nack = rename back; claims of dead workers
 *    are put back when a worker starts.
 *  - Redis list (jobs_redis.c): claim = LMOVE from the list into the
 *    worker's own claimed list, ack = LREM from it, nack = move back;
 *    a worker holds a lease it renews on every claim and ack, and claims
 *    of a worker whose lease lapsed are moved back by whoever recovers.
 *
 * Errors: 0 or a negative errno with a malloc'd *errmsg naming the queue,
 * the job and the reason. Threads: one queue object per thread; several
 * queue objects (threads or processes) may share one spool directory.
 */
#ifndef SCALED_JOBS_H
#define SCALED_JOBS_H

#include <stddef.h>
#include <stdlib.h>

struct job_queue;

/* One claimed job. The queue owns it; it is valid until acked or nacked. */
struct job {
	char *name;  /* the job's name, as results name it */
	void *priv;  /* the backend's */
	/* Set by the caller before load (0 after a claim: JOBS_MAX_PAYLOAD):
	 * a payload file longer than this is refused with -EFBIG and *len its
	 * size, having read at most max_len + 1 bytes of it. */
	size_t max_len;
};

struct job_queue_ops {
	/* Claim up to `max` jobs without blocking; *n gets how many (0 when
	 * the queue is empty right now). jobs[] receives pointers the queue
	 * owns. */
	int (*claim)(struct job_queue *q, int max, struct job **jobs, int *n,
		     char **errmsg);
	/* The payload of a claimed job, malloc'd; the caller frees it. At
	 * most j->max_len bytes (see struct job). */
	int (*load)(struct job_queue *q, struct job *j, void **data, size_t *len,
		    char **errmsg);
	/* Done with it for good: its answer is durable. Frees j. */
	int (*ack)(struct job_queue *q, struct job *j, char **errmsg);
	/* Optional: ack n jobs at once (one round trip to a server); frees
	 * them all, also on failure. NULL: job_ack_all() acks one by one. */
	int (*ack_many)(struct job_queue *q, struct job **jobs, int n, char **errmsg);
	/* Give it back undone (shutdown, lost device): another worker will
	 * get it. Frees j, also on failure. */
	int (*nack)(struct job_queue *q, struct job *j, char **errmsg);
	/* Put back claims of workers that died. *n gets how many. */
	int (*recover)(struct job_queue *q, int *n, char **errmsg);
	/* Jobs claimed and not yet acked or nacked are left claimed (as a
	 * crash would): nack them first to give them back. */
	void (*free)(struct job_queue *q);
};

struct job_queue {
	const struct job_queue_ops *ops;
	const char *where; /* for messages: the directory or URL */
};

static inline int job_claim(struct job_queue *q, int max, struct job **jobs, int *n,
			    char **errmsg)
{
	return q->ops->claim(q, max, jobs, n, errmsg);
}

static inline int job_load(struct job_queue *q, struct job *j, void **data,
			   size_t *len, char **errmsg)
{
	return q->ops->load(q, j, data, len, errmsg);
}

static inline int job_ack(struct job_queue *q, struct job *j, char **errmsg)
{
	return q->ops->ack(q, j, errmsg);
}

/* Ack jobs[0..n): in one go where the queue can, else one by one (the
 * first failure is returned, the rest are still tried). Frees them all. */
static inline int job_ack_all(struct job_queue *q, struct job **jobs, int n,
			      char **errmsg)
{
	int ret = 0;

	if (q->ops->ack_many)
		return n ? q->ops->ack_many(q, jobs, n, errmsg) : 0;
	for (int i = 0; i < n; i++) {
		char *why = NULL;
		int r = q->ops->ack(q, jobs[i], &why);

		if (r && !ret) {
			ret = r;
			*errmsg = why;
			why = NULL;
		}
		free(why);
	}
	return ret;
}

static inline int job_nack(struct job_queue *q, struct job *j, char **errmsg)
{
	return q->ops->nack(q, j, errmsg);
}

static inline int job_recover(struct job_queue *q, int *n, char **errmsg)
{
	return q->ops->recover(q, n, errmsg);
}

static inline void job_queue_free(struct job_queue *q)
{
	if (q)
		q->ops->free(q);
}

/*
 * The spool directory backend.
 *
 * Layout: jobs are the regular files directly in `dir` whose names do not
 * start with '.' (a producer writes ".NAME.tmp" and renames it to NAME, so
 * that no half-written file is ever claimed). Claimed jobs live in
 * dir/.work/NAME.WORKER where WORKER is "PID-SEQ@HOST" (dots in the host
 * name become '_'); the directory is created when missing. A job whose
 * name leaves no room for ".WORKER" within NAME_MAX is moved to
 * dir/.refused/ instead (created when first needed) and handed out as a
 * job whose load fails with -ENAMETOOLONG, to be answered as an error;
 * its ack leaves it there, its nack puts it back in dir.
 *
 * Claims use renameat2(RENAME_NOREPLACE) so a job resubmitted under a name
 * this worker still holds is left in the spool until the first is acked.
 * Recovery puts back claims whose HOST is this host and whose PID is not
 * a live process; claims of other hosts are left alone (a dead host's
 * claims need a worker started on that host, or a person).
 *
 * Opening does not recover: call job_recover() when the worker starts.
 */
int jobs_spool_open(const char *dir, struct job_queue **out, char **errmsg);

/* The worker id this queue names its claims with. */
const char *jobs_spool_worker(const struct job_queue *q);

/*
 * The Redis list backend. Keys, for a list KEY and a worker ID
 * ("HOST:PID-RANDOM"):
 *
 *   KEY               the jobs; producers LPUSH, workers take the other end
 *                     (oldest first); a give-back goes to the taking end
 *   KEY:claimed:ID    what worker ID holds (claims are LMOVEd here)
 *   KEY:alive:ID      its lease: a key that expires lease ms after the
 *                     worker's last claim or ack
 *   KEY:workers       the set of IDs that may hold claims
 *
 * A recovery moves back the claimed list of every worker in KEY:workers
 * whose lease key is gone, in one script per worker, and forgets it. A
 * worker that closes its queue drops its lease, so what it left claimed
 * is recoverable at once. The lease must outlast one model call: a
 * worker silent for longer has its claims taken back (and answered
 * twice, which at-least-once allows).
 *
 * An item is a JSON object: {"id": NAME, "path": FILE} (the payload is
 * the file, read by the worker) or {"id": NAME, "data": BASE64} (the
 * payload inline). "id" names the answer and defaults to "path". An item
 * that is not such an object is answered with an error line, named by its
 * first bytes, and acked like any other: answered, not lost.
 *
 * Opening connects (and authenticates), so a wrong host or password is
 * an error there; after a lost connection the next call connects again.
 */
struct redis_url;
int jobs_redis_open(const struct redis_url *u, struct job_queue **out, char **errmsg);

/* Open what `input` names: a redis:// URL or else a spool directory. */
int jobs_open(const char *input, struct job_queue **out, char **errmsg);

/* Check `input` without opening anything (a farm's config, a CLI flag):
 * 0 for a path or a well-formed redis:// URL, else -EINVAL with a
 * message naming the URL (never its password) and what is wrong. */
int jobs_check_url(const char *input, char **errmsg);

/* For backends: read the regular file `path` (relative to dirfd, opened
 * with O_RDONLY | flags) into a malloc'd buffer; messages start with
 * `name`. A file longer than max bytes (0: JOBS_MAX_PAYLOAD) is refused
 * before any of it is read (fstat): -EFBIG, *len its size, *data NULL.
 * No more than the size fstat gave plus one byte is ever allocated or
 * read; a file that grew meanwhile is refused too. */
#define JOBS_MAX_PAYLOAD ((size_t)1 << 30)
int jobs_read_file(int dirfd, const char *path, int flags, const char *name, size_t max,
		   void **data, size_t *len, char **errmsg);

#endif
