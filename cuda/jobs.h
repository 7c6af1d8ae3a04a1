/*
 * jobs.h - where inference jobs come from: a queue with at-least-once
 * delivery. A worker claims a batch, answers every job in it, makes the
 * answers durable, and only then acks; a worker that dies before its ack
 * leaves its jobs to be delivered again (so a job may be answered twice,
 * never zero times).
 *
 * The queue is an interface (struct job_queue and its ops) so that more
 * than one backend fits:
 *  - spool directory (jobs_spool.c, the only backend built today): one file
 *    per job; claim = rename into DIR/.work/, ack = unlink, nack = rename
 *    back; claims of dead workers are put back when a worker starts.
 *  - Redis list (later, with the Redis source): claim = BRPOPLPUSH (or
 *    LMOVE) from the list into a per-worker processing list, ack = LREM
 *    from it, nack = move back, recovery = move processing lists of workers
 *    whose heartbeat key expired. Its payload would be the item's bytes.
 *
 * Errors: 0 or a negative errno with a malloc'd *errmsg naming the queue,
 * the job and the reason. Threads: one queue object per thread; several
 * queue objects (threads or processes) may share one spool directory.
 */
#ifndef SCALED_JOBS_H
#define SCALED_JOBS_H

#include <stddef.h>

struct job_queue;

/* One claimed job. The queue owns it; it is valid until acked or nacked. */
struct job {
	char *name;  /* the job's name, as results name it */
	void *priv;  /* the backend's */
};

struct job_queue_ops {
	/* Claim up to `max` jobs without blocking; *n gets how many (0 when
	 * the queue is empty right now). jobs[] receives pointers the queue
	 * owns. */
	int (*claim)(struct job_queue *q, int max, struct job **jobs, int *n,
		     char **errmsg);
	/* The payload of a claimed job, malloc'd; the caller frees it. */
	int (*load)(struct job_queue *q, struct job *j, void **data, size_t *len,
		    char **errmsg);
	/* Done with it for good: its answer is durable. Frees j. */
	int (*ack)(struct job_queue *q, struct job *j, char **errmsg);
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
 * name become '_'); the directory is created when missing.
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

/* Is `url` a queue kind that is not built yet (redis://...)? Returns 0 when
 * it can be opened as a spool directory, else -ENOTSUP with a message. */
int jobs_check_url(const char *url, char **errmsg);

#endif
