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

struct sim_report {
	int64_t from_ms, to_ms;
	uint64_t seed;
	double load_scale, on_demand;
	const struct sim_stats *st;
	uint64_t queued_end, in_flight_end; /* jobs left at the end */
	uint64_t decisions, actions;        /* recorded; acted on (outcome ok) */
};

/* Jobs lost: arrived, neither served nor left queued or in flight at the
 * end: 0 unless the world is wrong (negative: a job counted twice). */
int64_t sim_report_lost(const struct sim_report *r);

/* Write summary.json at path. 0, or -errno with "path: reason" in err. */
int sim_report_summary(const char *path, const struct sim_report *r, char *err, size_t errlen);

/* t (ms since the epoch) as "YYYY-MM-DDTHH:MM:SSZ" into buf (21 bytes). */
void sim_report_iso(int64_t t, char *buf, size_t len);

#endif
