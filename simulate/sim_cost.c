/*
 * sim_cost.c - prices as step functions, and what an instance's life costs
 * under them (sim_cost.h).
 */
#include "sim_cost.h"

double sim_prices_spot(const struct sim_prices *p, int64_t t)
{
	long i = replay_csv_find(p->spot, t + p->shift_ms);

	return p->spot->value[i < 0 ? 0 : i];
}

int64_t sim_prices_next_change(const struct sim_prices *p, int64_t t)
{
	long i = replay_csv_find(p->spot, t + p->shift_ms);
	size_t next = i < 0 ? 0 : (size_t)i + 1;

	return next < p->spot->n ? p->spot->t_ms[next] - p->shift_ms : -1;
}

double sim_cost_bill(const struct sim_prices *p, enum sim_mkt mk, int64_t from, int64_t to)
{
	int64_t secs, end, t;
	double cost = 0;

	if (to <= from)
		return 0;
	secs = (to - from + 999) / 1000;
	end = from + secs * 1000;
	if (mk == SIM_MKT_OD)
		return p->on_demand * (double)secs / 3600.0;
	for (t = from; t < end;) {
		int64_t next = sim_prices_next_change(p, t);
		int64_t stop = next < 0 || next > end ? end : next;

		cost += sim_prices_spot(p, t) * (double)(stop - t) / 3600000.0;
		t = stop;
	}
	return cost;
}
