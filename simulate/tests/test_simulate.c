/*
 * test_simulate.c - the simulator's parts on their own, each answer worked
 * out by hand: PCG32 against its reference output, the event heap's order,
 * the wait histogram's percentiles, the load trace's arrivals, billing
 * across a price step, the world's drain and interruption rules, a job
 * in hand at the finish that the queue has no room for, and the idle
 * stack under launches scaled in while idle.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scaled/plugin.h"
#include "sim_cli.h"
#include "sim_cost.h"
#include "sim_heap.h"
#include "sim_hist.h"
#include "sim_queue.h"
#include "sim_rng.h"
#include "sim_world.h"

/* malloc, linked with --wrap=malloc (simulate.cmake): a request of
 * fail_size bytes fails (0: none), to reach the paths of -ENOMEM. */
void *__real_malloc(size_t size);
void *__wrap_malloc(size_t size);
static size_t fail_size;

void *__wrap_malloc(size_t size)
{
	return fail_size && size == fail_size ? NULL : __real_malloc(size);
}

/* pcg32-demo (pcg-c-basic) seeds with 42, 54 and prints these first. */
static void test_rng_reference(void **state)
{
	static const uint32_t want[] = { 0xa15c02b7, 0x7b47f409, 0xba1d3330,
					 0x83d2f293, 0xbfa4784b, 0xcbed606e };
	struct sim_rng r;
	size_t i;

	(void)state;
	sim_rng_seed(&r, 42, 54);
	for (i = 0; i < sizeof want / sizeof want[0]; i++)
		assert_int_equal(sim_rng_next(&r), want[i]);
}

static void test_heap_order(void **state)
{
	static const int64_t t[] = { 50, 10, 30, 10, 40, 10 };
	struct sim_heap h = { 0 };
	struct sim_event ev;
	size_t i;

	(void)state;
	for (i = 0; i < 6; i++)
		assert_int_equal(sim_heap_push(&h, (struct sim_event){ .t_ms = t[i], .type = (int)i }), 0);
	/* 10s in the order pushed (types 1, 3, 5), then 30, 40, 50. */
	for (i = 0; i < 6; i++) {
		static const int order[] = { 1, 3, 5, 2, 4, 0 };

		assert_int_equal(sim_heap_pop(&h, &ev), 0);
		assert_int_equal(ev.type, order[i]);
	}
	assert_int_equal(sim_heap_pop(&h, &ev), -1);
	sim_heap_free(&h);
}

static void test_hist(void **state)
{
	struct sim_hist *h = calloc(1, sizeof *h);
	int64_t v;

	(void)state;
	assert_int_equal(sim_hist_percentile(h, 50), 0);
	/* 1..100 ms: p50 is the 50th smallest, 50 (exact below 64 ms); p95
	 * the 95th, 95, in the bucket of 95..97 (64 ms and up: 32 buckets to
	 * the octave, 2 ms wide here), read as its top, 97; max 100. */
	for (v = 1; v <= 100; v++)
		sim_hist_add(h, v);
	assert_int_equal(sim_hist_percentile(h, 50), 50);
	assert_int_equal(sim_hist_percentile(h, 95), 95 | 1);
	assert_int_equal(sim_hist_percentile(h, 100), 100);
	assert_int_equal(h->max, 100);
	/* One value of 10 000 s: every percentile is it (capped by max). */
	memset(h, 0, sizeof *h);
	sim_hist_add(h, 10000000);
	assert_int_equal(sim_hist_percentile(h, 50), 10000000);
	free(h);
}

static void test_load_arrivals(void **state)
{
	int64_t t_ms[] = { 0, 60000, 120000 };
	double value[] = { 3, 0, 1.5 };
	struct replay_trace tr = { .n = 3, .t_ms = t_ms, .value = value };
	struct sim_load l;

	(void)state;
	/* Bins of 60 s; x 1: 3 jobs at 0, 20, 40 s; none; 1 job at 120 s
	 * (1.5: 0.5 carried, no row left to take it). */
	sim_load_init(&l, &tr, 1, 0, 180000);
	assert_int_equal(sim_load_next(&l), 0);
	assert_int_equal(sim_load_next(&l), 20000);
	assert_int_equal(sim_load_next(&l), 40000);
	assert_int_equal(sim_load_next(&l), 120000);
	assert_int_equal(sim_load_next(&l), -1);
	/* x 2, from 30 s to 150 s: 6 jobs 10 s apart, those at 30, 40, 50 s;
	 * then 3 in the last bin, 120 s and 140 s (160 s is past the end). */
	sim_load_init(&l, &tr, 2, 30000, 150000);
	assert_int_equal(sim_load_next(&l), 30000);
	assert_int_equal(sim_load_next(&l), 40000);
	assert_int_equal(sim_load_next(&l), 50000);
	assert_int_equal(sim_load_next(&l), 120000);
	assert_int_equal(sim_load_next(&l), 140000);
	assert_int_equal(sim_load_next(&l), -1);
}

static void test_bill(void **state)
{
	int64_t t_ms[] = { 1000000, 1000000 + 3600000 };
	double value[] = { 0.36, 0.72 };
	struct replay_trace tr = { .n = 2, .t_ms = t_ms, .value = value };
	/* Trace time = engine time + 1 000 000: the price goes up at engine 3600 s. */
	struct sim_prices p = { .spot = &tr, .shift_ms = 1000000, .on_demand = 1.8 };

	(void)state;
	/* On-demand: 1 ms is a whole second, 1.8 / 3600 = 0.0005. */
	assert_float_equal(sim_cost_bill(&p, SIM_MKT_OD, 0, 1), 0.0005, 1e-12);
	assert_float_equal(sim_cost_bill(&p, SIM_MKT_OD, 0, 3600000), 1.8, 1e-12);
	assert_float_equal(sim_cost_bill(&p, SIM_MKT_OD, 5, 5), 0, 0);
	/* Spot from 1800 s to 5400 s: half an hour at 0.36, half at 0.72. */
	assert_float_equal(sim_cost_bill(&p, SIM_MKT_SPOT, 1800000, 5400000), 0.54, 1e-12);
	/* 1.5 s at the step (3599.5 s to 3601 s): billed 2 s from 3599.5 s:
	 * 0.5 s at 0.36 and 1.5 s at 0.72 = (0.18 + 1.08) / 3600. */
	assert_float_equal(sim_cost_bill(&p, SIM_MKT_SPOT, 3599500, 3601000), 1.26 / 3600, 1e-12);
	assert_float_equal(sim_prices_spot(&p, 3599999), 0.36, 0);
	assert_float_equal(sim_prices_spot(&p, 3600000), 0.72, 0);
	assert_int_equal(sim_prices_next_change(&p, 0), 3600000);
	assert_int_equal(sim_prices_next_change(&p, 3600000), -1);
}

/* A world of one load row of 2 jobs (spread over a 60 s bin: at 0 and
 * 30 s) of service_ms each; spot at 0.10 for 1000 s, then 1.00. */
static struct sim_world *world_of(int64_t service_ms)
{
	static int64_t lt[] = { 0 }, st[] = { 0, 1000000 };
	static double lv[] = { 2 }, sv[] = { 0.10, 1.00 };
	static struct replay_trace load = { .n = 1, .t_ms = lt, .value = lv };
	static struct replay_trace spot = { .n = 2, .t_ms = st, .value = sv };
	struct sim_world_config cfg = {
		.load = &load, .load_scale = 1, .from_ms = 0, .to_ms = 3600000,
		.service_ms = service_ms, .seed = 1,
		.prices = { .spot = &spot, .shift_ms = 0, .on_demand = 0.36 },
		.notice_ms = 120000,
	};
	struct sim_world *w = NULL;

	assert_int_equal(sim_world_new(&cfg, &w), 0);
	return w;
}

static void test_world_drain(void **state)
{
	struct sim_world *w = world_of(100000);
	/* 3 on-demand units at the start: slots 0, 1, 2, idle in that order. */
	struct sim_pool *p = sim_world_add_pool(w, "p", &(struct sim_pool_config){
		.start = 3, .percent = 100, .boot_ms = { 60000, 60000 }, .max_spot_price = 0.5,
		.rate = 1 });
	struct sim_pool_count n;

	(void)state;
	assert_non_null(p);
	/* The newest idle unit takes a job first: job A (0 s) slot 2, job B
	 * (30 s) slot 1; slot 0 idle. */
	assert_int_equal(sim_world_advance(w, 40000), 0);
	assert_int_equal(w->n_busy, 2);
	/* Scale in to 1 at 40 s: the idle unit goes now; of the busy ones the
	 * highest slot, A's, drains: running 1 (B's), stopping 1. */
	sim_pool_want(w, p, 1, -1, -1);
	sim_pool_count(p, &n);
	assert_int_equal(n.running, 1);
	assert_int_equal(n.stopping, 1);
	/* A ends at 100 s and its unit goes; B ends at 130 s and stays. */
	assert_int_equal(sim_world_advance(w, 200000), 0);
	assert_int_equal(w->st.served, 2);
	sim_pool_count(p, &n);
	assert_int_equal(n.running, 1);
	assert_int_equal(n.stopping, 0);
	/* Billed: 40 s (idle), 100 s (drained), 200 s (kept, to the finish). */
	assert_int_equal(sim_world_finish(w, 200000), 0);
	assert_int_equal(w->st.billed_s[SIM_MKT_OD], 40 + 100 + 200);
	assert_float_equal(w->st.cost[SIM_MKT_OD], 0.034, 1e-12); /* 340 s x 0.36 / 3600 */
	assert_int_equal(w->queue.n, 0);
	sim_world_free(w);
}

static void test_world_interrupt(void **state)
{
	/* One spot unit, maximum 0.5; jobs of 1500 s: A at 0 s runs until
	 * 1500 s, B (30 s) waits. */
	struct sim_world *w = world_of(1500000);
	struct sim_pool *p = sim_world_add_pool(w, "p", &(struct sim_pool_config){
		.start = 1, .percent = 0, .boot_ms = { 60000, 60000 }, .max_spot_price = 0.5,
		.rate = 1 });
	struct sim_pool_count n;

	(void)state;
	assert_non_null(p);
	assert_int_equal(sim_world_advance(w, 999999), 0);
	assert_int_equal(w->n_busy, 1);
	assert_int_equal(w->queue.n, 1);
	/* 1000 s: 1.00 > 0.5, a notice; the replacement asked for waits
	 * unfulfilled (the price stays high). 1120 s: interrupted, A back at
	 * the front of the queue: 2 queued, the oldest from 0 s. */
	assert_int_equal(sim_world_advance(w, 1119999), 0);
	assert_int_equal(w->st.interruptions, 0);
	assert_int_equal(sim_world_advance(w, 1120000), 0);
	assert_int_equal(w->st.interruptions, 1);
	assert_int_equal(w->st.requeued, 1);
	assert_int_equal(w->queue.n, 2);
	assert_int_equal(sim_world_oldest_ms(w), 1120000);
	sim_pool_count(p, &n);
	assert_int_equal(n.running, 0);
	assert_int_equal(n.starting, 1);
	/* Billed 1120 s of spot: 1000 s at 0.10 and 120 s at 1.00; the
	 * waiting request nothing. Nothing served, nothing lost. */
	assert_int_equal(sim_world_finish(w, 3600000), 0);
	assert_int_equal(w->st.billed_s[SIM_MKT_SPOT], 1120);
	assert_float_equal(w->st.cost[SIM_MKT_SPOT], (100.0 + 120.0) / 3600, 1e-12);
	assert_int_equal(w->st.launched[SIM_MKT_SPOT], 1);
	assert_int_equal(w->st.served, 0);
	assert_int_equal(w->st.arrived, 2);
	sim_world_free(w);
}

static void test_world_finish_nomem(void **state)
{
	/* 2049 jobs in the first minute (at j x 60 s / 2049, the last at
	 * 59.970 s), one on-demand unit, jobs of an hour: at 59.999 s the
	 * unit has the first, 2048 wait,
	 * the queue full (1024 grown to 2048 at the 1025th). The finish puts
	 * the first back: the queue must grow to 4096 jobs; it cannot. */
	static int64_t lt[] = { 0 }, st[] = { 0 };
	static double lv[] = { 2049 }, sv[] = { 0.10 };
	static struct replay_trace load = { .n = 1, .t_ms = lt, .value = lv };
	static struct replay_trace spot = { .n = 1, .t_ms = st, .value = sv };
	struct sim_world_config cfg = {
		.load = &load, .load_scale = 1, .from_ms = 0, .to_ms = 3600000,
		.service_ms = 3600000, .seed = 1,
		.prices = { .spot = &spot, .shift_ms = 0, .on_demand = 0.36 },
		.notice_ms = 120000,
	};
	struct sim_world *w = NULL;

	(void)state;
	assert_int_equal(sim_world_new(&cfg, &w), 0);
	assert_non_null(sim_world_add_pool(w, "p", &(struct sim_pool_config){
		.start = 1, .percent = 100, .boot_ms = { 60000, 60000 }, .max_spot_price = 0.5,
		.rate = 1 }));
	assert_int_equal(sim_world_advance(w, 59999), 0);
	assert_int_equal(w->n_busy, 1);
	assert_int_equal(w->queue.n, 2048);
	assert_int_equal(w->queue.cap, 2048);
	/* The job in hand cannot go back: an error, not a job gone quietly;
	 * the unit is billed all the same, 59.999 s as 60 whole seconds. */
	fail_size = 4096 * sizeof(struct sim_job);
	assert_int_equal(sim_world_finish(w, 59999), -ENOMEM);
	fail_size = 0;
	assert_int_equal(w->st.billed_s[SIM_MKT_OD], 60);
	sim_world_free(w);
}

static void test_world_idle_churn(void **state)
{
	/* No load; one on-demand unit launched, booted (60 s) and scaled in
	 * while idle, 100 times over. Each boot pushes an idle entry; each
	 * scale-in leaves it stale. Compacted when full and more than half
	 * stale, the stack stays at its first 16 entries (uncompacted: 100
	 * entries, grown to 128). */
	static int64_t lt[] = { 0 }, st[] = { 0 };
	static double lv[] = { 0 }, sv[] = { 0.10 };
	static struct replay_trace load = { .n = 1, .t_ms = lt, .value = lv };
	static struct replay_trace spot = { .n = 1, .t_ms = st, .value = sv };
	struct sim_world_config cfg = {
		.load = &load, .load_scale = 1, .from_ms = 0, .to_ms = 100 * 60000 + 1,
		.service_ms = 1000, .seed = 1,
		.prices = { .spot = &spot, .shift_ms = 0, .on_demand = 0.36 },
		.notice_ms = 120000,
	};
	struct sim_world *w = NULL;
	struct sim_pool *p;
	struct sim_pool_count n;
	int i;

	(void)state;
	assert_int_equal(sim_world_new(&cfg, &w), 0);
	p = sim_world_add_pool(w, "p", &(struct sim_pool_config){
		.start = 0, .percent = 100, .boot_ms = { 60000, 60000 }, .max_spot_price = 0.5,
		.rate = 1 });
	assert_non_null(p);
	for (i = 0; i < 100; i++) {
		sim_pool_want(w, p, 1, -1, -1);
		assert_int_equal(sim_world_advance(w, (int64_t)(i + 1) * 60000), 0);
		sim_pool_count(p, &n);
		assert_int_equal(n.running, 1);
		sim_pool_want(w, p, 0, -1, -1);
	}
	sim_pool_count(p, &n);
	assert_int_equal(n.running, 0);
	assert_int_equal(w->st.launched[SIM_MKT_OD], 100);
	assert_true(p->n_idle <= 16);
	assert_int_equal(p->cap_idle, 16);
	/* A unit booted after it is on top of the stack, live. */
	sim_pool_want(w, p, 1, -1, -1);
	assert_int_equal(sim_world_advance(w, 101 * 60000), 0);
	assert_true(p->n_idle >= 1);
	assert_int_equal(p->inst[p->idle[p->n_idle - 1]].state, SIM_IDLE);
	assert_int_equal(p->inst[p->idle[p->n_idle - 1]].id, p->idle_id[p->n_idle - 1]);
	sim_world_free(w);
}

static void test_cli(void **state)
{
	char *ok[] = { "simulate", "-c", "f.lua", "--load", "l.csv", "--spot", "s.csv",
		       "--on-demand", "0.5", "--service-time", "250ms", "--from",
		       "2024-01-01T00:00:00Z", NULL };
	char *bad[] = { "simulate", "--service-time", "soon", NULL };
	struct sim_args a;
	char err[256];

	(void)state;
	assert_int_equal(sim_cli_parse(13, ok, &a, err, sizeof err), 0);
	assert_int_equal(a.service_ms, 250);
	assert_int_equal(a.from_ms, 1704067200000LL);
	assert_int_equal(sim_cli_parse(3, bad, &a, err, sizeof err), -EINVAL);
	assert_string_equal(err, "--service-time: \"soon\" is not a duration above 0 "
			    "(\"250ms\", \"30s\", \"5m\")");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rng_reference),
		cmocka_unit_test(test_heap_order),
		cmocka_unit_test(test_hist),
		cmocka_unit_test(test_load_arrivals),
		cmocka_unit_test(test_bill),
		cmocka_unit_test(test_world_drain),
		cmocka_unit_test(test_world_interrupt),
		cmocka_unit_test(test_world_finish_nomem),
		cmocka_unit_test(test_world_idle_churn),
		cmocka_unit_test(test_cli),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
