/*
 * sim_world.h - the simulated world behind the simulated kinds: a job queue
 * fed by the load trace, instances per market that boot, work one job at a
 * time, drain at scale-in and get spot interruptions, and what all of it
 * costs. Time is the engine's virtual clock, handed in (sim_world_advance):
 * nothing here reads a clock, and the one random source is seeded, so that
 * the same inputs give the same run.
 *
 * Instances: WAIT (a spot request not fulfilled while the price is above the
 * pool's maximum; not billed), BOOT (launched, billed, up after the
 * market's boot delay), IDLE, BUSY (one job). Scale-in: waiting requests
 * first, then booting instances (newest first), then idle ones, then busy
 * ones, which drain: they finish their job, then go. Spot interruptions:
 * when the spot price goes above the pool's maximum every spot instance
 * gets a notice, takes no new job, and is gone `notice_ms` later; the job
 * in hand then goes back to the front of the queue (counted as requeued,
 * never lost). A pool with an interruption rate also gets random ones: each
 * spot instance, at launch, draws its notice from an exponential with mean
 * 1 / rate hours (a Poisson process per instance, from a stream of its own:
 * the service draws are the same with and without), and goes as above. An
 * instance works a job in its service time divided by the pool's rate. An
 * instance is billed from launch to gone (sim_cost.h).
 */
#ifndef SIM_WORLD_H
#define SIM_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_cost.h"
#include "sim_heap.h"
#include "sim_hist.h"
#include "sim_queue.h"
#include "sim_rng.h"

struct scaled_instance;

struct sim_world_config {
	const struct replay_trace *load;
	double load_scale;
	int64_t from_ms, to_ms;     /* the simulated span (engine time) */
	int64_t service_ms;         /* a job's service time (the mean, if random) */
	enum sim_dist service_dist;
	double service_sigma;       /* lognormal: the sigma of the log */
	uint64_t seed;
	struct sim_prices prices;
	int64_t notice_ms;          /* spot interruption notice */
	double interrupt_rate;      /* a pool's default (--interrupt-rate) */
	int64_t slo_ms;             /* the queue-wait SLO (over_slo_ms) */
};

enum sim_state { SIM_FREE, SIM_WAIT, SIM_BOOT, SIM_IDLE, SIM_BUSY };

struct sim_inst {
	uint64_t id;                /* 0: a free slot */
	enum sim_state state;
	enum sim_mkt mk;
	bool noticed, draining;
	int64_t launch_ms;
	int64_t job_start_ms;
	struct sim_job job;
};

/* One simulated capacity (a target). */
struct sim_pool {
	char name[64];
	uint32_t index;
	struct sim_inst *inst;
	size_t n_slots, cap;
	uint32_t *idle;             /* slots that went idle, newest last (checked
				       when taken: they may have moved on) */
	uint64_t *idle_id;
	size_t n_idle, cap_idle;
	int desired, base, percent; /* what the engine asked for */
	int64_t boot_ms[SIM_MKTS];
	double max_spot_price;
	double rate;                /* service rate: a job takes service_ms / rate */
	double interrupt_rate;      /* random notices per spot instance-hour */
	bool high;                  /* spot price above max_spot_price */
	uint64_t interruptions;     /* of this pool's instances */
	const struct scaled_instance *owner; /* the target it is (sim_kinds.c) */
};

/* What the world counted. */
struct sim_stats {
	uint64_t arrived, served, requeued, interruptions;
	uint64_t launched[SIM_MKTS];
	double cost[SIM_MKTS];
	int64_t billed_s[SIM_MKTS]; /* instance seconds billed */
	struct sim_hist wait;       /* ms from arrival to the start of the run
				       that finished it, per served job */
	double busy_ms, running_ms; /* integrals of instances busy, running */
	int64_t over_slo_ms;        /* time the queue's front job had waited
				       longer than the SLO */
	int peak_billed;            /* the most instances billed at once */
};

struct sim_world {
	struct sim_world_config cfg;
	int64_t now;
	struct sim_heap heap;
	struct sim_queue queue;
	struct sim_load load;
	int64_t next_arrival;       /* -1: none left */
	struct sim_rng rng;         /* service times */
	struct sim_rng irng;        /* random interruptions */
	struct sim_pool **pools;
	size_t n_pools;
	int n_busy, n_running, n_billed;
	uint64_t next_id;
	bool price_armed;
	int err;                    /* -ENOMEM once out of memory */
	struct sim_stats st;
};

/* A world at cfg->from_ms. Returns 0, or -ENOMEM. */
int sim_world_new(const struct sim_world_config *cfg, struct sim_world **out);
void sim_world_free(struct sim_world *w);

/* What a pool is made of. */
struct sim_pool_config {
	int start, base, percent;   /* instances at the start, their mix */
	int64_t boot_ms[SIM_MKTS];  /* boot delay per market */
	double max_spot_price;
	double rate;                /* service rate (> 0; 1: service_ms a job) */
	double interrupt_rate;      /* random notices per spot instance-hour (>= 0) */
};

/* Add a pool: pc->start instances running at now (split by the mix base
 * and percent). NULL when out of memory. The world owns it. */
struct sim_pool *sim_world_add_pool(struct sim_world *w, const char *name,
				    const struct sim_pool_config *pc);

/* Run everything due up to and including t (never back). 0 or -ENOMEM. */
int sim_world_advance(struct sim_world *w, int64_t t);

/* Ask pool p for `desired` instances under the mix (base/percent -1: keep
 * its own), at the world's now. */
void sim_pool_want(struct sim_world *w, struct sim_pool *p, int desired, int base, int percent);

/* What a pool has now: running (idle or busy, not draining), per market
 * too, starting (waiting or booting), stopping (draining). */
struct sim_pool_count {
	int running, spot, on_demand, starting, stopping;
	int noticed;                /* running or booting under a notice */
};
void sim_pool_count(const struct sim_pool *p, struct sim_pool_count *out);

/* The oldest queued job's wait at now, in ms; 0 with an empty queue. */
int64_t sim_world_oldest_ms(const struct sim_world *w);

/* The cost so far: what is billed, and what the instances still there
 * have cost up to now (for the progress line). */
double sim_world_cost_now(const struct sim_world *w);

/* At the end of the span: bill what is still there up to t (after
 * advancing to it). 0 or -ENOMEM. */
int sim_world_finish(struct sim_world *w, int64_t t);

#endif
