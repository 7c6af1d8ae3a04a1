/*
 * sim_hist.c - the log-bucket wait histogram (sim_hist.h).
 */
#include <math.h>

#include "sim_hist.h"

static unsigned sim_hist_bucket(int64_t v)
{
	unsigned e = 0;
	uint64_t u = (uint64_t)v;

	if (v < 64)
		return (unsigned)v;
	while (u >> (e + 1))
		e++;
	if (e > 47)
		return SIM_HIST_BUCKETS - 1;
	return 64 + (e - 6) * 32 + (unsigned)((u >> (e - 5)) & 31);
}

/* The greatest value bucket b holds. */
static int64_t sim_hist_upper(unsigned b)
{
	unsigned e, sub;

	if (b < 64)
		return b;
	e = (b - 64) / 32 + 6;
	sub = (b - 64) % 32;
	return (int64_t)(((uint64_t)(32 + sub + 1) << (e - 5)) - 1);
}

void sim_hist_add(struct sim_hist *h, int64_t v)
{
	if (v < 0)
		v = 0;
	h->n[sim_hist_bucket(v)]++;
	h->count++;
	if (v > h->max)
		h->max = v;
}

int64_t sim_hist_percentile(const struct sim_hist *h, double p)
{
	uint64_t rank, cum = 0;
	unsigned b;

	if (!h->count)
		return 0;
	rank = (uint64_t)ceil(p / 100.0 * (double)h->count);
	if (rank < 1)
		rank = 1;
	for (b = 0; b < SIM_HIST_BUCKETS; b++) {
		cum += h->n[b];
		if (cum >= rank) {
			int64_t u = sim_hist_upper(b);

			return u < h->max ? u : h->max;
		}
	}
	return h->max;
}
