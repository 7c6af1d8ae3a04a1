/*
 * group_mix.c - the market mix part of the safety pipeline: which mix the
 * proposals want, the dwell time, pause/override/dry-run and one action at a
 * time (semantics in group.h, "The market mix"). Pure, like group.c.
 */
#include "group.h"

#include <stdio.h>
#include <string.h>

#include "group_util.h"

/* AWS's defaults for a mixed-instances distribution: what a field left out
 * of a proposal means while the group's own value is unknown. */
#define MIX_DEFAULT_BASE 0
#define MIX_DEFAULT_PERCENT 100

struct mix {
	int base, percent;
};

static bool mix_known(struct mix m)
{
	return m.base >= 0 && m.percent >= 0;
}

static bool mix_eq(struct mix a, struct mix b)
{
	return a.base == b.base && a.percent == b.percent;
}

/* Is a better (more dependable at `count` units) than b? */
static bool mix_better(struct mix a, struct mix b, int count)
{
	int oa = scaled_mix_on_demand(count, a.base, a.percent);
	int ob = scaled_mix_on_demand(count, b.base, b.percent);

	if (oa != ob)
		return oa > ob;
	if (a.percent != b.percent)
		return a.percent > b.percent;
	return a.base > b.base;
}

/* The proposal's mix with its left-out fields filled from `now`. */
static struct mix mix_of(const struct scaled_proposal *p, struct mix now)
{
	struct mix m = {
		.base = p->mix_base >= 0 ? p->mix_base
		      : now.base >= 0 ? now.base : MIX_DEFAULT_BASE,
		.percent = p->mix_percent >= 0 ? p->mix_percent
			 : now.percent >= 0 ? now.percent : MIX_DEFAULT_PERCENT,
	};

	return m;
}

static bool mix_proposed(const struct scaled_proposal *p)
{
	/* a mix alone (g:mix returned) comes with kind NONE: no count */
	return p->kind != SCALED_PROPOSAL_ERROR && p->mix;
}

static void mix_set(struct scaled_decision *d, struct mix m)
{
	d->mix_base = m.base;
	d->mix_percent = m.percent;
}

static void mix_hold(struct scaled_decision *d, struct mix now, enum scaled_stage stage,
		     const char *why)
{
	mix_set(d, now);
	d->mix_bound_by = stage;
	group_util_copy(d->mix_reason, sizeof(d->mix_reason), why);
}

/* The operator's mix_override fields over `base` (a field not set keeps
 * base's). */
static struct mix mix_override(const struct group_settings *cfg, struct mix base)
{
	struct mix o = {
		cfg->mix_override_base >= 0 ? cfg->mix_override_base : base.base,
		cfg->mix_override_percent >= 0 ? cfg->mix_override_percent : base.percent,
	};

	return o;
}

static void mix_override_why(struct scaled_decision *d, struct mix o)
{
	d->mix_bound_by = SCALED_STAGE_OVERRIDE;
	group_util_why(d->mix_reason, sizeof(d->mix_reason), "override: on_demand_base %d, "
		       "on_demand_percent %d by the operator", o.base, o.percent);
}

bool group_mix_decide(const struct group_settings *cfg, struct group_state *st,
		      int64_t now_ms, const struct scaled_proposal *props, size_t n,
		      struct scaled_decision *d)
{
	struct mix now = { st->mix_base, st->mix_percent }, want = now;
	bool has_override = cfg->mix_override_base >= 0 || cfg->mix_override_percent >= 0;
	const struct scaled_proposal *winner = NULL, *stale = NULL;
	int count = d->desired >= 0 ? d->desired : 0;
	char why[SCALED_REASON_MAX], d1[32], d2[32];
	int64_t since;
	size_t i;

	mix_set(d, now);
	d->mix_base_wanted = now.base;
	d->mix_percent_wanted = now.percent;
	d->mix_bound_by = SCALED_STAGE_NONE;
	d->mix_reason[0] = '\0';
	if (!cfg->markets)
		return false;

	for (i = 0; i < n; i++) {
		const struct scaled_proposal *p = &props[i];
		struct mix m;

		if (!mix_proposed(p))
			continue;
		if (p->stale) {
			if (!stale)
				stale = p;
			continue;
		}
		m = mix_of(p, now);
		if (!winner || mix_better(m, want, count)) {
			winner = p;
			want = m;
		}
	}
	if (!winner && !mix_known(now) && cfg->mix_base >= 0) {
		/* the farm's mix, sent with the group's first decision */
		want.base = cfg->mix_base;
		want.percent = cfg->mix_percent;
		group_util_why(d->mix_reason, sizeof(d->mix_reason), "the group's mix as the farm "
			       "sets it: on_demand_base %d, on_demand_percent %d", want.base,
			       want.percent);
	}
	d->mix_base_wanted = want.base;
	d->mix_percent_wanted = want.percent;

	if (has_override) {
		struct mix o = mix_override(cfg, want);

		if (!mix_known(o))
			o = mix_of(&(struct scaled_proposal){ .mix = 1, .mix_base = o.base,
							      .mix_percent = o.percent }, now);
		if (!mix_eq(o, want)) {
			mix_override_why(d, o);
			winner = NULL;
		}
		want = o;
	}
	if (mix_eq(want, now)) {
		if (stale && !winner && d->mix_bound_by == SCALED_STAGE_NONE) {
			group_util_why(why, sizeof(why), "stale: '%.*s' read stale data, mix kept",
				       (int)sizeof(stale->policy), stale->policy);
			mix_hold(d, now, SCALED_STAGE_STALE, why);
		}
		return false;
	}
	if (cfg->paused) {
		mix_hold(d, now, SCALED_STAGE_OVERRIDE, "pause: group is paused, mix kept");
		return true;
	}
	if (mix_known(now) && st->mix_changed_ms != GROUP_NEVER &&
	    (since = group_util_elapsed(now_ms, st->mix_changed_ms)) < cfg->mix_dwell_ms) {
		/* Within the dwell time only the operator's own fields move. */
		struct mix op = mix_override(cfg, now);

		if (has_override && !mix_eq(op, now)) {
			want = op;
			winner = NULL;
			mix_override_why(d, op);
		} else {
			group_util_why(why, sizeof(why), "dwell: mix change to on_demand_base %d, "
				       "on_demand_percent %d refused, %s of %s since the last",
				       want.base, want.percent, group_util_dur(d1, sizeof(d1), since),
				       group_util_dur(d2, sizeof(d2), cfg->mix_dwell_ms));
			mix_hold(d, now, SCALED_STAGE_COOLDOWN, why);
			return true;
		}
	}
	if (st->action_pending) {
		mix_hold(d, now, SCALED_STAGE_ACT, "act: previous action still in flight, mix kept");
		return true;
	}
	mix_set(d, want);
	if (winner && d->mix_bound_by == SCALED_STAGE_NONE)
		group_util_why(d->mix_reason, sizeof(d->mix_reason), "%.*s: %.*s",
			       (int)sizeof(winner->policy), winner->policy,
			       (int)sizeof(winner->mix_reason), winner->mix_reason);
	st->mix_base = want.base;
	st->mix_percent = want.percent;
	if (cfg->dry_run)
		st->mix_changed_ms = now_ms;
	return true;
}

void group_mix_done(struct group_state *st, const struct scaled_decision *d, bool ok)
{
	if (d->mix_base == d->mix_base_before && d->mix_percent == d->mix_percent_before)
		return;
	if (!ok) {
		st->mix_base = d->mix_base_before;
		st->mix_percent = d->mix_percent_before;
		return;
	}
	st->mix_changed_ms = d->time_ms;
}
