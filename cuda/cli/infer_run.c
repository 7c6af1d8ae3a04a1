/*
 * infer_run.c - scaled-infer's worker: claim a batch, decode it on the
 * decode threads, and while the model runs over it the next batch is
 * already claimed and decoding; then answer (fsync) and ack. A signal
 * (infer_run_on_signal) ends it after the batch in the model; the one
 * being decoded goes back to the queue.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "infer_run.h"
#include "mono.h"

static volatile sig_atomic_t stop_signal;

void infer_run_on_signal(int sig)
{
	stop_signal = sig;
}

/* ------------------------------------------------------------ decoding -- */

/* A fixed pool of decode threads working through the rows of at most two
 * batches: the one the model will take next, and the one after. */
struct pool_task {
	struct jobs_batch *b;
	int i;
};

struct pool {
	pthread_mutex_t lock;
	pthread_cond_t work, done;
	struct pool_task *tasks; /* ring of cap */
	int cap, head, count;
	int quit;
	struct job_queue *q;
	pthread_t *threads;
	int nthreads;
};

/* Rows of a batch still decoding, kept beside the batch by the pool. */
struct pending {
	struct jobs_batch *b;
	int left;
};

static struct pending pending[2];

static struct pending *pending_of(struct jobs_batch *b)
{
	return pending[0].b == b ? &pending[0] : &pending[1];
}

static void *pool_main(void *arg)
{
	struct pool *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->count && !p->quit)
			pthread_cond_wait(&p->work, &p->lock);
		if (!p->count)
			break;
		struct pool_task t = p->tasks[p->head];
		p->head = (p->head + 1) % p->cap;
		p->count--;
		pthread_mutex_unlock(&p->lock);

		jobs_batch_decode(t.b, p->q, t.i);

		pthread_mutex_lock(&p->lock);
		if (--pending_of(t.b)->left == 0)
			pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static void pool_submit(struct pool *p, struct jobs_batch *b)
{
	pthread_mutex_lock(&p->lock);
	pending_of(b)->left = b->n;
	for (int i = 0; i < b->n; i++) {
		p->tasks[(p->head + p->count) % p->cap] = (struct pool_task){ b, i };
		p->count++;
	}
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
}

static void pool_wait(struct pool *p, struct jobs_batch *b)
{
	pthread_mutex_lock(&p->lock);
	while (pending_of(b)->left)
		pthread_cond_wait(&p->done, &p->lock);
	pthread_mutex_unlock(&p->lock);
}

static int pool_start(struct pool *p, struct job_queue *q, int nthreads, int max)
{
	memset(p, 0, sizeof(*p));
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	p->q = q;
	p->cap = 2 * max;
	p->tasks = calloc((size_t)p->cap, sizeof(*p->tasks));
	p->threads = calloc((size_t)nthreads, sizeof(*p->threads));
	if (!p->tasks || !p->threads)
		return -ENOMEM;
	for (; p->nthreads < nthreads; p->nthreads++)
		if (pthread_create(&p->threads[p->nthreads], NULL, pool_main, p))
			return -EAGAIN;
	return 0;
}

static void pool_stop(struct pool *p)
{
	pthread_mutex_lock(&p->lock);
	p->quit = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (int i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	free(p->tasks);
	free(p->threads);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->lock);
}

/* -------------------------------------------------------------- worker -- */

struct totals {
	long jobs, errors, batches;
};

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	/* A signal cuts the sleep short: that is how SIGTERM wakes us. */
	nanosleep(&ts, NULL);
}

/* Is the queue answering? A claim that fails (Redis restarting, a spool
 * on a lost mount) is waited out, with the wait doubling up to
 * QUEUE_BACKOFF_MAX_MS, rather than ending the worker; --once ends it. */
#define QUEUE_BACKOFF_MAX_MS 30000
/* An idle worker looks for dead workers' claims at most this often. */
#define RECOVER_EVERY_MS 5000

struct queue_health {
	int down;
	long wait_ms; /* before the next try, while down */
};

/* Claim a batch and start decoding it. A failed claim is an empty batch
 * and marks the queue down (an error only with --once). */
static int start_batch(struct jobs_batch *b, struct job_queue *q, struct pool *p,
		       struct queue_health *h, const struct infer_cli *cli)
{
	char *err = NULL;
	int ret = jobs_batch_claim(b, q, &err);

	if (ret) {
		if (cli->once) {
			infer_cli_say("%s", err);
			free(err);
			return ret;
		}
		h->wait_ms = h->down ? h->wait_ms * 2 : cli->poll_ms;
		if (h->wait_ms > QUEUE_BACKOFF_MAX_MS)
			h->wait_ms = QUEUE_BACKOFF_MAX_MS;
		infer_cli_say("%s; trying again in %ld ms", err, h->wait_ms);
		free(err);
		h->down = 1;
	} else if (h->down) {
		infer_cli_say("%s answers again", q->where);
		h->down = 0;
	}
	pool_submit(p, b);
	return 0;
}

static void give_back(struct jobs_batch *b, struct job_queue *q)
{
	char *err = NULL;

	if (jobs_batch_nack(b, q, &err)) {
		infer_cli_say("%s", err);
		free(err);
	}
}

/* Model call, answer, ack. 0, or the worker is broken (jobs given back). */
static int finish_batch(struct jobs_batch *b, struct job_queue *q,
			struct infer_session *s, struct results_out *out,
			const struct infer_cli *cli, struct totals *t)
{
	char *err = NULL;
	int errors = 0, ret;

	if (cli->delay_ms > 0)
		sleep_ms(cli->delay_ms);
	struct jobs_session js = infer_jobs_session(s);

	ret = jobs_batch_infer(b, &js, &err);
	if (!ret)
		ret = jobs_batch_answer(b, out, &err);
	if (ret) {
		infer_cli_say("%s", err);
		free(err);
		give_back(b, q);
		return ret;
	}
	t->jobs += b->n;
	t->batches++;
	/* Answered (durably) with an error: said here too, never silent. */
	for (int i = 0; i < b->n; i++)
		if (b->err[i])
			infer_cli_say("answered with an error: %s", b->err[i]);
	if (jobs_batch_ack(b, q, &errors, &err)) {
		/* Answered already: a failed ack means a second answer later. */
		infer_cli_say("%s", err);
		free(err);
	}
	t->errors += errors;
	return 0;
}

int infer_run_worker(const struct infer_cli *cli, struct infer_session *s,
		     struct job_queue *q, struct results_out *out,
		     const struct jobs_batch_opts *bo)
{
	struct jobs_batch *cur = NULL, *next = NULL;
	struct totals t = { 0 };
	struct queue_health h = { 0 };
	double recovered_ms = mono_ms();
	struct pool p;
	char *err = NULL;
	int ret, n;

	if (jobs_batch_new(bo, &cur, &err) || jobs_batch_new(bo, &next, &err)) {
		infer_cli_say("%s", err);
		free(err);
		jobs_batch_free(cur);
		return 1;
	}
	pending[0].b = cur;
	pending[1].b = next;
	if (pool_start(&p, q, cli->threads, bo->max)) {
		infer_cli_say("cannot start %d decode threads", cli->threads);
		pool_stop(&p);
		jobs_batch_free(cur);
		jobs_batch_free(next);
		return 1;
	}
	/* Claims of workers that died go back before we look. */
	if (job_recover(q, &n, &err)) {
		infer_cli_say("%s", err);
		free(err);
		err = NULL;
	} else if (n) {
		infer_cli_say("put back %d jobs claimed by workers that died", n);
	}

	ret = start_batch(cur, q, &p, &h, cli);
	while (!ret) {
		pool_wait(&p, cur);
		if (!cur->n) {
			if (cli->once || stop_signal)
				break;
			sleep_ms(h.down ? h.wait_ms : cli->poll_ms);
			if (stop_signal)
				break;
			/* Now and then, not at every poll: with many idle
			 * workers every recovery costs the queue a look at all
			 * of them. */
			if (!h.down && mono_ms() - recovered_ms >= RECOVER_EVERY_MS) {
				recovered_ms = mono_ms();
				if (job_recover(q, &n, &err)) {
					free(err);
					err = NULL;
				} else if (n) {
					infer_cli_say("put back %d jobs claimed by workers "
						       "that died", n);
				}
			}
			ret = start_batch(cur, q, &p, &h, cli);
			continue;
		}
		/* Decode the next batch while the model runs on this one. */
		if (!stop_signal && (ret = start_batch(next, q, &p, &h, cli)))
			break;
		ret = finish_batch(cur, q, s, out, cli, &t);
		struct jobs_batch *tmp = cur;
		cur = next;
		next = tmp;
		if (ret || stop_signal) {
			pool_wait(&p, cur);
			give_back(cur, q);
			break;
		}
	}
	if (ret) {
		pool_wait(&p, cur);
		give_back(cur, q);
	}
	pool_stop(&p);
	jobs_batch_free(cur);
	jobs_batch_free(next);
	infer_cli_say("answered %ld jobs (%ld with an error) in %ld batches%s", t.jobs,
		       t.errors, t.batches, stop_signal ? ", stopped by a signal" : "");
	return ret ? 1 : 0;
}

