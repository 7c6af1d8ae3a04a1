/*
 * bench_feed.h - time for a benchmark's group ticks as a daemon's ticks
 * see it: each tick one second after the last on the engine's virtual
 * clock, with the samples the farm's sources would have polled pushed
 * into their series (cpu every 5 s, a 10-minute wave of 50 +- 20; jobs
 * every 5 s, 40; spot every minute, an hour's wave of 0.6 +- 0.2, below
 * the farms' on-demand 0.84). Windows move and samples arrive and leave
 * as they do in a daemon, so a cache that only holds within one instant
 * cannot make a tick look cheaper than it is. The sources' polls
 * themselves are not run: what is timed is the tick.
 */
#ifndef BENCH_FEED_H
#define BENCH_FEED_H

#include <math.h>

#include "clock.h"
#include "engine.h"
#include "series.h"

struct bench_feed {
	struct scaled_engine *e;
	struct series *cpu, *jobs, *spot;
	int64_t now;
	long n;
};

static inline void bench_feed_init(struct bench_feed *f, struct scaled_engine *e)
{
	f->e = e;
	f->cpu = series_find(e->store, "cpu");
	f->jobs = series_find(e->store, "jobs");
	f->spot = series_find(e->store, "spot");
	f->now = clock_now(&e->clock);
	f->n = 0;
}

/* The next second: the clock moved, and the samples due at it pushed. */
static inline void bench_feed_next(struct bench_feed *f)
{
	const double tau = 6.283185307179586;

	f->now += 1000;
	f->n++;
	clock_set(&f->e->clock, f->now);
	if (f->n % 5 == 0) {
		if (f->cpu)
			series_push(f->cpu, f->now, 50 + 20 * sin(tau * (double)(f->now % 600000) / 600000));
		if (f->jobs)
			series_push(f->jobs, f->now, 40);
	}
	if (f->n % 60 == 0 && f->spot)
		series_push(f->spot, f->now, 0.6 + 0.2 * sin(tau * (double)(f->now % 3600000) / 3600000));
}

#endif
