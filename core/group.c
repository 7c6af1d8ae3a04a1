/*
 * group.c - a group's state and the safety pipeline (semantics in group.h).
 *
 * Every stage takes the value the previous one produced and says whether it
 * changed it; group_decide keeps the first stage that did as the decision's
 * bound_by. History (stabilisation recommendations, successful changes) is
 * kept in small arrays ordered by time and pruned on every tick, so a group
 * never remembers more than its longest window or period.
 */
#include "group.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "group_util.h"

/* Room for a policy name in a reason: names may fill their whole array. */
#define NAME_ARG(p) (int)sizeof((p)->policy), (p)->policy

void group_settings_default(struct group_settings *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->stab_up_ms = 0;
	cfg->stab_down_ms = 300000;
	cfg->cooldown_up_ms = 0;
	cfg->cooldown_down_ms = 0;
	cfg->rate_period_ms = 60000;
	cfg->override = -1;
	cfg->mix_base = cfg->mix_percent = -1;
	cfg->mix_dwell_ms = 300000;
	cfg->mix_override_base = -1;
	cfg->mix_override_percent = -1;
}

void group_state_init(struct group_state *st)
{
	memset(st, 0, sizeof(*st));
	st->current = -1;
	st->starting = -1;
	st->stopping = -1;
	st->desired = -1;
	st->last_up_ms = GROUP_NEVER;
	st->last_down_ms = GROUP_NEVER;
	st->pending_from = -1;
	st->spot = st->on_demand = -1;
	st->mix_base = st->mix_percent = -1;
	st->mix_changed_ms = GROUP_NEVER;
	st->pending_mix_base = st->pending_mix_percent = -1;
}

void group_state_free(struct group_state *st)
{
	alloc_free(st->recs.v);
	alloc_free(st->changes.v);
	st->recs = (struct group_marks){ 0 };
	st->changes = (struct group_marks){ 0 };
}

/* -------------------------------------------------------------- resolve -- */

int group_resolve(const struct scaled_proposal *p, int base)
{
	double v = p->value, r, delta;

	switch (p->kind) {
	case SCALED_PROPOSAL_SET:
		if (!isfinite(v))
			return base;
		r = round(v);
		break;
	case SCALED_PROPOSAL_CHANGE:
		if (!isfinite(v))
			return base;
		r = (double)base + round(v);
		break;
	case SCALED_PROPOSAL_PERCENT:
		if (!isfinite(v))
			return base;
		/* base * v first: exact for integer percentages, so 10 * 30 / 100
		 * is 3 and not 3.0000000000000004 */
		delta = (double)base * v / 100.0;
		if (delta > 1.0)
			delta = floor(delta);
		else if (delta > 0.0)
			delta = 1.0;
		else if (delta >= -1.0 && delta < 0.0)
			delta = -1.0;
		else if (delta < -1.0)
			delta = ceil(delta);
		r = (double)base + delta;
		break;
	default: /* NONE, HOLD, ERROR */
		return base;
	}
	if (r < 0.0)
		return 0;
	return group_util_to_int(r);
}

/* ---------------------------------------------------------- stages 1-3 -- */

/* The largest wanted capacity among the proposals taking part, or base when
 * none does, three ways in one pass (one resolve a proposal): *raw leaves
 * ERROR proposals out; *policy counts them as base; *stale counts them and
 * stale proposals as base. */
static void group_combine_max(const struct scaled_proposal *props, size_t n, int base,
			      int *raw, int *policy, int *stale)
{
	bool any_raw = false, any = false;
	int r = base, pol = base, st = base;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct scaled_proposal *p = &props[i];
		int w;

		if (p->kind == SCALED_PROPOSAL_NONE)
			continue;
		if (p->kind == SCALED_PROPOSAL_ERROR) {
			if (!any || base > pol)
				pol = base;
			if (!any || base > st)
				st = base;
			any = true;
			continue;
		}
		w = group_resolve(p, base);
		if (!any_raw || w > r)
			r = w;
		if (!any || w > pol)
			pol = w;
		if (!any || (p->stale ? base : w) > st)
			st = p->stale ? base : w;
		any_raw = any = true;
	}
	*raw = r;
	*policy = pol;
	*stale = st;
}

/* Stages 1-3 on const proposals. *raw gets the combination of the proposals
 * as they came (failed policies left out, stale ones at face value, no
 * missing-data rule): what the policies asked for. */
static int group_combine(const struct scaled_proposal *props, size_t n, int base,
			 bool inputs_missing, int *raw, enum scaled_stage *bound,
			 char *why, size_t whylen)
{
	const struct scaled_proposal *first_error = NULL, *first_stale = NULL;
	const struct scaled_proposal *first_missing = NULL, *holder = NULL, *lowest = NULL;
	int r_raw, r_policy, r_stale, result;
	size_t i, n_errors = 0;
	bool missing = inputs_missing;

	/* Most groups have one policy that read what it needed: its wish,
	 * with nothing to say (what the general path below gives it). */
	if (n == 1 && props->kind != SCALED_PROPOSAL_NONE && props->kind != SCALED_PROPOSAL_ERROR &&
	    !props->stale && !props->missing && !inputs_missing) {
		*bound = SCALED_STAGE_NONE;
		return *raw = group_resolve(props, base);
	}
	for (i = 0; i < n; i++) {
		const struct scaled_proposal *p = &props[i];

		if (p->missing) {
			missing = true;
			if (!first_missing)
				first_missing = p;
		}
		if (p->kind == SCALED_PROPOSAL_ERROR) {
			if (!first_error)
				first_error = p;
			n_errors++;
		} else if (p->kind != SCALED_PROPOSAL_NONE && p->stale && !first_stale &&
			   group_resolve(p, base) != base) {
			first_stale = p;
		}
	}

	group_combine_max(props, n, base, &r_raw, &r_policy, &r_stale);
	result = r_stale < base && missing ? base : r_stale;
	*raw = r_raw;
	*bound = SCALED_STAGE_NONE;

	if (r_policy != r_raw) {
		*bound = SCALED_STAGE_POLICY;
		if (n_errors > 1)
			group_util_why(why, whylen, "policy: '%.*s' and %zu more failed, counted as hold",
				       NAME_ARG(first_error), n_errors - 1);
		else
			group_util_why(why, whylen, "policy: '%.*s' failed, counted as hold",
				       NAME_ARG(first_error));
		return result;
	}
	if (r_stale != r_policy) {
		*bound = SCALED_STAGE_STALE;
		group_util_why(why, whylen, "stale: '%.*s' read stale data, counted as hold",
			       NAME_ARG(first_stale));
		return result;
	}
	if (result != r_stale) {
		*bound = SCALED_STAGE_STALE;
		if (first_missing)
			group_util_why(why, whylen, "stale: scale-in to %d refused, '%.*s' read a series with no data",
				       r_stale, NAME_ARG(first_missing));
		else
			group_util_why(why, whylen, "stale: scale-in to %d refused, an input of the group is missing",
				       r_stale);
		return result;
	}
	if (result != base || n < 2)
		return result;

	/* No change: did some proposal want a scale-in that another held? */
	for (i = 0; i < n; i++) {
		const struct scaled_proposal *p = &props[i];
		int w;

		if (p->kind == SCALED_PROPOSAL_NONE)
			continue;
		w = p->kind == SCALED_PROPOSAL_ERROR || p->stale ? base : group_resolve(p, base);
		if (w == base && !holder)
			holder = p;
		if (w < base && (!lowest || w < group_resolve(lowest, base)))
			lowest = p;
	}
	if (lowest && holder) {
		*bound = SCALED_STAGE_COMBINE;
		group_util_why(why, whylen, "combine: scale-in to %d refused, '%.*s' keeps %d",
			       group_resolve(lowest, base), NAME_ARG(holder), base);
	}
	return result;
}

int group_stage_combine(struct scaled_proposal *props, size_t n, int base,
			bool inputs_missing, enum scaled_stage *bound,
			char *why, size_t whylen)
{
	size_t i;
	int raw;

	for (i = 0; i < n; i++)
		props[i].wanted = group_resolve(&props[i], base);
	return group_combine(props, n, base, inputs_missing, &raw, bound, why, whylen);
}

/* -------------------------------------------------------------- decide -- */

/* Keep the first stage that changed or refused the value. */
static void group_note(struct scaled_decision *d, enum scaled_stage stage, bool bound,
		       const char *why)
{
	if (!bound || d->bound_by != SCALED_STAGE_NONE)
		return;
	d->bound_by = stage;
	group_util_copy(d->bound_reason, sizeof(d->bound_reason), why);
}

/* A quiet tick, the common one: every policy that spoke wants the base
 * (or holds), read what it needed and proposed no mix; the operator
 * neither pauses nor overrides; the base lies within the bounds; and no
 * mix is due (no override of it, none of the farm's still to send). Every
 * stage would then pass the base through unbound and the mix stay as it
 * is, so group_decide only does what they leave behind: stabilization
 * remembers the recommendation, the rate stage prunes its history. */
static bool group_quiet(const struct group_settings *cfg, const struct group_state *st,
			const struct scaled_proposal *props, size_t n, int base)
{
	size_t i;

	if (base < 0 || cfg->paused || cfg->override >= 0 || base > cfg->max || base < cfg->min)
		return false;
	if (cfg->markets && (cfg->mix_override_base >= 0 || cfg->mix_override_percent >= 0 ||
			     ((st->mix_base < 0 || st->mix_percent < 0) && cfg->mix_base >= 0)))
		return false;
	for (i = 0; i < n; i++) {
		const struct scaled_proposal *p = &props[i];

		if (p->kind == SCALED_PROPOSAL_ERROR || p->mix || p->stale || p->missing ||
		    (p->kind != SCALED_PROPOSAL_NONE && group_resolve(p, base) != base))
			return false;
	}
	return true;
}

bool group_decide(const struct group_settings *cfg, struct group_state *st,
		  int64_t now_ms, const struct scaled_proposal *props, size_t n,
		  bool inputs_missing, struct scaled_decision *d)
{
	char why[SCALED_REASON_MAX]; /* written by a stage that binds */
	int base = st->desired, v, before, raw;
	enum scaled_stage cb;
	bool b, failed = false, mix, mix_changed;
	size_t i;

	d->time_ms = now_ms;
	d->current = st->current;
	d->desired_before = base;
	d->bound_by = SCALED_STAGE_NONE;
	d->bound_reason[0] = '\0';
	d->outcome = SCALED_OUTCOME_NONE;
	d->outcome_msg[0] = '\0';
	d->n_proposals = n < SCALED_MAX_PROPOSALS ? n : SCALED_MAX_PROPOSALS;
	for (i = 0; i < d->n_proposals; i++) {
		if (props != d->proposals) /* the engine's are in place */
			d->proposals[i] = props[i];
		d->proposals[i].wanted = group_resolve(&props[i], base < 0 ? 0 : base);
	}
	for (i = 0; i < n; i++)
		if (props[i].kind == SCALED_PROPOSAL_ERROR)
			failed = true;

	d->spot = st->spot;
	d->on_demand = st->on_demand;
	d->mix_base_before = d->mix_base_wanted = d->mix_base = st->mix_base;
	d->mix_percent_before = d->mix_percent_wanted = d->mix_percent = st->mix_percent;
	d->mix_bound_by = SCALED_STAGE_NONE;
	d->mix_reason[0] = '\0';
	if (base < 0) {
		d->combined = d->desired = base;
		snprintf(d->bound_reason, sizeof(d->bound_reason), "desired capacity unknown");
		return failed;
	}

	if (group_quiet(cfg, st, props, n, base)) {
		d->combined = d->desired = base;
		group_stage_stabilize(cfg, st, now_ms, base, base, &b, NULL, 0);
		group_stage_rate(cfg, st, now_ms, base, base, &b, NULL, 0);
		return failed; /* false: no proposal failed */
	}

	/* 1-3 */
	v = group_combine(props, n, base, inputs_missing, &raw, &cb, why, sizeof(why));
	d->combined = v;
	group_note(d, cb, cb != SCALED_STAGE_NONE, why);
	/* 4-7 */
	v = group_stage_stabilize(cfg, st, now_ms, base, v, &b, why, sizeof(why));
	group_note(d, SCALED_STAGE_STABILIZE, b, why);
	v = group_stage_cooldown(cfg, st, now_ms, base, v, &b, why, sizeof(why));
	group_note(d, SCALED_STAGE_COOLDOWN, b, why);
	v = group_stage_rate(cfg, st, now_ms, base, v, &b, why, sizeof(why));
	group_note(d, SCALED_STAGE_RATE, b, why);
	v = group_stage_clamp(cfg, v, &b, why, sizeof(why));
	group_note(d, SCALED_STAGE_CLAMP, b, why);

	/* 8 */
	before = v;
	if (cfg->paused) {
		v = base;
		group_util_why(why, sizeof(why), "pause: group is paused, %d kept", base);
		group_note(d, SCALED_STAGE_OVERRIDE, v != before, why);
	} else if (cfg->override >= 0) {
		v = group_util_clamp_value(cfg, cfg->override);
		if (v != cfg->override)
			group_util_why(why, sizeof(why), "override: %d by the operator, clamped to %d",
				       cfg->override, v);
		else
			group_util_why(why, sizeof(why), "override: %d by the operator", v);
		group_note(d, SCALED_STAGE_OVERRIDE, v != before, why);
	}

	/* 9: one action at a time; and room to remember this one, so that
	 * group_action_done cannot fail to count it */
	if (v != base && !cfg->paused && st->action_pending) {
		group_note(d, SCALED_STAGE_ACT, true, "act: previous action still in flight");
		v = base;
	}
	if (v != base && !cfg->paused && group_util_marks_reserve(&st->changes, 1) < 0) {
		group_note(d, SCALED_STAGE_ACT, true, "act: out of memory, holding");
		v = base;
	}

	d->desired = v;
	mix = group_mix_decide(cfg, st, now_ms, props, n, d);
	mix_changed = d->mix_base != d->mix_base_before || d->mix_percent != d->mix_percent_before;
	if (cfg->paused) {
		d->outcome = SCALED_OUTCOME_PAUSED;
		snprintf(d->outcome_msg, sizeof(d->outcome_msg), "group is paused");
	} else if ((v != base || mix_changed) && cfg->dry_run) {
		d->outcome = SCALED_OUTCOME_DRY_RUN;
		snprintf(d->outcome_msg, sizeof(d->outcome_msg), "dry run: not applied");
		st->desired = v;
		if (v != base)
			group_util_remember_change(st, now_ms, base, v);
	} else if (v != base || mix_changed) {
		d->outcome = SCALED_OUTCOME_PENDING;
		st->desired = v;
	}

	return v != base || mix || failed || group_util_clamp_value(cfg, raw) != base;
}

void group_action_done(struct group_state *st, const struct scaled_decision *d, bool ok)
{
	if (!st->action_pending)
		return;
	st->action_pending = false;
	group_mix_done(st, d, ok);
	if (!ok) {
		st->desired = d->desired_before;
		return;
	}
	if (d->desired == d->desired_before)
		return; /* a change of mix only */
	/* Timed from the tick that decided it, not from when the target
	 * answered: with cooldown = every, the next tick may act again. */
	group_util_remember_change(st, d->time_ms, d->desired_before, d->desired);
}
