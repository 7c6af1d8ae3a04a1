/*
 * sim.c - simulated sources and targets, for tests, benchmarks, embedding
 * examples and trying a policy without spending anything.
 *
 *   source kind "wave": value + amplitude * sin(2 pi t / period), on the
 *                       engine clock (so it replays exactly on a virtual one)
 *   target kind "sim":  a capacity that follows the desired one after `delay`
 *
 * Everything here reads only host->now_ms(); nothing blocks.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "scaled/plugin.h"

static const struct scaled_host *host;

/* ----------------------------------------------------------------- wave -- */

enum { WAVE_VALUE, WAVE_AMPLITUDE, WAVE_PERIOD, WAVE_STOP_AFTER };

static const struct scaled_key wave_keys[] = {
	[WAVE_VALUE] = { "value", SCALED_KEY_NUMBER, "0", 0, "the mean value" },
	[WAVE_AMPLITUDE] = { "amplitude", SCALED_KEY_NUMBER, "0", 0, "half the swing" },
	[WAVE_PERIOD] = { "period", SCALED_KEY_DURATION, "1h", 0, "one full swing" },
	[WAVE_STOP_AFTER] = { "stop_after", SCALED_KEY_DURATION, "0s", 0,
			      "publish nothing this long after the first collect (a stale input); 0: never" },
	{ NULL, 0, NULL, 0, NULL },
};

static const struct scaled_key_limit wave_limits[] = {
	{ .key = "period", .min = "1ms" },
	{ .key = NULL },
};

struct wave {
	struct scaled_instance *inst;
	double value, amplitude;
	int64_t period_ms;
	int64_t stop_after_ms, first_ms; /* first_ms: -1 before the first collect */
};

static int wave_create(struct scaled_instance *inst, const struct scaled_value *cfg,
		       void **state, char *err, size_t errlen)
{
	struct wave *w;

	/* period >= 1ms: a limit the core checks (wave_limits). */
	(void)err;
	(void)errlen;
	w = calloc(1, sizeof *w);
	if (!w)
		return -ENOMEM;
	w->inst = inst;
	w->value = cfg[WAVE_VALUE].u.number;
	w->amplitude = cfg[WAVE_AMPLITUDE].u.number;
	w->period_ms = cfg[WAVE_PERIOD].u.ms;
	w->stop_after_ms = cfg[WAVE_STOP_AFTER].u.ms;
	w->first_ms = -1;
	*state = w;
	return 0;
}

static void wave_destroy(void *state)
{
	free(state);
}

static int wave_collect(void *state, char *err, size_t errlen)
{
	struct wave *w = state;
	int64_t now = host->now_ms(w->inst);
	double phase = (double)(now % w->period_ms) / (double)w->period_ms;

	(void)err;
	(void)errlen;
	if (w->first_ms < 0)
		w->first_ms = now;
	if (w->stop_after_ms > 0 && now - w->first_ms >= w->stop_after_ms)
		return 0;
	return host->publish(w->inst, NULL, now, w->value + w->amplitude * sin(2 * M_PI * phase));
}

static const struct scaled_kind wave_kind = {
	.struct_size = sizeof(struct scaled_kind),
	.name = "wave",
	.role = SCALED_ROLE_SOURCE,
	.help = "a sine wave on the engine clock",
	.keys = wave_keys,
	.limits = wave_limits,
	.limit_size = sizeof(struct scaled_key_limit),
	.create = wave_create,
	.destroy = wave_destroy,
	.collect = wave_collect,
};

/* ------------------------------------------------------------------ sim -- */

enum { SIM_START, SIM_DELAY, SIM_FAIL_ABOVE };

static const struct scaled_key sim_keys[] = {
	[SIM_START] = { "start", SCALED_KEY_INT, "0", 0, "capacity at start" },
	[SIM_DELAY] = { "delay", SCALED_KEY_DURATION, "0s", 0, "time for a change to take effect" },
	[SIM_FAIL_ABOVE] = { "fail_above", SCALED_KEY_INT, "-1", 0,
			     "refuse any desired capacity above this (tests); -1: never" },
	{ NULL, 0, NULL, 0, NULL },
};

static const struct scaled_key_limit sim_limits[] = {
	{ .key = "start", .min = "0", .max = "1000000" },
	{ .key = NULL },
};

struct sim {
	struct scaled_instance *inst;
	int current, desired;
	int64_t delay_ms;
	int fail_above;
	void *timer;
};

static void sim_report(struct sim *s)
{
	struct scaled_target_state st = {
		.struct_size = sizeof st,
		.current = s->current,
		.desired = s->desired,
		.starting = s->desired > s->current ? s->desired - s->current : 0,
		.stopping = s->desired < s->current ? s->current - s->desired : 0,
		.spot = -1,
		.on_demand = -1,
	};

	host->report_target(s->inst, &st);
}

static int sim_create(struct scaled_instance *inst, const struct scaled_value *cfg,
		      void **state, char *err, size_t errlen)
{
	struct sim *s;

	/* start in 0..1000000: a limit the core checks (sim_limits). */
	(void)err;
	(void)errlen;
	s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	s->inst = inst;
	s->current = s->desired = (int)cfg[SIM_START].u.integer;
	s->delay_ms = cfg[SIM_DELAY].u.ms;
	s->fail_above = (int)cfg[SIM_FAIL_ABOVE].u.integer;
	*state = s;
	return 0;
}

static void sim_destroy(void *state)
{
	struct sim *s = state;

	if (s->timer)
		host->timer_cancel(s->timer);
	free(s);
}

static int sim_poll(void *state, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	sim_report(state);
	return 0;
}

static void sim_settle(void *arg)
{
	struct sim *s = arg;

	s->timer = NULL;
	s->current = s->desired;
	sim_report(s);
}

static int sim_apply(void *state, const struct scaled_target_want *want, uint64_t token,
		     char *err, size_t errlen)
{
	struct sim *s = state;

	if (s->fail_above >= 0 && want->desired > s->fail_above) {
		snprintf(err, errlen, "capacity %d refused (fail_above = %d)", want->desired,
			 s->fail_above);
		return -EDQUOT;
	}
	s->desired = want->desired;
	if (s->timer)
		host->timer_cancel(s->timer);
	s->timer = NULL;
	if (s->delay_ms > 0)
		s->timer = host->timer_add(s->inst, s->delay_ms, sim_settle, s);
	else
		s->current = s->desired;
	sim_report(s);
	host->apply_done(s->inst, token, 0, NULL);
	return 0;
}

static const struct scaled_kind sim_kind = {
	.struct_size = sizeof(struct scaled_kind),
	.name = "sim",
	.role = SCALED_ROLE_TARGET,
	.help = "a simulated capacity that follows the desired one after a delay",
	.keys = sim_keys,
	.limits = sim_limits,
	.limit_size = sizeof(struct scaled_key_limit),
	.create = sim_create,
	.destroy = sim_destroy,
	.poll = sim_poll,
	.apply = sim_apply,
};

/* ------------------------------------------------------------ descriptor -- */

static int sim_init(const struct scaled_host *h, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	host = h;
	return 0;
}

static const struct scaled_kind *const sim_kinds[] = { &wave_kind, &sim_kind, NULL };

static const struct scaled_plugin sim_plugin = {
	.abi_major = SCALED_PLUGIN_ABI_MAJOR,
	.abi_minor = SCALED_PLUGIN_ABI_MINOR,
	.struct_size = sizeof(struct scaled_plugin),
	.name = "sim",
	.version = "1.0",
	.help = "simulated sources and targets",
	.init = sim_init,
	.kinds = sim_kinds,
};

SCALED_EXPORT const struct scaled_plugin *scaled_plugin_entry(void)
{
	return &sim_plugin;
}
