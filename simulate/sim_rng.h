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

/* A standard exponential draw (mean 1): -log of a unit draw. */
double sim_rng_exp(struct sim_rng *r);
/* A standard normal draw (mean 0, sd 1): Box-Muller on two unit draws,
 * the cosine half (the sine half is dropped: one draw, two numbers used,
 * whatever came before). */
double sim_rng_normal(struct sim_rng *r);

/* Service time distributions (--service-dist). */
enum sim_dist { SIM_DIST_FIXED, SIM_DIST_EXP, SIM_DIST_LOGNORMAL };

/* A draw of `dist` with mean `mean` (> 0); lognormal's sigma of the log is
 * `sigma` (its mu is ln(mean) - sigma^2 / 2, so that the mean is mean). */
double sim_rng_draw(struct sim_rng *r, enum sim_dist dist, double mean, double sigma);

#endif
