/*
 * clock.c - the engine clock; the only caller of clock_gettime in the core.
 */
#include <time.h>

#include "clock.h"

static int64_t clock_read_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void clock_init_real(struct clock *c)
{
	c->is_virtual = false;
	c->virtual_ms = 0;
	c->wall_base_ms = clock_read_ns(CLOCK_REALTIME) / 1000000;
	c->mono_base_ns = clock_read_ns(CLOCK_MONOTONIC);
}

void clock_init_virtual(struct clock *c, int64_t start_ms)
{
	c->is_virtual = true;
	c->virtual_ms = start_ms;
	c->wall_base_ms = 0;
	c->mono_base_ns = 0;
}

int64_t clock_now(const struct clock *c)
{
	if (c->is_virtual)
		return c->virtual_ms;
	return c->wall_base_ms + (clock_read_ns(CLOCK_MONOTONIC) - c->mono_base_ns) / 1000000;
}

void clock_set(struct clock *c, int64_t ms)
{
	if (c->is_virtual && ms > c->virtual_ms)
		c->virtual_ms = ms;
}

int64_t clock_stopwatch_ns(void)
{
	return clock_read_ns(CLOCK_MONOTONIC);
}
