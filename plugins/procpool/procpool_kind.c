/*
 * procpool_kind.c - the "procpool" target: a pool of local worker processes.
 *
 * This file is the glue between the ABI and the pool (procpool.c): the key
 * table, config checks, and the kind's callbacks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "procpool.h"

enum {
	KEY_COMMAND,
	KEY_STOP_GRACE,
	KEY_BACKOFF,
	KEY_BACKOFF_MAX,
	KEY_BACKOFF_RESET,
};

static const struct scaled_key procpool_keys[] = {
	[KEY_COMMAND] = { "command", SCALED_KEY_STRING, NULL, 1,
			  "the worker: run directly when it needs no shell, else with /bin/sh -c; SCALED_WORKER_INDEX is set" },
	[KEY_STOP_GRACE] = { "stop_grace", SCALED_KEY_DURATION, "30s", 0,
			     "time between SIGTERM and SIGKILL when scaling in" },
	[KEY_BACKOFF] = { "restart_backoff", SCALED_KEY_DURATION, "1s", 0,
			  "delay before restarting a worker that exited; doubles each time" },
	[KEY_BACKOFF_MAX] = { "restart_backoff_max", SCALED_KEY_DURATION, "60s", 0,
			      "the restart delay stops doubling here" },
	[KEY_BACKOFF_RESET] = { "restart_backoff_reset", SCALED_KEY_DURATION, "60s", 0,
				"a worker that ran this long restarts after restart_backoff again" },
	{ 0 },
};

static const struct scaled_key_limit procpool_limits[] = {
	{ .key = "restart_backoff", .min = "1ms" },
	{ .key = NULL },
};

static int procpool_check(const struct scaled_value *c, char *err,
			  size_t errlen)
{
	if (!c[KEY_COMMAND].set || !c[KEY_COMMAND].u.str[0]) {
		snprintf(err, errlen, "command: must not be empty");
		return -EINVAL;
	}
	/* Durations are never negative and restart_backoff is at least 1ms
	 * (procpool_limits): the core checks both. What is left is a string
	 * that must not be empty and a relation between two keys. */
	if (c[KEY_BACKOFF_MAX].u.ms < c[KEY_BACKOFF].u.ms) {
		snprintf(err, errlen,
			 "restart_backoff_max: must be at least restart_backoff");
		return -EINVAL;
	}
	return 0;
}

static int procpool_create(struct scaled_instance *inst,
			   const struct scaled_value *config, void **state,
			   char *err, size_t errlen)
{
	const struct scaled_value *c = config; /* defaults filled in by the core */
	struct pool *p;
	int rc;

	rc = procpool_check(c, err, errlen);
	if (rc < 0)
		return rc;
	p = calloc(1, sizeof(*p));
	if (!p || !(p->command = strdup(c[KEY_COMMAND].u.str))) {
		free(p);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	p->inst = inst;
	p->stop_grace_ms = c[KEY_STOP_GRACE].u.ms;
	p->backoff_ms = c[KEY_BACKOFF].u.ms;
	p->backoff_max_ms = c[KEY_BACKOFF_MAX].u.ms;
	p->backoff_reset_ms = c[KEY_BACKOFF_RESET].u.ms;
	*state = p;
	return 0;
}

static void procpool_destroy(void *state)
{
	if (state)
		pool_destroy(state);
}

static int procpool_poll(void *state, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	pool_sweep(state);
	pool_report(state);
	return 0;
}

static int procpool_apply(void *state, const struct scaled_target_want *want,
			  uint64_t token, char *err, size_t errlen)
{
	struct pool *p = state;
	char msg[320];
	int rc;

	if (want->desired < 0) {
		snprintf(err, errlen, "desired %d: must not be negative",
			 want->desired);
		return -EINVAL;
	}
	/* Reap first, so that a worker that died since the last poll is
	 * not counted as live. */
	pool_sweep(p);
	rc = pool_apply(p, want->desired, msg, sizeof(msg));
	procpool_host->apply_done(p->inst, token, rc, msg);
	return 0;
}

static const struct scaled_kind procpool_kind = {
	.struct_size = sizeof(struct scaled_kind),
	.name = "procpool",
	.role = SCALED_ROLE_TARGET,
	.help = "a pool of local worker processes, started and stopped by count",
	.keys = procpool_keys,
	.limits = procpool_limits,
	.limit_size = sizeof(struct scaled_key_limit),
	.create = procpool_create,
	.destroy = procpool_destroy,
	.poll = procpool_poll,
	.apply = procpool_apply,
};

static const struct scaled_kind *const procpool_kinds[] = { &procpool_kind,
							     NULL };

static const struct scaled_plugin procpool_plugin = {
	.abi_major = SCALED_PLUGIN_ABI_MAJOR,
	.abi_minor = SCALED_PLUGIN_ABI_MINOR,
	.struct_size = sizeof(struct scaled_plugin),
	.name = "procpool",
	.version = "0.1.0",
	.help = "local worker processes",
	.init = procpool_host_init,
	.fini = procpool_host_fini,
	.kinds = procpool_kinds,
};

SCALED_EXPORT const struct scaled_plugin *scaled_plugin_entry(void)
{
	return &procpool_plugin;
}
