/*
 * sim_target.c - target kind "sim": a simulated capacity that follows the
 * desired one after a boot delay, in two markets (spot and on-demand) split
 * by a market mix (ABI 1.2, SCALED_KIND_APPLIES_MIX), with spot
 * interruptions driven by a price series it watches.
 *
 * This file is the plugin side: keys, create/destroy, poll, apply, the
 * prices read on each poll (host->series_last: the spot price, and the
 * on-demand price when that is the most spot pays), the one timer armed for the
 * next boot or interruption, and what is reported and published. The
 * units themselves are sim_market.c's.
 *
 * Reads only host->now_ms(); nothing blocks; destroy cancels the timer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

enum {
	SIM_START,
	SIM_DELAY,
	SIM_FAIL_ABOVE,
	SIM_OD_BASE,
	SIM_OD_PERCENT,
	SIM_SPOT_DELAY,
	SIM_OD_DELAY,
	SIM_SPOT_PRICE,
	SIM_MAX_SPOT_PRICE,
	SIM_NOTICE,
	SIM_OD_PRICE,
};

static const struct scaled_key sim_keys[] = {
	[SIM_START] = { "start", SCALED_KEY_INT, "0", 0, "capacity at start" },
	[SIM_DELAY] = { "delay", SCALED_KEY_DURATION, "0s", 0, "time for a change to take effect" },
	[SIM_FAIL_ABOVE] = { "fail_above", SCALED_KEY_INT, "-1", 0,
			     "refuse any desired capacity above this (tests); -1: never" },
	[SIM_OD_BASE] = { "on_demand_base", SCALED_KEY_INT, "0", 0,
			  "market mix at start: the first N units on-demand" },
	[SIM_OD_PERCENT] = { "on_demand_percent", SCALED_KEY_INT, "100", 0,
			     "market mix at start: % of the units above the base on-demand" },
	[SIM_SPOT_DELAY] = { "spot_delay", SCALED_KEY_DURATION, NULL, 0,
			     "boot time of a spot unit; default: delay" },
	[SIM_OD_DELAY] = { "on_demand_delay", SCALED_KEY_DURATION, NULL, 0,
			   "boot time of an on-demand unit; default: delay" },
	[SIM_SPOT_PRICE] = { "spot_price", SCALED_KEY_STRING, NULL, 0,
			     "the series of the spot price to watch (with max_spot_price or "
			     "on_demand_price)" },
	[SIM_MAX_SPOT_PRICE] = { "max_spot_price", SCALED_KEY_NUMBER, NULL, 0,
				 "above this price spot units are interrupted and not launched" },
	[SIM_NOTICE] = { "notice", SCALED_KEY_DURATION, "2m", 0,
			 "from an interruption notice to the interruption" },
	[SIM_OD_PRICE] = { "on_demand_price", SCALED_KEY_STRING, NULL, 0,
			   "the series of the on-demand price: instead of max_spot_price, "
			   "spot pays up to it (AWS's default)" },
	{ NULL, 0, NULL, 0, NULL },
};

static const struct scaled_key_limit sim_limits[] = {
	{ .key = "start", .min = "0", .max = "1000000" },
	{ .key = "on_demand_base", .min = "0", .max = "1000000" },
	{ .key = "on_demand_percent", .min = "0", .max = "100" },
	{ .key = "max_spot_price", .min = "0.0001" },
	{ .key = NULL },
};

struct sim {
	struct scaled_instance *inst;
	struct sim_market m;
	int fail_above;
	char *spot_price;      /* the price series, or NULL: no interruptions */
	double max_spot_price; /* without od_price */
	char *od_price;        /* the on-demand price series: the maximum, or NULL */
	void *timer;           /* armed for timer_at, or NULL */
	int64_t timer_at;
	int price_rc, od_rc;   /* the last failure of series_last logged, or 0 */
};

static void sim_report(struct sim *s)
{
	struct scaled_target_state st = {
		.struct_size = sizeof st,
		.current = sim_market_current(&s->m),
		.desired = s->m.desired,
		.starting = sim_market_starting(&s->m),
		.stopping = 0, /* retirement is instant */
		.spot = s->m.running[SIM_SPOT],
		.on_demand = s->m.running[SIM_OD],
	};

	sim_host->report_target(s->inst, &st);
}

/* "<target>.interruption_notice" (running spot units under notice) and
 * "<target>.interruptions" (interrupted since create), when the price is
 * watched. */
static void sim_publish_interruptions(struct sim *s, int64_t now)
{
	if (!s->spot_price)
		return;
	sim_host->publish(s->inst, "interruption_notice", now, s->m.notice.units);
	sim_host->publish(s->inst, "interruptions", now, (double)s->m.interruptions);
}

static void sim_fire(void *arg);

/* Arm the one timer for the next boot or interruption (or none). */
static void sim_arm(struct sim *s, int64_t now)
{
	int64_t next = sim_market_next(&s->m);

	if (s->timer && next == s->timer_at)
		return;
	if (s->timer)
		sim_host->timer_cancel(s->timer);
	s->timer = NULL;
	if (next < 0)
		return;
	s->timer_at = next;
	s->timer = sim_host->timer_add(s->inst, next > now ? next - now : 0, sim_fire, s);
	if (!s->timer)
		sim_host->log(s->inst, SCALED_LOG_WARN,
			      "no timer for the next boot or interruption; the next poll runs it");
}

/* After the units changed at now: publish what must be, report, re-arm. */
static void sim_changed(struct sim *s, int64_t now, const struct sim_events *ev)
{
	if (ev->noticed || ev->interrupted)
		sim_publish_interruptions(s, now);
	sim_report(s);
	sim_arm(s, now);
}

static void sim_fire(void *arg)
{
	struct sim *s = arg;
	int64_t now = sim_host->now_ms(s->inst);
	struct sim_events ev = { 0 };

	s->timer = NULL; /* the handle died when this callback started */
	if (sim_market_settle(&s->m, now, &ev) < 0)
		sim_host->log(s->inst, SCALED_LOG_WARN, "out of memory; the next poll tries again");
	sim_changed(s, now, &ev);
}

/* The newest value of the price series name (key says which) into *v: 0,
 * or a negative errno. No sample yet is -ENODATA, quietly; any other
 * failure is logged once (*logged_rc), not on every poll. */
static int sim_read(struct sim *s, const char *key, const char *name, int *logged_rc,
		    double *v)
{
	int64_t t;
	int rc = sim_host->series_last(s->inst, name, &t, v);

	if (rc < 0 && rc != -ENODATA && rc != *logged_rc)
		sim_host->log(s->inst, SCALED_LOG_WARN, "%s: series \"%s\" %s; "
			      "no interruptions while it is", key, name,
			      rc == -ENOENT ? "is declared by no source or target"
					    : "cannot be read");
	if (rc != -ENODATA)
		*logged_rc = rc < 0 ? rc : 0;
	return rc;
}

/* Read the prices and act on them: 0, or -ENOMEM. A missing price (no
 * sample yet, no such series), spot or the on-demand one that is the
 * maximum, changes nothing. */
static int sim_watch(struct sim *s, int64_t now, struct sim_events *ev)
{
	double price, max = s->max_spot_price;

	if (sim_read(s, "spot_price", s->spot_price, &s->price_rc, &price) < 0 ||
	    (s->od_price && sim_read(s, "on_demand_price", s->od_price, &s->od_rc, &max) < 0))
		return sim_market_settle(&s->m, now, ev);
	return sim_market_price(&s->m, now, price > max, ev);
}

static int sim_create(struct scaled_instance *inst, const struct scaled_value *cfg,
		      void **state, char *err, size_t errlen)
{
	int64_t delay = cfg[SIM_DELAY].u.ms;
	const struct scaled_value *price = &cfg[SIM_SPOT_PRICE], *max = &cfg[SIM_MAX_SPOT_PRICE];
	const struct scaled_value *od = &cfg[SIM_OD_PRICE];
	struct sim *s;

	/* start, on_demand_base, on_demand_percent, max_spot_price: limits the
	 * core checks (sim_limits); durations are never negative. */
	if (price->set != (max->set || od->set)) {
		snprintf(err, errlen, "spot_price and max_spot_price (or on_demand_price) go "
			 "together: give both (interruptions above the price), or neither");
		return -EINVAL;
	}
	if (max->set && od->set) {
		snprintf(err, errlen, "max_spot_price or on_demand_price, not both (the most spot "
			 "pays: a price, or the on-demand price's series)");
		return -EINVAL;
	}
	if (price->set && !*price->u.str) {
		snprintf(err, errlen, "spot_price is empty (the name of a price series)");
		return -EINVAL;
	}
	if (od->set && !*od->u.str) {
		snprintf(err, errlen, "on_demand_price is empty (the name of a price series)");
		return -EINVAL;
	}
	if (price->set && !(SCALED_HOST_HAS(sim_host, series_last) && sim_host->series_last)) {
		snprintf(err, errlen, "spot_price needs a core that lets a target read a series "
			 "(ABI 1.2, host->series_last); this one is ABI %u.%u",
			 (unsigned)sim_host->abi_major, (unsigned)sim_host->abi_minor);
		return -ENOTSUP;
	}
	s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	if ((price->set && !(s->spot_price = strdup(price->u.str))) ||
	    (od->set && !(s->od_price = strdup(od->u.str)))) {
		free(s->spot_price);
		free(s);
		return -ENOMEM;
	}
	s->inst = inst;
	s->fail_above = (int)cfg[SIM_FAIL_ABOVE].u.integer;
	s->max_spot_price = max->set ? max->u.number : 0;
	sim_market_init(&s->m, (int)cfg[SIM_START].u.integer, (int)cfg[SIM_OD_BASE].u.integer,
			(int)cfg[SIM_OD_PERCENT].u.integer,
			cfg[SIM_SPOT_DELAY].set ? cfg[SIM_SPOT_DELAY].u.ms : delay,
			cfg[SIM_OD_DELAY].set ? cfg[SIM_OD_DELAY].u.ms : delay, cfg[SIM_NOTICE].u.ms);
	*state = s;
	return 0;
}

static void sim_destroy(void *state)
{
	struct sim *s = state;

	if (s->timer)
		sim_host->timer_cancel(s->timer);
	sim_market_free(&s->m);
	free(s->spot_price);
	free(s->od_price);
	free(s);
}

static int sim_poll(void *state, char *err, size_t errlen)
{
	struct sim *s = state;
	int64_t now = sim_host->now_ms(s->inst);
	struct sim_events ev = { 0 };
	int rc;

	rc = s->spot_price ? sim_watch(s, now, &ev) : sim_market_settle(&s->m, now, &ev);
	sim_host->publish(s->inst, "spot", now, s->m.running[SIM_SPOT]);
	sim_host->publish(s->inst, "on_demand", now, s->m.running[SIM_OD]);
	sim_publish_interruptions(s, now);
	sim_report(s);
	sim_arm(s, now);
	if (rc < 0) {
		snprintf(err, errlen, "out of memory");
		return rc;
	}
	return 0;
}

/* The end of the 1.2 members of a want: a core before 1.2 sends a shorter
 * one, whose mix is "leave as it is". */
#define SIM_WANT_SIZE_1_2                                                      \
	(offsetof(struct scaled_target_want, on_demand_percent) + sizeof(int))

static int sim_apply(void *state, const struct scaled_target_want *want, uint64_t token,
		     char *err, size_t errlen)
{
	struct sim *s = state;
	int64_t now = sim_host->now_ms(s->inst);
	struct sim_events ev = { 0 };
	bool mix = want->struct_size >= SIM_WANT_SIZE_1_2;
	int base = mix ? want->on_demand_base : -1, percent = mix ? want->on_demand_percent : -1;
	int rc;

	if (s->fail_above >= 0 && want->desired > s->fail_above) {
		snprintf(err, errlen, "capacity %d refused (fail_above = %d)", want->desired,
			 s->fail_above);
		return -EDQUOT;
	}
	if (want->desired < 0 || base > 1000000 || percent > 100) {
		snprintf(err, errlen, "capacity %d, on_demand_base %d, on_demand_percent %d: "
			 "out of range", want->desired, base, percent);
		return -EINVAL;
	}
	rc = sim_market_want(&s->m, now, want->desired, base, percent, &ev);
	sim_changed(s, now, &ev);
	if (rc < 0) {
		snprintf(err, errlen, "out of memory");
		return rc;
	}
	sim_host->apply_done(s->inst, token, 0, NULL);
	return 0;
}

const struct scaled_kind sim_target_kind = {
	.struct_size = sizeof(struct scaled_kind),
	.name = "sim",
	.role = SCALED_ROLE_TARGET,
	.help = "a simulated capacity that follows the desired one after a delay, "
		"in spot and on-demand markets",
	.keys = sim_keys,
	.limits = sim_limits,
	.limit_size = sizeof(struct scaled_key_limit),
	.create = sim_create,
	.destroy = sim_destroy,
	.poll = sim_poll,
	.apply = sim_apply,
	.flags = SCALED_KIND_APPLIES_MIX,
};
