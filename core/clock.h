/*
 * clock.h - the engine clock. The only module that reads the system clock.
 *
 * The engine clock is milliseconds since the Unix epoch. A real clock is the
 * wall clock at creation advanced by CLOCK_MONOTONIC, so it never jumps. A
 * virtual clock moves only through clock_set (by the engine's step()).
 *
 * The stopwatch (clock_stopwatch_ns) is always real and monotonic: it is for
 * the Lua deadline and for measuring, never for logic.
 */
#ifndef SCALED_CLOCK_H
#define SCALED_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct clock {
	bool is_virtual;
	int64_t virtual_ms;   /* virtual: now */
	int64_t wall_base_ms; /* real: wall clock at creation */
	int64_t mono_base_ns; /* real: monotonic clock at creation */
};

void clock_init_real(struct clock *c);
void clock_init_virtual(struct clock *c, int64_t start_ms);
int64_t clock_now(const struct clock *c);
/* Virtual only: move to ms (never backwards; earlier values are ignored). */
void clock_set(struct clock *c, int64_t ms);
/* Real monotonic nanoseconds, for deadlines and measurement. */
int64_t clock_stopwatch_ns(void);

#endif
