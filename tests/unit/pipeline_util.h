/*
 * pipeline_util.h - proposal builders shared by the safety pipeline tests.
 */
#ifndef PIPELINE_UTIL_H
#define PIPELINE_UTIL_H

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

#endif
