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
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"

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
}

void group_state_free(struct group_state *st)
{
	alloc_free(st->recs.v);
	alloc_free(st->changes.v);
	st->recs = (struct group_marks){ 0 };
	st->changes = (struct group_marks){ 0 };
}

/* ------------------------------------------------------------- helpers -- */

static void group_why(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void group_why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (!why || !whylen)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

/* A double to int, saturating (the caller has ruled out NaN). */
static int group_to_int(double v)
{
	if (v >= (double)INT_MAX)
		return INT_MAX;
	if (v <= (double)INT_MIN)
		return INT_MIN;
	return (int)v;
}

/* now - w, without overflowing for absurd windows; a negative window is 0. */
static int64_t group_cutoff(int64_t now_ms, int64_t w)
{
	int64_t r;

	if (w < 0)
		w = 0;
	if (__builtin_sub_overflow(now_ms, w, &r))
		return INT64_MIN;
	return r;
}

static int64_t group_elapsed(int64_t now_ms, int64_t since_ms)
{
	int64_t r;

	if (__builtin_sub_overflow(now_ms, since_ms, &r))
		return INT64_MAX;
	return r;
}

/* A duration for humans: "300s", or "299.999s" when not whole seconds. */
static const char *group_dur(char *buf, size_t len, int64_t ms)
{
	if (ms < 0)
		ms = 0;
	if (ms % 1000 == 0)
		snprintf(buf, len, "%llds", (long long)(ms / 1000));
	else
		snprintf(buf, len, "%lld.%03llds", (long long)(ms / 1000), (long long)(ms % 1000));
	return buf;
}

static int group_clamp_value(const struct group_settings *cfg, int v)
{
	if (v > cfg->max)
		v = cfg->max;
	if (v < cfg->min)
		v = cfg->min;
	return v;
}

/* ---------------------------------------------------------------- marks -- */

static int group_marks_reserve(struct group_marks *m, size_t extra)
{
	struct group_mark *v;
	size_t cap;

	if (m->len + extra <= m->cap)
		return 0;
	cap = m->cap ? m->cap : 8;
	while (cap < m->len + extra)
		cap *= 2;
	v = alloc_resize(m->v, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	m->v = v;
	m->cap = cap;
	return 0;
}

/* Forget every mark at or before cutoff: it is outside every window. */
static void group_marks_prune(struct group_marks *m, int64_t cutoff)
{
	size_t i = 0;

	while (i < m->len && m->v[i].t_ms <= cutoff)
		i++;
	if (!i)
		return;
	memmove(m->v, m->v + i, (m->len - i) * sizeof(*m->v));
	m->len -= i;
}

/* Remember a recommendation. The same value as the last one only moves that
 * one's time forward: the later time keeps it in every window at least as
 * long, so window minimum and maximum come out the same. */
static int group_marks_remember(struct group_marks *m, int64_t now_ms, int value)
{
	struct group_mark *last = m->len ? &m->v[m->len - 1] : NULL;

	if (last && last->value == value && last->t_ms <= now_ms) {
		last->t_ms = now_ms;
		return 0;
	}
	if (group_marks_reserve(m, 1) < 0)
		return -ENOMEM;
	m->v[m->len++] = (struct group_mark){ .t_ms = now_ms, .value = value };
	return 0;
}

/* A change that took effect: cooldown and rate limits count from it. The
 * room was reserved by group_decide; without it only the rate history
 * loses this change, cooldown still sees it. */
static void group_remember_change(struct group_state *st, int64_t now_ms, int from, int to)
{
	if (to > from)
		st->last_up_ms = now_ms;
	else if (to < from)
		st->last_down_ms = now_ms;
	else
		return;
	if (group_marks_reserve(&st->changes, 1) < 0)
		return;
	st->changes.v[st->changes.len++] = (struct group_mark){
		.t_ms = now_ms, .value = from, .delta = to - from,
	};
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
	return group_to_int(r);
}

/* ---------------------------------------------------------- stages 1-3 -- */

/* The largest wanted capacity among the proposals taking part, or base when
 * none does. errors_hold: ERROR proposals take part as base (else they are
 * left out); stale_hold: stale proposals count as base. */
static int group_combine_max(const struct scaled_proposal *props, size_t n, int base,
			     bool errors_hold, bool stale_hold)
{
	bool any = false;
	int best = base, w;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct scaled_proposal *p = &props[i];

		if (p->kind == SCALED_PROPOSAL_NONE)
			continue;
		if (p->kind == SCALED_PROPOSAL_ERROR && !errors_hold)
			continue;
		if (p->kind == SCALED_PROPOSAL_ERROR || (stale_hold && p->stale))
			w = base;
		else
			w = group_resolve(p, base);
		if (!any || w > best)
			best = w;
		any = true;
	}
	return best;
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

	r_raw = group_combine_max(props, n, base, false, false);
	r_policy = group_combine_max(props, n, base, true, false);
	r_stale = group_combine_max(props, n, base, true, true);
	result = r_stale < base && missing ? base : r_stale;
	*raw = r_raw;
	*bound = SCALED_STAGE_NONE;

	if (r_policy != r_raw) {
		*bound = SCALED_STAGE_POLICY;
		if (n_errors > 1)
			group_why(why, whylen, "policy: '%.*s' and %zu more failed, counted as hold",
				  NAME_ARG(first_error), n_errors - 1);
		else
			group_why(why, whylen, "policy: '%.*s' failed, counted as hold",
				  NAME_ARG(first_error));
		return result;
	}
	if (r_stale != r_policy) {
		*bound = SCALED_STAGE_STALE;
		group_why(why, whylen, "stale: '%.*s' read stale data, counted as hold",
			  NAME_ARG(first_stale));
		return result;
	}
	if (result != r_stale) {
		*bound = SCALED_STAGE_STALE;
		if (first_missing)
			group_why(why, whylen, "stale: scale-in to %d refused, '%.*s' read a series with no data",
				  r_stale, NAME_ARG(first_missing));
		else
			group_why(why, whylen, "stale: scale-in to %d refused, an input of the group is missing",
				  r_stale);
		return result;
	}
	if (result != base)
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
		group_why(why, whylen, "combine: scale-in to %d refused, '%.*s' keeps %d",
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

/* -------------------------------------------------------------- stage 4 -- */

int group_stage_stabilize(const struct group_settings *cfg, struct group_state *st,
			  int64_t now_ms, int base, int combined, bool *bound,
			  char *why, size_t whylen)
{
	int64_t longest = cfg->stab_up_ms > cfg->stab_down_ms ? cfg->stab_up_ms : cfg->stab_down_ms;
	int64_t up_cut = group_cutoff(now_ms, cfg->stab_up_ms);
	int64_t down_cut = group_cutoff(now_ms, cfg->stab_down_ms);
	int lo = combined, hi = combined, r;
	char dur[32];
	size_t i;

	group_marks_prune(&st->recs, group_cutoff(now_ms, longest));
	for (i = 0; i < st->recs.len; i++) {
		const struct group_mark *m = &st->recs.v[i];

		if (m->t_ms > up_cut && m->value < lo)
			lo = m->value;
		if (m->t_ms > down_cut && m->value > hi)
			hi = m->value;
	}
	if (group_marks_remember(&st->recs, now_ms, combined) < 0) {
		/* A recommendation we cannot remember could let a later tick
		 * scale in too early: hold instead. */
		*bound = combined != base;
		if (*bound)
			group_why(why, whylen, "stabilize: out of memory, holding %d", base);
		return base;
	}
	r = base < lo ? lo : base > hi ? hi : base;
	*bound = r != combined;
	if (!*bound)
		return r;
	if (r > combined)
		group_why(why, whylen, "stabilize: scale-down to %d held at %d, %d recommended within the last %s",
			  combined, r, hi, group_dur(dur, sizeof(dur), cfg->stab_down_ms));
	else
		group_why(why, whylen, "stabilize: scale-up to %d held at %d, %d recommended within the last %s",
			  combined, r, lo, group_dur(dur, sizeof(dur), cfg->stab_up_ms));
	return r;
}

/* -------------------------------------------------------------- stage 5 -- */

int group_stage_cooldown(const struct group_settings *cfg, const struct group_state *st,
			 int64_t now_ms, int base, int value, bool *bound,
			 char *why, size_t whylen)
{
	char d1[32], d2[32];
	int64_t last, since;

	*bound = false;
	if (value > base) {
		last = st->last_up_ms;
		if (last == GROUP_NEVER)
			return value;
		since = group_elapsed(now_ms, last);
		if (since >= cfg->cooldown_up_ms)
			return value;
		*bound = true;
		group_why(why, whylen, "cooldown: scale-up refused, %s of %s since last scale-up",
			  group_dur(d1, sizeof(d1), since), group_dur(d2, sizeof(d2), cfg->cooldown_up_ms));
		return base;
	}
	if (value < base) {
		last = st->last_up_ms > st->last_down_ms ? st->last_up_ms : st->last_down_ms;
		if (last == GROUP_NEVER)
			return value;
		since = group_elapsed(now_ms, last);
		if (since >= cfg->cooldown_down_ms)
			return value;
		*bound = true;
		group_why(why, whylen, "cooldown: scale-down refused, %s of %s since last action",
			  group_dur(d1, sizeof(d1), since), group_dur(d2, sizeof(d2), cfg->cooldown_down_ms));
		return base;
	}
	return value;
}

/* -------------------------------------------------------------- stage 6 -- */

/* The most one direction may move within a period that started at capacity
 * `start`; -1 when there is no limit. */
static long long group_rate_limit(const struct group_settings *cfg, int start)
{
	long long by_count = cfg->rate_count > 0 ? cfg->rate_count : 0;
	long long by_percent = 0, limit;
	double x;

	if (cfg->rate_count <= 0 && !(cfg->rate_percent > 0.0))
		return -1;
	if (cfg->rate_percent > 0.0) {
		/* start * percent first, exact for integer percentages; the
		 * epsilon keeps 10% of 30 at 3 should the division round up */
		x = ceil((double)start * cfg->rate_percent / 100.0 - 1e-9);
		by_percent = x >= (double)INT_MAX ? INT_MAX : (long long)x;
	}
	limit = by_count > by_percent ? by_count : by_percent;
	return limit < 1 ? 1 : limit;
}

int group_stage_rate(const struct group_settings *cfg, struct group_state *st,
		     int64_t now_ms, int base, int value, bool *bound,
		     char *why, size_t whylen)
{
	int64_t cut = group_cutoff(now_ms, cfg->rate_period_ms);
	long long up = 0, down = 0, limit, used, room;
	int start = base, r;
	bool seen = false;
	char dur[32];
	size_t i;

	*bound = false;
	group_marks_prune(&st->changes, cut);
	if (value == base)
		return value;
	for (i = 0; i < st->changes.len; i++) {
		const struct group_mark *m = &st->changes.v[i];

		if (m->t_ms <= cut)
			continue;
		if (!seen)
			start = m->value;
		seen = true;
		if (m->delta > 0)
			up += m->delta;
		else
			down -= m->delta;
	}
	limit = group_rate_limit(cfg, start);
	if (limit < 0)
		return value;
	used = value > base ? up : down;
	room = limit > used ? limit - used : 0;
	if (value > base && (long long)value - base > room)
		r = (int)(base + room);
	else if (value < base && (long long)base - value > room)
		r = (int)(base - room);
	else
		return value;
	*bound = true;
	group_why(why, whylen, "rate: %s to %d limited to %d, at most %lld per %s from %d (%lld used)",
		  value > base ? "scale-up" : "scale-down", value, r, limit,
		  group_dur(dur, sizeof(dur), cfg->rate_period_ms), start, used);
	return r;
}

/* -------------------------------------------------------------- stage 7 -- */

int group_stage_clamp(const struct group_settings *cfg, int value, bool *bound,
		      char *why, size_t whylen)
{
	int r = group_clamp_value(cfg, value);

	*bound = r != value;
	if (r > value)
		group_why(why, whylen, "clamp: %d below min %d", value, r);
	else if (r < value)
		group_why(why, whylen, "clamp: %d above max %d", value, r);
	return r;
}

/* -------------------------------------------------------------- decide -- */

/* Keep the first stage that changed or refused the value. */
static void group_note(struct scaled_decision *d, enum scaled_stage stage, bool bound,
		       const char *why)
{
	if (!bound || d->bound_by != SCALED_STAGE_NONE)
		return;
	d->bound_by = stage;
	snprintf(d->bound_reason, sizeof(d->bound_reason), "%s", why);
}

bool group_decide(const struct group_settings *cfg, struct group_state *st,
		  int64_t now_ms, const struct scaled_proposal *props, size_t n,
		  bool inputs_missing, struct scaled_decision *d)
{
	char why[SCALED_REASON_MAX] = "";
	int base = st->desired, v, before, raw;
	enum scaled_stage cb;
	bool b, failed = false;
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
		d->proposals[i] = props[i];
		d->proposals[i].wanted = group_resolve(&props[i], base < 0 ? 0 : base);
	}
	for (i = 0; i < n; i++)
		if (props[i].kind == SCALED_PROPOSAL_ERROR)
			failed = true;

	if (base < 0) {
		d->combined = d->desired = base;
		snprintf(d->bound_reason, sizeof(d->bound_reason), "desired capacity unknown");
		return failed;
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
		group_why(why, sizeof(why), "pause: group is paused, %d kept", base);
		group_note(d, SCALED_STAGE_OVERRIDE, v != before, why);
	} else if (cfg->override >= 0) {
		v = group_clamp_value(cfg, cfg->override);
		if (v != cfg->override)
			group_why(why, sizeof(why), "override: %d by the operator, clamped to %d",
				  cfg->override, v);
		else
			group_why(why, sizeof(why), "override: %d by the operator", v);
		group_note(d, SCALED_STAGE_OVERRIDE, v != before, why);
	}

	/* 9: one action at a time; and room to remember this one, so that
	 * group_action_done cannot fail to count it */
	if (v != base && !cfg->paused && st->action_pending) {
		group_note(d, SCALED_STAGE_ACT, true, "act: previous action still in flight");
		v = base;
	}
	if (v != base && !cfg->paused && group_marks_reserve(&st->changes, 1) < 0) {
		group_note(d, SCALED_STAGE_ACT, true, "act: out of memory, holding");
		v = base;
	}

	d->desired = v;
	if (cfg->paused) {
		d->outcome = SCALED_OUTCOME_PAUSED;
		snprintf(d->outcome_msg, sizeof(d->outcome_msg), "group is paused");
	} else if (v != base && cfg->dry_run) {
		d->outcome = SCALED_OUTCOME_DRY_RUN;
		snprintf(d->outcome_msg, sizeof(d->outcome_msg), "dry run: not applied");
		st->desired = v;
		group_remember_change(st, now_ms, base, v);
	} else if (v != base) {
		d->outcome = SCALED_OUTCOME_PENDING;
		st->desired = v;
	}

	return v != base || failed || group_clamp_value(cfg, raw) != base;
}

void group_action_done(struct group_state *st, const struct scaled_decision *d, bool ok)
{
	if (!st->action_pending)
		return;
	st->action_pending = false;
	if (!ok) {
		st->desired = d->desired_before;
		return;
	}
	/* Timed from the tick that decided it, not from when the target
	 * answered: with cooldown = every, the next tick may act again. */
	group_remember_change(st, d->time_ms, d->desired_before, d->desired);
}
