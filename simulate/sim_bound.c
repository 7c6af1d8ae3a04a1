/*
 * sim_bound.c - the offline lower bound and the fixed-peak reference
 * (sim_bound.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "sim_bound.h"
#include "sim_queue.h"

int sim_bound_init(struct sim_bound *b, const struct sim_prices *p, int64_t slo_ms,
		   int64_t to_ms)
{
	size_t i;

	b->p = p;
	b->slo_ms = slo_ms;
	b->to_ms = to_ms;
	b->cost = 0;
	b->work_ms = 0;
	b->n = p->spot->n;
	for (b->leaves = 1; b->leaves < b->n; b->leaves *= 2)
		;
	b->tree = malloc(2 * b->leaves * sizeof *b->tree);
	if (!b->tree)
		return -ENOMEM;
	/* Leaf i is row i's price; the rest never win (above any price). */
	for (i = 0; i < b->leaves; i++)
		b->tree[b->leaves + i] = i < b->n ? p->spot->value[i] : (double)INFINITY;
	for (i = b->leaves - 1; i >= 1; i--)
		b->tree[i] = fmin(b->tree[2 * i], b->tree[2 * i + 1]);
	return 0;
}

void sim_bound_free(struct sim_bound *b)
{
	free(b->tree);
	b->tree = NULL;
}

/* The row in force at engine time t (row 0's before the first). */
static size_t sim_bound_row(const struct sim_bound *b, int64_t t)
{
	long i = replay_csv_find(b->p->spot, t + b->p->shift_ms);

	return i < 0 ? 0 : (size_t)i;
}

double sim_bound_price(const struct sim_bound *b, int64_t from, int64_t to)
{
	size_t lo = sim_bound_row(b, from) + b->leaves;
	size_t hi = sim_bound_row(b, to > from ? to - 1 : from) + b->leaves + 1;
	double best = b->p->on_demand;

	/* The rows lo..hi-1, bottom up over the half-open range. */
	for (; lo < hi; lo /= 2, hi /= 2) {
		if (lo & 1)
			best = fmin(best, b->tree[lo++]);
		if (hi & 1)
			best = fmin(best, b->tree[--hi]);
	}
	return best;
}

void sim_bound_add(struct sim_bound *b, int64_t arrival_ms, int64_t work_ms)
{
	/* A run keeping the SLO starts the job by arrival + SLO: at least
	 * to - arrival - SLO of its work (if that is less than the work) lies
	 * before the span's end, where the world bills; the rest may not. */
	int64_t start = arrival_ms + b->slo_ms;
	int64_t in_span = b->to_ms - start < work_ms ? b->to_ms - start : work_ms;
	int64_t end = start + work_ms < b->to_ms ? start + work_ms : b->to_ms;

	b->work_ms += work_ms;
	if (in_span <= 0)
		return;
	b->cost += sim_bound_price(b, arrival_ms, end) * (double)in_span / 3600000.0;
}

/* A service time as sim_world.c's sim_service draws it. */
static int64_t sim_bound_service(const struct sim_bound_in *in, struct sim_rng *rng)
{
	double ms;

	if (in->service_dist == SIM_DIST_FIXED)
		return in->service_ms;
	ms = sim_rng_draw(rng, in->service_dist, (double)in->service_ms, in->service_sigma);
	if (ms > 1e15)
		ms = 1e15;
	return ms < 1 ? 1 : (int64_t)llround(ms);
}

int sim_bound_run(const struct sim_bound_in *in, struct sim_bound_out *out)
{
	struct sim_bound b;
	struct sim_load l;
	struct sim_rng rng;
	int64_t t, bin_ms = sim_load_bin(in->load), bin = -1, bin_work = 0, peak = 0;
	double rate = in->rate > 0 ? in->rate : 1;

	if (sim_bound_init(&b, &in->prices, in->slo_ms, in->to_ms) < 0)
		return -ENOMEM;
	sim_rng_seed(&rng, in->seed, 54u); /* the world's service stream */
	sim_load_init(&l, in->load, in->load_scale, in->from_ms, in->to_ms);
	while ((t = sim_load_next(&l)) >= 0) {
		double ms = (double)sim_bound_service(in, &rng) / rate;
		int64_t work = ms < 1 ? 1 : (int64_t)llround(ms);
		int64_t k = (t - in->load->t_ms[0]) / bin_ms;

		sim_bound_add(&b, t, work);
		if (k != bin) {
			bin = k;
			bin_work = 0;
		}
		bin_work += work;
		if ((bin_work + bin_ms - 1) / bin_ms > peak)
			peak = (bin_work + bin_ms - 1) / bin_ms;
	}
	out->cost = b.cost;
	out->work_ms = b.work_ms;
	out->peak = peak;
	out->fixed_peak = (double)peak * in->prices.on_demand *
			  (double)(in->to_ms - in->from_ms) / 3600000.0;
	sim_bound_free(&b);
	return 0;
}
