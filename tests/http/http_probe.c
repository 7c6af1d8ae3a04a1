/*
 * http_probe.c - a test plugin for host->http_start (ABI 1.3): source kind
 * "http_probe" GETs `url` on each collect (one request at a time) and
 * publishes the answer's status (0: none) as its series, with
 * "<source>.bytes" and "<source>.attempts"; `at_create` starts a request
 * from create(), which the core refuses on a real clock before the engine
 * runs (create then fails with the core's reason).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scaled/plugin.h"

static const struct scaled_host *host;

enum { PROBE_URL, PROBE_AT_CREATE };

static const struct scaled_key probe_keys[] = {
	[PROBE_URL] = { "url", SCALED_KEY_STRING, NULL, 1, "what to GET" },
	[PROBE_AT_CREATE] = { "at_create", SCALED_KEY_BOOL, "false", 0,
			      "start a request from create() too" },
	{ NULL, 0, NULL, 0, NULL },
};

struct probe {
	struct scaled_instance *inst;
	char *url;
	void *pending;
};

static void probe_done(void *arg, const struct scaled_http_response *res)
{
	struct probe *p = arg;
	int64_t now = host->now_ms(p->inst);

	p->pending = NULL;
	host->publish(p->inst, "bytes", now, (double)res->body_len);
	host->publish(p->inst, "attempts", now, res->attempts);
	host->publish(p->inst, NULL, now, res->error ? 0 : (double)res->status);
	if (res->error)
		host->log(p->inst, SCALED_LOG_WARN, "%s", res->error);
}

static int probe_get(struct probe *p, char *err, size_t errlen)
{
	struct scaled_http_request req = {
		.struct_size = sizeof req,
		.url = p->url,
		.timeout_ms = 2000,
	};

	p->pending = host->http_start(p->inst, &req, probe_done, p, err, errlen);
	return p->pending ? 0 : -EIO;
}

static int probe_create(struct scaled_instance *inst, const struct scaled_value *cfg,
			void **state, char *err, size_t errlen)
{
	struct probe *p;

	if (!SCALED_HOST_HAS(host, http_start)) {
		snprintf(err, errlen, "this scaled has no HTTP for plugins (ABI 1.3)");
		return -ENOTSUP;
	}
	p = calloc(1, sizeof(*p));
	if (!p || !(p->url = strdup(cfg[PROBE_URL].u.str))) {
		free(p);
		return -ENOMEM;
	}
	p->inst = inst;
	if (cfg[PROBE_AT_CREATE].u.boolean && probe_get(p, err, errlen) < 0) {
		free(p->url);
		free(p);
		return -EIO;
	}
	*state = p;
	return 0;
}

static void probe_destroy(void *state)
{
	struct probe *p = state;

	host->http_cancel(p->pending);
	free(p->url);
	free(p);
}

static int probe_collect(void *state, char *err, size_t errlen)
{
	struct probe *p = state;

	return p->pending ? 0 : probe_get(p, err, errlen);
}

static const struct scaled_kind probe_kind = {
	.struct_size = sizeof(struct scaled_kind),
	.name = "http_probe",
	.role = SCALED_ROLE_SOURCE,
	.help = "GETs a URL on each collect (tests)",
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
	.name = "http_probe",
	.version = "1.0",
	.help = "HTTP through the host table (tests)",
	.init = probe_init,
	.kinds = probe_kinds,
};

SCALED_EXPORT const struct scaled_plugin *scaled_plugin_entry(void)
{
	return &probe_plugin;
}
