/*
 * farm_run.c - run a farm on a virtual clock and print what a test needs to
 * check markets: every change of the group's capacity and mix, and every
 * decision (JSON lines).
 *
 *   farm_run FARM START_MS END_MS STEP_MS GROUP
 *
 * Lines on stdout:
 *   S t_ms current spot on_demand starting on_demand_base on_demand_percent
 *       whenever any of these changed (checked every STEP_MS)
 *   D {decision JSON}      each decision recorded (completed ones)
 * Exit 0, or 2 when the farm does not load (the reason on stderr).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scaled/scaled.h"

static void on_decision(void *arg, const struct scaled_decision *d)
{
	char *j;

	(void)arg;
	if (d->outcome == SCALED_OUTCOME_PENDING)
		return;
	j = scaled_decision_json(d);
	if (j)
		printf("D %s\n", j);
	free(j);
}

int main(int argc, char **argv)
{
	struct scaled_group_status st, last;
	struct scaled_options o;
	struct scaled_engine *e = NULL;
	int64_t start, end, step, t;
	char *err = NULL;

	if (argc != 6) {
		fprintf(stderr, "usage: farm_run FARM START_MS END_MS STEP_MS GROUP\n");
		return 2;
	}
	start = strtoll(argv[2], NULL, 10);
	end = strtoll(argv[3], NULL, 10);
	step = strtoll(argv[4], NULL, 10);
	if (step <= 0 || end < start) {
		fprintf(stderr, "farm_run: bad times\n");
		return 2;
	}
	scaled_options_init(&o);
	o.virtual_clock = 1;
	o.start_ms = start;
	o.log_level = SCALED_LOG_WARN;
	if (scaled_engine_new(&o, &e, &err) < 0 || scaled_engine_load_file(e, argv[1], &err) < 0) {
		fprintf(stderr, "farm_run: %s\n", err ? err : "cannot start");
		free(err);
		scaled_engine_free(e);
		return 2;
	}
	scaled_engine_on_decision(e, on_decision, NULL);
	memset(&last, 0xff, sizeof last);
	for (t = start; t <= end; t += step) {
		if (scaled_engine_step(e, t) < 0 ||
		    scaled_engine_group_status(e, argv[5], &st) < 0) {
			fprintf(stderr, "farm_run: step or status failed at %" PRId64 "\n", t);
			scaled_engine_free(e);
			return 1;
		}
		if (st.current != last.current || st.spot != last.spot ||
		    st.on_demand != last.on_demand || st.starting != last.starting ||
		    st.on_demand_base != last.on_demand_base ||
		    st.on_demand_percent != last.on_demand_percent)
			printf("S %" PRId64 " %d %d %d %d %d %d\n", t, st.current, st.spot, st.on_demand,
			       st.starting, st.on_demand_base, st.on_demand_percent);
		last = st;
	}
	scaled_engine_free(e);
	return 0;
}
