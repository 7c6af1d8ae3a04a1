/*
 * infer_plugin_pool.c - the infer pool's shared state helpers: messages
 * from the worker threads to the loop (infer_pool_msg_new, infer_pool_post,
 * and on_msg, which runs them on the loop) and the capacity report. Both
 * the target kind (infer_plugin.c) and the worker threads
 * (infer_plugin_worker.c) call into this file; it calls into neither, so
 * the arrows point one way: kind -> worker -> pool, kind -> pool.
 */
#include <pthread.h>
#include <stdlib.h>

#include "infer_plugin.h"

struct infer_msg *infer_pool_msg_new(struct infer_worker *w, enum infer_msg_kind kind)
{
	struct infer_msg *m = calloc(1, sizeof(*m));

	if (m) {
		m->kind = kind;
		m->w = w;
	}
	return m;
}

static void msg_unlink(struct infer_pool *p, struct infer_msg *m)
{
	pthread_mutex_lock(&p->lock);
	if (m->prev)
		m->prev->next = m->next;
	else
		p->pending = m->next;
	if (m->next)
		m->next->prev = m->prev;
	pthread_mutex_unlock(&p->lock);
}

void infer_pool_msg_free(struct infer_msg *m)
{
	free(m->error);
	free(m);
}

void infer_pool_report(struct infer_pool *p)
{
	struct scaled_target_state st = { .struct_size = sizeof(st), .spot = -1,
					  .on_demand = -1 };

	for (struct infer_worker *w = p->workers; w; w = w->next) {
		if (w->state == INFER_WORKER_STARTING)
			st.starting++;
		else if (w->state == INFER_WORKER_RUNNING)
			st.current++;
		else
			st.stopping++;
	}
	st.desired = p->desired;
	p->host->report_target(p->inst, &st);
}

static void on_msg(void *arg)
{
	struct infer_msg *m = arg;
	struct infer_worker *w = m->w;
	struct infer_pool *p = w->pool;

	msg_unlink(p, m);
	switch (m->kind) {
	case INFER_MSG_STARTED:
		if (w->state == INFER_WORKER_STARTING)
			w->state = INFER_WORKER_RUNNING;
		infer_pool_report(p);
		break;
	case INFER_MSG_BATCH:
		p->images += m->images;
		p->batches++;
		p->fill_sum += (double)m->claimed / p->bo.max;
		if (p->nlat == p->caplat) {
			size_t cap = p->caplat ? p->caplat * 2 : 64;
			double *l = realloc(p->lat, cap * sizeof(*l));

			if (l) {
				p->lat = l;
				p->caplat = cap;
			}
		}
		if (p->nlat < p->caplat)
			p->lat[p->nlat++] = m->ms;
		break;
	case INFER_MSG_QUEUE:
		if (m->error)
			p->host->log(p->inst, SCALED_LOG_WARN, "worker %d: %s; trying "
					"again with a growing wait (up to %d s)", w->id,
					m->error, INFER_QUEUE_BACKOFF_MAX_MS / 1000);
		else
			p->host->log(p->inst, SCALED_LOG_INFO, "worker %d: the queue "
					"answers again", w->id);
		break;
	case INFER_MSG_ERRORS:
		p->host->log(p->inst, SCALED_LOG_WARN, "worker %d: %d job(s) answered with an "
				"error; the first: %s", w->id, m->claimed, m->error ? m->error : "?");
		break;
	case INFER_MSG_RECOVERED:
		p->host->log(p->inst, SCALED_LOG_INFO, "worker %d: put back %d jobs "
				"claimed by workers that died", w->id, m->claimed);
		break;
	case INFER_MSG_EXITED:
		/* Exiting was the thread's last act: this join returns at once. */
		pthread_join(w->tid, NULL);
		if (m->error)
			p->host->log(p->inst, w->state == INFER_WORKER_STOPPING
						      ? SCALED_LOG_WARN : SCALED_LOG_ERROR,
					"worker %d stopped: %s", w->id, m->error);
		for (struct infer_worker **pp = &p->workers; *pp; pp = &(*pp)->next)
			if (*pp == w) {
				*pp = w->next;
				break;
			}
		free(w);
		infer_pool_report(p);
		break;
	}
	infer_pool_msg_free(m);
}

void infer_pool_post(struct infer_pool *p, struct infer_msg *m)
{
	pthread_mutex_lock(&p->lock);
	m->prev = NULL;
	m->next = p->pending;
	if (p->pending)
		p->pending->prev = m;
	p->pending = m;
	pthread_mutex_unlock(&p->lock);
	if (p->host->post(p->inst, on_msg, m)) {
		msg_unlink(p, m);
		infer_pool_msg_free(m);
	}
}
