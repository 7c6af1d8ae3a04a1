/*
 * farm_run.c - run a farm on a virtual clock and print what a test needs to
 * check markets: every change of the group's capacity and mix, and every
 * decision (JSON lines).
 *
 *   farm_run FARM START_MS END_MS STEP_MS GROUP[,GROUP...]
 *
 * Lines on stdout:
 *   S t_ms current spot on_demand starting on_demand_base on_demand_percent GROUP
 *       whenever any of these changed for that group (checked every STEP_MS)
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

#define FARM_RUN_GROUPS 8

int main(int argc, char **argv)
{
	struct scaled_group_status st, last[FARM_RUN_GROUPS];
	struct scaled_options o;
	struct scaled_engine *e = NULL;
	int64_t start, end, step, t;
	char *err = NULL, *groups[FARM_RUN_GROUPS], *save = NULL, *g;
	size_t n = 0, i;

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
	for (g = strtok_r(argv[5], ",", &save); g && n < FARM_RUN_GROUPS; g = strtok_r(NULL, ",", &save))
		groups[n++] = g;
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
	memset(last, 0xff, sizeof last);
	for (t = start; t <= end; t += step) {
		if (scaled_engine_step(e, t) < 0) {
			fprintf(stderr, "farm_run: step failed at %" PRId64 "\n", t);
			scaled_engine_free(e);
			return 1;
		}
		for (i = 0; i < n; i++) {
			struct scaled_group_status *l = &last[i];

			if (scaled_engine_group_status(e, groups[i], &st) < 0) {
				fprintf(stderr, "farm_run: no group %s\n", groups[i]);
				scaled_engine_free(e);
				return 2;
			}
			if (st.current != l->current || st.spot != l->spot ||
			    st.on_demand != l->on_demand || st.starting != l->starting ||
			    st.on_demand_base != l->on_demand_base ||
			    st.on_demand_percent != l->on_demand_percent)
				printf("S %" PRId64 " %d %d %d %d %d %d %s\n", t, st.current, st.spot,
				       st.on_demand, st.starting, st.on_demand_base,
				       st.on_demand_percent, groups[i]);
			*l = st;
		}
	}
	scaled_engine_free(e);
	return 0;
}
