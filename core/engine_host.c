/*
 * engine_host.c - the host table: everything a plugin may ask of the core.
 *
 * One static table serves every engine: each call carries the instance,
 * and the instance knows its engine. All of these run on the loop thread,
 * except host_post, which takes the post lock and writes a byte to the pipe
 * that wakes the loop.
 */
#include <errno.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "engine.h"
#include "log.h"
#include "sched.h"
#include "series.h"

static void host_log(struct scaled_instance *inst, enum scaled_log_level level,
		     const char *fmt, ...)
{
	/* From any thread: the instance's engine's log, not the thread's
	 * (probe and init have no instance, and run inside the engine's load). */
	struct log *lg = inst ? &inst->e->log : log_current();
	char line[1024];
	va_list ap;

	if ((int)level > log_level_of(lg))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (!inst)
		log_to(lg, level, "plugin: %s", line);
	else
		log_to(lg, level, "%s %s: %s", inst->role == SCALED_ROLE_TARGET ? "target" : "source",
			inst->name, line);
}

static int64_t host_now_ms(struct scaled_instance *inst)
{
	return clock_now(&inst->e->clock);
}

static void host_timer_unlink(struct host_timer *t)
{
	struct scaled_instance *in = t->inst;

	if (t->prev)
		t->prev->next = t->next;
	else
		in->timers = t->next;
	if (t->next)
		t->next->prev = t->prev;
}

static void host_timer_fire(void *arg)
{
	struct host_timer *t = arg;
	scaled_callback fn = t->fn;
	void *fn_arg = t->arg;

	/* Unlink first: the callback may add timers or destroy the instance. */
	host_timer_unlink(t);
	alloc_free(t);
	fn(fn_arg);
}

static void *host_timer_add(struct scaled_instance *inst, int64_t after_ms,
			    scaled_callback fn, void *arg)
{
	struct scaled_engine *e = inst->e;
	struct host_timer *t;

	if (!fn || after_ms < 0)
		return NULL;
	t = alloc_zero(1, sizeof *t);
	if (!t)
		return NULL;
	t->task = sched_at(e->sched, clock_now(&e->clock) + after_ms, host_timer_fire, t);
	if (!t->task) {
		alloc_free(t);
		return NULL;
	}
	t->inst = inst;
	t->fn = fn;
	t->arg = arg;
	t->next = inst->timers;
	if (t->next)
		t->next->prev = t;
	inst->timers = t;
	engine_rearm(e);
	return t;
}

static void host_timer_cancel(void *handle)
{
	struct host_timer *t = handle;

	if (!t)
		return;
	sched_cancel(t->inst->e->sched, t->task);
	host_timer_unlink(t);
	alloc_free(t);
}

void engine_instance_cancel_timers(struct scaled_instance *in)
{
	while (in->timers)
		host_timer_cancel(in->timers);
}

/* The series inst published under suffix before, if it was kept. */
static struct series *host_suffixed(const struct scaled_instance *inst, const char *suffix)
{
	for (int i = 0; i < inst->n_suffixed; i++)
		if (strcmp(inst->suffixed[i].suffix, suffix) == 0)
			return inst->suffixed[i].s;
	return NULL;
}

/* Keep s for suffix (m bytes) while there is room (series live as long
 * as the engine: the pointer stays good). */
static void host_remember_suffixed(struct scaled_instance *inst, const char *suffix, size_t m,
				   struct series *s)
{
	if (inst->n_suffixed >= INSTANCE_SUFFIXED || m >= sizeof inst->suffixed[0].suffix)
		return;
	memcpy(inst->suffixed[inst->n_suffixed].suffix, suffix, m + 1);
	inst->suffixed[inst->n_suffixed++].s = s;
}

static int host_publish(struct scaled_instance *inst, const char *suffix, int64_t t_ms,
			double value)
{
	struct scaled_engine *e = inst->e;
	struct series *s = inst->primary;
	char name[2 * SCALED_NAME_MAX + 2];
	int rc;

	if (suffix && *suffix) {
		s = host_suffixed(inst, suffix);
		if (!s) {
			/* "<instance>.<suffix>" by hand: snprintf was most of a
			 * simulated tick's publishing (a target's poll
			 * publishes two). */
			size_t n = strlen(inst->name), m = strlen(suffix);

			if (n + 1 + m >= sizeof name)
				return -ENAMETOOLONG;
			memcpy(name, inst->name, n);
			name[n] = '.';
			memcpy(name + n + 1, suffix, m + 1);
			s = series_find(e->store, name);
			if (!s) {
				s = series_ensure(e->store, name, 0);
				if (!s)
					return -ENOMEM;
				series_set_stale_ms(s, inst->stale_ms);
			}
			host_remember_suffixed(inst, suffix, m, s);
		}
	}
	if (!s)
		return -EINVAL;
	rc = series_push(s, t_ms, value);
	if (rc < 0)
		log_to(&e->log, SCALED_LOG_WARN, "%s: sample for series %s refused (t=%lld, value=%g)",
			inst->name, series_name(s), (long long)t_ms, value);
	return rc;
}

static void host_report_target(struct scaled_instance *inst,
			       const struct scaled_target_state *state)
{
	struct scaled_target_state st = { .current = -1, .desired = -1, .starting = -1,
					   .stopping = -1, .spot = -1, .on_demand = -1 };
	size_t n = state->struct_size < sizeof st ? state->struct_size : sizeof st;

	/* A plugin of an older minor hands a shorter struct: read only that. */
	memcpy(&st, state, n);
	st.struct_size = sizeof st;
	inst->reported = st;
	inst->has_reported = true;
	if (inst->group) {
		struct group_state *gs = &inst->group->st;

		gs->current = st.current;
		gs->starting = st.starting;
		gs->stopping = st.stopping;
		/* units per market only from a target that applies a mix
		 * (an older plugin may leave them 0, not -1) */
		gs->spot = inst->group->cfg.markets ? st.spot : -1;
		gs->on_demand = inst->group->cfg.markets ? st.on_demand : -1;
		/* The first report tells the engine where the target stands. */
		if (gs->desired < 0)
			gs->desired = st.desired >= 0 ? st.desired : (st.current >= 0 ? st.current : 0);
		engine_group_sync(inst->group);
	}
}

static int host_series_last(struct scaled_instance *inst, const char *name, int64_t *t_ms,
			    double *value)
{
	struct scaled_engine *e = inst->e;
	const struct series *s = name ? series_find(e->store, name) : NULL;
	size_t i, n;

	if (!name || !t_ms || !value)
		return -EINVAL;
	if (s)
		return series_last(s, t_ms, value) < 0 ? -ENODATA : 0;
	/* Not made yet: a declared owner's suffix that has no sample. */
	n = strcspn(name, ".");
	for (i = 0; i < e->n_instances; i++)
		if (strlen(e->instances[i]->name) == n && strncmp(e->instances[i]->name, name, n) == 0)
			return -ENODATA;
	return -ENOENT;
}

/* ABI 1.4: engine_event for a plugin; the reason goes to err when given. */
static int host_event(struct scaled_instance *inst, const char *group, const char *name,
		      const char *data_json, char *err, size_t errlen)
{
	char why[256] = "";
	int rc;

	if (!inst)
		return -EINVAL;
	rc = engine_event(inst->e, group, name, data_json, why, sizeof why);
	if (rc < 0 && err && errlen)
		snprintf(err, errlen, "%s", why);
	return rc;
}

static void host_apply_done(struct scaled_instance *inst, uint64_t token, int status,
			    const char *msg)
{
	engine_apply_done(inst, token, status, msg);
}

static int host_post(struct scaled_instance *inst, scaled_callback fn, void *arg)
{
	struct scaled_engine *e = inst->e;
	struct post_item *p;
	int rc = 0;

	if (!fn)
		return -EINVAL;
	/* Plain malloc: the fault-injection counter is not thread-safe, and
	 * this runs on the plugin's threads. */
	p = calloc(1, sizeof *p);
	if (!p)
		return -ENOMEM;
	p->fn = fn;
	p->arg = arg;
	pthread_mutex_lock(&e->post_lock);
	if (e->shutting_down) {
		rc = -ESHUTDOWN;
	} else {
		if (e->posts_tail)
			e->posts_tail->next = p;
		else /* atomic: engine_drain_posts looks without the lock */
			__atomic_store_n(&e->posts, p, __ATOMIC_RELEASE);
		e->posts_tail = p;
	}
	pthread_mutex_unlock(&e->post_lock);
	if (rc < 0) {
		free(p);
		return rc;
	}
	if (e->post_pipe[1] >= 0) {
		char b = 1;
		/* A full pipe already means "wake up"; nothing else to do. */
		if (write(e->post_pipe[1], &b, 1) < 0 && errno != EAGAIN)
			log_to(&e->log, SCALED_LOG_WARN, "post: cannot wake the loop: %s", strerror(errno));
	}
	return 0;
}

const struct scaled_host engine_host = {
	.struct_size = sizeof(struct scaled_host),
	.abi_major = SCALED_PLUGIN_ABI_MAJOR,
	.abi_minor = SCALED_PLUGIN_ABI_MINOR,
	.log = host_log,
	.now_ms = host_now_ms,
	.timer_add = host_timer_add,
	.timer_cancel = host_timer_cancel,
	.publish = host_publish,
	.report_target = host_report_target,
	.apply_done = host_apply_done,
	.post = host_post,
	.series_last = host_series_last,
	.http_start = engine_http_start,
	.http_cancel = engine_http_cancel,
	.event = host_event,
};
