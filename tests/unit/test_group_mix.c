/*
 * test_group_mix.c - the market mix: the split of a group into on-demand and
 * spot units as EC2 Auto Scaling makes it (the user guide's table), and the
 * mix part of the pipeline (group_mix.c): combine, dwell, pause, override,
 * dry-run, one action at a time, rollback, stale proposals, the farm's mix.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "pipeline_util.h"

/* The EC2 Auto Scaling user guide, "Create a mixed instances group" ...
 * "Example: Scaling behavior" (docs.aws.amazon.com/autoscaling/ec2/
 * userguide/mixed-instances-groups-set-up-overview.html): for group sizes
 * 10, 20, 30, 40, the on-demand units (base amount + above the base) and the
 * spot units, for five distributions. Written here as the page has them. */
static void test_aws_split_examples(void **state)
{
	static const struct {
		int base, percent;
		int od_base[4], od_above[4], spot[4];
	} ex[] = {
		/* Example 1: base of 10, 50/50% On-Demand/Spot */
		{ 10, 50, { 10, 10, 10, 10 }, { 0, 5, 10, 15 }, { 0, 5, 10, 15 } },
		/* Example 2: base of 0, 0/100% */
		{ 0, 0, { 0, 0, 0, 0 }, { 0, 0, 0, 0 }, { 10, 20, 30, 40 } },
		/* Example 3: base of 0, 60/40% */
		{ 0, 60, { 0, 0, 0, 0 }, { 6, 12, 18, 24 }, { 4, 8, 12, 16 } },
		/* Example 4: base of 0, 100/0% */
		{ 0, 100, { 0, 0, 0, 0 }, { 10, 20, 30, 40 }, { 0, 0, 0, 0 } },
		/* Example 5: base of 12, 0/100% */
		{ 12, 0, { 10, 12, 12, 12 }, { 0, 0, 0, 0 }, { 0, 8, 18, 28 } },
	};
	static const int sizes[4] = { 10, 20, 30, 40 };

	(void)state;
	for (size_t i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		for (int j = 0; j < 4; j++) {
			int od = scaled_mix_on_demand(sizes[j], ex[i].base, ex[i].percent);

			assert_int_equal(od, ex[i].od_base[j] + ex[i].od_above[j]);
			assert_int_equal(sizes[j] - od, ex[i].spot[j]);
		}
	}
	/* "If the result creates a fractional number, it rounds up to the next
	 * integer in favor of On-Demand Instances" (same page) */
	assert_int_equal(scaled_mix_on_demand(3, 0, 50), 2);   /* 1.5 -> 2 */
	assert_int_equal(scaled_mix_on_demand(11, 10, 1), 11); /* 0.01 -> 1 */
	assert_int_equal(scaled_mix_on_demand(0, 5, 100), 0);
	assert_int_equal(scaled_mix_on_demand(1000000, 0, 33), 330000);
}

static struct scaled_proposal with_mix(struct scaled_proposal p, int base, int percent)
{
	p.mix = 1;
	p.mix_base = base;
	p.mix_percent = percent;
	snprintf(p.mix_reason, sizeof(p.mix_reason), "%s wants %d/%d", p.policy, base, percent);
	return p;
}

static struct group_settings market_settings(void)
{
	struct group_settings cfg = plain_settings(0, 100);

	cfg.markets = true;
	cfg.mix_dwell_ms = 600000;
	return cfg;
}

/* A group of 10 on spot (base 0, 0 %). */
static void spot_state(struct group_state *st)
{
	state_at(st, 10);
	st->mix_base = 0;
	st->mix_percent = 0;
	st->spot = 10;
	st->on_demand = 0;
}

static void apply_ok(struct group_state *st, const struct scaled_decision *d)
{
	st->action_pending = true;
	group_action_done(st, d, true);
}

static void test_mix_alone_changes_the_mix(void **state)
{
	struct group_settings cfg = market_settings();
	struct group_state st;
	struct scaled_decision d;
	struct scaled_proposal p[] = {
		with_mix(prop("failover", SCALED_PROPOSAL_NONE, 0), -1, 100),
	};

	(void)state;
	spot_state(&st);
	assert_true(group_decide(&cfg, &st, 1000, p, 1, false, &d));
	assert_int_equal(d.desired, 10);
	assert_int_equal(d.outcome, SCALED_OUTCOME_PENDING);
	assert_int_equal(d.mix_base_before, 0);
	assert_int_equal(d.mix_percent_before, 0);
	assert_int_equal(d.mix_base, 0); /* left out: kept */
	assert_int_equal(d.mix_percent, 100);
	assert_int_equal(d.mix_bound_by, SCALED_STAGE_NONE);
	assert_string_equal(d.mix_reason, "failover: failover wants -1/100");
	assert_int_equal(d.spot, 10);
	assert_int_equal(st.mix_percent, 100);
	apply_ok(&st, &d);
	assert_int_equal(st.mix_changed_ms, 1000);
	group_state_free(&st);
}

static void test_count_and_mix_in_one_decision(void **state)
{
	struct group_settings cfg = market_settings();
	struct group_state st;
	struct scaled_decision d;
	struct scaled_proposal p[] = {
		with_mix(prop("both", SCALED_PROPOSAL_SET, 15), 2, 50),
	};

	(void)state;
	spot_state(&st);
	assert_true(group_decide(&cfg, &st, 1000, p, 1, false, &d));
	assert_int_equal(d.desired, 15);
	assert_int_equal(d.mix_base, 2);
	assert_int_equal(d.mix_percent, 50);
	assert_int_equal(d.outcome, SCALED_OUTCOME_PENDING);
	group_state_free(&st);
}

/* The most on-demand units at the new count win; a failed or stale
 * proposal's mix takes no part. */
static void test_most_dependable_mix_wins(void **state)
{
	struct group_settings cfg = market_settings();
	struct group_state st;
	struct scaled_decision d;
	struct scaled_proposal p[] = {
		with_mix(prop("a", SCALED_PROPOSAL_HOLD, 0), 4, 0),     /* 4 od of 10 */
		with_mix(prop("b", SCALED_PROPOSAL_HOLD, 0), 0, 50),    /* 5 od of 10 */
		prop_stale(with_mix(prop("c", SCALED_PROPOSAL_HOLD, 0), 0, 100)),
		with_mix(prop("d", SCALED_PROPOSAL_ERROR, 0), 0, 100),
	};

	(void)state;
	spot_state(&st);
	assert_true(group_decide(&cfg, &st, 1000, p, 4, false, &d));
	assert_int_equal(d.mix_base, 0);
	assert_int_equal(d.mix_percent, 50);
	assert_string_equal(d.mix_reason, "b: b wants 0/50");
	group_state_free(&st);
}

static void test_dwell_refuses_then_allows(void **state)
{
	struct group_settings cfg = market_settings();
	struct group_state st;
	struct scaled_decision d;
	struct scaled_proposal od[] = { with_mix(prop("f", SCALED_PROPOSAL_HOLD, 0), 0, 100) };
	struct scaled_proposal sp[] = { with_mix(prop("f", SCALED_PROPOSAL_HOLD, 0), 0, 0) };

	(void)state;
	spot_state(&st);
	assert_true(group_decide(&cfg, &st, 1000, od, 1, false, &d));
	apply_ok(&st, &d);
	/* back to spot 9m59s later: refused, recorded */
	assert_true(group_decide(&cfg, &st, 1000 + 599000, sp, 1, false, &d));
	assert_int_equal(d.outcome, SCALED_OUTCOME_NONE);
	assert_int_equal(d.mix_percent, 100);
	assert_int_equal(d.mix_percent_wanted, 0);
	assert_int_equal(d.mix_bound_by, SCALED_STAGE_COOLDOWN);
	assert_string_equal(d.mix_reason, "dwell: mix change to on_demand_base 0, "
			    "on_demand_percent 0 refused, 599s of 600s since the last");
	/* at 10m exactly: allowed */
	assert_true(group_decide(&cfg, &st, 1000 + 600000, sp, 1, false, &d));
	assert_int_equal(d.outcome, SCALED_OUTCOME_PENDING);
	assert_int_equal(d.mix_percent, 0);
	group_state_free(&st);
}

static void test_pause_override_dry_run(void **state)
{
	struct group_settings cfg = market_settings();
	struct group_state st;
	struct scaled_decision d;
	struct scaled_proposal p[] = { with_mix(prop("f", SCALED_PROPOSAL_HOLD, 0), 0, 100) };

	(void)state;
	spot_state(&st);
	cfg.paused = true;
	assert_true(group_decide(&cfg, &st, 1000, p, 1, false, &d));
	assert_int_equal(d.outcome, SCALED_OUTCOME_PAUSED);
	assert_int_equal(d.mix_percent, 0);
	assert_int_equal(d.mix_bound_by, SCALED_STAGE_OVERRIDE);
	assert_string_equal(d.mix_reason, "pause: group is paused, mix kept");

	cfg.paused = false;
	cfg.mix_override_percent = 25;
	assert_true(group_decide(&cfg, &st, 2000, p, 1, false, &d));
	assert_int_equal(d.mix_base, 0);
	assert_int_equal(d.mix_percent, 25);
	assert_int_equal(d.mix_percent_wanted, 100);
	assert_int_equal(d.mix_bound_by, SCALED_STAGE_OVERRIDE);
	assert_string_equal(d.mix_reason, "override: on_demand_base 0, on_demand_percent 25 "
			    "by the operator");
	assert_int_equal(d.outcome, SCALED_OUTCOME_PENDING);
	group_state_free(&st);

	spot_state(&st);
	cfg.mix_override_percent = -1;
	cfg.dry_run = true;
	assert_true(group_decide(&cfg, &st, 3000, p, 1, false, &d));
	assert_int_equal(d.outcome, SCALED_OUTCOME_DRY_RUN);
	assert_int_equal(d.mix_percent, 100);
	assert_int_equal(st.mix_percent, 100);
	assert_int_equal(st.mix_changed_ms, 3000); /* as if applied: dwell runs */
	group_state_free(&st);
}

/* The operator's fields move within the dwell time; the policies' part of a
 * mix waits for it, whatever the override says about the other field. */
static void test_override_and_dwell(void **state)
{
	struct group_settings cfg = market_settings();
	struct group_state st;
	struct scaled_decision d;
	struct scaled_proposal p[] = { with_mix(prop("f", SCALED_PROPOSAL_HOLD, 0), 1, 0) };
	struct scaled_proposal same[] = { with_mix(prop("f", SCALED_PROPOSAL_HOLD, 0), 0, 100) };

	(void)state;
	spot_state(&st);
	st.mix_changed_ms = 0; /* changed at 0: dwell (10m) runs */
	cfg.mix_override_percent = 100;
	/* the policy's base waits; the operator's percent applies at once */
	assert_true(group_decide(&cfg, &st, 1000, p, 1, false, &d));
	assert_int_equal(d.mix_base, 0);
	assert_int_equal(d.mix_percent, 100);
	assert_int_equal(d.mix_bound_by, SCALED_STAGE_OVERRIDE);
	assert_string_equal(d.mix_reason, "override: on_demand_base 0, on_demand_percent 100 "
			    "by the operator");
	apply_ok(&st, &d);
	/* and the next tick: the base still waits (changed at 1000 now) */
	assert_true(group_decide(&cfg, &st, 2000, p, 1, false, &d));
	assert_int_equal(d.mix_base, 0);
	assert_int_equal(d.mix_bound_by, SCALED_STAGE_COOLDOWN);
	/* after the dwell time the base moves too */
	assert_true(group_decide(&cfg, &st, 1000 + 600000, p, 1, false, &d));
	assert_int_equal(d.mix_base, 1);
	assert_int_equal(d.mix_percent, 100);
	group_state_free(&st);

	/* a policy asking for what the override sets does not hold it back */
	spot_state(&st);
	st.mix_changed_ms = 0;
	assert_true(group_decide(&cfg, &st, 1000, same, 1, false, &d));
	assert_int_equal(d.mix_percent, 100);
	assert_int_equal(d.mix_bound_by, SCALED_STAGE_OVERRIDE);
	assert_int_equal(d.outcome, SCALED_OUTCOME_PENDING);
	group_state_free(&st);
}

static void test_in_flight_and_rollback(void **state)
{
	struct group_settings cfg = market_settings();
	struct group_state st;
	struct scaled_decision d;
	struct scaled_proposal p[] = { with_mix(prop("f", SCALED_PROPOSAL_HOLD, 0), 0, 100) };

	(void)state;
	spot_state(&st);
	st.action_pending = true;
	assert_true(group_decide(&cfg, &st, 1000, p, 1, false, &d));
	assert_int_equal(d.mix_percent, 0);
	assert_int_equal(d.mix_bound_by, SCALED_STAGE_ACT);
	st.action_pending = false;
	assert_true(group_decide(&cfg, &st, 2000, p, 1, false, &d));
	assert_int_equal(st.mix_percent, 100);
	st.action_pending = true;
	group_action_done(&st, &d, false);
	assert_int_equal(st.mix_base, 0);
	assert_int_equal(st.mix_percent, 0);
	assert_true(st.mix_changed_ms == GROUP_NEVER);
	group_state_free(&st);
}

/* The farm's mix goes out with the first decision; a group without markets
 * ignores mixes; a stale mix alone holds, and says so. */
static void test_farm_mix_no_markets_stale(void **state)
{
	struct group_settings cfg = market_settings();
	struct group_state st;
	struct scaled_decision d;
	struct scaled_proposal hold[] = { prop("h", SCALED_PROPOSAL_HOLD, 0) };
	struct scaled_proposal stale[] = {
		prop_stale(with_mix(prop("s", SCALED_PROPOSAL_HOLD, 0), 0, 100)),
	};

	(void)state;
	state_at(&st, 4);
	cfg.mix_base = 1;
	cfg.mix_percent = 0;
	assert_true(group_decide(&cfg, &st, 1000, hold, 1, false, &d));
	assert_int_equal(d.mix_base_before, -1);
	assert_int_equal(d.mix_base, 1);
	assert_int_equal(d.mix_percent, 0);
	assert_int_equal(d.outcome, SCALED_OUTCOME_PENDING);
	assert_string_equal(d.mix_reason, "the group's mix as the farm sets it: on_demand_base 1, "
			    "on_demand_percent 0");
	apply_ok(&st, &d);
	/* a second decision changes nothing */
	assert_false(group_decide(&cfg, &st, 2000, hold, 1, false, &d));

	assert_false(group_decide(&cfg, &st, 3000, stale, 1, false, &d));
	assert_int_equal(d.mix_bound_by, SCALED_STAGE_STALE);
	assert_string_equal(d.mix_reason, "stale: 's' read stale data, mix kept");
	group_state_free(&st);

	cfg.markets = false;
	spot_state(&st);
	assert_false(group_decide(&cfg, &st, 1000, stale, 1, false, &d));
	stale[0].stale = 0;
	assert_false(group_decide(&cfg, &st, 1000, stale, 1, false, &d));
	assert_int_equal(st.mix_percent, 0);
	group_state_free(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aws_split_examples),
		cmocka_unit_test(test_mix_alone_changes_the_mix),
		cmocka_unit_test(test_count_and_mix_in_one_decision),
		cmocka_unit_test(test_most_dependable_mix_wins),
		cmocka_unit_test(test_dwell_refuses_then_allows),
		cmocka_unit_test(test_pause_override_dry_run),
		cmocka_unit_test(test_override_and_dwell),
		cmocka_unit_test(test_in_flight_and_rollback),
		cmocka_unit_test(test_farm_mix_no_markets_stale),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
