/*
 * sim_market.c - the units of a sim target per market (sim.h): running
 * and booting units of spot and on-demand, the mix that splits the desired
 * total between them, the price that holds spot launches back, notices
 * and interruptions.
 *
 * Pure: no host calls. The caller hands in the engine's now and arms a
 * timer for sim_market_next(); everything due is run by sim_market_settle
 * in time order, so the same calls at the same times give the same units.
 *
 * The rules (README.md, "Markets"):
 *  - each market holds target(k) units: on-demand scaled_mix_on_demand(D,
 *    base, percent), spot the rest;
 *  - a market that lacks units launches them; they boot for its delay and
 *    come up in launch order (spot ones only while the price allows);
 *  - a market with too many cancels its booting units first (the newest
 *    first), then retires running ones (those under notice first), but
 *    only while the total running stays at least the floor, min(D, the
 *    running total when D was asked): so a switch between markets launches
 *    the new market first and drains the old one as new units come up,
 *    and a plain scale-in (D below the running total) retires at once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

/* ------------------------------------------------------------- queues -- */

/* Append n units at at_ms (merged into the last batch when it has that
 * time). 0 or -ENOMEM. */
static int sim_queue_push(struct sim_queue *q, int64_t at_ms, int n)
{
	if (n <= 0)
		return 0;
	if (q->len && q->v[q->len - 1].at_ms == at_ms) {
		q->v[q->len - 1].n += n;
		q->units += n;
		return 0;
	}
	if (q->len == q->cap) {
		size_t cap = q->cap ? 2 * q->cap : 8;
		struct sim_batch *v = realloc(q->v, cap * sizeof *v);

		if (!v)
			return -ENOMEM;
		q->v = v;
		q->cap = cap;
	}
	q->v[q->len].at_ms = at_ms;
	q->v[q->len].n = n;
	q->len++;
	q->units += n;
	return 0;
}

/* Remove n units (at most q->units) from the front: the oldest. */
static void sim_queue_take_front(struct sim_queue *q, int n)
{
	size_t drop = 0;

	while (n > 0 && drop < q->len) {
		int take = n < q->v[drop].n ? n : q->v[drop].n;

		q->v[drop].n -= take;
		q->units -= take;
		n -= take;
		if (q->v[drop].n == 0)
			drop++;
	}
	if (drop) {
		memmove(q->v, q->v + drop, (q->len - drop) * sizeof *q->v);
		q->len -= drop;
	}
}

/* Remove n units (at most q->units) from the back: the newest. */
static void sim_queue_take_back(struct sim_queue *q, int n)
{
	while (n > 0 && q->len) {
		struct sim_batch *b = &q->v[q->len - 1];
		int take = n < b->n ? n : b->n;

		b->n -= take;
		q->units -= take;
		n -= take;
		if (b->n == 0)
			q->len--;
	}
}

/* The time of the front batch when it is due at now, else -1. */
static int64_t sim_queue_due(const struct sim_queue *q, int64_t now)
{
	if (!q->len || q->v[0].at_ms < 0 || q->v[0].at_ms > now)
		return -1;
	return q->v[0].at_ms;
}

/* --------------------------------------------------------------- model -- */

void sim_market_init(struct sim_market *m, int start, int base, int percent,
		     int64_t spot_delay_ms, int64_t od_delay_ms, int64_t notice_ms)
{
	memset(m, 0, sizeof *m);
	m->delay_ms[SIM_SPOT] = spot_delay_ms;
	m->delay_ms[SIM_OD] = od_delay_ms;
	m->notice_ms = notice_ms;
	m->desired = m->floor = start;
	m->base = base;
	m->percent = percent;
	m->running[SIM_OD] = sim_market_target(m, SIM_OD);
	m->running[SIM_SPOT] = start - m->running[SIM_OD];
}

void sim_market_free(struct sim_market *m)
{
	free(m->boot[SIM_SPOT].v);
	free(m->boot[SIM_OD].v);
	free(m->notice.v);
	memset(m, 0, sizeof *m);
}

int sim_market_target(const struct sim_market *m, enum sim_mkt k)
{
	int od = scaled_mix_on_demand(m->desired, m->base, m->percent);

	return k == SIM_OD ? od : m->desired - od;
}

int sim_market_current(const struct sim_market *m)
{
	return m->running[SIM_SPOT] + m->running[SIM_OD];
}

int sim_market_starting(const struct sim_market *m)
{
	return m->boot[SIM_SPOT].units + m->boot[SIM_OD].units;
}

/* Retire n running units of market k; spot ones under notice go first
 * (they would be gone soon anyway). */
static void sim_market_retire(struct sim_market *m, enum sim_mkt k, int n)
{
	if (k == SIM_SPOT)
		sim_queue_take_front(&m->notice, n < m->notice.units ? n : m->notice.units);
	m->running[k] -= n;
}

/* Launch what each market lacks, cancel surplus booting units, retire
 * surplus running ones down to the floor. */
static int sim_market_balance(struct sim_market *m, int64_t now)
{
	int target[SIM_MARKETS] = { sim_market_target(m, SIM_SPOT), sim_market_target(m, SIM_OD) };
	int total, k, rc;

	for (k = 0; k < SIM_MARKETS; k++) {
		struct sim_queue *q = &m->boot[k];
		int have = m->running[k] + q->units;
		int64_t at = k == SIM_SPOT && m->price_high ? -1 : now + m->delay_ms[k];

		if (have < target[k]) {
			rc = sim_queue_push(q, at, target[k] - have);
			if (rc < 0)
				return rc;
		} else if (have > target[k]) {
			int cancel = have - target[k];

			sim_queue_take_back(q, cancel < q->units ? cancel : q->units);
		}
	}
	total = sim_market_current(m);
	for (k = 0; k < SIM_MARKETS; k++) {
		int surplus = m->running[k] - target[k], allow = total - m->floor;
		int n = surplus < allow ? surplus : allow;

		if (n > 0) {
			sim_market_retire(m, (enum sim_mkt)k, n);
			total -= n;
		}
	}
	return 0;
}

int sim_market_settle(struct sim_market *m, int64_t now, struct sim_events *ev)
{
	int rc;

	for (;;) {
		/* the earliest due batch; at one time, interruptions first */
		struct sim_queue *q = NULL;
		int64_t best = -1, at;
		int k, which = -1;

		rc = sim_market_balance(m, now);
		if (rc < 0)
			return rc;
		at = sim_queue_due(&m->notice, now);
		if (at >= 0) {
			best = at;
			q = &m->notice;
		}
		for (k = 0; k < SIM_MARKETS; k++) {
			at = sim_queue_due(&m->boot[k], now);
			if (at >= 0 && (best < 0 || at < best)) {
				best = at;
				q = &m->boot[k];
				which = k;
			}
		}
		if (!q)
			return 0;
		if (which < 0) {
			int n = q->v[0].n;

			sim_queue_take_front(q, n);
			m->running[SIM_SPOT] -= n;
			m->interruptions += n;
			if (ev)
				ev->interrupted += n;
		} else {
			m->running[which] += q->v[0].n;
			sim_queue_take_front(q, q->v[0].n);
		}
	}
}

int sim_market_want(struct sim_market *m, int64_t now, int desired, int base, int percent,
		    struct sim_events *ev)
{
	int rc = sim_market_settle(m, now, ev), current;

	if (rc < 0)
		return rc;
	if (base >= 0)
		m->base = base;
	if (percent >= 0)
		m->percent = percent;
	m->desired = desired;
	current = sim_market_current(m);
	m->floor = desired < current ? desired : current;
	return sim_market_settle(m, now, ev);
}

int sim_market_price(struct sim_market *m, int64_t now, bool high, struct sim_events *ev)
{
	struct sim_queue *q = &m->boot[SIM_SPOT];
	int rc = sim_market_settle(m, now, ev), n;

	if (rc < 0)
		return rc;
	if (high && !m->price_high) {
		/* booting spot units are not fulfilled any more: they wait */
		n = q->units;
		q->len = 0;
		q->units = 0;
		rc = sim_queue_push(q, -1, n); /* fits: the queue held a batch */
		if (rc < 0)
			return rc;
	} else if (!high && m->price_high) {
		/* while high, every spot launch waits in one batch at -1 */
		for (size_t i = 0; i < q->len; i++)
			q->v[i].at_ms = now + m->delay_ms[SIM_SPOT];
	}
	m->price_high = high;
	if (high) {
		n = m->running[SIM_SPOT] - m->notice.units;
		if (n > 0) {
			rc = sim_queue_push(&m->notice, now + m->notice_ms, n);
			if (rc < 0)
				return rc;
			if (ev)
				ev->noticed += n;
		}
	}
	return sim_market_settle(m, now, ev);
}

int64_t sim_market_next(const struct sim_market *m)
{
	const struct sim_queue *qs[] = { &m->notice, &m->boot[SIM_SPOT], &m->boot[SIM_OD] };
	int64_t best = -1;
	size_t i;

	for (i = 0; i < sizeof qs / sizeof qs[0]; i++)
		if (qs[i]->len && qs[i]->v[0].at_ms >= 0 &&
		    (best < 0 || qs[i]->v[0].at_ms < best))
			best = qs[i]->v[0].at_ms;
	return best;
}
