/*
 * test_simulate_bound.c - the offline lower bound (sim_bound.c) on cases
 * small enough to work out by hand: the least price over each arrival's
 * window [arrival, arrival + SLO + work), a spot step above on-demand
 * inside a window, a step down seen ahead, and a whole run's bound and
 * fixed-peak reference from a two-row load trace.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sim_bound.h"

#define MIN 60000LL

/* Spot 0.10 from 0, 0.50 from 10 min (above on-demand 0.42), 0.20 from
 * 20 min; engine time is trace time (shift 0). */
static int64_t spot_t[] = { 0, 10 * MIN, 20 * MIN };
static double spot_v[] = { 0.10, 0.50, 0.20 };
static const struct replay_trace spot = { .n = 3, .t_ms = spot_t, .value = spot_v };

static void test_price(void **state)
{
	struct sim_prices p = { .spot = &spot, .shift_ms = 0, .on_demand = 0.42 };
	struct sim_bound b;

	(void)state;
	assert_int_equal(sim_bound_init(&b, &p, 5 * MIN, 60 * MIN), 0);
	/* Before the first row: the first row's price. */
	assert_float_equal(sim_bound_price(&b, -5 * MIN, -MIN), 0.10, 1e-12);
	/* Inside the 0.50 row only: on-demand is lower. */
	assert_float_equal(sim_bound_price(&b, 11 * MIN, 17 * MIN), 0.42, 1e-12);
	/* Half-open: [14 min, 20 min) does not reach the 0.20 row... */
	assert_float_equal(sim_bound_price(&b, 14 * MIN, 20 * MIN), 0.42, 1e-12);
	/* ...[14 min, 20 min + 1 ms) does. */
	assert_float_equal(sim_bound_price(&b, 14 * MIN, 20 * MIN + 1), 0.20, 1e-12);
	/* Across all three rows: 0.10. An empty range: the price at from. */
	assert_float_equal(sim_bound_price(&b, 9 * MIN, 25 * MIN), 0.10, 1e-12);
	assert_float_equal(sim_bound_price(&b, 12 * MIN, 12 * MIN), 0.42, 1e-12);
	assert_float_equal(sim_bound_price(&b, 30 * MIN, 40 * MIN), 0.20, 1e-12);
	sim_bound_free(&b);
	/* The trace's first row aligned 10 min before engine time 0 (shift
	 * 10 min): engine [0, 9 min) reads trace [10, 19): the 0.50 row, so
	 * on-demand; engine [0, 10 min + 1 ms) reaches the 0.20 row. */
	p.shift_ms = 10 * MIN;
	assert_int_equal(sim_bound_init(&b, &p, 0, 60 * MIN), 0);
	assert_float_equal(sim_bound_price(&b, 0, 9 * MIN), 0.42, 1e-12);
	assert_float_equal(sim_bound_price(&b, 0, 10 * MIN + 1), 0.20, 1e-12);
	sim_bound_free(&b);
}

static void test_arrivals(void **state)
{
	struct sim_prices p = { .spot = &spot, .shift_ms = 0, .on_demand = 0.42 };
	struct sim_bound b;

	(void)state;
	/* The span ends at 60 min, past every window. */
	assert_int_equal(sim_bound_init(&b, &p, 5 * MIN, 60 * MIN), 0);
	/* SLO 5 min. By hand, each window [a, a + 5 min + work):
	 *  a  0 min, 1 min work: [0, 6)   rows 0       -> 0.10, 1 min
	 *  a  9 min, 2 min work: [9, 16)  rows 0, 1    -> 0.10, 2 min
	 *  a 11 min, 1 min work: [11, 17) row 1 (0.50) -> on-demand 0.42, 1 min
	 *  a 14 min, 1 min work: [14, 20) row 1        -> 0.42, 1 min
	 *  a 15 min, 1 min work: [15, 21) rows 1, 2    -> 0.20, 1 min
	 * (0.10 + 2 x 0.10 + 0.42 + 0.42 + 0.20) / 60 = 1.34 / 60 = 0.0223333 */
	sim_bound_add(&b, 0, MIN);
	sim_bound_add(&b, 9 * MIN, 2 * MIN);
	sim_bound_add(&b, 11 * MIN, MIN);
	sim_bound_add(&b, 14 * MIN, MIN);
	sim_bound_add(&b, 15 * MIN, MIN);
	assert_float_equal(b.cost, 1.34 / 60, 1e-12);
	assert_int_equal(b.work_ms, 6 * MIN);
	sim_bound_free(&b);
}

static void test_end(void **state)
{
	struct sim_prices p = { .spot = &spot, .shift_ms = 0, .on_demand = 0.42 };
	struct sim_bound b;

	(void)state;
	/* SLO 5 min, the span ends at 20 min: only clamp(20 - a - 5, 0, work)
	 * of a job's work counts, over [a, min(a + 5 + work, 20)):
	 *  a  0 min, 1 min work: 1 min over [0, 6)    row 0       -> 0.10
	 *  a 10 min, 3 min work: 3 min over [10, 18)  row 1 (0.50) -> 0.42
	 *  a 13 min, 4 min work: 2 min over [13, 20)  row 1        -> 0.42
	 *    (the whole 4 min over [13, 22) would reach 0.20: 0.80 for it)
	 *  a 16 min, 1 min work: starts by 21 min, after the end: nothing
	 *    (the whole of it over [16, 22): 0.20)
	 * (0.10 + 3 x 0.42 + 2 x 0.42) / 60 = 2.20 / 60 = 0.0366667; the
	 * whole work 9 min (before the end counted: 2.36 / 60). */
	assert_int_equal(sim_bound_init(&b, &p, 5 * MIN, 20 * MIN), 0);
	sim_bound_add(&b, 0, MIN);
	sim_bound_add(&b, 10 * MIN, 3 * MIN);
	sim_bound_add(&b, 13 * MIN, 4 * MIN);
	sim_bound_add(&b, 16 * MIN, MIN);
	assert_float_equal(b.cost, 2.20 / 60, 1e-12);
	assert_int_equal(b.work_ms, 9 * MIN);
	sim_bound_free(&b);
	/* SLO 0, a 1 min before the end with 1 h of work: 1 min of it, over
	 * [19, 20): row 1 (0.50), so on-demand: 0.42 / 60 (the whole hour over
	 * [19, 79) would reach 0.20: 0.20). Arriving at the end: nothing. */
	assert_int_equal(sim_bound_init(&b, &p, 0, 20 * MIN), 0);
	sim_bound_add(&b, 19 * MIN, 60 * MIN);
	sim_bound_add(&b, 20 * MIN, MIN);
	assert_float_equal(b.cost, 0.42 / 60, 1e-12);
	sim_bound_free(&b);
}

static void test_run(void **state)
{
	/* Two one-minute bins: 3 arrivals, then 1; fixed 60 s jobs at rate 1. */
	static int64_t load_t[] = { 0, MIN };
	static double load_v[] = { 3, 1 };
	const struct replay_trace load = { .n = 2, .t_ms = load_t, .value = load_v };
	struct sim_bound_in in = {
		.load = &load, .load_scale = 1, .from_ms = 0, .to_ms = 2 * MIN,
		.service_ms = MIN, .service_dist = SIM_DIST_FIXED, .seed = 1, .rate = 1,
		.prices = { .spot = &spot, .shift_ms = 0, .on_demand = 0.42 }, .slo_ms = 0,
	};
	struct sim_bound_out out;

	(void)state;
	/* Arrivals at 0, 20 s, 40 s and 60 s, SLO 0, each [a, a + 1 min),
	 * all before the end (2 min): row 0 in every window: 4 min of work at
	 * 0.10 = 0.4 / 60 = 0.0066667.
	 * Bin 0 holds 3 min of work in 1 min: 3 instances, the peak; on
	 * demand for the 2-minute span: 3 x 0.42 x 2 / 60 = 0.042. */
	assert_int_equal(sim_bound_run(&in, &out), 0);
	assert_float_equal(out.cost, 0.4 / 60, 1e-12);
	assert_int_equal(out.work_ms, 4 * MIN);
	assert_int_equal(out.peak, 3);
	assert_float_equal(out.fixed_peak, 0.042, 1e-12);
	/* Rate 4: a job is 15 s of work: bin 0 holds 45 s, 1 instance; the
	 * bound a quarter: 0.1 / 60. */
	in.rate = 4;
	assert_int_equal(sim_bound_run(&in, &out), 0);
	assert_float_equal(out.cost, 0.1 / 60, 1e-12);
	assert_int_equal(out.peak, 1);
	assert_float_equal(out.fixed_peak, 0.014, 1e-12);
	/* Rate 1, SLO 30 s: each job starts by a + 30 s, so before the end
	 * (120 s) min(120 - a - 30, 60) s of it: 60 + 60 + 50 + 30 = 200 s
	 * at 0.10 = 20 / 3600 = 1 / 180. */
	in.rate = 1;
	in.slo_ms = 30000;
	assert_int_equal(sim_bound_run(&in, &out), 0);
	assert_float_equal(out.cost, 1.0 / 180, 1e-12);
	assert_int_equal(out.work_ms, 4 * MIN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_price),
		cmocka_unit_test(test_arrivals),
		cmocka_unit_test(test_end),
		cmocka_unit_test(test_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
