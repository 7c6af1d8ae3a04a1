/*
 * sim_world.c - the simulated world (sim_world.h): the event loop, the
 * queue's arrivals and dispatch, and each pool's instances through launch,
 * boot, work, drain, notice and interruption, billed as they go.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scaled/plugin.h"
#include "sim_idle.h"
#include "sim_world.h"

enum { EV_BOOT = 1, EV_DONE, EV_INTERRUPT, EV_PRICE, EV_NOTICE };

static void sim_world_push(struct sim_world *w, int64_t t, int type, const struct sim_pool *p,
			   uint32_t slot)
{
	struct sim_event ev = { .t_ms = t, .type = type };

	if (p) {
		ev.pool = p->index;
		ev.slot = slot;
		ev.id = p->inst[slot].id;
	}
	if (sim_heap_push(&w->heap, ev) < 0)
		w->err = -ENOMEM;
}

/* ------------------------------------------------------------ instances -- */

static bool sim_live(const struct sim_inst *in)
{
	return in->state != SIM_FREE && !in->noticed && !in->draining;
}

/* Up and taking jobs: booted, not draining, not under notice. */
static bool sim_ready(const struct sim_inst *in)
{
	return (in->state == SIM_IDLE || in->state == SIM_BUSY) && !in->noticed && !in->draining;
}

static int sim_pool_ready(const struct sim_pool *p)
{
	int n = 0;
	size_t i;

	for (i = 0; i < p->n_slots; i++)
		n += sim_ready(&p->inst[i]);
	return n;
}

static int sim_pool_live(const struct sim_pool *p, enum sim_mkt mk)
{
	int n = 0;
	size_t i;

	for (i = 0; i < p->n_slots; i++)
		n += p->inst[i].mk == mk && sim_live(&p->inst[i]);
	return n;
}

/* Gone now: billed from launch (waiting requests cost nothing). */
static void sim_remove(struct sim_world *w, struct sim_pool *p, uint32_t slot)
{
	struct sim_inst *in = &p->inst[slot];

	if (in->state != SIM_WAIT) {
		w->n_billed--;
		w->st.cost[in->mk] += sim_cost_bill(&w->cfg.prices, in->mk, in->launch_ms, w->now);
		w->st.billed_s[in->mk] += (w->now - in->launch_ms + 999) / 1000;
	}
	if (in->state == SIM_IDLE || in->state == SIM_BUSY)
		w->n_running--;
	if (in->state == SIM_BUSY)
		w->n_busy--;
	memset(in, 0, sizeof *in);
}

/* Start booting slot now (a launch, or a spot request fulfilled); a spot
 * instance of a pool with an interruption rate draws its notice's time. */
static void sim_boot(struct sim_world *w, struct sim_pool *p, uint32_t slot)
{
	struct sim_inst *in = &p->inst[slot];

	in->state = SIM_BOOT;
	in->launch_ms = w->now;
	w->st.launched[in->mk]++;
	if (++w->n_billed > w->st.peak_billed)
		w->st.peak_billed = w->n_billed;
	sim_world_push(w, w->now + p->boot_ms[in->mk], EV_BOOT, p, slot);
	if (in->mk == SIM_MKT_SPOT && p->interrupt_rate > 0) {
		/* Exponential with mean 1 / rate hours; past a century is never. */
		double ms = sim_rng_exp(&w->irng) * 3600000.0 / p->interrupt_rate;

		if (ms < 3.2e12)
			sim_world_push(w, w->now + (int64_t)ceil(ms), EV_NOTICE, p, slot);
	}
}

/* A notice to spot slot: it takes no new job and is gone notice_ms later;
 * the pool asks for a replacement now. */
static void sim_notice(struct sim_world *w, struct sim_pool *p, uint32_t slot)
{
	p->inst[slot].noticed = true;
	sim_world_push(w, w->now + w->cfg.notice_ms, EV_INTERRUPT, p, slot);
}

/* A new instance of market mk, waiting or booting; -1 when out of memory. */
static long sim_launch(struct sim_world *w, struct sim_pool *p, enum sim_mkt mk)
{
	size_t slot;

	for (slot = 0; slot < p->n_slots && p->inst[slot].state != SIM_FREE; slot++)
		;
	if (slot == p->n_slots) {
		if (p->n_slots == p->cap) {
			size_t cap = p->cap ? p->cap * 2 : 16;
			struct sim_inst *v = realloc(p->inst, cap * sizeof *v);

			if (!v) {
				w->err = -ENOMEM;
				return -1;
			}
			p->inst = v;
			p->cap = cap;
		}
		p->n_slots++;
	}
	memset(&p->inst[slot], 0, sizeof p->inst[slot]);
	p->inst[slot].id = ++w->next_id;
	p->inst[slot].mk = mk;
	if (mk == SIM_MKT_SPOT && p->high)
		p->inst[slot].state = SIM_WAIT;
	else
		sim_boot(w, p, (uint32_t)slot);
	return (long)slot;
}

/* The live slot of market mk to give up first at scale-in, or -1: a
 * waiting request, then the newest booting one, then an idle one, then a
 * busy one (the highest slot). */
static long sim_surplus(struct sim_pool *p, enum sim_mkt mk)
{
	static const enum sim_state order[] = { SIM_WAIT, SIM_BOOT, SIM_IDLE, SIM_BUSY };
	size_t k, i;

	for (k = 0; k < sizeof order / sizeof order[0]; k++) {
		long best = -1;

		for (i = p->n_slots; i-- > 0;) {
			const struct sim_inst *in = &p->inst[i];

			if (in->mk != mk || !sim_live(in) || in->state != order[k])
				continue;
			if (best < 0 || (order[k] == SIM_BOOT && in->launch_ms > p->inst[best].launch_ms))
				best = (long)i;
		}
		if (best >= 0)
			return best;
	}
	return -1;
}

/* Bring each market's live instances to what the pool's desired and mix
 * make of it. A new market is launched first and the old one given up
 * after, as the sim target does (docs/markets.md): an instance that is up
 * goes only while the pool keeps `desired` instances up without it, so a
 * switch of markets never dips the capacity; what is kept for that goes
 * when the new instances are up (EV_BOOT reconciles again). A request or
 * a booting instance goes at once. */
static void sim_reconcile(struct sim_world *w, struct sim_pool *p)
{
	int want[SIM_MKTS], mk, ready = sim_pool_ready(p);

	want[SIM_MKT_OD] = scaled_mix_on_demand(p->desired, p->base, p->percent);
	want[SIM_MKT_SPOT] = p->desired - want[SIM_MKT_OD];
	for (mk = 0; mk < SIM_MKTS; mk++) {
		int live = sim_pool_live(p, (enum sim_mkt)mk);
		size_t i;

		/* Draining instances come back before any launch. */
		for (i = 0; live < want[mk] && i < p->n_slots; i++) {
			struct sim_inst *in = &p->inst[i];

			if (in->mk == (enum sim_mkt)mk && in->draining && !in->noticed) {
				in->draining = false;
				live++;
			}
		}
		for (; live < want[mk]; live++)
			if (sim_launch(w, p, (enum sim_mkt)mk) < 0)
				return;
		for (; live > want[mk]; live--) {
			long slot = sim_surplus(p, (enum sim_mkt)mk);

			if (slot < 0)
				break;
			if (sim_ready(&p->inst[slot])) {
				if (ready <= p->desired)
					break; /* kept until the new market's are up */
				ready--;
			}
			if (p->inst[slot].state == SIM_BUSY)
				p->inst[slot].draining = true;
			else
				sim_remove(w, p, (uint32_t)slot);
		}
	}
}

/* ------------------------------------------------------------ the queue -- */

/* How long an instance of p takes for a job of service_ms (at least 1 ms). */
static int64_t sim_pool_work(const struct sim_pool *p, int64_t service_ms)
{
	double ms = (double)service_ms / p->rate;

	return ms < 1 ? 1 : (int64_t)llround(ms);
}

/* Give queued jobs to idle instances, pool by pool. */
static void sim_dispatch(struct sim_world *w)
{
	size_t k;

	for (k = 0; k < w->n_pools && w->queue.n; k++) {
		struct sim_pool *p = w->pools[k];
		long slot;

		while (w->queue.n && (slot = sim_idle_pop(p)) >= 0) {
			struct sim_inst *in = &p->inst[slot];

			sim_queue_pop(&w->queue, &in->job);
			in->state = SIM_BUSY;
			in->job_start_ms = w->now;
			w->n_busy++;
			sim_world_push(w, w->now + sim_pool_work(p, in->job.service_ms), EV_DONE, p,
				       (uint32_t)slot);
		}
	}
}

static int64_t sim_service(struct sim_world *w)
{
	double ms;

	if (w->cfg.service_dist == SIM_DIST_FIXED)
		return w->cfg.service_ms;
	ms = sim_rng_draw(&w->rng, w->cfg.service_dist, (double)w->cfg.service_ms,
			  w->cfg.service_sigma);
	if (ms > 1e15) /* ~31 700 years: llround stays defined */
		ms = 1e15;
	return ms < 1 ? 1 : (int64_t)llround(ms);
}

static void sim_arrive(struct sim_world *w)
{
	struct sim_job j = { .arrival_ms = w->now, .service_ms = sim_service(w) };

	if (sim_queue_push_back(&w->queue, j) < 0) {
		w->err = -ENOMEM;
		return;
	}
	w->st.arrived++;
	w->next_arrival = sim_load_next(&w->load);
}

/* ---------------------------------------------------------------- events -- */

static void sim_on_price(struct sim_world *w)
{
	double price = sim_prices_spot(&w->cfg.prices, w->now);
	int64_t next = sim_prices_next_change(&w->cfg.prices, w->now);
	size_t k, i;

	for (k = 0; k < w->n_pools; k++) {
		struct sim_pool *p = w->pools[k];
		bool high = price > p->max_spot_price;

		if (high == p->high)
			continue;
		p->high = high;
		for (i = 0; i < p->n_slots; i++) {
			struct sim_inst *in = &p->inst[i];

			if (in->mk != SIM_MKT_SPOT || in->state == SIM_FREE || in->noticed)
				continue;
			if (!high && in->state == SIM_WAIT) {
				sim_boot(w, p, (uint32_t)i);
			} else if (high && in->state != SIM_WAIT) {
				sim_notice(w, p, (uint32_t)i);
			}
		}
		sim_reconcile(w, p);
	}
	if (next >= 0)
		sim_world_push(w, next, EV_PRICE, NULL, 0);
}

static void sim_on_event(struct sim_world *w, const struct sim_event *ev)
{
	struct sim_pool *p;
	struct sim_inst *in;

	if (ev->type == EV_PRICE) {
		sim_on_price(w);
		return;
	}
	p = w->pools[ev->pool];
	in = &p->inst[ev->slot];
	if (in->id != ev->id)
		return; /* the instance went before its event */
	switch (ev->type) {
	case EV_NOTICE: /* a random one: not if one came first */
		if (in->noticed || in->state == SIM_WAIT)
			return;
		sim_notice(w, p, ev->slot);
		sim_reconcile(w, p);
		break;
	case EV_BOOT:
		if (in->state != SIM_BOOT)
			return;
		in->state = SIM_IDLE;
		w->n_running++;
		if (sim_idle_push(p, ev->slot) < 0)
			w->err = -ENOMEM;
		sim_reconcile(w, p); /* what a switch of markets kept may go now */
		break;
	case EV_DONE:
		if (in->state != SIM_BUSY)
			return;
		w->st.served++;
		sim_hist_add(&w->st.wait, in->job_start_ms - in->job.arrival_ms);
		in->state = SIM_IDLE;
		w->n_busy--;
		if (in->draining)
			sim_remove(w, p, ev->slot);
		else if (!in->noticed && sim_idle_push(p, ev->slot) < 0)
			w->err = -ENOMEM;
		break;
	case EV_INTERRUPT:
		if (in->state == SIM_BUSY) {
			if (sim_queue_push_front(&w->queue, in->job) < 0)
				w->err = -ENOMEM;
			w->st.requeued++;
		}
		w->st.interruptions++;
		p->interruptions++;
		sim_remove(w, p, ev->slot);
		sim_reconcile(w, p);
		break;
	}
}

/* The integrals of busy and running instances up to t, and the time past
 * the SLO of the front job's wait (nothing moves in the queue between). */
static void sim_world_integrate(struct sim_world *w, int64_t t)
{
	const struct sim_job *front = sim_queue_front(&w->queue);

	if (t <= w->now)
		return;
	if (front && t > front->arrival_ms + w->cfg.slo_ms) {
		int64_t late = front->arrival_ms + w->cfg.slo_ms;

		w->st.over_slo_ms += t - (late > w->now ? late : w->now);
	}
	w->st.busy_ms += (double)w->n_busy * (double)(t - w->now);
	w->st.running_ms += (double)w->n_running * (double)(t - w->now);
	w->now = t;
}

int sim_world_advance(struct sim_world *w, int64_t t)
{
	if (!w->price_armed) {
		w->price_armed = true;
		sim_world_push(w, w->now, EV_PRICE, NULL, 0);
	}
	while (!w->err) {
		const struct sim_event *top = sim_heap_top(&w->heap);
		struct sim_event ev;

		if (top && top->t_ms <= t && (w->next_arrival < 0 || top->t_ms <= w->next_arrival)) {
			sim_heap_pop(&w->heap, &ev);
			sim_world_integrate(w, ev.t_ms);
			sim_on_event(w, &ev);
		} else if (w->next_arrival >= 0 && w->next_arrival <= t) {
			sim_world_integrate(w, w->next_arrival);
			sim_arrive(w);
		} else {
			break;
		}
		sim_dispatch(w);
	}
	sim_world_integrate(w, t);
	return w->err;
}

/* ------------------------------------------------------------ the rest -- */

void sim_pool_want(struct sim_world *w, struct sim_pool *p, int desired, int base, int percent)
{
	p->desired = desired < 0 ? 0 : desired;
	if (base >= 0)
		p->base = base;
	if (percent >= 0)
		p->percent = percent;
	sim_reconcile(w, p);
	sim_dispatch(w);
}

void sim_pool_count(const struct sim_pool *p, struct sim_pool_count *out)
{
	size_t i;

	memset(out, 0, sizeof *out);
	for (i = 0; i < p->n_slots; i++) {
		const struct sim_inst *in = &p->inst[i];

		out->noticed += in->noticed && in->state != SIM_FREE;
		if (in->state == SIM_WAIT || in->state == SIM_BOOT) {
			out->starting++;
		} else if (in->draining && in->state != SIM_FREE) {
			out->stopping++;
		} else if (in->state == SIM_IDLE || in->state == SIM_BUSY) {
			out->running++;
			if (in->mk == SIM_MKT_SPOT)
				out->spot++;
			else
				out->on_demand++;
		}
	}
}

int64_t sim_world_oldest_ms(const struct sim_world *w)
{
	const struct sim_job *j = sim_queue_front(&w->queue);

	return j ? w->now - j->arrival_ms : 0;
}

struct sim_pool *sim_world_add_pool(struct sim_world *w, const char *name,
				    const struct sim_pool_config *pc)
{
	struct sim_pool *p = calloc(1, sizeof *p), **v;
	int od, i;

	v = p ? realloc(w->pools, (w->n_pools + 1) * sizeof *v) : NULL;
	if (!v) {
		free(p);
		return NULL;
	}
	w->pools = v;
	snprintf(p->name, sizeof p->name, "%s", name);
	p->index = (uint32_t)w->n_pools;
	w->pools[w->n_pools++] = p;
	p->boot_ms[SIM_MKT_SPOT] = pc->boot_ms[SIM_MKT_SPOT];
	p->boot_ms[SIM_MKT_OD] = pc->boot_ms[SIM_MKT_OD];
	p->max_spot_price = pc->max_spot_price;
	p->rate = pc->rate > 0 ? pc->rate : 1;
	p->interrupt_rate = pc->interrupt_rate;
	p->high = sim_prices_spot(&w->cfg.prices, w->now) > pc->max_spot_price;
	p->desired = pc->start;
	p->base = pc->base;
	p->percent = pc->percent;
	/* The start is running already: no boot, billed from now. */
	od = scaled_mix_on_demand(pc->start, pc->base, pc->percent);
	for (i = 0; i < pc->start; i++) {
		long slot = sim_launch(w, p, i < od ? SIM_MKT_OD : SIM_MKT_SPOT);

		if (slot < 0)
			return NULL;
		if (p->inst[slot].state == SIM_BOOT) {
			p->inst[slot].state = SIM_IDLE;
			w->n_running++;
			if (sim_idle_push(p, (uint32_t)slot) < 0)
				w->err = -ENOMEM;
		}
	}
	return w->err ? NULL : p;
}

int sim_world_new(const struct sim_world_config *cfg, struct sim_world **out)
{
	struct sim_world *w = calloc(1, sizeof *w);

	if (!w)
		return -ENOMEM;
	w->cfg = *cfg;
	w->now = cfg->from_ms;
	sim_rng_seed(&w->rng, cfg->seed, 54u);
	sim_rng_seed(&w->irng, cfg->seed, 55u);
	sim_load_init(&w->load, cfg->load, cfg->load_scale, cfg->from_ms, cfg->to_ms);
	w->next_arrival = sim_load_next(&w->load);
	*out = w;
	return 0;
}

double sim_world_cost_now(const struct sim_world *w)
{
	double cost = w->st.cost[SIM_MKT_SPOT] + w->st.cost[SIM_MKT_OD];
	size_t k, i;

	for (k = 0; k < w->n_pools; k++)
		for (i = 0; i < w->pools[k]->n_slots; i++) {
			const struct sim_inst *in = &w->pools[k]->inst[i];

			if (in->state != SIM_FREE && in->state != SIM_WAIT)
				cost += sim_cost_bill(&w->cfg.prices, in->mk, in->launch_ms, w->now);
		}
	return cost;
}

int sim_world_finish(struct sim_world *w, int64_t t)
{
	size_t k, i;

	sim_world_advance(w, t);
	for (k = 0; k < w->n_pools; k++)
		for (i = 0; i < w->pools[k]->n_slots; i++)
			if (w->pools[k]->inst[i].state != SIM_FREE) {
				struct sim_inst *in = &w->pools[k]->inst[i];

				/* still in hand: back in the queue (where it is
				 * counted as queued at the end, not lost) */
				if (in->state == SIM_BUSY && sim_queue_push_back(&w->queue, in->job) < 0)
					w->err = -ENOMEM;
				sim_remove(w, w->pools[k], (uint32_t)i);
			}
	return w->err;
}

void sim_world_free(struct sim_world *w)
{
	size_t k;

	if (!w)
		return;
	for (k = 0; k < w->n_pools; k++) {
		free(w->pools[k]->inst);
		free(w->pools[k]->idle);
		free(w->pools[k]->idle_id);
		free(w->pools[k]);
	}
	free(w->pools);
	sim_heap_free(&w->heap);
	sim_queue_free(&w->queue);
	free(w);
}
