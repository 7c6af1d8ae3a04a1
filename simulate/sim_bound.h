/*
 * sim_bound.h - the offline lower bound of a simulation (docs/simulate.md,
 * "The lower bound"): the fluid relaxation. Each arrival's work (its
 * service time / the capacities' highest service rate) is bought at full
 * utilisation, by the millisecond, at the least price in force at any
 * instant of its window [arrival, min(arrival + SLO + work, to)): the spot
 * step function or on-demand, whichever is lower. The world bills only up
 * to the span's end `to`, so only the work that must fall before it counts:
 * clamp(to - arrival - SLO, 0, work). A job that starts within the SLO has
 * at least that much of its work inside the window, and whatever runs it
 * pays at least that least price for each of those milliseconds; boot,
 * idle time, whole instances and whole seconds only add to it. So no run
 * that serves every arrival within the SLO costs less.
 *
 * Computed from the traces alone (no engine, no world), so that it cannot
 * share a bug with what it bounds: the arrivals as sim_queue.h makes them,
 * their service times drawn as the world draws them (the same seed and
 * stream, in the same order). Time O(arrivals x log(price steps)) through
 * a segment tree of the steps' prices; memory 2 x the spot trace's rows,
 * arrivals streamed.
 *
 * Also the fixed-peak reference: the fewest instances that, all on-demand
 * for the whole span, do each load bin's work within the bin (the ceiling
 * of the busiest bin's work / the bin), and what they cost.
 */
#ifndef SIM_BOUND_H
#define SIM_BOUND_H

#include <stddef.h>
#include <stdint.h>

#include "sim_cost.h"
#include "sim_rng.h"

/* The bound's accumulator: arrivals added one at a time, in any order. */
struct sim_bound {
	const struct sim_prices *p;
	int64_t slo_ms;
	int64_t to_ms;         /* the span's end: nothing is billed after it */
	double *tree;          /* min-segment tree over the spot rows' prices */
	size_t n, leaves;      /* rows; leaves (a power of two, >= n) */
	double cost;           /* what the arrivals added so far cost */
	int64_t work_ms;       /* their whole work (also beyond the span) */
};

/* 0, or -ENOMEM. p (and its trace) must outlive b; to_ms: the span's end
 * (engine ms). */
int sim_bound_init(struct sim_bound *b, const struct sim_prices *p, int64_t slo_ms,
		   int64_t to_ms);
void sim_bound_free(struct sim_bound *b);

/* The least price per hour in force at any instant of [from, to) (engine
 * ms): the spot rows' there, and on-demand. to <= from: the price at from. */
double sim_bound_price(const struct sim_bound *b, int64_t from, int64_t to);

/* One arrival at `arrival_ms` with `work_ms` of work on one instance:
 * w = clamp(to - arrival - slo, 0, work_ms) bought at
 * sim_bound_price(arrival, min(arrival + slo + work_ms, to)). */
void sim_bound_add(struct sim_bound *b, int64_t arrival_ms, int64_t work_ms);

/* A whole run's inputs, as the world gets them. */
struct sim_bound_in {
	const struct replay_trace *load;
	double load_scale;
	int64_t from_ms, to_ms;
	int64_t service_ms;
	enum sim_dist service_dist;
	double service_sigma;
	uint64_t seed;
	double rate;           /* the highest service rate of the capacities */
	struct sim_prices prices;
	int64_t slo_ms;
};

struct sim_bound_out {
	double cost;           /* the lower bound */
	int64_t work_ms;       /* every arrival's work (also beyond the span) */
	int64_t peak;          /* instances for the busiest bin */
	double fixed_peak;     /* peak x span x the on-demand price */
};

/* Stream the run's arrivals through a bound. 0, or -ENOMEM. */
int sim_bound_run(const struct sim_bound_in *in, struct sim_bound_out *out);

#endif
