/*
 * sim_kinds.c - the "simulate" in-process plugin (sim_kinds.h): its
 * descriptor, keys and callbacks. Each callback first brings the world to
 * the engine's now, so that what it reports is the world at that instant.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim_kinds.h"
#include "sim_world.h"

static const struct scaled_host *sim_kinds_host;
static struct sim_world *sim_kinds_world;

void sim_kinds_bind(struct sim_world *w)
{
	sim_kinds_world = w;
}

static bool sim_kinds_baselines;

void sim_kinds_baseline_series(bool on)
{
	sim_kinds_baselines = on;
}

static int sim_kinds_init(const struct scaled_host *host, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	sim_kinds_host = host;
	return 0;
}

/* The world at inst's now; logs a failure once. */
static struct sim_world *sim_kinds_at(struct scaled_instance *inst)
{
	static int logged;
	struct sim_world *w = sim_kinds_world;

	if (sim_world_advance(w, sim_kinds_host->now_ms(inst)) < 0 && !logged++)
		sim_kinds_host->log(inst, SCALED_LOG_ERROR, "the simulated world ran out of memory");
	return w;
}

/* ---------------------------------------------------------------- capacity -- */

enum { CAP_START, CAP_BASE, CAP_PERCENT, CAP_DELAY, CAP_SPOT_DELAY, CAP_OD_DELAY, CAP_MAX_PRICE,
       CAP_RATE, CAP_INTERRUPT_RATE };

static const struct scaled_key sim_cap_keys[] = {
	[CAP_START] = { "start", SCALED_KEY_INT, "0", 0, "instances running at the start" },
	[CAP_BASE] = { "on_demand_base", SCALED_KEY_INT, "0", 0,
		       "market mix at the start: the first N on-demand" },
	[CAP_PERCENT] = { "on_demand_percent", SCALED_KEY_INT, "100", 0,
			  "market mix at the start: % of the rest on-demand" },
	[CAP_DELAY] = { "delay", SCALED_KEY_DURATION, "60s", 0, "boot time of an instance" },
	[CAP_SPOT_DELAY] = { "spot_delay", SCALED_KEY_DURATION, NULL, 0,
			     "boot time of a spot instance; default: delay" },
	[CAP_OD_DELAY] = { "on_demand_delay", SCALED_KEY_DURATION, NULL, 0,
			   "boot time of an on-demand instance; default: delay" },
	[CAP_MAX_PRICE] = { "max_spot_price", SCALED_KEY_NUMBER, NULL, 0,
			    "above it spot instances are interrupted; default: the on-demand price" },
	[CAP_RATE] = { "rate", SCALED_KEY_NUMBER, "1", 0,
		       "service rate of an instance: a job takes its service time / rate" },
	[CAP_INTERRUPT_RATE] = { "interrupt_rate", SCALED_KEY_NUMBER, NULL, 0,
				 "random spot interruptions per instance-hour; default: "
				 "--interrupt-rate" },
	{ NULL, 0, NULL, 0, NULL },
};

static const struct scaled_key_limit sim_cap_limits[] = {
	{ .key = "start", .min = "0", .max = "100000" },
	{ .key = "on_demand_base", .min = "0", .max = "100000" },
	{ .key = "on_demand_percent", .min = "0", .max = "100" },
	{ .key = "max_spot_price", .min = "0" },
	{ .key = "rate", .min = "0.001", .max = "1000" },
	{ .key = "interrupt_rate", .min = "0", .max = "3600" },
	{ .key = NULL },
};

struct sim_cap {
	struct scaled_instance *inst;
	struct sim_pool *pool;
	double busy_ms, running_ms; /* the world's integrals at the last report */
};

static void sim_cap_report(struct sim_cap *c)
{
	struct sim_pool_count n;
	struct scaled_target_state st = { .struct_size = sizeof st };
	int64_t now = sim_kinds_host->now_ms(c->inst);

	sim_pool_count(c->pool, &n);
	st.current = n.running;
	st.desired = c->pool->desired;
	st.starting = n.starting;
	st.stopping = n.stopping;
	st.spot = n.spot;
	st.on_demand = n.on_demand;
	sim_kinds_host->report_target(c->inst, &st);
	/* As the sim target names them: "<target>.interruption_notice" (units
	 * under notice) and "<target>.interruptions" (since the start). */
	sim_kinds_host->publish(c->inst, "interruption_notice", now, n.noticed);
	sim_kinds_host->publish(c->inst, "interruptions", now,
				(double)c->pool->interruptions);
	/* What the baselines read (sim_baselines.h), in their runs only:
	 * "<target>.backlog", the queue's depth, and "<target>.cpu", the busy
	 * share in % of the world's running instances since the last report
	 * (0 with none). */
	if (sim_kinds_baselines && sim_kinds_world) {
		const struct sim_world *w = sim_kinds_world;
		double busy = w->st.busy_ms - c->busy_ms, running = w->st.running_ms - c->running_ms;

		c->busy_ms = w->st.busy_ms;
		c->running_ms = w->st.running_ms;
		sim_kinds_host->publish(c->inst, "backlog", now, (double)w->queue.n);
		sim_kinds_host->publish(c->inst, "cpu", now,
					running > 0 ? 100.0 * busy / running : 0.0);
	}
}

static int sim_cap_create(struct scaled_instance *inst, const struct scaled_value *v,
			  void **state, char *err, size_t errlen)
{
	struct sim_world *w = sim_kinds_world;
	struct sim_cap *c;
	int64_t delay = v[CAP_DELAY].u.ms;
	struct sim_pool_config pc;

	if (!w) {
		snprintf(err, errlen, "simulate.capacity runs only under scaled simulate");
		return -EINVAL;
	}
	pc = (struct sim_pool_config){
		.start = (int)v[CAP_START].u.integer,
		.base = (int)v[CAP_BASE].u.integer,
		.percent = (int)v[CAP_PERCENT].u.integer,
		.boot_ms = { [SIM_MKT_SPOT] = v[CAP_SPOT_DELAY].set ? v[CAP_SPOT_DELAY].u.ms : delay,
			     [SIM_MKT_OD] = v[CAP_OD_DELAY].set ? v[CAP_OD_DELAY].u.ms : delay },
		.max_spot_price = v[CAP_MAX_PRICE].set ? v[CAP_MAX_PRICE].u.number
						       : w->cfg.prices.on_demand,
		.rate = v[CAP_RATE].u.number,
		.interrupt_rate = v[CAP_INTERRUPT_RATE].set ? v[CAP_INTERRUPT_RATE].u.number
							    : w->cfg.interrupt_rate,
	};
	c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	c->inst = inst;
	c->pool = sim_world_add_pool(w, "pool", &pc);
	if (!c->pool) {
		free(c);
		return -ENOMEM;
	}
	c->pool->owner = inst;
	sim_cap_report(c);
	*state = c;
	return 0;
}

static void sim_cap_destroy(void *state)
{
	free(state); /* the pool is the world's */
}

static int sim_cap_poll(void *state, char *err, size_t errlen)
{
	struct sim_cap *c = state;

	(void)err;
	(void)errlen;
	sim_kinds_at(c->inst);
	sim_cap_report(c);
	return 0;
}

static int sim_cap_apply(void *state, const struct scaled_target_want *want, uint64_t token,
			 char *err, size_t errlen)
{
	struct sim_cap *c = state;
	struct sim_world *w = sim_kinds_at(c->inst);

	(void)err;
	(void)errlen;
	sim_pool_want(w, c->pool, want->desired, want->on_demand_base, want->on_demand_percent);
	sim_cap_report(c);
	sim_kinds_host->apply_done(c->inst, token, 0, NULL);
	return 0;
}

static const struct scaled_kind sim_cap_kind = {
	.struct_size = sizeof(struct scaled_kind),
	.name = "simulate.capacity",
	.role = SCALED_ROLE_TARGET,
	.help = "simulated instances per market, working the simulated queue",
	.keys = sim_cap_keys,
	.create = sim_cap_create,
	.destroy = sim_cap_destroy,
	.poll = sim_cap_poll,
	.apply = sim_cap_apply,
	.limits = sim_cap_limits,
	.limit_size = sizeof(struct scaled_key_limit),
	.flags = SCALED_KIND_APPLIES_MIX,
};

/* ----------------------------------------------------------------- sources -- */

enum sim_src_what { SRC_QUEUE, SRC_CPU, SRC_ON_DEMAND };

struct sim_src {
	struct scaled_instance *inst;
	enum sim_src_what what;
	double busy_ms, running_ms; /* the integrals at the last collect */
};

static int sim_src_create(struct scaled_instance *inst, enum sim_src_what what, void **state,
			  char *err, size_t errlen)
{
	struct sim_src *s;

	if (!sim_kinds_world) {
		snprintf(err, errlen, "the simulate kinds run only under scaled simulate");
		return -EINVAL;
	}
	s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	s->inst = inst;
	s->what = what;
	s->busy_ms = sim_kinds_world->st.busy_ms;
	s->running_ms = sim_kinds_world->st.running_ms;
	*state = s;
	return 0;
}

static int sim_queue_create(struct scaled_instance *inst, const struct scaled_value *v,
			    void **state, char *err, size_t errlen)
{
	(void)v;
	return sim_src_create(inst, SRC_QUEUE, state, err, errlen);
}

static int sim_cpu_create(struct scaled_instance *inst, const struct scaled_value *v,
			  void **state, char *err, size_t errlen)
{
	(void)v;
	return sim_src_create(inst, SRC_CPU, state, err, errlen);
}

static int sim_od_create(struct scaled_instance *inst, const struct scaled_value *v,
			 void **state, char *err, size_t errlen)
{
	(void)v;
	return sim_src_create(inst, SRC_ON_DEMAND, state, err, errlen);
}

static int sim_src_collect(void *state, char *err, size_t errlen)
{
	struct sim_src *s = state;
	struct sim_world *w = sim_kinds_at(s->inst);
	const struct scaled_host *h = sim_kinds_host;
	int64_t now = w->now;
	double busy, running;

	(void)err;
	(void)errlen;
	switch (s->what) {
	case SRC_QUEUE:
		h->publish(s->inst, NULL, now, (double)w->queue.n);
		h->publish(s->inst, "in_flight", now, (double)w->n_busy);
		h->publish(s->inst, "oldest_age", now, (double)sim_world_oldest_ms(w) / 1000.0);
		break;
	case SRC_CPU:
		/* The busy share since the last collect (0 with nothing running). */
		busy = w->st.busy_ms - s->busy_ms;
		running = w->st.running_ms - s->running_ms;
		s->busy_ms = w->st.busy_ms;
		s->running_ms = w->st.running_ms;
		h->publish(s->inst, NULL, now, running > 0 ? 100.0 * busy / running : 0.0);
		break;
	case SRC_ON_DEMAND:
		h->publish(s->inst, NULL, now, w->cfg.prices.on_demand);
		break;
	}
	return 0;
}

static const struct scaled_kind sim_queue_kind = {
	.struct_size = sizeof(struct scaled_kind),
	.name = "simulate.queue",
	.role = SCALED_ROLE_SOURCE,
	.help = "the simulated job queue: depth, .in_flight, .oldest_age (s)",
	.create = sim_queue_create,
	.destroy = free,
	.collect = sim_src_collect,
};

static const struct scaled_kind sim_cpu_kind = {
	.struct_size = sizeof(struct scaled_kind),
	.name = "simulate.cpu",
	.role = SCALED_ROLE_SOURCE,
	.help = "the busy share of the simulated running instances since the last collect, %",
	.create = sim_cpu_create,
	.destroy = free,
	.collect = sim_src_collect,
};

static const struct scaled_kind sim_od_kind = {
	.struct_size = sizeof(struct scaled_kind),
	.name = "simulate.on_demand",
	.role = SCALED_ROLE_SOURCE,
	.help = "the on-demand price of the simulation (--on-demand)",
	.create = sim_od_create,
	.destroy = free,
	.collect = sim_src_collect,
};

static const struct scaled_kind *const sim_kinds_list[] = {
	&sim_cap_kind, &sim_queue_kind, &sim_cpu_kind, &sim_od_kind, NULL,
};

const struct scaled_plugin sim_kinds_plugin = {
	.abi_major = SCALED_PLUGIN_ABI_MAJOR,
	.abi_minor = SCALED_PLUGIN_ABI_MINOR,
	.struct_size = sizeof(struct scaled_plugin),
	.name = "simulate",
	.version = "0.1",
	.help = "scaled simulate's kinds: simulated capacity, queue, CPU, on-demand price",
	.init = sim_kinds_init,
	.kinds = sim_kinds_list,
};
