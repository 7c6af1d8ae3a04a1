/*
 * pipeline_util.h - what the safety pipeline tests share: proposal builders,
 * settings and states, and table-driven steps of a stage.
 *
 * Naming, in every test_group_*.c: test_<behaviour> for a case; the
 * stage a file tests is called through a function named after the stage
 * (resolve, clamp, cooldown, rate, stabilize, combine); a case is a table
 * of rows (`steps`, or `cases` for resolve), one call and its expected
 * result each, run in order: clamp, cooldown, rate and stabilize through
 * run_steps below, resolve and combine (other arguments) through their own
 * runner. test_group_decide.c checks whole decisions, field by field, and
 * is table-driven where it repeats (test_scenario). Include after cmocka.h.
 */
#ifndef PIPELINE_UTIL_H
#define PIPELINE_UTIL_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "group.h"

static inline struct scaled_proposal prop(const char *name, enum scaled_proposal_kind kind,
					  double value)
{
	struct scaled_proposal p;

	memset(&p, 0, sizeof(p));
	snprintf(p.policy, sizeof(p.policy), "%s", name);
	p.kind = kind;
	p.value = value;
	p.wanted = -12345; /* must be overwritten */
	snprintf(p.reason, sizeof(p.reason), "%s says so", name);
	return p;
}

static inline struct scaled_proposal prop_stale(struct scaled_proposal p)
{
	p.stale = 1;
	return p;
}

static inline struct scaled_proposal prop_missing(struct scaled_proposal p)
{
	p.missing = 1;
	return p;
}

/* Settings with nothing but the bounds: no stabilisation, cooldown or rate. */
static inline struct group_settings plain_settings(int min, int max)
{
	struct group_settings cfg;

	group_settings_default(&cfg);
	cfg.min = min;
	cfg.max = max;
	cfg.stab_down_ms = 0;
	return cfg;
}

static inline void state_at(struct group_state *st, int desired)
{
	group_state_init(st);
	st->current = desired;
	st->desired = desired;
}

/* A successful action from -> to at t, through the public path. */
static inline void done_change(struct group_state *st, int64_t t, int from, int to)
{
	struct scaled_decision d;

	memset(&d, 0, sizeof(d));
	d.desired_before = from;
	d.desired = to;
	d.time_ms = t;
	st->action_pending = true;
	st->pending_from = from;
	group_action_done(st, &d, true);
}

/* One call of a stage and what it must give: a row of a table-driven case.
 * For stages of one value (clamp) t and base are unused. */
enum step_bound { STEP_ANY, STEP_BOUND, STEP_FREE };

struct stage_step {
	int64_t t;
	int base, value;     /* value: what the stage is handed */
	int want;            /* what it must return */
	enum step_bound bound;
	const char *why;     /* the reason it must give; NULL: not checked */
};

/* A stage as the runner calls it: the state may be NULL for a stage that
 * has none. */
#define STAGE_FN(name)                                                                  \
	int name(const struct group_settings *cfg, struct group_state *st, int64_t t, int base, \
		 int value, bool *bound, char *why, size_t whylen)

/* Run steps[0..n) in order through stage on (cfg, st). Each row starts with
 * *bound the opposite of what it wants, so the stage must set it. */
static inline void run_steps(STAGE_FN((*stage)), const struct group_settings *cfg,
			     struct group_state *st, const struct stage_step *steps, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct stage_step *s = &steps[i];
		bool bound = s->bound == STEP_ANY ? (i & 1) : s->bound != STEP_BOUND;
		char why[SCALED_REASON_MAX] = "";
		int got = stage(cfg, st, s->t, s->base, s->value, &bound, why, sizeof(why));

		if (got != s->want)
			fail_msg("step %zu (t=%lld, base %d, value %d): got %d, want %d", i,
				 (long long)s->t, s->base, s->value, got, s->want);
		if (s->bound != STEP_ANY && bound != (s->bound == STEP_BOUND))
			fail_msg("step %zu (t=%lld): %s, want %s", i, (long long)s->t,
				 bound ? "bound" : "not bound", bound ? "not bound" : "bound");
		if (s->why && strcmp(why, s->why) != 0)
			fail_msg("step %zu (t=%lld): why \"%s\", want \"%s\"", i, (long long)s->t,
				 why, s->why);
	}
}

/* The number of rows of a table. */
#define N(a) (sizeof(a) / sizeof((a)[0]))

#endif
