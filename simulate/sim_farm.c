/*
 * sim_farm.c - the farm's simulate { ... } table into the options
 * (sim_farm.h). The core reads the table (scaled_farm_simulate_table,
 * config_simulate.c) and hands it here flattened and sorted:
 *
 *   simulate {
 *     map = { asg = "capacity,spot_delay=90s", spot = "spot",
 *             cpu = { kind = "cpu" } },          -- "map.NAME" or "map.NAME.KEY"
 *     on_demand = 0.478, service_time = "30s",
 *   }
 *
 * Errors are reasons; the core makes them "farm.lua:LINE: simulate: ...".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scaled/scaled.h"
#include "sim_farm.h"
#include "sim_map.h"

static const struct {
	const char *key;
	enum sim_opt opt;
} sim_farm_keys[] = {
	{ "load_scale", SIM_OPT_SCALE }, { "on_demand", SIM_OPT_OD },
	{ "region", SIM_OPT_REGION }, { "instance_type", SIM_OPT_TYPE },
	{ "service_time", SIM_OPT_SERVICE }, { "service_dist", SIM_OPT_DIST },
	{ "service_sigma", SIM_OPT_SIGMA }, { "interrupt_rate", SIM_OPT_RATE },
	{ "seed", SIM_OPT_SEED }, { "slo", SIM_OPT_SLO },
};
#define SIM_FARM_N_KEYS (sizeof sim_farm_keys / sizeof sim_farm_keys[0])

struct sim_farm {
	struct sim_args *a;
	size_t n_flag_maps;  /* the --map flags', before the farm's */
};

/* A text a owns from here. NULL when out of memory (or too many). */
static char *sim_farm_keep(struct sim_args *a, char *t)
{
	if (!t || a->n_own == sizeof a->own / sizeof a->own[0]) {
		free(t);
		return NULL;
	}
	a->own[a->n_own++] = t;
	return t;
}

/* Does a --map flag name NAME already? (It wins.) */
static int sim_farm_flag_maps(const struct sim_farm *f, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < f->n_flag_maps; i++)
		if (!strncmp(f->a->maps[i], name, len) && f->a->maps[i][len] == '=')
			return 1;
	return 0;
}

#define SIM_FARM_FAIL(...) (snprintf(err, errlen, __VA_ARGS__), -EINVAL)

/* The entries v[*i..] of one map NAME ("map.NAME" or "map.NAME.KEY") into
 * one map text "NAME=KIND[,KEY=VALUE...]"; *i moves past them. */
static int sim_farm_map(struct sim_farm *f, const struct scaled_farm_entry *v, size_t n,
			size_t *i, char *err, size_t errlen)
{
	const char *name = v[*i].key + 4, *dot = strchr(name, '.');
	size_t len = dot ? (size_t)(dot - name) : strlen(name), j, size;
	const char *kind = NULL;
	char why[256], *t;
	int rc;

	/* Every entry of this NAME: "map.NAME" alone, or "map.NAME.KEY"s. */
	for (j = *i; j < n && !strncmp(v[j].key + 4, name, len) &&
		     (v[j].key[4 + len] == '\0' || v[j].key[4 + len] == '.'); j++)
		if (v[j].key[4 + len] == '\0' || !strcmp(v[j].key + 5 + len, "kind"))
			kind = v[j].value;
	if (!len || memchr(name, '=', len))
		return SIM_FARM_FAIL("map: \"%.*s\" is not a name", (int)len, name);
	if (!kind)
		return SIM_FARM_FAIL("map.%.*s: no kind (map = { %.*s = \"capacity\" } or "
				     "{ %.*s = { kind = \"capacity\", ... } })", (int)len, name,
				     (int)len, name, (int)len, name);
	size = len + strlen(kind) + 2;
	for (size_t k = *i; k < j; k++)
		size += strlen(v[k].key) + strlen(v[k].value) + 2;
	t = malloc(size);
	if (!t)
		return -ENOMEM;
	snprintf(t, size, "%.*s=%s", (int)len, name, kind);
	for (size_t k = *i; k < j; k++) {
		const char *key = v[k].key + 4 + len;

		if (!*key || !strcmp(key, ".kind"))
			continue;
		if (strchr(key + 1, '.') || strchr(v[k].value, ',')) {
			free(t);
			return SIM_FARM_FAIL("map.%.*s%s: a key's value is one text without ','",
					     (int)len, name, key);
		}
		snprintf(t + strlen(t), size - strlen(t), ",%s=%s", key + 1, v[k].value);
	}
	*i = j;
	if ((rc = sim_map_check(strchr(t, '=') + 1, why, sizeof why)) < 0) {
		snprintf(err, errlen, "map.%.*s: %s", (int)len, name, why);
		free(t);
		return rc;
	}
	if (sim_farm_flag_maps(f, name, len)) {
		free(t);
		return 0;
	}
	if (f->a->n_maps == SIM_CLI_MAX_MAPS) {
		free(t);
		return SIM_FARM_FAIL("map: more than %d with the --map flags", SIM_CLI_MAX_MAPS);
	}
	if (!sim_farm_keep(f->a, t))
		return -ENOMEM;
	f->a->maps[f->a->n_maps++] = t;
	return 0;
}

/* A relative on_demand table is the farm directory's. */
static const char *sim_farm_path(struct sim_args *a, const char *value)
{
	const char *slash = strrchr(a->farm, '/');
	char *t;
	char *end;

	(void)strtod(value, &end);
	if (value[0] == '/' || !slash || (end != value && !*end))
		return value;
	if (asprintf(&t, "%.*s/%s", (int)(slash - a->farm), a->farm, value) < 0)
		return NULL;
	return sim_farm_keep(a, t);
}

static int sim_farm_entries(void *arg, const struct scaled_farm_entry *v, size_t n, char *err,
			    size_t errlen)
{
	struct sim_farm *f = arg;
	struct sim_args *a = f->a;
	char why[256];
	size_t i = 0, k;
	int rc;

	while (i < n) {
		const char *value = v[i].value;

		if (!strncmp(v[i].key, "map.", 4)) {
			if ((rc = sim_farm_map(f, v, n, &i, err, errlen)) < 0)
				return rc;
			continue;
		}
		for (k = 0; k < SIM_FARM_N_KEYS && strcmp(v[i].key, sim_farm_keys[k].key); k++)
			;
		if (k == SIM_FARM_N_KEYS)
			return SIM_FARM_FAIL("unknown key \"%s\" (map, load_scale, on_demand, region, "
					     "instance_type, service_time, service_dist, "
					     "service_sigma, interrupt_rate, seed, slo)", v[i].key);
		if (!a->given[sim_farm_keys[k].opt]) {
			/* The texts are the core's until we return: a copy. */
			if (sim_farm_keys[k].opt == SIM_OPT_OD)
				value = sim_farm_path(a, value);
			if (value == v[i].value)
				value = sim_farm_keep(a, strdup(value));
			if (!value)
				return -ENOMEM;
			if (sim_cli_set(a, sim_farm_keys[k].opt, value, why, sizeof why) < 0)
				return SIM_FARM_FAIL("%s: %s", v[i].key, why);
		}
		i++;
	}
	return 0;
}

int sim_farm_read(struct sim_args *a, const char *plugin_dir, char *err, size_t errlen)
{
	struct sim_farm f = { .a = a, .n_flag_maps = a->n_maps };
	struct scaled_options o;
	char *msg = NULL;
	int rc;

	scaled_options_init(&o);
	o.plugin_path = plugin_dir;
	o.log_level = SCALED_LOG_ERROR;
	rc = scaled_farm_simulate_table(&o, a->farm, sim_farm_entries, &f, &msg);
	if (rc < 0)
		snprintf(err, errlen, "%s", msg ? msg : strerror(-rc));
	free(msg);
	return rc;
}
