/*
 * mono.h - the worker's one clock for intervals: CLOCK_MONOTONIC, never
 * the wall clock (which jumps). Batch latencies, benchmark timings,
 * back-off and recovery intervals all read it here.
 */
#ifndef SCALED_MONO_H
#define SCALED_MONO_H

#include <stdint.h>
#include <time.h>

static inline int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline double mono_ms(void)
{
	return (double)mono_ns() / 1e6;
}

#endif
