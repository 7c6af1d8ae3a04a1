/*
 * engine_loop.c - the engine's loops: real (a libevent timer armed for the
 * earliest task, and a pipe that plugin threads write to after post()) or
 * virtual (scaled_engine_step runs the tasks one by one with the clock set
 * to each task's due time). The tasks themselves are in engine_tick.c.
 * What runs from here logs to the engine's log (log_enter in step and in
 * the loop's callbacks).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/event.h>

#include "engine.h"
#include "log.h"
#include "sandbox.h"
#include "sched.h"

void engine_drain_posts(struct scaled_engine *e)
{
	struct post_item *list, *p;

	/* Nothing posted, the usual case: no lock (it is taken ~14 times a
	 * simulated second). A post that lands just after this look is
	 * drained at the next call, as one that lands after the lock is. */
	if (!__atomic_load_n(&e->posts, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&e->post_lock);
	list = e->posts;
	__atomic_store_n(&e->posts, NULL, __ATOMIC_RELAXED);
	e->posts_tail = NULL;
	pthread_mutex_unlock(&e->post_lock);
	while ((p = list)) {
		list = p->next;
		p->fn(p->arg);
		free(p);
	}
}

/* At most this long in one timer callback: an engine too busy to keep up
 * (a task due again before the loop gets back to it) would otherwise run
 * tasks for ever and never see a signal or a post. */
#define ENGINE_SLICE_NS (100 * 1000000LL)

static void engine_run_due(struct scaled_engine *e)
{
	int64_t now = clock_now(&e->clock), end = clock_stopwatch_ns() + ENGINE_SLICE_NS;
	unsigned n = 0;

	engine_drain_posts(e);
	/* A group's tick is a few hundred ns, and 100 000 of them a second
	 * should not pay a clock read each: the sandbox's recent time (its
	 * watchdog's latest look, at most 10 ms old while policies run)
	 * after every task, the stopwatch itself every 64. Policies that run
	 * long are seen after one of them, not 64. */
	while (sched_run_one(e->sched, now) &&
	       (e->sb ? sandbox_recent_ns(e->sb) : 0) < end &&
	       (++n % 64 || clock_stopwatch_ns() < end))
		;
}

void engine_rearm(struct scaled_engine *e)
{
	int64_t next, now, wait;
	struct timeval tv;

	if (!e->running || !e->timer_ev)
		return;
	next = sched_next(e->sched);
	if (next == INT64_MAX) {
		event_del(e->timer_ev);
		return;
	}
	now = clock_now(&e->clock);
	wait = next > now ? next - now : 0;
	tv.tv_sec = wait / 1000;
	tv.tv_usec = (wait % 1000) * 1000;
	evtimer_add(e->timer_ev, &tv);
}

static void engine_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct scaled_engine *e = arg;
	struct log *prev = log_enter(&e->log);

	(void)fd;
	(void)what;
	engine_run_due(e);
	engine_rearm(e);
	log_leave(prev);
}

static void engine_on_post(evutil_socket_t fd, short what, void *arg)
{
	struct scaled_engine *e = arg;
	struct log *prev = log_enter(&e->log);
	char buf[256];

	(void)what;
	while (read(fd, buf, sizeof buf) > 0)
		;
	engine_drain_posts(e);
	engine_rearm(e);
	log_leave(prev);
}

/* The events live on the caller's base: they are freed before run returns,
 * so that the caller may free its base before the engine. */
static void engine_detach(struct scaled_engine *e)
{
	engine_http_release(e); /* its client is on this loop */
	e->running = false;
	if (e->timer_ev)
		event_free(e->timer_ev);
	if (e->post_ev)
		event_free(e->post_ev);
	e->timer_ev = e->post_ev = NULL;
	e->base = NULL;
}

int scaled_engine_run(struct scaled_engine *e, struct event_base *base)
{
	int rc;

	if (e->opt.virtual_clock || !e->loaded || e->base)
		return -EINVAL;
	if (e->post_pipe[0] < 0 && pipe2(e->post_pipe, O_NONBLOCK | O_CLOEXEC) < 0)
		return -errno;
	e->base = base;
	e->timer_ev = evtimer_new(base, engine_on_timer, e);
	e->post_ev = event_new(base, e->post_pipe[0], EV_READ | EV_PERSIST, engine_on_post, e);
	if (!e->timer_ev || !e->post_ev || event_add(e->post_ev, NULL) < 0) {
		engine_detach(e);
		return -ENOMEM;
	}
	rc = engine_schedule_all(e);
	if (rc < 0) {
		engine_detach(e);
		return rc;
	}
	e->running = true;
	engine_rearm(e);
	rc = event_base_dispatch(base);
	engine_detach(e);
	return rc < 0 ? -EIO : 0;
}

void scaled_engine_stop(struct scaled_engine *e)
{
	if (e->base)
		event_base_loopbreak(e->base);
}

static int engine_loop_step(struct scaled_engine *e, int64_t until_ms)
{
	int64_t next;
	int rc;

	rc = engine_schedule_all(e);
	if (rc < 0)
		return rc;
	engine_drain_posts(e);
	engine_http_pump(e);
	while ((next = sched_next(e->sched)) <= until_ms) {
		clock_set(&e->clock, next);
		sched_run_one(e->sched, next);
		engine_drain_posts(e);
		engine_http_pump(e);
	}
	clock_set(&e->clock, until_ms);
	return 0;
}

int scaled_engine_step(struct scaled_engine *e, int64_t until_ms)
{
	struct log *prev;
	int rc;

	if (!e->opt.virtual_clock || !e->loaded)
		return -EINVAL;
	prev = log_enter(&e->log);
	rc = engine_loop_step(e, until_ms);
	log_leave(prev);
	return rc;
}
