/*
 * engine_tick.c - what happens on the schedule: sources collect, targets
 * report, groups tick; a tick's decision is acted on through the target and
 * recorded (record.c: the ring, the log line, the decision log, the
 * embedder's callback) once its outcome is known.
 *
 * Data flows one way: a group tick calls its policies (which only read),
 * hands their proposals to the safety pipeline (group.c), asks the target
 * to act, and records the decision; the target's answer (apply_done)
 * completes the record.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "copy.h"
#include "engine.h"
#include "log.h"
#include "sched.h"
#include "series.h"

/* ------------------------------------------------------------- schedule -- */

static void engine_report_failure(struct scaled_instance *in, const char *what, int rc,
				  const char *err)
{
	/* Log the first failure and every 10th after, so a broken source does
	 * not flood the log; recovery is logged once. */
	in->failures++;
	if (in->failures == 1 || in->failures % 10 == 0)
		LOG_WARN("%s %s: %s failed (%d in a row): %s", in->role == SCALED_ROLE_TARGET
			 ? "target" : "source", in->name, what, in->failures,
			 *err ? err : strerror(-rc));
}

void engine_instance_run(void *arg)
{
	struct scaled_instance *in = arg;
	char err[256] = "";
	int rc;

	if (in->role == SCALED_ROLE_SOURCE)
		rc = in->kind->collect(in->state, err, sizeof err);
	else
		rc = in->kind->poll(in->state, err, sizeof err);
	err[sizeof err - 1] = '\0';
	if (rc < 0) {
		engine_report_failure(in, in->role == SCALED_ROLE_SOURCE ? "collect" : "poll", rc, err);
	} else if (in->failures) {
		LOG_INFO("%s %s: recovered after %d failures", in->role == SCALED_ROLE_TARGET
			 ? "target" : "source", in->name, in->failures);
		in->failures = 0;
	}
}

static void engine_group_task(void *arg)
{
	engine_group_tick(arg);
}

/* The time a tick decides at: the time it was due when the schedule runs
 * it, so that ticks are exactly `every` apart for the pipeline's windows
 * and cooldowns however late the loop gets to each (a cooldown equal to
 * `every` must not be refused by a millisecond of jitter); now otherwise
 * (--once). */
static int64_t engine_tick_time(const struct scaled_engine *e, int64_t now)
{
	int64_t due = sched_running_due(e->sched);

	return due != INT64_MIN && due <= now ? due : now;
}

static void engine_schedule_instance(struct scaled_instance *in)
{
	int64_t now = clock_now(&in->e->clock);

	if (!in->task)
		in->task = sched_every(in->e->sched, now, in->every_ms, engine_instance_run, in);
}

static void engine_schedule_group(struct group *g)
{
	int64_t now = clock_now(&g->e->clock);

	/* The first tick comes one interval after start, so that sources and
	 * targets have reported once. */
	if (!g->task) {
		g->task = sched_every(g->e->sched, now + g->every_ms, g->every_ms, engine_group_task, g);
		/* collect and poll first, then decide: a tick at t sees what the
		 * sources collected and the targets reported at t */
		sched_run_last(g->e->sched, g->task);
	}
}

int engine_schedule_all(struct scaled_engine *e)
{
	size_t i;

	for (i = 0; i < e->n_instances; i++) {
		/* One whose create failed (a farm that caught the error with
		 * pcall) stays in the list only to be freed: it has no state. */
		if (!e->instances[i]->created)
			continue;
		engine_schedule_instance(e->instances[i]);
		if (!e->instances[i]->task)
			return -ENOMEM;
	}
	for (i = 0; i < e->n_groups; i++) {
		engine_schedule_group(e->groups[i]);
		if (!e->groups[i]->task)
			return -ENOMEM;
	}
	return 0;
}

/* ------------------------------------------------------------ decisions -- */

void engine_group_sync(struct group *g)
{
	struct policy_group *v = &g->view;
	int shortfall;

	v->current = g->st.current;
	v->desired = g->st.desired;
	v->starting = g->st.starting;
	v->stopping = g->st.stopping;
	v->spot = g->st.spot;
	v->on_demand = g->st.on_demand;
	v->mix_base = g->st.mix_base;
	v->mix_percent = g->st.mix_percent;
	v->mix_changed_ms = g->st.mix_changed_ms;
	if (!g->want_failed)
		v->wanted = g->st.desired;
	shortfall = g->st.current >= 0 && v->wanted > g->st.current ? v->wanted - g->st.current : 0;
	if (shortfall > 0 && v->shortfall == 0)
		v->short_since_ms = clock_now(&g->e->clock);
	v->shortfall = shortfall;
}

void engine_apply_done(struct scaled_instance *in, uint64_t token, int status, const char *msg)
{
	struct group *g = in->group;
	struct scaled_engine *e = in->e;
	struct scaled_decision *d;

	if (!g || !g->st.action_pending || token != g->pending_token) {
		LOG_WARN("target %s: apply_done for unknown action %" PRIu64 " ignored", in->name, token);
		return;
	}
	d = record_find(&e->record, g->pending_seq);
	if (!d) {
		/* Fell out of the ring: finish the action through the same path
		 * with what the group kept of it, so that the cooldown, rate
		 * and dwell times start (or the state rolls back) all the same. */
		struct scaled_decision kept = {
			.time_ms = g->pending_ms,
			.desired_before = g->st.pending_from,
			.desired = g->st.desired,
			.mix_base_before = g->st.pending_mix_base,
			.mix_percent_before = g->st.pending_mix_percent,
			.mix_base = g->st.mix_base,
			.mix_percent = g->st.mix_percent,
		};

		group_action_done(&g->st, &kept, status == 0);
		return;
	}
	group_action_done(&g->st, d, status == 0);
	record_outcome(d, in->name, status, msg);
	/* Other groups see the failure: the capacity it could not reach stays
	 * wanted (and counts in the shortfall) until a tick stops asking. */
	g->view.last_action = scaled_outcome_name(d->outcome);
	g->want_failed = status < 0;
	g->view.wanted = d->desired;
	policy_group_set_error(&g->view, status < 0 ? d->outcome_msg : NULL);
	engine_group_sync(g);
	/* Emitted last, as before record.c: a callback that reads the engine
	 * finds the group's view up to date. */
	record_complete(&e->record, d);
}

static void engine_act(struct group *g, struct scaled_decision *d)
{
	struct scaled_instance *t = g->target;
	struct scaled_target_want want = {
		.struct_size = sizeof want,
		.desired = d->desired,
		/* -1 (leave as it is) unless the target applies a mix and the
		 * group knows one */
		.on_demand_base = g->cfg.markets ? d->mix_base : -1,
		.on_demand_percent = g->cfg.markets ? d->mix_percent : -1,
	};
	char err[256] = "";
	int rc;

	g->pending_token = ++g->e->token_seq;
	g->pending_seq = d->seq;
	g->st.action_pending = true;
	g->st.pending_from = d->desired_before;
	g->st.pending_mix_base = d->mix_base_before;
	g->st.pending_mix_percent = d->mix_percent_before;
	g->pending_ms = d->time_ms;
	g->view.last_action = scaled_outcome_name(SCALED_OUTCOME_PENDING);
	policy_group_set_error(&g->view, NULL);
	g->want_failed = false;
	/* apply() may call apply_done before returning: d must be in the ring
	 * already (it is), and nothing below may touch it after a success. */
	rc = t->kind->apply(t->state, &want, g->pending_token, err, sizeof err);
	if (rc < 0) {
		err[sizeof err - 1] = '\0';
		engine_apply_done(t, g->pending_token, rc, *err ? err : strerror(-rc));
	}
}

/* Series keep everything until every group's policies have run once (so
 * a first read of a long window sees it whole), then what reads asked for
 * (series.h); a group that never ticks holds that off 15 minutes at most. */
#define ENGINE_SETTLE_MAX_MS (15 * 60 * 1000)

static void engine_series_settle(struct group *g, int64_t now)
{
	struct scaled_engine *e = g->e;

	if (!g->ticked) {
		g->ticked = true;
		e->n_ticked++;
	}
	if (e->n_ticked == 1)
		e->first_tick_ms = now;
	if (e->n_ticked >= e->n_groups || now - e->first_tick_ms >= ENGINE_SETTLE_MAX_MS) {
		series_store_settle(e->store);
		e->series_settled = true;
	}
}

void engine_group_tick(struct group *g)
{
	struct scaled_engine *e = g->e;
	/* The decision is made where the record keeps it (its scratch
	 * slot), the policies' proposals in it: a copy would read each text
	 * back in wide loads across the narrow stores just made, which
	 * stall (perf: a tenth of a plain tick in group_decide's copy, a
	 * fifth of a simulated one in record_add's). */
	struct scaled_decision *d;
	struct scaled_proposal *props;
	struct scaled_decision *kept;
	bool missing = false, record;
	int64_t now = clock_now(&e->clock), at = engine_tick_time(e, now);
	size_t i;

	/* wanted by the record at the end, if this tick makes one: fetched
	 * now, while the policies run, rather than missed then */
	__builtin_prefetch(g->name);
	if (g->st.desired < 0) {
		LOG_DEBUG("group %s: target %s has not reported yet; tick skipped", g->name,
			  g->target->name);
		return;
	}
	engine_group_sync(g);
	d = record_scratch(&e->record);
	props = d->proposals;
	e->penv.now_ms = now;
	g->view.events = g->events.n ? &g->events : NULL;
	for (i = 0; i < g->n_policies; i++)
		policy_api_call(e->sb, &e->penv, &g->view, g->policies[i].ref, g->policies[i].name,
				&props[i]);
	if (!e->series_settled)
		engine_series_settle(g, now);
	for (i = 0; i < g->n_inputs; i++)
		if (series_len(g->inputs[i]) == 0)
			missing = true;

	d->n_proposals = 0;
	record = group_decide(&g->cfg, &g->st, at, props, g->n_policies, missing, d);
	/* the events this tick delivered: named in its decision, which is
	 * recorded for them; then gone */
	d->n_events = g->events.n;
	for (i = 0; i < g->events.n && i < SCALED_MAX_EVENTS; i++)
		copy_str(d->events[i], sizeof d->events[i], g->events.items[i].name);
	record = record || g->events.n > 0;
	g->view.events = NULL;
	event_queue_clear(&g->events);
	if (d->desired == d->desired_before)
		g->want_failed = false; /* no action: a failed target is no longer asked for */
	if (d->outcome == SCALED_OUTCOME_DRY_RUN) {
		g->view.last_action = scaled_outcome_name(SCALED_OUTCOME_DRY_RUN);
		policy_group_set_error(&g->view, NULL);
	}
	engine_group_sync(g);
	if (!record && !e->record_quiet)
		return;
	d->time_ms = at;
	copy_str(d->group, sizeof d->group, g->name);
	kept = record_commit(&e->record);
	/* Dry-run comes out of group_decide as DRY_RUN (config folds the
	 * engine's dry_run into every group), so PENDING means "act". */
	if (kept->outcome == SCALED_OUTCOME_PENDING)
		engine_act(g, kept);
}
