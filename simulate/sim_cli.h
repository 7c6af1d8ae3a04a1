/*
 * sim_cli.h - the command line of `scaled simulate`, parsed and checked
 * (sim_cli.c), and its help text. The farm's own `simulate { ... }` table
 * (sim_farm.c) sets the same options through sim_cli_set, for those the
 * command line did not give.
 */
#ifndef SIM_CLI_H
#define SIM_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim_rng.h"

#define SIM_CLI_MAX_MAPS 64

/* --decisions: every decision the engine records (default), only those
 * that acted (outcome other than "none"), or none (no file). */
enum { SIM_DECISIONS_ALL, SIM_DECISIONS_ACTED, SIM_DECISIONS_NONE };

/* The options a value sets (sim_cli_set), the farm table's as the flags'. */
enum sim_opt {
	SIM_OPT_SCALE, SIM_OPT_OD, SIM_OPT_REGION, SIM_OPT_TYPE, SIM_OPT_SERVICE,
	SIM_OPT_DIST, SIM_OPT_SIGMA, SIM_OPT_RATE, SIM_OPT_SEED, SIM_OPT_SLO, SIM_OPT_N
};

struct sim_args {
	const char *farm, *load, *spot, *out;
	const char *spot_type, *spot_zone, *spot_product;
	double load_scale;       /* 1 */
	double on_demand;        /* -1: not given (or a table: read later) */
	const char *od_table;    /* --on-demand PATH: the on-demand price table */
	const char *region;      /* its row: default the spot zone's region */
	const char *instance_type; /* default the spot rows' type */
	int64_t from_ms, to_ms;  /* -1: the load trace's own */
	uint64_t seed;           /* 1 */
	int64_t service_ms;      /* 60 s */
	enum sim_dist service_dist;
	double service_sigma;    /* lognormal: sigma of the log (default 1) */
	double interrupt_rate;   /* random spot notices per instance-hour (0) */
	int64_t slo_ms;          /* --slo: the queue-wait SLO (5 min) */
	bool baselines;          /* --baselines: the seed policies run too */
	bool quiet;              /* no progress lines */
	int decisions;           /* SIM_DECISIONS_* below: which go to decisions.jsonl */
	const char *plugin_dir;  /* --plugin-dir */
	const char *maps[SIM_CLI_MAX_MAPS]; /* "NAME=KIND[,key=value...]" */
	size_t n_maps;
	bool given[SIM_OPT_N];   /* set on the command line (the farm's yield) */
	char *own[SIM_CLI_MAX_MAPS + SIM_OPT_N]; /* texts made for the farm's values */
	size_t n_own;
	int64_t series_every_ms; /* --series-every: series.csv's interval; 0: the default */
	bool no_chart;           /* --no-chart: no chart.png */
};

/* Parse argv (argv[0] is "simulate"). Returns 0; 1 when --help was asked
 * (the help is printed on stdout); -EINVAL with "--flag: reason" in err.
 * Whether an on-demand price or table was given is checked later
 * (sim_cli_check), once the farm's table is read. */
int sim_cli_parse(int argc, char **argv, struct sim_args *a, char *err, size_t errlen);
/* What must hold once the flags and the farm's table are in. 0, or
 * -EINVAL with "--flag: reason" in err. */
int sim_cli_check(const struct sim_args *a, char *err, size_t errlen);
/* Set option `opt` from the text `value` (not copied). 0, or -EINVAL with
 * the reason in why (without the flag's name: the caller says where). */
int sim_cli_set(struct sim_args *a, enum sim_opt opt, const char *value, char *why,
		size_t whylen);
/* Free what the farm's table made (a's own texts). */
void sim_cli_free(struct sim_args *a);
void sim_cli_usage(FILE *f);

/* A duration as "250ms", "30s", "5m", "1h", "1d" or seconds: 0 and *ms,
 * or -EINVAL. */
int sim_cli_duration(const char *s, int64_t *ms);

#endif
