/*
 * replay.c - source kind "replay": a CSV trace (spot prices or request
 * counts) played on the engine clock as a step function, into the series
 * named like the source.
 *
 * The whole file is read and checked in create() (replay_csv.c), so a bad
 * trace is a configuration error naming file:line; collect() only maps the
 * engine's now to trace time and looks the row up (binary search). Reads
 * only host->now_ms(); nothing blocks after create().
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scaled/plugin.h"
#include "replay.h"

static const struct scaled_host *host;

enum {
	REPLAY_KEY_PATH,
	REPLAY_KEY_FORMAT,
	REPLAY_KEY_INSTANCE_TYPE,
	REPLAY_KEY_AVAILABILITY_ZONE,
	REPLAY_KEY_PRODUCT,
	REPLAY_KEY_ALIGN,
	REPLAY_KEY_SPEED,
};

static const struct scaled_key replay_keys[] = {
	[REPLAY_KEY_PATH] = { "path", SCALED_KEY_STRING, NULL, 1,
			      "the CSV trace (relative paths: from the working directory)" },
	[REPLAY_KEY_FORMAT] = { "format", SCALED_KEY_ENUM, NULL, 1,
				"\"spot\" (spot price history) or \"load\" (timestamp,count)" },
	[REPLAY_KEY_INSTANCE_TYPE] = { "instance_type", SCALED_KEY_STRING, NULL, 0,
				       "spot: only rows of this instance type" },
	[REPLAY_KEY_AVAILABILITY_ZONE] = { "availability_zone", SCALED_KEY_STRING, NULL, 0,
					   "spot: only rows of this availability zone" },
	[REPLAY_KEY_PRODUCT] = { "product", SCALED_KEY_STRING, NULL, 0,
				 "spot: only rows of this product (\"Linux/UNIX\")" },
	[REPLAY_KEY_ALIGN] = { "align", SCALED_KEY_ENUM, "start", 0,
			       "\"start\": the first row at the engine time of create; "
			       "\"absolute\": row times are engine times" },
	[REPLAY_KEY_SPEED] = { "speed", SCALED_KEY_NUMBER, "1", 0,
			       "align = \"start\" only: trace seconds per engine second" },
	{ NULL, 0, NULL, 0, NULL },
};

static const struct scaled_key_limit replay_limits[] = {
	{ .key = "format", .choices = (const char *const[]){ "spot", "load", NULL } },
	{ .key = "align", .choices = (const char *const[]){ "start", "absolute", NULL } },
	{ .key = "speed", .min = "0.001", .max = "1000" },
	{ .key = NULL },
};

struct replay {
	struct scaled_instance *inst;
	struct replay_trace trace;
	int absolute;     /* align = "absolute" */
	double speed;     /* align = "start" */
	int64_t start_ms; /* align = "start": engine time of create */
};

/* What create() checks beyond types and limits; 0 or -EINVAL with err. */
static int replay_check(const struct scaled_value *cfg, char *err, size_t errlen)
{
	static const int filters[] = { REPLAY_KEY_INSTANCE_TYPE, REPLAY_KEY_AVAILABILITY_ZONE,
				       REPLAY_KEY_PRODUCT };
	int spot = !strcmp(cfg[REPLAY_KEY_FORMAT].u.str, "spot");

	if (!*cfg[REPLAY_KEY_PATH].u.str) {
		snprintf(err, errlen, "key \"path\" is empty");
		return -EINVAL;
	}
	for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++) {
		const struct scaled_value *v = &cfg[filters[i]];
		const char *name = replay_keys[filters[i]].name;

		if (!v->set || !v->u.str)
			continue;
		if (!spot) {
			snprintf(err, errlen, "key \"%s\" filters spot rows; format \"load\" has "
				 "none", name);
			return -EINVAL;
		}
		if (!*v->u.str) {
			snprintf(err, errlen, "key \"%s\" is empty (leave it out to take any)",
				 name);
			return -EINVAL;
		}
	}
	if (!strcmp(cfg[REPLAY_KEY_ALIGN].u.str, "absolute") && cfg[REPLAY_KEY_SPEED].u.number != 1) {
		snprintf(err, errlen, "key \"speed\" (%g) needs align = \"start\": with \"absolute\" "
			 "row times are engine times", cfg[REPLAY_KEY_SPEED].u.number);
		return -EINVAL;
	}
	return 0;
}

static const char *replay_filter(const struct scaled_value *v)
{
	return v->set ? v->u.str : NULL;
}

static int replay_create(struct scaled_instance *inst, const struct scaled_value *cfg,
			 void **state, char *err, size_t errlen)
{
	struct replay_want want = {
		.instance_type = replay_filter(&cfg[REPLAY_KEY_INSTANCE_TYPE]),
		.availability_zone = replay_filter(&cfg[REPLAY_KEY_AVAILABILITY_ZONE]),
		.product = replay_filter(&cfg[REPLAY_KEY_PRODUCT]),
	};
	const char *path = cfg[REPLAY_KEY_PATH].u.str;
	struct replay *r;
	int rc;

	/* format, align: one of their choices; speed in [0.001, 1000]: limits
	 * the core checks (replay_limits). */
	rc = replay_check(cfg, err, errlen);
	if (rc < 0)
		return rc;
	want.format = !strcmp(cfg[REPLAY_KEY_FORMAT].u.str, "spot") ? REPLAY_SPOT : REPLAY_LOAD;
	r = calloc(1, sizeof *r);
	if (!r)
		return -ENOMEM;
	rc = replay_csv_load(path, &want, &r->trace, err, errlen);
	if (rc < 0) {
		free(r);
		return rc;
	}
	r->inst = inst;
	r->absolute = !strcmp(cfg[REPLAY_KEY_ALIGN].u.str, "absolute");
	r->speed = cfg[REPLAY_KEY_SPEED].u.number;
	r->start_ms = host->now_ms(inst);
	host->log(inst, SCALED_LOG_INFO, "%s: %zu rows over %lld s", path, r->trace.n,
		  (long long)((r->trace.t_ms[r->trace.n - 1] - r->trace.t_ms[0]) / 1000));
	*state = r;
	return 0;
}

static void replay_destroy(void *state)
{
	struct replay *r = state;

	replay_csv_free(&r->trace);
	free(r);
}

/* The trace time at engine time now. */
static int64_t replay_trace_time(const struct replay *r, int64_t now)
{
	int64_t since = now - r->start_ms;

	if (r->absolute)
		return now;
	if (r->speed == 1)
		return r->trace.t_ms[0] + since;
	/* |since| * speed stays far below 2^53 for any clock of this era. */
	return r->trace.t_ms[0] + (int64_t)floor((double)since * r->speed);
}

static int replay_collect(void *state, char *err, size_t errlen)
{
	struct replay *r = state;
	int64_t now = host->now_ms(r->inst);
	long i = replay_csv_find(&r->trace, replay_trace_time(r, now));

	(void)err;
	(void)errlen;
	if (i < 0)
		return 0; /* before the first row: nothing is known yet */
	return host->publish(r->inst, NULL, now, r->trace.value[i]);
}

static const struct scaled_kind replay_kind = {
	.struct_size = sizeof(struct scaled_kind),
	.name = "replay",
	.role = SCALED_ROLE_SOURCE,
	.help = "a CSV trace (spot prices, request counts) played on the engine clock",
	.keys = replay_keys,
	.limits = replay_limits,
	.limit_size = sizeof(struct scaled_key_limit),
	.create = replay_create,
	.destroy = replay_destroy,
	.collect = replay_collect,
};

/* ------------------------------------------------------------ descriptor -- */

static int replay_init(const struct scaled_host *h, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	host = h;
	return 0;
}

static const struct scaled_kind *const replay_kinds[] = { &replay_kind, NULL };

static const struct scaled_plugin replay_plugin = {
	.abi_major = SCALED_PLUGIN_ABI_MAJOR,
	.abi_minor = SCALED_PLUGIN_ABI_MINOR,
	.struct_size = sizeof(struct scaled_plugin),
	.name = "replay",
	.version = "1.0",
	.help = "recorded traces played on the engine clock",
	.init = replay_init,
	.kinds = replay_kinds,
};

SCALED_EXPORT const struct scaled_plugin *scaled_plugin_entry(void)
{
	return &replay_plugin;
}
