/*
 * infer_plugin.h - the `infer` plugin's target kind "infer_pool": a pool of
 * inference worker threads in the daemon's process, whose capacity is the
 * number of threads. Each thread owns an infer_session and its own queue
 * object and loops: claim a batch, decode it, run the model, write the
 * answers (fsync), ack.
 *
 * Threads and the loop: worker threads never call the host except post().
 * They post one message per batch (images, fill, latency) and one when they
 * exit, which is their last act; the loop keeps the counts, joins exited
 * threads (a join that returns at once, the thread having nothing left to
 * do), reports capacity and publishes the series on each poll.
 *
 * Messages posted but not yet run are also kept on a list of the pool's,
 * so destroy() frees them: the core drops posts that are pending when an
 * instance is destroyed, without running them.
 */
#ifndef SCALED_INFER_PLUGIN_H
#define SCALED_INFER_PLUGIN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <scaled/plugin.h>

#include "infer.h"
#include "infer_jobs.h"
#include "jobs_batch.h"

enum infer_worker_state {
	INFER_WORKER_STARTING = 0, /* creating its session */
	INFER_WORKER_RUNNING,
	INFER_WORKER_STOPPING,     /* told to stop; finishing its batch */
};

struct infer_pool;

struct infer_worker {
	struct infer_pool *pool;
	pthread_t tid;
	int id;
	enum infer_worker_state state; /* loop's view */
	atomic_int stop;               /* set by the loop */
	int64_t deadline_ns;           /* monotonic; give the batch back after */
	struct infer_worker *next;
};

/* A worker whose claims fail waits this long at most between tries. */
#define INFER_QUEUE_BACKOFF_MAX_MS 30000
/* An idle worker looks for dead workers' claims at most this often. */
#define INFER_RECOVER_EVERY_MS 5000

enum infer_msg_kind {
	INFER_MSG_STARTED = 1,
	INFER_MSG_BATCH,
	INFER_MSG_EXITED,
	INFER_MSG_QUEUE,   /* the queue failed a claim (error set) or answers again */
	INFER_MSG_RECOVERED, /* put back `claimed` jobs of dead workers */
	INFER_MSG_ERRORS,  /* `claimed` jobs answered with an error, the first's in error */
};

struct infer_msg {
	enum infer_msg_kind kind;
	struct infer_worker *w;
	int images;   /* jobs answered (BATCH) */
	int claimed;  /* jobs in the batch (BATCH) */
	double ms;    /* model call latency (BATCH) */
	char *error;  /* why the thread stopped (EXITED), the queue failed
		       * (QUEUE) or a job was refused (ERRORS), malloc'd or NULL */
	struct infer_msg *prev, *next; /* the pool's list of pending messages */
};

struct infer_pool {
	struct scaled_instance *inst;
	const struct scaled_host *host;

	/* config, read-only once created */
	char *input;
	struct infer_model *model;
	struct infer_session_options so;
	struct jobs_batch_opts bo;
	char *model_name;
	int64_t stop_grace_ms;
	struct results_out out;

	/* the threads' shared lock: stop deadlines, idle wake-ups, messages */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct infer_msg *pending;

	/* loop only */
	struct infer_worker *workers;
	int desired, next_id;
	int64_t last_poll_ms;
	long images, batches;
	double fill_sum;
	double *lat;          /* batch latencies since the last poll, published
			       * one by one as <target>.latency_ms */
	size_t nlat, caplat;
};

/* The thread body (infer_plugin_worker.c). */
void *infer_worker_main(void *arg);

/* infer_plugin_pool.c: a zeroed message of kind from w (NULL: out of
 * memory); any thread. */
struct infer_msg *infer_pool_msg_new(struct infer_worker *w, enum infer_msg_kind kind);
/* Post a message to the loop, which runs it and frees it; on failure it is
 * dropped and freed. Any thread; the message is the pool's from here on. */
void infer_pool_post(struct infer_pool *p, struct infer_msg *m);
/* Free a message (and its error); the loop, for messages never run. */
void infer_pool_msg_free(struct infer_msg *m);
/* Report the workers' states and the desired count to the host; loop only. */
void infer_pool_report(struct infer_pool *p);

#endif
