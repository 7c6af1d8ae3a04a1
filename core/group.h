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
 *  resolve   SET n -> n; CHANGE c -> base + c (n and c rounded to the
 *            nearest integer); PERCENT p -> base + delta with
 *            delta = base * p / 100 rounded as AWS PercentChangeInCapacity
 *            does: > 1 rounds down, in (0, 1] becomes 1, in [-1, 0) becomes
 *            -1, < -1 rounds up (towards zero); HOLD, ERROR, NONE and a value
 *            that is not a finite number -> base. `base` is the group's
 *            desired capacity. Results below 0 are 0.
 *  1 policy  an ERROR proposal counts as HOLD.
 *  2 stale   a proposal that read a stale series counts as HOLD; if any
 *            proposal (abstaining ones included) read a series with no data,
 *            or the engine says an input of the group is missing, a scale-in
 *            is refused (result = base). A scale-out goes through.
 *  3 combine the largest wanted capacity wins (out if any wants more, in only
 *            if all want less). NONE (abstain) proposals take no part; with no
 *            opinion at all the result is base.
 *            Stages 1-3 are computed together (group_stage_combine). The
 *            bound stage is POLICY when counting errors as hold changed the
 *            result (compared to leaving the failed policies out), else STALE
 *            when the stale/missing rules changed it, else COMBINE when some
 *            proposal wanted a scale-in that combining turned into "no
 *            change" (another proposal holds). A proposal outbid by a larger
 *            one (+2 against +5, or 6 against 8 when both scale in) is not a
 *            refusal: the group still moves the way it was asked to.
 *  4 stabilize (Kubernetes HPA behaviour) every tick's combined value is
 *            remembered; the result is base clamped into
 *            [min of values within stab_up, max of values within stab_down].
 *            "Within W" is: the current value, and every value remembered at
 *            t > now - W, so a value leaves the window exactly W after it
 *            was remembered.
 *  5 cooldown a scale-up is refused until cooldown_up has passed since the
 *            last successful scale-up; a scale-down is refused until
 *            cooldown_down has passed since the last successful action in
 *            either direction (refused while now - last < cooldown). An
 *            action's time is that of the tick that decided it.
 *  6 rate    within the trailing rate_period (changes at t > now - period),
 *            the change in one direction is at most max(rate_count,
 *            ceil(rate_percent% of the capacity at the period's start)) (the
 *            more permissive, as Kubernetes' "Max" select policy). The
 *            capacity at the period's start is the capacity before the first
 *            change remembered within the period, or base if there is none.
 *            A setting of 0 means that limit is absent; with both absent
 *            there is no rate limit. A percentage of nothing (capacity 0 at
 *            the period's start, no count) still allows a step of 1, so that
 *            a group at zero can start.
 *            Per direction instead (cfg->rate_rules, Kubernetes HPA's
 *            behavior policies exactly): each direction has up to
 *            GROUP_RATE_RULES rules, a count ("pods") or a percent, each with
 *            its own period, and a select. For each rule, the capacity at
 *            its period's start is base - (units added in the period) +
 *            (units removed in it), counting both directions as HPA does; a
 *            rule allows up to start + n (pods) or ceil(start * (1 + p/100))
 *            (percent) going up, down to start - n or start * (1 - p/100)
 *            rounded towards zero going down. select MAX takes the rule
 *            that allows the largest change, MIN the smallest, DISABLED
 *            allows no change in that direction; a direction with no rules
 *            is not limited. A limit that would move the group the other
 *            way holds it at base.
 *  7 clamp   to [min, max]. Stages 4-6 never keep a group outside its bounds:
 *            clamping comes last so a group below min always rises to min.
 *  8 override paused: result = base (outcome PAUSED). override >= 0: result
 *            = clamp(override). dry_run: outcome DRY_RUN, the result is kept
 *            as the group's desired and remembered as a successful action
 *            (cooldown, rate) so later ticks behave as if it acted.
 *  9 act     while an action is in flight (st->action_pending), no other
 *            change starts: result = base, bound ACT "previous action still
 *            in flight". The engine acts on a PENDING decision and reports
 *            with group_action_done().
 *
 * bound_by of a decision is the first stage (lowest number) that changed or
 * refused the value handed to it; bound_reason says how in words.
 *
 * The market mix (group_mix.c) is decided beside the count, after it, in
 * the same decision, by the same rules where they apply:
 *  combine   proposals that carry a mix (g:mix) take part, unless they
 *            failed or read stale data; a field left out keeps the group's
 *            value (unknown: on_demand_base 0, on_demand_percent 100, AWS's
 *            defaults). The mix with the most on-demand units at the new
 *            count wins (ties: the higher percent, then the higher base):
 *            dependable capacity wins as the larger count does. No
 *            proposal with a mix: the mix stays; while the group's mix
 *            is unknown (its first decision) it becomes the farm's
 *            (settings mix_base/_percent), if the farm sets one.
 *  override  mix_override's fields replace the wanted mix's (bound OVERRIDE
 *            when that changes it); a field it leaves out stays the
 *            policies'.
 *  dwell     (bound COOLDOWN) a mix change is refused until mix_dwell has
 *            passed since the last successful mix change; the first change
 *            of a group is never refused. Within the dwell time only the
 *            operator's own fields move: an override that differs from the
 *            group's mix still applies (bound OVERRIDE), the policies' part
 *            waits.
 *  pause     paused: the mix stays (PAUSED); dry_run: recorded and
 *            remembered as applied, never sent.
 *  act       while an action is in flight, the mix stays (bound ACT); a
 *            changed mix makes the decision PENDING even when the count
 *            stays; a failed apply restores the mix it had before.
 * mix_bound_by / mix_reason of the decision say which stage held it, or
 * carry the winning proposal's reason when the mix changed.
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

/* Per-direction rate rules (stage 6, HPA's behavior policies). */
#define GROUP_RATE_RULES 4

enum group_rate_select {
	GROUP_RATE_MAX = 0, /* the rule allowing the most change */
	GROUP_RATE_MIN,     /* the rule allowing the least */
	GROUP_RATE_DISABLED,/* no change in this direction */
};

struct group_rate_rule {
	bool percent;      /* false: a count of units ("pods") */
	double value;      /* > 0 */
	int64_t period_ms; /* > 0 */
};

struct group_rate_dir {
	size_t n;          /* 0: this direction is not limited */
	struct group_rate_rule rules[GROUP_RATE_RULES];
	enum group_rate_select select;
};

struct group_rate_rules {
	struct group_rate_dir up, down;
};

/* group_settings_default() sets the defaults below; min and max have no
 * useful default (both 0): the configuration sets them. */
struct group_settings {
	int min, max;
	int64_t stab_up_ms;        /* default 0 */
	int64_t stab_down_ms;      /* default 300 000 */
	int64_t cooldown_up_ms;    /* default 0 */
	int64_t cooldown_down_ms;  /* default 0 */
	int rate_count;            /* 0: none */
	double rate_percent;       /* 0: none */
	int64_t rate_period_ms;    /* default 60 000 */
	/* per-direction rules that replace the three above, or NULL (most
	 * groups: ~220 bytes a group they do not carry); the engine owns a
	 * group's */
	const struct group_rate_rules *rate_rules;
	bool paused;
	int override;              /* -1: none */
	bool dry_run;
	/* the market mix (group_mix.c) */
	bool markets;              /* the target applies a mix */
	int mix_base, mix_percent; /* the farm's mix, sent with the first
				      decision; -1: none (the target's stays) */
	int64_t mix_dwell_ms;      /* default 300 000 */
	int mix_override_base;     /* -1: none */
	int mix_override_percent;  /* -1: none */
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
	/* the market mix: as the target reports it, and what the group holds
	 * (-1: unknown, or no mix) */
	int spot, on_demand;
	int mix_base, mix_percent;
	int64_t mix_changed_ms;           /* last successful change; GROUP_NEVER */
	int pending_mix_base, pending_mix_percent; /* before the pending apply */
};

void group_settings_default(struct group_settings *cfg);
void group_state_init(struct group_state *st);
void group_state_free(struct group_state *st);

/* Resolve one proposal against base (see "resolve"). */
int group_resolve(const struct scaled_proposal *p, int base);

/* Stages, each on its own. They return the stage's result and always set
 * *bound: whether the stage changed the value it was given (then the reason
 * goes into why, whylen bytes, when why is not NULL). group_stage_combine
 * sets every props[i].wanted and *bound to POLICY, STALE, COMBINE or NONE.
 * Stabilize and rate drop the history they no longer need; if remembering
 * fails (no memory) stabilize holds at base and says so. */
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

/* The whole pipeline, stages 1-9. Fills *d: time_ms = now_ms, and every
 * field but seq and group, which are left to the caller. The proposals are
 * copied in with their resolved `wanted` (all n take part; only the first
 * SCALED_MAX_PROPOSALS are copied). Outcome: NONE when the desired capacity
 * is unchanged, PENDING when it changed (the engine acts), DRY_RUN when it
 * changed in dry-run, PAUSED whenever the group is paused.
 * Updates st->desired (and history) when the result differs from base and
 * nothing paused it. The engine sets st->action_pending and pending_from
 * when it sends the apply of a PENDING decision (not before: an engine in
 * dry-run may never send it); room to remember that change is reserved here.
 * Returns true when the decision should be recorded: the desired capacity
 * changes, or a policy failed, or the proposals (combined as they came,
 * before stages 1-2) wanted a change within [min, max] that a stage refused.
 * So a group sitting at min whose policy asks for less is not recorded on
 * every tick, and neither is a scale-in that another policy holds against.
 * st->desired must be >= 0; if it is not, nothing changes and the decision
 * says "desired capacity unknown". */
bool group_decide(const struct group_settings *cfg, struct group_state *st,
		  int64_t now_ms, const struct scaled_proposal *props, size_t n,
		  bool inputs_missing, struct scaled_decision *d);

/* Stage 9's answer: the apply of decision d finished. On success the change
 * is remembered for cooldown and rate limits at d->time_ms, the time of the
 * tick that decided it (so a cooldown equal to the group's `every` lets
 * the next tick act; how long the target took does not count); on failure
 * st->desired goes back to d->desired_before so the next tick tries again.
 * Either way the action is no longer pending. Ignored when no action is
 * pending (a duplicate report, or a DRY_RUN decision, which group_decide
 * already remembered). Never allocates: group_decide reserved the room. */
void group_action_done(struct group_state *st, const struct scaled_decision *d, bool ok);

/* group_mix.c: the mix part of group_decide (see "The market mix" above),
 * run after the count is final (d->desired). Fills d's mix fields and
 * updates st. Returns true when the mix changed (then d is PENDING unless
 * dry-run) or a proposed change was refused (worth recording). */
bool group_mix_decide(const struct group_settings *cfg, struct group_state *st,
		      int64_t now_ms, const struct scaled_proposal *props, size_t n,
		      struct scaled_decision *d);
/* Stage 9's answer for the mix (called by group_action_done). */
void group_mix_done(struct group_state *st, const struct scaled_decision *d, bool ok);

#endif
