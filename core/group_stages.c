/*
 * group_stages.c - stages 4-7 of the safety pipeline: stabilize, cooldown,
 * rate limit, clamp (semantics in group.h). Each takes the value the
 * previous stage produced and says whether it changed it.
 */
#include "group.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>

#include "group_util.h"

/* -------------------------------------------------------------- stage 4 -- */

int group_stage_stabilize(const struct group_settings *cfg, struct group_state *st,
			  int64_t now_ms, int base, int combined, bool *bound,
			  char *why, size_t whylen)
{
	int64_t longest = cfg->stab_up_ms > cfg->stab_down_ms ? cfg->stab_up_ms : cfg->stab_down_ms;
	int64_t up_cut = group_util_cutoff(now_ms, cfg->stab_up_ms);
	int64_t down_cut = group_util_cutoff(now_ms, cfg->stab_down_ms);
	int lo = combined, hi = combined, r;
	struct group_why_key key;
	const char *kept;
	char dur[32];
	size_t i;

	group_util_marks_prune(&st->recs, group_util_cutoff(now_ms, longest));
	if (combined == base) {
		/* base lies within [lo, hi] whatever the window holds: only
		 * remember it (a failure to would hold base all the same) */
		*bound = false;
		group_util_marks_remember(&st->recs, now_ms, combined);
		return base;
	}
	for (i = 0; i < st->recs.len; i++) {
		const struct group_mark *m = &st->recs.v[i];

		if (m->t_ms > up_cut && m->value < lo)
			lo = m->value;
		if (m->t_ms > down_cut && m->value > hi)
			hi = m->value;
	}
	if (group_util_marks_remember(&st->recs, now_ms, combined) < 0) {
		/* A recommendation we cannot remember could let a later tick
		 * scale in too early: hold instead. */
		*bound = combined != base;
		if (*bound)
			group_util_why(why, whylen, "stabilize: out of memory, holding %d", base);
		return base;
	}
	r = base < lo ? lo : base > hi ? hi : base;
	*bound = r != combined;
	if (!*bound || !why || !whylen)
		return r;
	key = (struct group_why_key){ .stage = SCALED_STAGE_STABILIZE, .a = combined, .b = r,
				      .c = r > combined ? hi : lo,
				      .ms = r > combined ? cfg->stab_down_ms : cfg->stab_up_ms };
	if ((kept = group_why_find(&key))) {
		group_util_copy(why, whylen, kept);
		return r;
	}
	if (r > combined)
		group_util_why(why, whylen, "stabilize: scale-down to %d held at %d, %d recommended within the last %s",
			       combined, r, hi, group_util_dur(dur, sizeof(dur), cfg->stab_down_ms));
	else
		group_util_why(why, whylen, "stabilize: scale-up to %d held at %d, %d recommended within the last %s",
			       combined, r, lo, group_util_dur(dur, sizeof(dur), cfg->stab_up_ms));
	if (whylen >= SCALED_REASON_MAX) /* kept whole, never cut */
		group_why_keep(&key, why);
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
		since = group_util_elapsed(now_ms, last);
		if (since >= cfg->cooldown_up_ms)
			return value;
		*bound = true;
		group_util_why(why, whylen, "cooldown: scale-up refused, %s of %s since last scale-up",
			       group_util_dur(d1, sizeof(d1), since), group_util_dur(d2, sizeof(d2), cfg->cooldown_up_ms));
		return base;
	}
	if (value < base) {
		last = st->last_up_ms > st->last_down_ms ? st->last_up_ms : st->last_down_ms;
		if (last == GROUP_NEVER)
			return value;
		since = group_util_elapsed(now_ms, last);
		if (since >= cfg->cooldown_down_ms)
			return value;
		*bound = true;
		group_util_why(why, whylen, "cooldown: scale-down refused, %s of %s since last action",
			       group_util_dur(d1, sizeof(d1), since), group_util_dur(d2, sizeof(d2), cfg->cooldown_down_ms));
		return base;
	}
	return value;
}

/* -------------------------------------------------------------- stage 6 -- */

/* The most one direction may move within a period that started at capacity
 * `start`; -1 when there is no limit. */
static long long group_stages_rate_limit(const struct group_settings *cfg, int start)
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

/* Units added and removed by the changes remembered after `cut`. */
static void group_stages_moved(const struct group_state *st, int64_t cut, long long *added,
			       long long *removed)
{
	size_t i;

	*added = *removed = 0;
	for (i = 0; i < st->changes.len; i++) {
		const struct group_mark *m = &st->changes.v[i];

		if (m->t_ms <= cut)
			continue;
		if (m->delta > 0)
			*added += m->delta;
		else
			*removed -= m->delta;
	}
}

/* The longest period of the per-direction rules. */
static int64_t group_stages_longest(const struct group_settings *cfg)
{
	const struct group_rate_dir *dirs[2] = { &cfg->rate_rules->up, &cfg->rate_rules->down };
	int64_t longest = 0;
	size_t d, i;

	for (d = 0; d < 2; d++)
		for (i = 0; i < dirs[d]->n; i++)
			if (dirs[d]->rules[i].period_ms > longest)
				longest = dirs[d]->rules[i].period_ms;
	return longest;
}

/* Stage 6 with per-direction rules, as HPA computes its scale limits. */
static int group_stage_rate_rules(const struct group_settings *cfg, struct group_state *st,
				  int64_t now_ms, int base, int value, bool *bound,
				  char *why, size_t whylen)
{
	bool up = value > base;
	const struct group_rate_dir *dir = up ? &cfg->rate_rules->up : &cfg->rate_rules->down;
	const struct group_rate_rule *pick = NULL;
	long long limit = 0, added, removed, start, pick_start = base;
	char dur[32];
	size_t i;
	int r;

	group_util_marks_prune(&st->changes, group_util_cutoff(now_ms, group_stages_longest(cfg)));
	if (value == base || (dir->n == 0 && dir->select != GROUP_RATE_DISABLED))
		return value;
	for (i = 0; dir->select != GROUP_RATE_DISABLED && i < dir->n; i++) {
		const struct group_rate_rule *rule = &dir->rules[i];
		double x;
		long long p;

		group_stages_moved(st, group_util_cutoff(now_ms, rule->period_ms), &added, &removed);
		start = (long long)base - added + removed;
		if (up)
			x = rule->percent ? ceil((double)start * (1.0 + rule->value / 100.0) - 1e-9)
					  : (double)start + rule->value;
		else
			x = rule->percent ? trunc((double)start * (1.0 - rule->value / 100.0) + 1e-9)
					  : (double)start - rule->value;
		p = x > (double)INT_MAX ? INT_MAX : x < -(double)INT_MAX ? -INT_MAX : (long long)x;
		/* MAX: the most change (up: the highest, down: the lowest) */
		if (!pick || ((dir->select == GROUP_RATE_MAX) == up ? p > limit : p < limit)) {
			pick = rule;
			limit = p;
			pick_start = start;
		}
	}
	if (!pick)
		limit = base; /* DISABLED */
	if (up ? limit < base : limit > base)
		limit = base; /* never the other way */
	if (up ? value <= limit : value >= limit)
		return value;
	r = (int)limit;
	*bound = true;
	if (!pick)
		group_util_why(why, whylen, "rate: scale-%s to %d refused, scale-%s is disabled",
			       up ? "up" : "down", value, up ? "up" : "down");
	else
		group_util_why(why, whylen, "rate: scale-%s to %d limited to %d, %g%s per %s from %lld "
			       "(%s of %zu)", up ? "up" : "down", value, r, pick->value,
			       pick->percent ? "%" : pick->value == 1.0 ? " unit" : " units",
			       group_util_dur(dur, sizeof(dur), pick->period_ms), pick_start,
			       dir->select == GROUP_RATE_MIN ? "min" : "max", dir->n);
	return r;
}

int group_stage_rate(const struct group_settings *cfg, struct group_state *st,
		     int64_t now_ms, int base, int value, bool *bound,
		     char *why, size_t whylen)
{
	int64_t cut = group_util_cutoff(now_ms, cfg->rate_period_ms);
	long long up = 0, down = 0, limit, used, room;
	int start = base, r;
	bool seen = false;
	char dur[32];
	size_t i;

	*bound = false;
	if (cfg->rate_rules)
		return group_stage_rate_rules(cfg, st, now_ms, base, value, bound, why, whylen);
	group_util_marks_prune(&st->changes, cut);
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
	limit = group_stages_rate_limit(cfg, start);
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
	group_util_why(why, whylen, "rate: %s to %d limited to %d, at most %lld per %s from %d (%lld used)",
		       value > base ? "scale-up" : "scale-down", value, r, limit,
		       group_util_dur(dur, sizeof(dur), cfg->rate_period_ms), start, used);
	return r;
}

/* -------------------------------------------------------------- stage 7 -- */

int group_stage_clamp(const struct group_settings *cfg, int value, bool *bound,
		      char *why, size_t whylen)
{
	int r = group_util_clamp_value(cfg, value);

	*bound = r != value;
	if (r > value)
		group_util_why(why, whylen, "clamp: %d below min %d", value, r);
	else if (r < value)
		group_util_why(why, whylen, "clamp: %d above max %d", value, r);
	return r;
}
