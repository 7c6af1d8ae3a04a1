/*
 * test_group_decide.c - the whole pipeline: decision records, the record
 * rule, stage 8 (pause, override, dry-run), stage 9 (one action at a time,
 * rollback on failure) and multi-tick scenarios.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "alloc.h"
#include "pipeline_util.h"

static void fill_garbage(struct scaled_decision *d)
{
	memset(d, 0x5a, sizeof(*d));
	d->seq = 77;
	snprintf(d->group, sizeof(d->group), "workers");
}

static void test_scale_out(void **state)
{
	struct group_settings cfg = plain_settings(0, 10);
	struct group_state st;
	struct scaled_decision d;
	struct scaled_proposal p[] = {
		prop("queue", SCALED_PROPOSAL_SET, 6),
		prop("cpu", SCALED_PROPOSAL_CHANGE, 1),
	};

	(void)state;
	state_at(&st, 3);
	st.current = 2;
	fill_garbage(&d);
	assert_true(group_decide(&cfg, &st, 5000, p, N(p), false, &d));
	assert_int_equal(d.seq, 77);
	assert_string_equal(d.group, "workers");
	assert_int_equal(d.time_ms, 5000);
	assert_int_equal(d.current, 2);
	assert_int_equal(d.desired_before, 3);
	assert_int_equal(d.combined, 6);
	assert_int_equal(d.desired, 6);
	assert_int_equal(d.bound_by, SCALED_STAGE_NONE);
	assert_string_equal(d.bound_reason, "");
	assert_int_equal(d.outcome, SCALED_OUTCOME_PENDING);
	assert_string_equal(d.outcome_msg, "");
	assert_int_equal(d.n_proposals, 2);
	assert_string_equal(d.proposals[0].policy, "queue");
	assert_int_equal(d.proposals[0].wanted, 6);
	assert_string_equal(d.proposals[1].reason, "cpu says so");
	assert_int_equal(d.proposals[1].wanted, 4);
	assert_int_equal(st.desired, 6);
	/* the engine marks the action in flight, not group_decide */
	assert_false(st.action_pending);
	group_state_free(&st);
}

static void test_nothing_to_do_not_recorded(void **state)
{
	struct group_settings cfg = plain_settings(0, 10);
	struct group_state st;
	struct scaled_decision d;
	struct scaled_proposal hold[] = { prop("q", SCALED_PROPOSAL_HOLD, 0) };
	struct scaled_proposal same[] = { prop("q", SCALED_PROPOSAL_SET, 3) };

	(void)state;
	state_at(&st, 3);
	assert_false(group_decide(&cfg, &st, 0, hold, 1, false, &d));
	assert_int_equal(d.outcome, SCALED_OUTCOME_NONE);
	assert_int_equal(d.desired, 3);
	assert_false(group_decide(&cfg, &st, 0, same, 1, false, &d));
	assert_false(group_decide(&cfg, &st, 0, NULL, 0, false, &d));
	assert_int_equal(d.n_proposals, 0);
	assert_int_equal(st.desired, 3);
	group_state_free(&st);
}

/* At min, a policy asking for less is refused by clamp on every tick:
 * that is the group at rest, not news. */
static void test_at_min_not_recorded(void **state)
{
	struct group_settings cfg = plain_settings(1, 10);
	struct group_state st;
	struct scaled_decision d;
	struct scaled_proposal p[] = { prop("q", SCALED_PROPOSAL_SET, 0) };

	(void)state;
	state_at(&st, 1);
	assert_false(group_decide(&cfg, &st, 0, p, 1, false, &d));
	assert_int_equal(d.combined, 0);
	assert_int_equal(d.desired, 1);
	assert_int_equal(d.bound_by, SCALED_STAGE_CLAMP);
	assert_string_equal(d.bound_reason, "clamp: 0 below min 1");
	assert_int_equal(d.outcome, SCALED_OUTCOME_NONE);
	/* at max asking for more: the same */
	group_state_free(&st);
	state_at(&st, 10);
	p[0].value = 14;
	assert_false(group_decide(&cfg, &st, 0, p, 1, false, &d));
	assert_int_equal(d.bound_by, SCALED_STAGE_CLAMP);
	group_state_free(&st);
}

/* One policy wants to scale in, another holds: the group wants nothing. */
static void test_outvoted_not_recorded(void **state)
{
	struct group_settings cfg = plain_settings(0, 10);
	struct group_state st;
	struct scaled_decision d;
	struct scaled_proposal p[] = {
		prop("cpu", SCALED_PROPOSAL_CHANGE, -1),
		prop("queue", SCALED_PROPOSAL_HOLD, 0),
	};

	(void)state;
	state_at(&st, 5);
	assert_false(group_decide(&cfg, &st, 0, p, N(p), false, &d));
	assert_int_equal(d.bound_by, SCALED_STAGE_COMBINE);
	assert_string_equal(d.bound_reason, "combine: scale-in to 4 refused, 'queue' keeps 5");
	assert_int_equal(d.desired, 5);
	group_state_free(&st);
}

static void test_failure_recorded(void **state)
{
	struct group_settings cfg = plain_settings(0, 10);
	struct group_state st;
	struct scaled_decision d;
	struct scaled_proposal p[] = { prop("bad", SCALED_PROPOSAL_ERROR, 0) };
	struct scaled_proposal q[] = {
		prop("bad", SCALED_PROPOSAL_ERROR, 0),
		prop("cpu", SCALED_PROPOSAL_SET, 2),
	};

	(void)state;
	state_at(&st, 5);
	assert_true(group_decide(&cfg, &st, 0, p, 1, false, &d));
	assert_int_equal(d.bound_by, SCALED_STAGE_NONE);
	assert_int_equal(d.outcome, SCALED_OUTCOME_NONE);
	assert_int_equal(d.proposals[0].wanted, 5);
	assert_true(group_decide(&cfg, &st, 0, q, N(q), false, &d));
	assert_int_equal(d.bound_by, SCALED_STAGE_POLICY);
	assert_string_equal(d.bound_reason, "policy: 'bad' failed, counted as hold");
	assert_int_equal(d.desired, 5);
	group_state_free(&st);
}

/* A refused change is recorded: stale data, stabilisation, cooldown. */
static void test_refusals_recorded(void **state)
{
	struct group_settings cfg = plain_settings(0, 10);
	struct group_state st;
	struct scaled_decision d;
	struct scaled_proposal stale[] = { prop_stale(prop("cpu", SCALED_PROPOSAL_SET, 8)) };
	struct scaled_proposal in[] = { prop("cpu", SCALED_PROPOSAL_SET, 2) };

	(void)state;
	state_at(&st, 5);
	assert_true(group_decide(&cfg, &st, 0, stale, 1, false, &d));
	assert_int_equal(d.bound_by, SCALED_STAGE_STALE);
	assert_int_equal(d.combined, 5);
	assert_int_equal(d.desired, 5);
	assert_true(group_decide(&cfg, &st, 0, in, 1, true, &d));
	assert_int_equal(d.bound_by, SCALED_STAGE_STALE);

	cfg.stab_down_ms = 300000;
	group_state_free(&st);
	state_at(&st, 5);
	assert_false(group_decide(&cfg, &st, 0, NULL, 0, false, &d));
	assert_true(group_decide(&cfg, &st, 1000, in, 1, false, &d));
	assert_int_equal(d.bound_by, SCALED_STAGE_STABILIZE);
	assert_int_equal(d.combined, 2);
	assert_int_equal(d.desired, 5);
	assert_int_equal(d.outcome, SCALED_OUTCOME_NONE);
	group_state_free(&st);
}

/* bound_by is the first stage that changed the value, not the last. */
static void test_first_stage_binds(void **state)
{
	struct group_settings cfg = plain_settings(0, 10);
	struct group_state st;
	struct scaled_decision d;
	struct scaled_proposal p[] = { prop("q", SCALED_PROPOSAL_SET, 30) };
	struct scaled_proposal e[] = {
		prop("q", SCALED_PROPOSAL_SET, 30),
		prop_stale(prop("s", SCALED_PROPOSAL_SET, 40)),
	};

	(void)state;
	cfg.rate_count = 4;
	state_at(&st, 8);
	/* rate takes 30 to 12, clamp takes 12 to 10 */
	assert_true(group_decide(&cfg, &st, 0, p, 1, false, &d));
	assert_int_equal(d.desired, 10);
	assert_int_equal(d.bound_by, SCALED_STAGE_RATE);
	assert_string_equal(d.bound_reason, "rate: scale-up to 30 limited to 12, at most 4 per 60s from 8 (0 used)");
	/* stage 2 before all of them */
	group_state_free(&st);
	state_at(&st, 8);
	assert_true(group_decide(&cfg, &st, 0, e, N(e), false, &d));
	assert_int_equal(d.combined, 30);
	assert_int_equal(d.desired, 10);
	assert_int_equal(d.bound_by, SCALED_STAGE_STALE);
	group_state_free(&st);
}

static void test_action_success(void **state)
{
	struct group_settings cfg = plain_settings(0, 10);
	struct group_state st;
	struct scaled_decision d;
	struct scaled_proposal p[] = { prop("q", SCALED_PROPOSAL_SET, 6) };
	struct scaled_proposal more[] = { prop("q", SCALED_PROPOSAL_SET, 8) };

	(void)state;
	cfg.cooldown_up_ms = 30000;
	state_at(&st, 3);
	assert_true(group_decide(&cfg, &st, 1000, p, 1, false, &d));
	st.action_pending = true; /* as the engine does when it sends it */
	st.pending_from = d.desired_before;
	/* the target answers 3 s later: the cooldown still counts from the
	 * tick that decided (1000), so cooldown = every lets the next tick act */
	group_action_done(&st, &d, true);
	assert_false(st.action_pending);
	assert_int_equal(st.desired, 6);
	assert_int_equal(st.last_up_ms, 1000);
	assert_int_equal(st.last_down_ms, GROUP_NEVER);
	assert_int_equal(st.changes.len, 1);
	assert_int_equal(st.changes.v[0].t_ms, 1000);
	assert_int_equal(st.changes.v[0].value, 3);
	assert_int_equal(st.changes.v[0].delta, 3);
	assert_true(group_decide(&cfg, &st, 30999, more, 1, false, &d));
	assert_int_equal(d.bound_by, SCALED_STAGE_COOLDOWN);
	assert_string_equal(d.bound_reason, "cooldown: scale-up refused, 29.999s of 30s since last scale-up");
	assert_int_equal(d.desired, 6);
	assert_true(group_decide(&cfg, &st, 31000, more, 1, false, &d));
	assert_int_equal(d.desired, 8);
	assert_int_equal(d.outcome, SCALED_OUTCOME_PENDING);
	/* a report with nothing in flight changes nothing */
	group_action_done(&st, &d, true);
	assert_int_equal(st.last_up_ms, 1000);
	assert_int_equal(st.changes.len, 1);
	group_state_free(&st);
}

static void test_action_failure_rolls_back(void **state)
{
	struct group_settings cfg = plain_settings(0, 10);
	struct group_state st;
	struct scaled_decision d;
	struct scaled_proposal p[] = { prop("q", SCALED_PROPOSAL_SET, 6) };

	(void)state;
	cfg.cooldown_up_ms = 30000;
	state_at(&st, 3);
	assert_true(group_decide(&cfg, &st, 1000, p, 1, false, &d));
	assert_int_equal(st.desired, 6);
	st.action_pending = true;
	st.pending_from = 3;
	group_action_done(&st, &d, false);
	assert_false(st.action_pending);
	assert_int_equal(st.desired, 3);
	assert_int_equal(st.last_up_ms, GROUP_NEVER);
	assert_int_equal(st.changes.len, 0);
	/* a failure is no action: no cooldown, the next tick tries again */
	assert_true(group_decide(&cfg, &st, 2001, p, 1, false, &d));
	assert_int_equal(d.desired_before, 3);
	assert_int_equal(d.desired, 6);
	assert_int_equal(d.outcome, SCALED_OUTCOME_PENDING);
	group_state_free(&st);
}

static void test_pending_action(void **state)
{
	struct group_settings cfg = plain_settings(0, 10);
	struct group_state st;
	struct scaled_decision d;
	struct scaled_proposal p[] = { prop("q", SCALED_PROPOSAL_SET, 8) };
	struct scaled_proposal hold[] = { prop("q", SCALED_PROPOSAL_HOLD, 0) };

	(void)state;
	state_at(&st, 6);
	st.action_pending = true;
	st.pending_from = 3;
	assert_true(group_decide(&cfg, &st, 1000, p, 1, false, &d));
	assert_int_equal(d.combined, 8);
	assert_int_equal(d.desired, 6);
	assert_int_equal(d.bound_by, SCALED_STAGE_ACT);
	assert_string_equal(d.bound_reason, "act: previous action still in flight");
	assert_int_equal(d.outcome, SCALED_OUTCOME_NONE);
	assert_int_equal(st.desired, 6);
	assert_true(st.action_pending);
	/* nothing wanted: nothing refused */
	assert_false(group_decide(&cfg, &st, 1000, hold, 1, false, &d));
	assert_int_equal(d.bound_by, SCALED_STAGE_NONE);
	group_state_free(&st);
}

static void test_dry_run(void **state)
{
	struct group_settings cfg = plain_settings(0, 10);
	struct group_state st;
	struct scaled_decision d;
	struct scaled_proposal p[] = { prop("q", SCALED_PROPOSAL_SET, 6) };
	struct scaled_proposal more[] = { prop("q", SCALED_PROPOSAL_SET, 9) };

	(void)state;
	cfg.dry_run = true;
	cfg.cooldown_up_ms = 30000;
	state_at(&st, 3);
	assert_true(group_decide(&cfg, &st, 1000, p, 1, false, &d));
	assert_int_equal(d.outcome, SCALED_OUTCOME_DRY_RUN);
	assert_string_equal(d.outcome_msg, "dry run: not applied");
	assert_int_equal(d.desired, 6);
	assert_int_equal(d.bound_by, SCALED_STAGE_NONE);
	/* later ticks behave as if it acted */
	assert_int_equal(st.desired, 6);
	assert_false(st.action_pending);
	assert_int_equal(st.last_up_ms, 1000);
	assert_int_equal(st.changes.len, 1);
	assert_true(group_decide(&cfg, &st, 2000, more, 1, false, &d));
	assert_int_equal(d.bound_by, SCALED_STAGE_COOLDOWN);
	assert_int_equal(d.desired, 6);
	assert_int_equal(d.outcome, SCALED_OUTCOME_NONE);
	group_state_free(&st);
}

static void test_pause(void **state)
{
	struct group_settings cfg = plain_settings(2, 10);
	struct group_state st;
	struct scaled_decision d;
	struct scaled_proposal p[] = { prop("q", SCALED_PROPOSAL_SET, 6) };
	struct scaled_proposal hold[] = { prop("q", SCALED_PROPOSAL_HOLD, 0) };

	(void)state;
	cfg.paused = true;
	cfg.override = 9; /* pause wins */
	state_at(&st, 3);
	assert_true(group_decide(&cfg, &st, 1000, p, 1, false, &d));
	assert_int_equal(d.combined, 6);
	assert_int_equal(d.desired, 3);
	assert_int_equal(d.bound_by, SCALED_STAGE_OVERRIDE);
	assert_string_equal(d.bound_reason, "pause: group is paused, 3 kept");
	assert_int_equal(d.outcome, SCALED_OUTCOME_PAUSED);
	assert_string_equal(d.outcome_msg, "group is paused");
	assert_int_equal(st.desired, 3);
	assert_int_equal(st.last_up_ms, GROUP_NEVER);
	/* paused and nothing wanted: said, not recorded */
	assert_false(group_decide(&cfg, &st, 2000, hold, 1, false, &d));
	assert_int_equal(d.outcome, SCALED_OUTCOME_PAUSED);
	assert_int_equal(d.bound_by, SCALED_STAGE_NONE);
	/* paused below min: kept there, not clamped; recorded, as clamp would
	 * have raised it */
	group_state_free(&st);
	state_at(&st, 0);
	assert_true(group_decide(&cfg, &st, 3000, NULL, 0, false, &d));
	assert_int_equal(d.desired, 0);
	assert_int_equal(d.bound_by, SCALED_STAGE_CLAMP);
	assert_int_equal(d.outcome, SCALED_OUTCOME_PAUSED);
	group_state_free(&st);
}

static void test_override(void **state)
{
	struct group_settings cfg = plain_settings(2, 10);
	struct group_state st;
	struct scaled_decision d;
	struct scaled_proposal p[] = { prop("q", SCALED_PROPOSAL_SET, 6) };

	(void)state;
	cfg.override = 7;
	cfg.cooldown_up_ms = 600000; /* the operator's word is not held by it */
	state_at(&st, 3);
	st.last_up_ms = 0;
	assert_true(group_decide(&cfg, &st, 1000, p, 1, false, &d));
	assert_int_equal(d.combined, 6);
	assert_int_equal(d.desired, 7);
	assert_int_equal(d.bound_by, SCALED_STAGE_COOLDOWN);
	assert_int_equal(d.outcome, SCALED_OUTCOME_PENDING);
	assert_int_equal(st.desired, 7);

	cfg.cooldown_up_ms = 0;
	group_state_free(&st);
	state_at(&st, 3);
	assert_true(group_decide(&cfg, &st, 1000, p, 1, false, &d));
	assert_int_equal(d.bound_by, SCALED_STAGE_OVERRIDE);
	assert_string_equal(d.bound_reason, "override: 7 by the operator");

	cfg.override = 15;
	group_state_free(&st);
	state_at(&st, 3);
	assert_true(group_decide(&cfg, &st, 1000, p, 1, false, &d));
	assert_int_equal(d.desired, 10);
	assert_string_equal(d.bound_reason, "override: 15 by the operator, clamped to 10");

	/* the override agrees with the pipeline: nothing bound */
	cfg.override = 6;
	group_state_free(&st);
	state_at(&st, 3);
	assert_true(group_decide(&cfg, &st, 1000, p, 1, false, &d));
	assert_int_equal(d.desired, 6);
	assert_int_equal(d.bound_by, SCALED_STAGE_NONE);

	/* override reached and kept: a policy wanting otherwise is refused */
	assert_true(group_decide(&cfg, &st, 2000, (struct scaled_proposal[]){
		prop("q", SCALED_PROPOSAL_SET, 3) }, 1, false, &d));
	assert_int_equal(d.desired, 6);
	assert_int_equal(d.outcome, SCALED_OUTCOME_NONE);
	assert_int_equal(d.bound_by, SCALED_STAGE_OVERRIDE);
	group_state_free(&st);
}

static void test_unknown_desired(void **state)
{
	struct group_settings cfg = plain_settings(2, 10);
	struct group_state st;
	struct scaled_decision d;
	struct scaled_proposal p[] = { prop("q", SCALED_PROPOSAL_SET, 6) };

	(void)state;
	group_state_init(&st);
	assert_false(group_decide(&cfg, &st, 0, p, 1, false, &d));
	assert_int_equal(d.desired, -1);
	assert_int_equal(d.outcome, SCALED_OUTCOME_NONE);
	assert_string_equal(d.bound_reason, "desired capacity unknown");
	assert_int_equal(st.desired, -1);
	assert_int_equal(st.recs.len, 0);
	group_state_free(&st);
}

/* More proposals than a decision holds: all take part, 16 are kept. */
static void test_many_proposals(void **state)
{
	struct group_settings cfg = plain_settings(0, 100);
	struct group_state st;
	struct scaled_decision d;
	struct scaled_proposal p[SCALED_MAX_PROPOSALS + 1];
	size_t i;

	(void)state;
	for (i = 0; i < N(p); i++)
		p[i] = prop("p", SCALED_PROPOSAL_SET, 2);
	p[SCALED_MAX_PROPOSALS] = prop("last", SCALED_PROPOSAL_HOLD, 0);
	state_at(&st, 5);
	assert_false(group_decide(&cfg, &st, 0, p, N(p), false, &d));
	assert_int_equal(d.desired, 5);
	assert_int_equal(d.n_proposals, SCALED_MAX_PROPOSALS);
	group_state_free(&st);
}

/* No room to remember the change: hold rather than act uncounted. */
static void test_out_of_memory(void **state)
{
	struct group_settings cfg = plain_settings(0, 10);
	struct group_state st;
	struct scaled_decision d;
	struct scaled_proposal p[] = { prop("q", SCALED_PROPOSAL_SET, 6) };

	(void)state;
	state_at(&st, 3);
	alloc_fail_after(1); /* the recommendation fits, the change does not */
	assert_true(group_decide(&cfg, &st, 0, p, 1, false, &d));
	alloc_fail_after(-1);
	assert_int_equal(d.desired, 3);
	assert_int_equal(d.bound_by, SCALED_STAGE_ACT);
	assert_string_equal(d.bound_reason, "act: out of memory, holding");
	assert_int_equal(st.desired, 3);
	assert_true(group_decide(&cfg, &st, 1, p, 1, false, &d));
	assert_int_equal(d.desired, 6);
	group_state_free(&st);
}

/*
 * A queue that fills and drains, ticks every 30 s, with the defaults an
 * operator would write: scale-down window 300 s, cooldown up 60 s, down
 * 120 s, at most +4 per minute. Every tick's numbers are exact.
 */
static void test_scenario(void **state)
{
	static const struct {
		int64_t t;
		int want;       /* the policy's SET */
		int desired;    /* after the tick */
		enum scaled_stage bound;
		bool record;
	} ticks[] = {
		{      0,  1,  1, SCALED_STAGE_NONE,      false },
		{  30000,  9,  5, SCALED_STAGE_RATE,      true  }, /* +4 per minute */
		{  60000,  9,  5, SCALED_STAGE_COOLDOWN,  true  },
		{  90000,  9,  9, SCALED_STAGE_NONE,      true  }, /* 60 s after t=30 s */
		{ 120000,  9,  9, SCALED_STAGE_NONE,      false },
		{ 150000,  2,  9, SCALED_STAGE_STABILIZE, true  }, /* queue drained */
		{ 240000,  2,  9, SCALED_STAGE_STABILIZE, true  },
		{ 390000,  2,  9, SCALED_STAGE_STABILIZE, true  }, /* 9 at 120 s still in */
		{ 420000,  2,  5, SCALED_STAGE_RATE,      true  }, /* window passed; -4 */
		{ 450000,  3,  5, SCALED_STAGE_COOLDOWN,  true  }, /* down: 120 s */
		{ 510000,  0,  5, SCALED_STAGE_STABILIZE, true  }, /* 3 at 450 s in window */
		{ 540000,  0,  3, SCALED_STAGE_STABILIZE, true  }, /* cooldown over */
		{ 600000, 12,  7, SCALED_STAGE_RATE,      true  }, /* up: no cooldown */
	};
	struct group_settings cfg;
	struct group_state st;
	struct scaled_decision d;
	struct scaled_proposal p[1];
	size_t i;

	(void)state;
	group_settings_default(&cfg);
	cfg.min = 0;
	cfg.max = 20;
	cfg.cooldown_up_ms = 60000;
	cfg.cooldown_down_ms = 120000;
	cfg.rate_count = 4;
	state_at(&st, 1);
	for (i = 0; i < N(ticks); i++) {
		bool rec;

		p[0] = prop("queue", SCALED_PROPOSAL_SET, ticks[i].want);
		rec = group_decide(&cfg, &st, ticks[i].t, p, 1, false, &d);
		print_message("t=%lld want %d -> %d [stage %d] %s\n", (long long)ticks[i].t,
			      ticks[i].want, d.desired, (int)d.bound_by, d.bound_reason);
		assert_int_equal(d.desired, ticks[i].desired);
		assert_int_equal(d.bound_by, ticks[i].bound);
		assert_int_equal(rec, ticks[i].record);
		if (d.outcome == SCALED_OUTCOME_PENDING) {
			st.action_pending = true;
			st.pending_from = d.desired_before;
			group_action_done(&st, &d, true);
		}
	}
	group_state_free(&st);
}

/* Months of ticks: the history stays as small as the windows allow. */
static void test_history_bounded(void **state)
{
	struct group_settings cfg;
	struct group_state st;
	struct scaled_decision d;
	struct scaled_proposal p[1];
	int64_t t;

	(void)state;
	group_settings_default(&cfg);
	cfg.max = 50;
	cfg.rate_count = 3;
	state_at(&st, 0);
	for (t = 0; t < 10LL * 24 * 3600 * 1000; t += 10000) {
		p[0] = prop("wave", SCALED_PROPOSAL_SET, (int)(t / 10000 % 40));
		group_decide(&cfg, &st, t, p, 1, false, &d);
		if (d.outcome == SCALED_OUTCOME_PENDING) {
			st.action_pending = true;
			group_action_done(&st, &d, true);
		}
		/* 300 s window at one value per 10 s; changes within 60 s */
		assert_true(st.recs.len <= 30);
		assert_true(st.changes.len <= 6);
	}
	assert_true(st.recs.cap <= 64);
	assert_true(st.changes.cap <= 8);
	group_state_free(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scale_out),
		cmocka_unit_test(test_nothing_to_do_not_recorded),
		cmocka_unit_test(test_at_min_not_recorded),
		cmocka_unit_test(test_outvoted_not_recorded),
		cmocka_unit_test(test_failure_recorded),
		cmocka_unit_test(test_refusals_recorded),
		cmocka_unit_test(test_first_stage_binds),
		cmocka_unit_test(test_action_success),
		cmocka_unit_test(test_action_failure_rolls_back),
		cmocka_unit_test(test_pending_action),
		cmocka_unit_test(test_dry_run),
		cmocka_unit_test(test_pause),
		cmocka_unit_test(test_override),
		cmocka_unit_test(test_unknown_desired),
		cmocka_unit_test(test_many_proposals),
		cmocka_unit_test(test_out_of_memory),
		cmocka_unit_test(test_scenario),
		cmocka_unit_test(test_history_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
