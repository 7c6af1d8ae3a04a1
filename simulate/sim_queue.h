/*
 * sim_queue.h - the world's job queue (a growable ring: jobs join at the
 * back, a job taken back from an interrupted instance goes to the front),
 * and the arrivals the load trace makes.
 */
#ifndef SIM_QUEUE_H
#define SIM_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "replay.h"

/* At most this many arrivals in one bin of the load trace, after scaling
 * (more are cut to it): well past any real trace, and where a double still
 * holds whole numbers. */
#define SIM_MAX_BIN_ARRIVALS 1e12

struct sim_job {
	int64_t arrival_ms; /* when it joined the queue first */
	int64_t service_ms; /* work it takes on one instance */
};

struct sim_queue {
	struct sim_job *v;
	size_t head, n, cap;
};

/* 0 or -ENOMEM. */
int sim_queue_push_back(struct sim_queue *q, struct sim_job j);
int sim_queue_push_front(struct sim_queue *q, struct sim_job j);
/* The oldest job, or NULL when empty. */
const struct sim_job *sim_queue_front(const struct sim_queue *q);
/* Remove the front job into *out: 0, or -1 when empty. */
int sim_queue_pop(struct sim_queue *q, struct sim_job *out);
void sim_queue_free(struct sim_queue *q);

/* The arrivals of a load trace: each row's count times scale (the
 * fractions carried to the next row, so that no work is lost or made up),
 * spread evenly over the row's bin, the trace's first step (every step is
 * one bin: sim_load_check): arrival j of n at row + j * bin / n. Only
 * arrivals in [from, to). */
struct sim_load {
	const struct replay_trace *tr;
	double scale, carry;
	int64_t bin_ms, from, to;
	size_t row;
	int64_t n, j;        /* arrivals of this row, the next one's index */
};

void sim_load_init(struct sim_load *l, const struct replay_trace *tr, double scale,
		   int64_t from, int64_t to);
/* The time of the next arrival, consumed; -1 when there is none left. */
int64_t sim_load_next(struct sim_load *l);
/* The bin of tr: its first step (60 s for one row). */
int64_t sim_load_bin(const struct replay_trace *tr);
/* Every step of tr is one bin: 0, or -EINVAL with "path:line: gap of N s
 * after the previous row (bin is B s)" (or a step shorter than the bin) in
 * err. A bin without arrivals is a row with count 0, not a missing row. */
int sim_load_check(const struct replay_trace *tr, const char *path, char *err, size_t errlen);

#endif
