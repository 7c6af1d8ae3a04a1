/*
 * sim_cli.h - the command line of `scaled simulate`, parsed and checked
 * (sim_cli.c), and its help text.
 */
#ifndef SIM_CLI_H
#define SIM_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SIM_CLI_MAX_MAPS 64

/* --decisions: every decision the engine records (default), only those
 * that acted (outcome other than "none"), or none (no file). */
enum { SIM_DECISIONS_ALL, SIM_DECISIONS_ACTED, SIM_DECISIONS_NONE };

struct sim_args {
	const char *farm, *load, *spot, *out;
	const char *spot_type, *spot_zone, *spot_product;
	double load_scale;       /* 1 */
	double on_demand;        /* -1: not given */
	int64_t from_ms, to_ms;  /* -1: the load trace's own */
	uint64_t seed;           /* 1 */
	int64_t service_ms;      /* 60 s */
	bool service_exp;
	bool quiet;              /* no progress lines */
	int decisions;           /* SIM_DECISIONS_* below: which go to decisions.jsonl */
	const char *plugin_dir;  /* --plugin-dir */
	const char *maps[SIM_CLI_MAX_MAPS]; /* "NAME=KIND[,key=value...]" */
	size_t n_maps;
};

/* Parse argv (argv[0] is "simulate"). Returns 0; 1 when --help was asked
 * (the help is printed on stdout); -EINVAL with "--flag: reason" in err. */
int sim_cli_parse(int argc, char **argv, struct sim_args *a, char *err, size_t errlen);
void sim_cli_usage(FILE *f);

/* A duration as "250ms", "30s", "5m", "1h", "1d" or seconds: 0 and *ms,
 * or -EINVAL. */
int sim_cli_duration(const char *s, int64_t *ms);

#endif
