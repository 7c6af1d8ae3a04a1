/*
 * event_probe.c - a test plugin for host->event (ABI 1.4): source kind
 * "event_probe" delivers `count` events named `name` (payload `data`, to
 * `group` or, unset, to every group) on each collect, publishes the last
 * return code as its series and the events delivered so far as
 * "<source>.delivered", and logs each refusal with the core's reason.
 * create() refuses to run on a core without host->event, as a plugin of a
 * later minor on an older core must (SCALED_HOST_HAS).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "scaled/plugin.h"

static const struct scaled_host *host;

enum { PROBE_GROUP, PROBE_NAME, PROBE_DATA, PROBE_COUNT };

static const struct scaled_key probe_keys[] = {
	[PROBE_GROUP] = { "group", SCALED_KEY_STRING, NULL, 0, "the group (default: every)" },
	[PROBE_NAME] = { "name", SCALED_KEY_STRING, "probe", 0, "the event's name" },
	[PROBE_DATA] = { "data", SCALED_KEY_STRING, NULL, 0, "its JSON payload" },
	[PROBE_COUNT] = { "count", SCALED_KEY_INT, "1", 0, "events per collect" },
	{ NULL, 0, NULL, 0, NULL },
};

struct probe {
	struct scaled_instance *inst;
	const struct scaled_value *cfg; /* valid until destroy (plugin.h) */
	double delivered;
};

static int probe_create(struct scaled_instance *inst, const struct scaled_value *cfg,
			void **state, char *err, size_t errlen)
{
	struct probe *p;

	if (!SCALED_HOST_HAS(host, event) || !host->event) {
		snprintf(err, errlen, "this scaled has no events for plugins (ABI 1.4; it offers "
			 "%u.%u)", host->abi_major, host->abi_minor);
		return -ENOTSUP;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->inst = inst;
	p->cfg = cfg;
	*state = p;
	return 0;
}

static void probe_destroy(void *state)
{
	free(state);
}

static int probe_collect(void *state, char *err, size_t errlen)
{
	struct probe *p = state;
	const struct scaled_value *c = p->cfg;
	int64_t now = host->now_ms(p->inst), i;
	char why[256];
	int rc = 0;

	(void)err;
	(void)errlen;
	for (i = 0; i < c[PROBE_COUNT].u.integer; i++) {
		why[0] = '\0';
		rc = host->event(p->inst, c[PROBE_GROUP].set ? c[PROBE_GROUP].u.str : NULL,
				 c[PROBE_NAME].u.str, c[PROBE_DATA].set ? c[PROBE_DATA].u.str : NULL,
				 why, sizeof why);
		if (rc < 0) {
			host->log(p->inst, SCALED_LOG_WARN, "refused (%d): %s", rc, why);
			break;
		}
		p->delivered++;
	}
	host->publish(p->inst, "delivered", now, p->delivered);
	host->publish(p->inst, NULL, now, rc);
	return 0;
}

static const struct scaled_kind probe_kind = {
	.struct_size = sizeof(struct scaled_kind),
	.name = "event_probe",
	.role = SCALED_ROLE_SOURCE,
	.help = "delivers events to policies on each collect (tests)",
	.keys = probe_keys,
	.create = probe_create,
	.destroy = probe_destroy,
	.collect = probe_collect,
};

static int probe_init(const struct scaled_host *h, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	host = h;
	return 0;
}

static const struct scaled_kind *const probe_kinds[] = { &probe_kind, NULL };

static const struct scaled_plugin probe_plugin = {
	.abi_major = SCALED_PLUGIN_ABI_MAJOR,
	.abi_minor = SCALED_PLUGIN_ABI_MINOR,
	.struct_size = sizeof(struct scaled_plugin),
	.name = "event_probe",
	.version = "1.0",
	.help = "events through the host table (tests)",
	.init = probe_init,
	.kinds = probe_kinds,
};

SCALED_EXPORT const struct scaled_plugin *scaled_plugin_entry(void)
{
	return &probe_plugin;
}
