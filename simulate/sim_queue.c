/*
 * sim_queue.c - the job queue and the load trace's arrivals (sim_queue.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim_queue.h"

static int sim_queue_room(struct sim_queue *q)
{
	size_t cap, i;
	struct sim_job *v;

	if (q->n < q->cap)
		return 0;
	cap = q->cap ? q->cap * 2 : 1024;
	v = malloc(cap * sizeof *v);
	if (!v)
		return -ENOMEM;
	for (i = 0; i < q->n; i++)
		v[i] = q->v[(q->head + i) % q->cap];
	free(q->v);
	q->v = v;
	q->cap = cap;
	q->head = 0;
	return 0;
}

int sim_queue_push_back(struct sim_queue *q, struct sim_job j)
{
	if (sim_queue_room(q) < 0)
		return -ENOMEM;
	q->v[(q->head + q->n++) % q->cap] = j;
	return 0;
}

int sim_queue_push_front(struct sim_queue *q, struct sim_job j)
{
	if (sim_queue_room(q) < 0)
		return -ENOMEM;
	q->head = (q->head + q->cap - 1) % q->cap;
	q->v[q->head] = j;
	q->n++;
	return 0;
}

const struct sim_job *sim_queue_front(const struct sim_queue *q)
{
	return q->n ? &q->v[q->head] : NULL;
}

int sim_queue_pop(struct sim_queue *q, struct sim_job *out)
{
	if (!q->n)
		return -1;
	*out = q->v[q->head];
	q->head = (q->head + 1) % q->cap;
	q->n--;
	return 0;
}

void sim_queue_free(struct sim_queue *q)
{
	free(q->v);
	q->v = NULL;
	q->head = q->n = q->cap = 0;
}

int64_t sim_load_bin(const struct replay_trace *tr)
{
	return tr->n > 1 ? tr->t_ms[1] - tr->t_ms[0] : 60000;
}

/* ms as seconds: "60", "0.5". */
static const char *sim_load_secs(int64_t ms, char *buf, size_t len)
{
	if (ms % 1000 == 0)
		snprintf(buf, len, "%lld", (long long)(ms / 1000));
	else
		snprintf(buf, len, "%.3f", (double)ms / 1000.0);
	return buf;
}

int sim_load_check(const struct replay_trace *tr, const char *path, char *err, size_t errlen)
{
	int64_t bin = sim_load_bin(tr), step;
	char a[32], b[32];
	size_t i;

	for (i = 2; i < tr->n; i++) {
		step = tr->t_ms[i] - tr->t_ms[i - 1];
		if (step == bin)
			continue;
		/* Row i is on line i + 2: the header, then one row a line. */
		if (step > bin)
			snprintf(err, errlen, "%s:%zu: gap of %s s after the previous row (bin is %s s)",
				 path, i + 2, sim_load_secs(step, a, sizeof a),
				 sim_load_secs(bin, b, sizeof b));
		else
			snprintf(err, errlen, "%s:%zu: step of %s s after the previous row is shorter "
				 "than the bin (%s s, the first step)", path, i + 2,
				 sim_load_secs(step, a, sizeof a), sim_load_secs(bin, b, sizeof b));
		return -EINVAL;
	}
	return 0;
}

void sim_load_init(struct sim_load *l, const struct replay_trace *tr, double scale,
		   int64_t from, int64_t to)
{
	l->tr = tr;
	l->scale = scale;
	l->carry = 0;
	l->bin_ms = sim_load_bin(tr);
	l->from = from;
	l->to = to;
	l->row = 0;
	l->n = l->j = 0;
}

int64_t sim_load_next(struct sim_load *l)
{
	for (;;) {
		int64_t t;

		while (l->j >= l->n) {
			double want;

			if (l->row >= l->tr->n || l->tr->t_ms[l->row] >= l->to)
				return -1;
			/* Fractions carry over; 1e-9 absorbs float noise (0.1 x 10). */
			want = l->carry + l->tr->value[l->row] * l->scale;
			if (want > SIM_MAX_BIN_ARRIVALS) /* past it, floor() is no integer */
				want = SIM_MAX_BIN_ARRIVALS;
			l->n = (int64_t)floor(want + 1e-9);
			l->carry = want - (double)l->n;
			if (l->carry < 0)
				l->carry = 0;
			l->j = 0;
			l->row++;
		}
		/* 128 bits: a trillion arrivals over a day's bin overflow 64 */
		t = l->tr->t_ms[l->row - 1] + (int64_t)((__int128)l->j * l->bin_ms / l->n);
		l->j++;
		if (t >= l->to)
			return -1;
		if (t >= l->from)
			return t;
	}
}
