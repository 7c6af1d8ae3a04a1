/*
 * infer_plugin_worker.c - one inference worker thread of an infer_pool.
 *
 * The thread creates its session here, not on the loop: building a CUDA
 * session (algorithm search, workspace) takes seconds the loop cannot
 * spend. It then loops claim -> decode -> model -> answer -> ack until the
 * loop sets its stop flag. A stop arriving mid-batch lets the batch finish
 * unless stop_grace runs out first; then the jobs are given back to the
 * queue instead of answered (another worker answers them).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "errfmt.h"
#include "infer_plugin.h"
#include "mono.h"

/* How long an idle worker waits before looking at an empty queue again. */
#define INFER_IDLE_MS 200

/* Past the stop deadline? (Only a stopping worker has one.) */
static int out_of_grace(struct infer_worker *w)
{
	struct infer_pool *p = w->pool;
	int late;

	if (!atomic_load(&w->stop))
		return 0;
	pthread_mutex_lock(&p->lock);
	late = w->deadline_ns && mono_ns() > w->deadline_ns;
	pthread_mutex_unlock(&p->lock);
	return late;
}

/* Sleep up to ms, or until the loop tells us to stop. */
static void idle(struct infer_worker *w, int ms)
{
	struct infer_pool *p = w->pool;
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += (long)ms * 1000000L;
	until.tv_sec += until.tv_nsec / 1000000000L;
	until.tv_nsec %= 1000000000L;
	pthread_mutex_lock(&p->lock);
	while (!atomic_load(&w->stop))
		if (pthread_cond_timedwait(&p->wake, &p->lock, &until) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&p->lock);
}

/* Jobs of b answered with an error: the loop logs how many and the first,
 * so that no refused job goes unsaid. */
static void post_errors(struct infer_worker *w, const struct jobs_batch *b)
{
	struct infer_msg *m;
	int first = -1, n = 0;

	for (int i = 0; i < b->n; i++)
		if (b->err[i] && n++ == 0)
			first = i;
	if (n && (m = infer_pool_msg_new(w, INFER_MSG_ERRORS))) {
		m->claimed = n;
		m->error = strdup(b->err[first]);
		infer_pool_post(w->pool, m);
	}
}

/* One batch. 0: done (or queue empty: *claimed 0); -EAGAIN: the claim
 * failed, *error says why, nothing is held; else the worker is broken and
 * *error says why (the batch was given back). */
static int one_batch(struct infer_worker *w, struct jobs_batch *b, struct job_queue *q,
		     struct infer_session *s, int *claimed, char **error)
{
	struct infer_pool *p = w->pool;
	char *err = NULL;
	int ret;

	*claimed = 0;
	ret = jobs_batch_claim(b, q, &err);
	if (ret) {
		*error = err;
		return -EAGAIN;
	}
	if (!b->n)
		goto out;
	*claimed = b->n;
	for (int i = 0; i < b->n; i++)
		jobs_batch_decode(b, q, i);
	if (out_of_grace(w))
		goto give_back;
	struct jobs_session js = infer_jobs_session(s);

	ret = jobs_batch_infer(b, &js, &err);
	if (!ret && out_of_grace(w))
		goto give_back;
	if (!ret)
		ret = jobs_batch_answer(b, &p->out, &err);
	if (!ret)
		post_errors(w, b);
	if (ret) {
		char *why = NULL;

		jobs_batch_nack(b, q, &why);
		free(why);
		goto out;
	}
	if (jobs_batch_ack(b, q, NULL, &err)) {
		/* answered already; the job will be answered again */
		free(err);
		err = NULL;
	}
	return 0;
give_back:
	jobs_batch_nack(b, q, &err);
	free(err);
	*claimed = 0;
	*error = errfmt("stop_grace of %lld ms ran out: batch given back to the queue",
			 (long long)p->stop_grace_ms);
	return -ETIMEDOUT;
out:
	*error = err;
	return ret;
}

/* Whether the queue answers, as one worker sees it. */
struct queue_health {
	int down;
	long wait_ms;        /* before the next try, while down */
	int64_t recovered_ns; /* the last recovery (monotonic) */
};

/* The queue failed (to open, or a claim): say so once, then wait longer
 * each try. Takes *error. */
static void queue_down(struct infer_worker *w, struct queue_health *h, char **error)
{
	struct infer_msg *m;

	h->wait_ms = h->wait_ms ? h->wait_ms * 2 : INFER_IDLE_MS;
	if (h->wait_ms > INFER_QUEUE_BACKOFF_MAX_MS)
		h->wait_ms = INFER_QUEUE_BACKOFF_MAX_MS;
	if (!h->down && (m = infer_pool_msg_new(w, INFER_MSG_QUEUE))) {
		m->error = *error;
		*error = NULL;
		infer_pool_post(w->pool, m);
	}
	free(*error);
	*error = NULL;
	h->down = 1;
	idle(w, (int)h->wait_ms);
}

static void queue_up(struct infer_worker *w, struct queue_health *h)
{
	struct infer_msg *m;

	if (h->down && (m = infer_pool_msg_new(w, INFER_MSG_QUEUE)))
		infer_pool_post(w->pool, m);
	h->down = 0;
	h->wait_ms = 0;
}

/* An idle worker puts back the claims of dead workers now and then (one
 * that died after this pool started would otherwise wait for the next
 * daemon start). */
static void maybe_recover(struct infer_worker *w, struct queue_health *h,
			  struct job_queue *q)
{
	struct infer_msg *m;
	char *err = NULL;
	int n = 0;

	if (h->recovered_ns && mono_ns() - h->recovered_ns < INFER_RECOVER_EVERY_MS * 1000000LL)
		return;
	h->recovered_ns = mono_ns();
	if (job_recover(q, &n, &err) == 0 && n && (m = infer_pool_msg_new(w, INFER_MSG_RECOVERED))) {
		m->claimed = n;
		infer_pool_post(w->pool, m);
	}
	free(err); /* a queue that is down shows at the next claim */
}

void *infer_worker_main(void *arg)
{
	struct infer_worker *w = arg;
	struct infer_pool *p = w->pool;
	struct queue_health h = { 0 };
	struct infer_session *s = NULL;
	struct job_queue *q = NULL;
	struct jobs_batch *b = NULL;
	struct infer_msg *m;
	char *error = NULL;

	if (infer_session_new(p->model, &p->so, &s, &error) ||
	    jobs_batch_new(&p->bo, &b, &error))
		goto out;
	/* A queue down when the worker starts is waited out like one that
	 * goes down later. */
	while (jobs_open(p->input, &q, &error)) {
		if (atomic_load(&w->stop))
			goto out;
		queue_down(w, &h, &error);
	}
	if ((m = infer_pool_msg_new(w, INFER_MSG_STARTED)))
		infer_pool_post(p, m);

	while (!atomic_load(&w->stop)) {
		int claimed, ret;

		ret = one_batch(w, b, q, s, &claimed, &error);
		if (ret == -EAGAIN) {
			queue_down(w, &h, &error);
			continue;
		}
		if (ret)
			break;
		queue_up(w, &h);
		if (!claimed) {
			maybe_recover(w, &h, q);
			idle(w, INFER_IDLE_MS);
			continue;
		}
		if ((m = infer_pool_msg_new(w, INFER_MSG_BATCH))) {
			m->images = claimed;
			m->claimed = claimed;
			m->ms = b->ms;
			infer_pool_post(p, m);
		}
	}
out:
	jobs_batch_free(b);
	job_queue_free(q);
	infer_session_free(s);
	/* The last thing this thread does: the loop joins it on receipt. */
	m = infer_pool_msg_new(w, INFER_MSG_EXITED);
	if (m) {
		m->error = error;
		infer_pool_post(p, m);
	} else {
		free(error);
	}
	return NULL;
}
