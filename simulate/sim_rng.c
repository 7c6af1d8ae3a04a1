/*
 * sim_rng.c - PCG32 (pcg-random.org, the minimal C version): 64-bit state,
 * XSH RR output.
 */
#include <math.h>

#include "sim_rng.h"

uint32_t sim_rng_next(struct sim_rng *r)
{
	uint64_t old = r->state;
	uint32_t xorshifted, rot;

	r->state = old * 6364136223846793005ULL + r->inc;
	xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
	rot = (uint32_t)(old >> 59u);
	return (xorshifted >> rot) | (xorshifted << ((-rot) & 31u));
}

void sim_rng_seed(struct sim_rng *r, uint64_t seed, uint64_t seq)
{
	r->state = 0;
	r->inc = (seq << 1u) | 1u;
	sim_rng_next(r);
	r->state += seed;
	sim_rng_next(r);
}

double sim_rng_unit(struct sim_rng *r)
{
	return ((double)sim_rng_next(r) + 1.0) / 4294967296.0;
}

double sim_rng_exp(struct sim_rng *r)
{
	return -log(sim_rng_unit(r));
}

double sim_rng_normal(struct sim_rng *r)
{
	double u1 = sim_rng_unit(r), u2 = sim_rng_unit(r);

	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

double sim_rng_draw(struct sim_rng *r, enum sim_dist dist, double mean, double sigma)
{
	switch (dist) {
	case SIM_DIST_EXP:
		return mean * sim_rng_exp(r);
	case SIM_DIST_LOGNORMAL:
		/* E[exp(mu + sigma Z)] = exp(mu + sigma^2 / 2) = mean. */
		return exp(log(mean) - sigma * sigma / 2 + sigma * sim_rng_normal(r));
	case SIM_DIST_FIXED:
		break;
	}
	return mean;
}
