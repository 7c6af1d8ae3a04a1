/*
 * sim_hist.h - queue wait per job in a fixed-size log-bucket histogram:
 * percentiles without keeping every job. Values are milliseconds: exact
 * below 64 ms, then 32 buckets per power of two (within 1/32, about 3 %).
 */
#ifndef SIM_HIST_H
#define SIM_HIST_H

#include <stdint.h>

#define SIM_HIST_BUCKETS (64 + 42 * 32)

struct sim_hist {
	uint64_t count;
	int64_t max;
	uint64_t n[SIM_HIST_BUCKETS];
};

/* Count one value (ms, negative counts as 0). */
void sim_hist_add(struct sim_hist *h, int64_t v);
/* The p-th percentile (0 < p <= 100): the greatest value of the bucket
 * holding the ceil(p % of count)-th smallest value, at most max; 0 when
 * empty. */
int64_t sim_hist_percentile(const struct sim_hist *h, double p);

#endif
