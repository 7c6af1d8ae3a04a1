/*
 * sim.c - simulated sources and targets, for tests, benchmarks, embedding
 * examples and trying a policy without spending anything: the descriptor,
 * and the source kind.
 *
 *   source kind "wave": value + amplitude * sin(2 pi t / period), on the
 *                       engine clock (so it replays exactly on a virtual one)
 *   target kind "sim":  a capacity that follows the desired one after a
 *                       delay, in two markets (sim_target.c, sim_market.c)
 *
 * Everything here reads only host->now_ms(); nothing blocks.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "sim.h"

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
	int64_t now = sim_host->now_ms(w->inst);
	double phase = (double)(now % w->period_ms) / (double)w->period_ms;

	(void)err;
	(void)errlen;
	if (w->first_ms < 0)
		w->first_ms = now;
	if (w->stop_after_ms > 0 && now - w->first_ms >= w->stop_after_ms)
		return 0;
	return sim_host->publish(w->inst, NULL, now, w->value + w->amplitude * sin(2 * M_PI * phase));
}

static const struct scaled_kind sim_wave_kind = {
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

/* ------------------------------------------------------------ descriptor -- */

static const struct scaled_kind *const sim_kinds[] = { &sim_wave_kind, &sim_target_kind, NULL };

static const struct scaled_plugin sim_plugin = {
	.abi_major = SCALED_PLUGIN_ABI_MAJOR,
	.abi_minor = SCALED_PLUGIN_ABI_MINOR,
	.struct_size = sizeof(struct scaled_plugin),
	.name = "sim",
	.version = "1.1",
	.help = "simulated sources and targets",
	.init = sim_init,
	.kinds = sim_kinds,
};

SCALED_EXPORT const struct scaled_plugin *scaled_plugin_entry(void)
{
	return &sim_plugin;
}
