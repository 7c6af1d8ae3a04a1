/*
 * sim_rng.c - PCG32 (pcg-random.org, the minimal C version): 64-bit state,
 * XSH RR output.
 */
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
