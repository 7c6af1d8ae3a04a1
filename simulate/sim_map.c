/*
 * sim_map.c - the kind map from --map flags, and the kinds that must be
 * mapped (sim_map.h).
 *
 *   --map asg=capacity,spot_delay=90s   target "asg" -> simulate.capacity
 *   --map backlog=queue                 source "backlog" -> simulate.queue
 *   --map cpu=cpu                       source "cpu" -> simulate.cpu
 *   --map spot=spot                     source "spot" -> replay of --spot
 *   --map od=on_demand                  source "od" -> simulate.on_demand
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_map.h"

/* What a farm's kinds become without a --map: an error saying what to map
 * it to. (Sources such as wave or replay are simulated already and run as
 * they are.) */
static const struct {
	const char *kind;
	const char *reason[2]; /* keys: the reason, NULL */
} sim_map_refuse[] = {
	{ "aws.asg", { "a cloud target: map it with --map NAME=capacity", NULL } },
	{ "aws.spot_fleet", { "a cloud target: map it with --map NAME=capacity", NULL } },
	{ "aws.ecs", { "a cloud target: map it with --map NAME=capacity", NULL } },
	{ "aws.ec2", { "a cloud target: map it with --map NAME=capacity", NULL } },
	{ "procpool", { "a cloud target: map it with --map NAME=capacity", NULL } },
	{ "sim", { "a cloud target: map it with --map NAME=capacity", NULL } },
	{ "infer_pool", { "a cloud target: map it with --map NAME=capacity", NULL } },
	{ "aws.sqs", { "a real queue: map it with --map NAME=queue", NULL } },
	{ "dirqueue", { "a real queue: map it with --map NAME=queue", NULL } },
	{ "cpu", { "real CPU: map it with --map NAME=cpu", NULL } },
	{ "aws.cloudwatch", { "a real metric: map it with --map NAME=cpu or NAME=queue", NULL } },
	{ "aws.spot_price", { "a real price: map it with --map NAME=spot", NULL } },
	{ "aws.on_demand_price", { "a real price: map it with --map NAME=on_demand", NULL } },
	{ "aws.interruptions", { "real interruption notices: not simulated yet", NULL } },
};

/* Add "key=value" (made here) to entry i's keys. */
static int sim_map_key(struct sim_map *m, size_t i, size_t *nk, const char *key,
		       const char *value, char *err, size_t errlen)
{
	char *t;

	if (*nk >= SIM_MAP_KEYS) {
		snprintf(err, errlen, "--map: more than %d keys", SIM_MAP_KEYS);
		return -EINVAL;
	}
	t = malloc(strlen(key) + strlen(value) + 2);
	if (!t)
		return -ENOMEM;
	sprintf(t, "%s=%s", key, value);
	m->texts[i][*nk] = t;
	m->keys[i][(*nk)++] = t;
	return 0;
}

static const struct { const char *short_name, *kind; } sim_map_kinds[] = {
	{ "capacity", "simulate.capacity" }, { "queue", "simulate.queue" },
	{ "cpu", "simulate.cpu" }, { "on_demand", "simulate.on_demand" },
	{ "spot", "replay" },
};
#define SIM_MAP_N_KINDS (sizeof sim_map_kinds / sizeof sim_map_kinds[0])

/* Why a spot mapping may not set `key` (the text up to '=' or ','), or
 * NULL: the replay keys are all set here from the flags that also choose
 * the rows the world bills, so that the policies see the price billed. */
static const char *sim_map_spot_key(const char *key)
{
	static const struct { const char *key, *why; } set[] = {
		{ "path", "set from --spot" }, { "format", "set to spot" },
		{ "align", "set to start" }, { "speed", "set to 1, as the world bills" },
		{ "instance_type", "set from --spot-type" },
		{ "availability_zone", "set from --spot-zone" },
		{ "product", "set from --spot-product" },
	};
	size_t len = strcspn(key, "=,"), k;

	for (k = 0; k < sizeof set / sizeof set[0]; k++)
		if (strlen(set[k].key) == len && !strncmp(key, set[k].key, len))
			return set[k].why;
	return "not a key of a spot mapping";
}

int sim_map_check(const char *text, char *why, size_t whylen)
{
	size_t len = strcspn(text, ","), k;
	const char *p = text + len, *end;

	for (k = 0; k < SIM_MAP_N_KINDS; k++)
		if ((strlen(sim_map_kinds[k].short_name) == len &&
		     !strncmp(text, sim_map_kinds[k].short_name, len)) ||
		    (strlen(sim_map_kinds[k].kind) == len && !strncmp(text, sim_map_kinds[k].kind, len)))
			break;
	if (k == SIM_MAP_N_KINDS) {
		snprintf(why, whylen, "unknown kind \"%.*s\" (capacity, queue, cpu, spot, on_demand)",
			 (int)len, text);
		return -EINVAL;
	}
	while (*p == ',') {
		p++;
		end = p + strcspn(p, ",");
		if (!memchr(p, '=', (size_t)(end - p)) || *p == '=') {
			snprintf(why, whylen, "\"%.*s\" is not key=value", (int)(end - p), p);
			return -EINVAL;
		}
		if (!strcmp(sim_map_kinds[k].kind, "replay")) {
			snprintf(why, whylen, "spot: key \"%.*s\": %s", (int)strcspn(p, "="), p,
				 sim_map_spot_key(p));
			return -EINVAL;
		}
		p = end;
	}
	return 0;
}

static int sim_map_one(const struct sim_args *a, struct sim_map *m, size_t i, char *err,
		       size_t errlen)
{
	struct scaled_kind_map *e = &m->v[m->n];
	char *name, *kind, *rest, *tok, *save = NULL;
	size_t nk = 0, k;
	int rc;

	if (!(m->own[i] = strdup(a->maps[i])))
		return -ENOMEM;
	name = m->own[i];
	kind = strchr(name, '=');
	*kind++ = '\0';
	rest = strchr(kind, ',');
	if (rest)
		*rest++ = '\0';
	for (k = 0; k < SIM_MAP_N_KINDS; k++)
		if (strcmp(kind, sim_map_kinds[k].short_name) == 0 ||
		    strcmp(kind, sim_map_kinds[k].kind) == 0)
			break;
	if (k == SIM_MAP_N_KINDS) {
		snprintf(err, errlen, "--map %s: unknown kind \"%s\" (capacity, queue, cpu, spot, "
			 "on_demand)", a->maps[i], kind);
		return -EINVAL;
	}
	e->match = name;
	e->kind = sim_map_kinds[k].kind;
	if (strcmp(sim_map_kinds[k].kind, "replay") == 0) {
		e->plugin = "replay";
		if ((rc = sim_map_key(m, i, &nk, "path", a->spot, err, errlen)) < 0 ||
		    (rc = sim_map_key(m, i, &nk, "format", "spot", err, errlen)) < 0 ||
		    (rc = sim_map_key(m, i, &nk, "align", "start", err, errlen)) < 0 ||
		    (a->spot_type && (rc = sim_map_key(m, i, &nk, "instance_type", a->spot_type,
							err, errlen)) < 0) ||
		    (a->spot_zone && (rc = sim_map_key(m, i, &nk, "availability_zone", a->spot_zone,
							err, errlen)) < 0) ||
		    (a->spot_product && (rc = sim_map_key(m, i, &nk, "product", a->spot_product,
							   err, errlen)) < 0))
			return rc;
	}
	for (tok = rest ? strtok_r(rest, ",", &save) : NULL; tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');

		if (!eq || eq == tok) {
			snprintf(err, errlen, "--map %s: \"%s\" is not key=value", a->maps[i], tok);
			return -EINVAL;
		}
		if (!strcmp(e->kind, "replay")) { /* spot: every key is set above */
			snprintf(err, errlen, "--map %s: key \"%.*s\": %s", a->maps[i],
				 (int)(eq - tok), tok, sim_map_spot_key(tok));
			return -EINVAL;
		}
		if (nk >= SIM_MAP_KEYS) {
			snprintf(err, errlen, "--map %s: more than %d keys", a->maps[i], SIM_MAP_KEYS);
			return -EINVAL;
		}
		m->keys[i][nk++] = tok;
	}
	m->keys[i][nk] = NULL;
	e->keys = m->keys[i];
	m->n++;
	return 0;
}

int sim_map_build(const struct sim_args *a, struct sim_map *m, char *err, size_t errlen)
{
	size_t i;
	int rc;

	memset(m, 0, sizeof *m);
	for (i = 0; i < a->n_maps; i++)
		if ((rc = sim_map_one(a, m, i, err, errlen)) < 0)
			return rc;
	for (i = 0; i < sizeof sim_map_refuse / sizeof sim_map_refuse[0]; i++) {
		struct scaled_kind_map *e = &m->v[m->n++];

		e->match = sim_map_refuse[i].kind;
		e->by = SCALED_MATCH_KIND; /* a wave source named "cpu" runs as it is */
		e->kind = NULL;
		e->keys = sim_map_refuse[i].reason;
	}
	return 0;
}

void sim_map_free(struct sim_map *m)
{
	size_t i, k;

	for (i = 0; i < SIM_CLI_MAX_MAPS; i++) {
		free(m->own[i]);
		for (k = 0; k < SIM_MAP_KEYS; k++)
			free(m->texts[i][k]);
	}
	memset(m, 0, sizeof *m);
}
