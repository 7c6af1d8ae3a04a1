/*
 * group.h - a group's state and the safety pipeline.
 *
 * This module is pure: no I/O, no clock, no Lua. The engine collects the
 * proposals (stage 1 happens in the engine: a policy error arrives here as a
 * SCALED_PROPOSAL_ERROR proposal), calls group_decide(), acts on the result
 * through the target (stage 9) and reports back with group_action_done().
 *
 * Every stage is also a function of its own so that tests can check each
 * with exact numbers. Semantics (docs/farm.md repeats them for users):
 *
 *  resolve   SET n -> n; CHANGE c -> base + c; PERCENT p -> base + delta with
 *            delta = base * p / 100 rounded as AWS PercentChangeInCapacity
 *            does: > 1 rounds down, in (0, 1] becomes 1, in [-1, 0) becomes
 *            -1, < -1 rounds up (towards zero); HOLD and ERROR -> base.
 *            `base` is the group's desired capacity. Results below 0 are 0.
 *  1 policy  an ERROR proposal counts as HOLD.
 *  2 stale   a proposal that read a stale series counts as HOLD; if any
 *            proposal read a series with no data (or the engine says an input
 *            of the group is missing), a scale-in is refused (result = base).
 *  3 combine the largest wanted capacity wins (out if any wants more, in only
 *            if all want less). NONE (abstain) proposals take no part; with no
 *            opinion at all the result is base.
 *  4 stabilize (Kubernetes HPA behaviour) every tick's combined value is
 *            remembered; the result is base clamped into
 *            [min of values within stab_up, max of values within stab_down].
 *  5 cooldown a scale-up is refused until cooldown_up has passed since the
 *            last successful scale-up; a scale-down is refused until
 *            cooldown_down has passed since the last successful action in
 *            either direction.
 *  6 rate    within the trailing rate_period, the change in one direction is
 *            at most max(rate_count, ceil(rate_percent% of the capacity at the
 *            period's start)) (the more permissive, as Kubernetes' "Max"
 *            select policy); a limit of 0 is "no limit" unless both are 0.
 *  7 clamp   to [min, max]. Stages 4-6 never keep a group outside its bounds:
 *            clamping comes last so a group below min always rises to min.
 *  8 override paused: result = base (outcome PAUSED). override >= 0: result
 *            = clamp(override). dry_run: outcome DRY_RUN, the result is kept
 *            as the group's desired so later ticks behave as if it acted.
 *
 * Ownership: the state owns its history buffers (group_state_free).
 */
#ifndef SCALED_GROUP_H
#define SCALED_GROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scaled/scaled.h"

#define GROUP_NEVER INT64_MIN

struct group_settings {
	int min, max;
	int64_t stab_up_ms;        /* default 0 */
	int64_t stab_down_ms;      /* default 300 000 */
	int64_t cooldown_up_ms;    /* default 0 */
	int64_t cooldown_down_ms;  /* default 0 */
	int rate_count;            /* 0: none */
	double rate_percent;       /* 0: none */
	int64_t rate_period_ms;    /* default 60 000 */
	bool paused;
	int override;              /* -1: none */
	bool dry_run;
};

/* A remembered (time, value): stabilisation recommendations and changes. */
struct group_mark {
	int64_t t_ms;
	int value;  /* recommendation, or for changes: the capacity before */
	int delta;  /* changes only: +n up, -n down */
};

struct group_marks {
	struct group_mark *v;
	size_t len, cap;
};

struct group_state {
	/* as the target last reported; -1 unknown */
	int current, starting, stopping;
	/* the desired capacity the engine holds (base of every tick); -1 until
	 * the target reports for the first time */
	int desired;
	int64_t last_up_ms, last_down_ms; /* last successful action; GROUP_NEVER */
	struct group_marks recs;          /* stage 4 */
	struct group_marks changes;       /* stage 6 */
	bool action_pending;              /* an apply is in flight */
	int pending_from;                 /* desired before the pending apply */
};

void group_settings_default(struct group_settings *cfg);
void group_state_init(struct group_state *st);
void group_state_free(struct group_state *st);

/* Resolve one proposal against base (see "resolve"). */
int group_resolve(const struct scaled_proposal *p, int base);

/* Stages, each on its own. They return the stage's result and set *bound
 * when the stage changed the value it was given (reason into why, whylen
 * bytes, when why is not NULL). */
int group_stage_combine(struct scaled_proposal *props, size_t n, int base,
			bool inputs_missing, enum scaled_stage *bound,
			char *why, size_t whylen);
int group_stage_stabilize(const struct group_settings *cfg, struct group_state *st,
			  int64_t now_ms, int base, int combined, bool *bound,
			  char *why, size_t whylen);
int group_stage_cooldown(const struct group_settings *cfg, const struct group_state *st,
			 int64_t now_ms, int base, int value, bool *bound,
			 char *why, size_t whylen);
int group_stage_rate(const struct group_settings *cfg, struct group_state *st,
		     int64_t now_ms, int base, int value, bool *bound,
		     char *why, size_t whylen);
int group_stage_clamp(const struct group_settings *cfg, int value, bool *bound,
		      char *why, size_t whylen);

/* The whole pipeline, stages 1-8. Fills *d (time, group name left to the
 * caller: d->group is not touched; proposals are copied in with their
 * resolved `wanted`). Updates st->desired (and history) when the result
 * differs from base and nothing paused it. Returns true when the decision
 * should be recorded: the desired capacity changes, or some proposal wanted
 * a change that a stage refused, or a policy failed. st->desired must be
 * >= 0. */
bool group_decide(const struct group_settings *cfg, struct group_state *st,
		  int64_t now_ms, const struct scaled_proposal *props, size_t n,
		  bool inputs_missing, struct scaled_decision *d);

/* Stage 9's answer: the apply of decision d finished. On success the change
 * is remembered for cooldown and rate limits; on failure st->desired goes
 * back to d->desired_before so the next tick tries again. */
void group_action_done(struct group_state *st, const struct scaled_decision *d,
		       int64_t now_ms, bool ok);

#endif
