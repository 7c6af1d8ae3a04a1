/*
 * sim_rng.h - PCG32 (O'Neill's pcg32_random_r), the simulator's one source
 * of randomness: seeded, so that the same seed gives the same run.
 */
#ifndef SIM_RNG_H
#define SIM_RNG_H

#include <stdint.h>

struct sim_rng {
	uint64_t state, inc;
};

/* Seed the generator: `seq` picks one of 2^63 streams. */
void sim_rng_seed(struct sim_rng *r, uint64_t seed, uint64_t seq);
/* The next 32 random bits. */
uint32_t sim_rng_next(struct sim_rng *r);
/* A uniform number in (0, 1], never 0 (so that log() of it is finite). */
double sim_rng_unit(struct sim_rng *r);

#endif
