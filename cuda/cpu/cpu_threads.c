/*
 * cpu_threads.c - the fork-join pool.
 *
 * Tasks are handed out through one atomic counter, so a slow worker takes
 * fewer; a generation number tells sleeping helpers that a new job has
 * started, and `active` tells the caller when the last helper has left it.
 *
 * Why no wake-up is lost (tests/infer/test_infer_threads.c hammers it):
 * gen, active and the job change only under mu, together, and only while
 * no helper is inside a job. A helper waits on the state "gen != seen",
 * not on having heard the broadcast, so one sent before it waits (a helper
 * still starting, or still checking out of the last job) is not missed.
 * Every helper checks out of every job, also one with fewer tasks than
 * workers (it finds none), so active counts exactly the decrements to
 * come. start is only broadcast and only the caller waits on done: keep
 * it so, pthread_cond_signal with several waiters is where glibc lost
 * wake-ups (sourceware bug 25847).
 */
#include "cpu_threads.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

struct cpu_threads {
	int n;
	pthread_t *tids;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t start, done;
	unsigned long gen;
	int stop;
	int active;
	cpu_task_fn *fn;
	void *arg;
	int64_t ntasks;
	atomic_llong next;
};

struct helper {
	struct cpu_threads *t;
	int worker;
};

static void work(struct cpu_threads *t, int worker)
{
	for (;;) {
		long long i = atomic_fetch_add(&t->next, 1);

		if (i >= t->ntasks)
			break;
		t->fn(t->arg, i, worker);
	}
}

static void *helper_main(void *p)
{
	struct helper h = *(struct helper *)p;
	struct cpu_threads *t = h.t;
	/* Generation 0 is "no job yet". Not t->gen: a helper that starts late
	 * would take the first job for an old one and never join it. */
	unsigned long seen = 0;

	free(p);
	pthread_mutex_lock(&t->mu);
	for (;;) {
		while (!t->stop && t->gen == seen)
			pthread_cond_wait(&t->start, &t->mu);
		if (t->stop)
			break;
		seen = t->gen;
		pthread_mutex_unlock(&t->mu);
		work(t, h.worker);
		pthread_mutex_lock(&t->mu);
		if (--t->active == 0)
			pthread_cond_signal(&t->done);
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

int cpu_threads_new(int n, struct cpu_threads **out)
{
	struct cpu_threads *t;
	int i, err = 0;

	*out = NULL;
	if (n < 1)
		n = 1;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->n = n;
	t->tids = calloc((size_t)n, sizeof(*t->tids));
	if (!t->tids) {
		free(t);
		return -ENOMEM;
	}
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->start, NULL);
	pthread_cond_init(&t->done, NULL);
	atomic_init(&t->next, 0);
	for (i = 1; i < n; i++) {
		struct helper *h = malloc(sizeof(*h));

		if (!h) {
			err = -ENOMEM;
			break;
		}
		h->t = t;
		h->worker = i;
		err = -pthread_create(&t->tids[i], NULL, helper_main, h);
		if (err) {
			free(h);
			break;
		}
		t->started++;
	}
	if (err) {
		cpu_threads_free(t);
		return err;
	}
	*out = t;
	return 0;
}

int cpu_threads_count(const struct cpu_threads *t)
{
	return t ? t->n : 1;
}

void cpu_threads_run(struct cpu_threads *t, int64_t ntasks, cpu_task_fn *fn, void *arg)
{
	int64_t i;

	if (ntasks <= 0)
		return;
	if (!t || t->n == 1 || ntasks == 1) {
		for (i = 0; i < ntasks; i++)
			fn(arg, i, 0);
		return;
	}
	pthread_mutex_lock(&t->mu);
	t->fn = fn;
	t->arg = arg;
	t->ntasks = ntasks;
	atomic_store(&t->next, 0);
	t->active = t->started;
	t->gen++;
	pthread_cond_broadcast(&t->start);
	pthread_mutex_unlock(&t->mu);

	work(t, 0);

	pthread_mutex_lock(&t->mu);
	while (t->active > 0)
		pthread_cond_wait(&t->done, &t->mu);
	pthread_mutex_unlock(&t->mu);
}

void cpu_threads_free(struct cpu_threads *t)
{
	int i;

	if (!t)
		return;
	pthread_mutex_lock(&t->mu);
	t->stop = 1;
	pthread_cond_broadcast(&t->start);
	pthread_mutex_unlock(&t->mu);
	for (i = 1; i <= t->started; i++)
		pthread_join(t->tids[i], NULL);
	pthread_mutex_destroy(&t->mu);
	pthread_cond_destroy(&t->start);
	pthread_cond_destroy(&t->done);
	free(t->tids);
	free(t);
}
