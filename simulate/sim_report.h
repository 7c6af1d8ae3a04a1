/*
 * sim_report.h - what a simulation writes: summary.json (sim_report.c),
 * with its keys always in the same order and its numbers always in the
 * same format, so that the same run gives the same bytes.
 */
#ifndef SIM_REPORT_H
#define SIM_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "sim_world.h"

/* A baseline's run (--baselines): the seed policy's name, what its world
 * counted, the jobs it left. */
struct sim_report_run {
	const char *name;
	const struct sim_stats *st;
	uint64_t queued_end, in_flight_end;
};

struct sim_report {
	int64_t from_ms, to_ms;
	uint64_t seed;
	double load_scale, on_demand;
	const struct sim_stats *st;
	uint64_t queued_end, in_flight_end; /* jobs left at the end */
	uint64_t decisions, actions;        /* recorded; acted on (outcome ok) */
	int64_t slo_ms;
	uint64_t failovers;                 /* mix switches to or from all on-demand */
	int64_t fixed_peak_instances;       /* sim_bound.h's peak */
	double fixed_peak, bound;           /* its cost; the lower bound */
	const struct sim_report_run *baselines;
	size_t n_baselines;                 /* 0: no "baselines" key */
};

/* Jobs lost: arrived, neither served nor left queued or in flight at the
 * end: 0 unless the world is wrong (negative: a job counted twice). */
int64_t sim_report_lost(const struct sim_report *r);

/* Write summary.json at path. 0, or -errno with "path: reason" in err. */
int sim_report_summary(const char *path, const struct sim_report *r, char *err, size_t errlen);

/* t (ms since the epoch) as "YYYY-MM-DDTHH:MM:SSZ" into buf (21 bytes). */
void sim_report_iso(int64_t t, char *buf, size_t len);

#endif
