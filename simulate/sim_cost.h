/*
 * sim_cost.h - the price step functions and per-second billing.
 *
 * The spot price is the --spot trace's step function, its first row aligned
 * with the start of the simulated span (engine time t reads trace time
 * t + shift_ms); the on-demand price is a constant. Prices are per hour.
 */
#ifndef SIM_COST_H
#define SIM_COST_H

#include <stdint.h>

#include "replay.h"

enum sim_mkt { SIM_MKT_SPOT, SIM_MKT_OD, SIM_MKTS };

struct sim_prices {
	const struct replay_trace *spot; /* n >= 1 */
	int64_t shift_ms;                /* trace time - engine time */
	double on_demand;
};

/* The spot price in force at engine time t (the first row's before it). */
double sim_prices_spot(const struct sim_prices *p, int64_t t);
/* The first engine time after t at which the spot price row changes, or -1. */
int64_t sim_prices_next_change(const struct sim_prices *p, int64_t t);

/* What an instance of market mk costs from `from` to `to` (engine ms):
 * billed per second, the time rounded up to a whole second, each second at
 * the price in force then. 0 when to <= from. */
double sim_cost_bill(const struct sim_prices *p, enum sim_mkt mk, int64_t from, int64_t to);

#endif
