/*
 * test_sim_target.c - the "sim" target of sim.so through the test host, on
 * its virtual clock, with a spot price the test sets (sim_fx.c): the
 * default mix keeps the old behaviour, the mix splits as EC2 Auto Scaling
 * does, a switch between markets never dips, a scale-in retires at once,
 * notices and interruptions at their exact times, spot launches waiting
 * while the price is high, and what create() refuses.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim_fx.h"

#define T0 1700000000000LL
#define S 1000LL

/* Move the virtual clock to t0 + ms, running the timers due on the way. */
static void at(int64_t ms)
{
	assert_true(T0 + ms >= th_now());
	th_advance(T0 + ms - th_now());
}

static void price(double v)
{
	sim_fx_price_rc = 0;
	sim_fx_price_value = v;
}

/* The newest sample of fleet.<suffix> is v, stamped t0 + ms. */
static void published(const struct sim_fx *f, const char *suffix, int64_t ms, double v)
{
	int64_t t;
	double got;

	if (!sim_fx_sample(f, suffix, &t, &got))
		fail_msg("fleet.%s: nothing published", suffix);
	if (t != T0 + ms || got != v)
		fail_msg("fleet.%s: %g at t0%+.3fs, expected %g at t0%+.3fs", suffix, got,
			 (double)(t - T0) / 1000.0, v, (double)ms / 1000.0);
}

static void test_kind(void **ts)
{
	struct sim_fx *f = *ts;
	static const char *const names[] = { "start", "delay", "fail_above", "on_demand_base",
					     "on_demand_percent", "spot_delay", "on_demand_delay",
					     "spot_price", "max_spot_price", "notice",
					     "on_demand_price" };
	const struct scaled_key *k = f->kind->keys;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_string_equal(k[i].name, names[i]);
	assert_null(k[i].name);
	/* the 1.0 keys keep their defaults */
	assert_string_equal(k[0].default_value, "0");
	assert_string_equal(k[1].default_value, "0s");
	assert_string_equal(k[2].default_value, "-1");
	assert_string_equal(k[3].default_value, "0");
	assert_string_equal(k[4].default_value, "100");
	assert_null(k[5].default_value);
	assert_string_equal(k[9].default_value, "2m");
	assert_int_equal(f->kind->struct_size, sizeof(struct scaled_kind));
	assert_true(SCALED_KIND_HAS(f->kind, flags));
	assert_int_equal(f->kind->flags, SCALED_KIND_APPLIES_MIX);
	assert_non_null(f->kind->limits);
}

/* No mix keys: every unit on-demand, the capacity follows the desired one
 * after `delay` as before, scale-in at once, fail_above refuses. */
static void test_default_mix(void **ts)
{
	struct sim_fx *f = *ts;
	int64_t t;
	double v;

	assert_int_equal(sim_fx_create(f, (const char *const[]){ "start=2", "delay=30s",
								"fail_above=9", NULL }), 0);
	sim_fx_poll(f);
	SIM_EXPECT(f, 2, 0, 2, 0);
	assert_int_equal(sim_fx_state(f)->desired, 2);
	published(f, "spot", 0, 0);
	published(f, "on_demand", 0, 2);
	/* no price watched: no interruption series */
	assert_int_equal(sim_fx_sample(f, "interruption_notice", &t, &v), 0);
	assert_int_equal(sim_fx_sample(f, "interruptions", &t, &v), 0);
	assert_int_equal(sim_fx_price_calls, 0);

	assert_int_equal(sim_fx_apply(f, 5, -1, -1), 0);
	SIM_EXPECT(f, 2, 0, 2, 3);
	assert_int_equal(sim_fx_state(f)->desired, 5);
	at(30 * S - 1);
	SIM_EXPECT(f, 2, 0, 2, 3);
	at(30 * S);
	SIM_EXPECT(f, 5, 0, 5, 0);
	assert_int_equal(th_pending_timers(&f->inst), 0);

	/* a scale-in retires at once */
	at(40 * S);
	assert_int_equal(sim_fx_apply(f, 1, -1, -1), 0);
	SIM_EXPECT(f, 1, 0, 1, 0);
	assert_int_equal(sim_fx_state(f)->desired, 1);

	/* refused: nothing changes, no apply_done */
	assert_int_equal(sim_fx_apply(f, 10, -1, -1), -EDQUOT);
	assert_string_equal(f->err, "capacity 10 refused (fail_above = 9)");
	SIM_EXPECT(f, 1, 0, 1, 0);
	assert_int_equal(sim_fx_state(f)->desired, 1);
	at(41 * S);
	sim_fx_poll(f);
	published(f, "on_demand", 41 * S, 1);
}

/* delay 0: the capacity is the desired one when apply returns. */
static void test_no_delay(void **ts)
{
	struct sim_fx *f = *ts;

	assert_int_equal(sim_fx_create(f, (const char *const[]){ "start=3", NULL }), 0);
	assert_int_equal(sim_fx_apply(f, 7, -1, -1), 0);
	SIM_EXPECT(f, 7, 0, 7, 0);
	assert_int_equal(th_pending_timers(&f->inst), 0);
	assert_int_equal(sim_fx_apply(f, 0, -1, -1), 0);
	SIM_EXPECT(f, 0, 0, 0, 0);
}

/* EC2 Auto Scaling's example (its user guide, "Instances distribution"):
 * on_demand_base 10, on_demand_percent 50. */
static void test_aws_split(void **ts)
{
	struct sim_fx *f = *ts;
	static const struct {
		int desired, od, spot;
	} rows[] = {
		{ 10, 10, 0 }, { 20, 15, 5 }, { 30, 20, 10 }, { 40, 25, 15 },
		/* rounded up in favour of on-demand */
		{ 11, 11, 0 }, { 13, 12, 1 }, { 21, 16, 5 }, { 5, 5, 0 }, { 0, 0, 0 },
	};
	size_t i;

	assert_int_equal(sim_fx_create(f, (const char *const[]){ "start=10", "on_demand_base=10",
								"on_demand_percent=50", NULL }),
			 0);
	sim_fx_poll(f);
	SIM_EXPECT(f, 10, 0, 10, 0);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		assert_int_equal(sim_fx_apply(f, rows[i].desired, -1, -1), 0);
		SIM_EXPECT(f, rows[i].desired, rows[i].spot, rows[i].od, 0);
	}
	/* the start splits too: 20 at 10/50 */
	f->kind->destroy(f->state);
	assert_int_equal(sim_fx_create(f, (const char *const[]){ "start=20", "on_demand_base=10",
								"on_demand_percent=50", NULL }),
			 0);
	sim_fx_poll(f);
	SIM_EXPECT(f, 20, 5, 15, 0);
}

/* A want's mix: a field of -1 keeps the sim's; a want from a core before
 * 1.2 (no mix members) keeps both; a mix out of range is refused. */
static void test_mix_fields(void **ts)
{
	struct sim_fx *f = *ts;
	struct scaled_target_want old = {
		.struct_size = offsetof(struct scaled_target_want, on_demand_base),
		.desired = 8,
		.on_demand_base = 0, /* past struct_size: never read */
		.on_demand_percent = 0,
	};

	assert_int_equal(sim_fx_create(f, (const char *const[]){ "start=4", "on_demand_base=1",
								"on_demand_percent=50", NULL }),
			 0);
	sim_fx_poll(f);
	SIM_EXPECT(f, 4, 1, 3, 0);
	assert_int_equal(sim_fx_apply(f, 6, -1, -1), 0);
	SIM_EXPECT(f, 6, 2, 4, 0);
	assert_int_equal(sim_fx_apply(f, 6, 0, -1), 0); /* base 0, percent kept: 50 */
	SIM_EXPECT(f, 6, 3, 3, 0);
	assert_int_equal(sim_fx_apply(f, 6, -1, 0), 0); /* base kept: 0, percent 0 */
	SIM_EXPECT(f, 6, 6, 0, 0);
	assert_int_equal(sim_fx_apply(f, 6, 2, 100), 0);
	SIM_EXPECT(f, 6, 0, 6, 0);
	assert_int_equal(f->kind->apply(f->state, &old, 99, f->err, sizeof f->err), 0);
	SIM_EXPECT(f, 8, 0, 8, 0);

	assert_int_equal(sim_fx_apply(f, 8, 0, 101), -EINVAL);
	assert_string_equal(f->err, "capacity 8, on_demand_base 0, on_demand_percent 101: "
				    "out of range");
	assert_int_equal(sim_fx_apply(f, -2, -1, -1), -EINVAL);
	SIM_EXPECT(f, 8, 0, 8, 0);
}

/* Spot to on-demand, spot booting in 60 s and on-demand in 120 s: the
 * on-demand units are launched first and the spot ones retired only as they
 * come up, so the capacity never falls below its 4 (checked every second). */
static void test_switch_never_dips(void **ts)
{
	struct sim_fx *f = *ts;
	int64_t s;

	assert_int_equal(sim_fx_create(f, (const char *const[]){ "start=4", "on_demand_percent=0",
								"spot_delay=60s",
								"on_demand_delay=120s", NULL }),
			 0);
	sim_fx_poll(f);
	SIM_EXPECT(f, 4, 4, 0, 0);
	/* half on-demand at t0 (2 launched, up at 120 s), all at 30 s (2 more,
	 * up at 150 s) */
	assert_int_equal(sim_fx_apply(f, 4, -1, 50), 0);
	SIM_EXPECT(f, 4, 4, 0, 2);
	for (s = 1; s <= 200; s++) {
		at(s * S);
		if (s == 30) {
			assert_int_equal(sim_fx_apply(f, 4, -1, 100), 0);
			SIM_EXPECT(f, 4, 4, 0, 4);
		}
		sim_fx_poll(f);
		assert_true(sim_fx_state(f)->current >= 4);
		if (s < 30)
			SIM_EXPECT(f, 4, 4, 0, 2);
		else if (s < 120)
			SIM_EXPECT(f, 4, 4, 0, 4);
		else if (s < 150)
			SIM_EXPECT(f, 4, 2, 2, 2); /* two up: two spot retired */
		else
			SIM_EXPECT(f, 4, 0, 4, 0);
	}
	published(f, "spot", 200 * S, 0);
	published(f, "on_demand", 200 * S, 4);
	/* the same at the millisecond: up at 120 s, not before */
	f->kind->destroy(f->state);
	assert_int_equal(sim_fx_create(f, (const char *const[]){ "start=4", "on_demand_percent=0",
								"spot_delay=60s",
								"on_demand_delay=120s", NULL }),
			 0);
	assert_int_equal(sim_fx_apply(f, 4, -1, 100), 0);
	at(320 * S - 1);
	SIM_EXPECT(f, 4, 4, 0, 4);
	at(320 * S);
	SIM_EXPECT(f, 4, 0, 4, 0);

	/* and back: on-demand to spot, the same way */
	assert_int_equal(sim_fx_apply(f, 4, -1, 0), 0);
	SIM_EXPECT(f, 4, 0, 4, 4);
	at(380 * S - 1);
	SIM_EXPECT(f, 4, 0, 4, 4);
	at(380 * S);
	SIM_EXPECT(f, 4, 4, 0, 0);
}

/* A scale-out with a switch keeps what runs until the new units come up;
 * a scale-in with a switch retires down to the new count at once. */
static void test_switch_with_count(void **ts)
{
	struct sim_fx *f = *ts;

	assert_int_equal(sim_fx_create(f, (const char *const[]){ "start=2", "on_demand_percent=0",
								"delay=60s", NULL }),
			 0);
	assert_int_equal(sim_fx_apply(f, 4, -1, 100), 0); /* floor min(4, 2) = 2 */
	SIM_EXPECT(f, 2, 2, 0, 4);
	at(60 * S);
	SIM_EXPECT(f, 4, 0, 4, 0);
	assert_int_equal(sim_fx_apply(f, 2, -1, 0), 0); /* floor min(2, 4) = 2 */
	SIM_EXPECT(f, 2, 0, 2, 2);
	at(120 * S);
	SIM_EXPECT(f, 2, 2, 0, 0);
}

/* A plain scale-in retires at once; booting units are cancelled first,
 * the newest first; retired units take no time (stopping stays 0). */
static void test_scale_in(void **ts)
{
	struct sim_fx *f = *ts;

	assert_int_equal(sim_fx_create(f, (const char *const[]){ "start=6", "on_demand_base=2",
								"on_demand_percent=50",
								"delay=60s", NULL }),
			 0);
	sim_fx_poll(f);
	SIM_EXPECT(f, 6, 2, 4, 0);
	assert_int_equal(sim_fx_apply(f, 2, -1, -1), 0);
	SIM_EXPECT(f, 2, 0, 2, 0);

	at(10 * S);
	assert_int_equal(sim_fx_apply(f, 6, -1, -1), 0); /* 2 od + 2 spot boot, up at 70 s */
	SIM_EXPECT(f, 2, 0, 2, 4);
	at(20 * S);
	assert_int_equal(sim_fx_apply(f, 8, -1, -1), 0); /* 1 od + 1 spot more, up at 80 s */
	SIM_EXPECT(f, 2, 0, 2, 6);
	at(30 * S);
	assert_int_equal(sim_fx_apply(f, 6, -1, -1), 0); /* the two launched at 20 s go */
	SIM_EXPECT(f, 2, 0, 2, 4);
	at(70 * S - 1);
	SIM_EXPECT(f, 2, 0, 2, 4);
	at(70 * S);
	SIM_EXPECT(f, 6, 2, 4, 0);
	assert_int_equal(th_pending_timers(&f->inst), 0); /* nothing left for 80 s */

	assert_int_equal(sim_fx_apply(f, 8, -1, -1), 0);
	SIM_EXPECT(f, 6, 2, 4, 2);
	assert_int_equal(sim_fx_apply(f, 1, -1, -1), 0); /* cancel both, retire 5 */
	SIM_EXPECT(f, 1, 0, 1, 0);
	assert_int_equal(th_pending_timers(&f->inst), 0);
}

/* The price goes above the maximum: at that poll every running spot unit
 * gets a notice (fleet.interruption_notice), `notice` later they are gone
 * (fleet.interruptions); their replacements wait while the price is high
 * and boot spot_delay after it is at or below the maximum again. */
static void test_interruption(void **ts)
{
	struct sim_fx *f = *ts;

	assert_int_equal(sim_fx_create(f, (const char *const[]){ "start=6", "on_demand_base=2",
								"on_demand_percent=0",
								"spot_delay=60s", "delay=30s",
								"spot_price=price",
								"max_spot_price=1.0", NULL }),
			 0);
	sim_fx_poll(f); /* no sample yet: nothing happens */
	SIM_EXPECT(f, 6, 4, 2, 0);
	assert_string_equal(sim_fx_price_name, "price");
	published(f, "interruption_notice", 0, 0);
	published(f, "interruptions", 0, 0);
	assert_int_equal(th_log_count(NULL), 0);

	price(0.5);
	at(5 * S);
	sim_fx_poll(f);
	SIM_EXPECT(f, 6, 4, 2, 0);
	published(f, "interruption_notice", 5 * S, 0);

	price(1.5);
	at(10 * S);
	sim_fx_poll(f);
	published(f, "interruption_notice", 10 * S, 4); /* the two-minute warning */
	SIM_EXPECT(f, 6, 4, 2, 0);
	at(15 * S);
	sim_fx_poll(f); /* noticed once: the same units are not noticed again */
	published(f, "interruption_notice", 15 * S, 4);
	published(f, "interruptions", 15 * S, 0);

	at(130 * S - 1);
	SIM_EXPECT(f, 6, 4, 2, 0);
	at(130 * S);
	SIM_EXPECT(f, 2, 0, 2, 4); /* interrupted; four replacements wait */
	published(f, "interruptions", 130 * S, 4);
	published(f, "interruption_notice", 130 * S, 0);
	assert_int_equal(th_pending_timers(&f->inst), 0);

	at(200 * S);
	sim_fx_poll(f); /* still high: they still wait */
	SIM_EXPECT(f, 2, 0, 2, 4);
	published(f, "interruption_notice", 200 * S, 0);

	price(1.0); /* at the maximum: fulfilled */
	at(300 * S);
	sim_fx_poll(f);
	SIM_EXPECT(f, 2, 0, 2, 4);
	at(360 * S - 1);
	SIM_EXPECT(f, 2, 0, 2, 4);
	at(360 * S);
	SIM_EXPECT(f, 6, 4, 2, 0);
	sim_fx_poll(f);
	published(f, "interruptions", 360 * S, 4);
	published(f, "spot", 360 * S, 4);
	assert_int_equal(th_log_count(NULL), 0);
}

/* Booting spot units are not fulfilled while the price is high: a boot
 * under way stops, and starts again (the whole spot_delay) once the price
 * falls; launches asked for meanwhile wait with them. */
static void test_spot_launch_waits(void **ts)
{
	struct sim_fx *f = *ts;

	assert_int_equal(sim_fx_create(f, (const char *const[]){ "on_demand_percent=0",
								"spot_delay=60s",
								"spot_price=price",
								"max_spot_price=1", NULL }),
			 0);
	price(0.5);
	sim_fx_poll(f);
	assert_int_equal(sim_fx_apply(f, 3, -1, -1), 0);
	SIM_EXPECT(f, 0, 0, 0, 3);
	price(2);
	at(30 * S);
	sim_fx_poll(f);
	SIM_EXPECT(f, 0, 0, 0, 3);
	published(f, "interruption_notice", 30 * S, 0); /* nothing runs: nothing noticed */
	assert_int_equal(th_pending_timers(&f->inst), 0);
	at(40 * S);
	assert_int_equal(sim_fx_apply(f, 5, -1, -1), 0);
	SIM_EXPECT(f, 0, 0, 0, 5);
	at(90 * S);
	SIM_EXPECT(f, 0, 0, 0, 5);
	price(0.25);
	at(100 * S);
	sim_fx_poll(f);
	at(160 * S - 1);
	SIM_EXPECT(f, 0, 0, 0, 5);
	at(160 * S);
	SIM_EXPECT(f, 5, 5, 0, 0);
}

/* Failover before the interruption: spot units under notice, the mix goes
 * on-demand; the noticed units are retired as the on-demand ones come up,
 * so none is interrupted and the capacity holds. */
static void test_failover_under_notice(void **ts)
{
	struct sim_fx *f = *ts;

	assert_int_equal(sim_fx_create(f, (const char *const[]){ "start=4", "on_demand_percent=0",
								"on_demand_delay=60s",
								"spot_price=price",
								"max_spot_price=1", NULL }),
			 0);
	price(3);
	sim_fx_poll(f);
	published(f, "interruption_notice", 0, 4);
	at(5 * S);
	assert_int_equal(sim_fx_apply(f, 4, -1, 100), 0);
	SIM_EXPECT(f, 4, 4, 0, 4);
	at(65 * S - 1);
	SIM_EXPECT(f, 4, 4, 0, 4);
	at(65 * S);
	SIM_EXPECT(f, 4, 0, 4, 0);
	at(125 * S); /* past the notice: nothing was left to interrupt */
	sim_fx_poll(f);
	SIM_EXPECT(f, 4, 0, 4, 0);
	published(f, "interruption_notice", 125 * S, 0);
	published(f, "interruptions", 125 * S, 0);
}

/* notice = 0: the units go at the poll that notices them. */
static void test_notice_zero(void **ts)
{
	struct sim_fx *f = *ts;

	assert_int_equal(sim_fx_create(f, (const char *const[]){ "start=2", "on_demand_percent=0",
								"spot_price=price", "notice=0s",
								"max_spot_price=1", NULL }),
			 0);
	price(1.01);
	sim_fx_poll(f);
	SIM_EXPECT(f, 0, 0, 0, 2);
	published(f, "interruptions", 0, 2);
	published(f, "interruption_notice", 0, 0);
}

/* A price series that has no sample does nothing; one that is declared by
 * nobody (known only when polled) is logged once. */
static void test_price_missing(void **ts)
{
	struct sim_fx *f = *ts;
	int i;

	assert_int_equal(sim_fx_create(f, (const char *const[]){ "start=2", "on_demand_percent=0",
								"spot_price=nope",
								"max_spot_price=1", NULL }),
			 0);
	sim_fx_price_rc = -ENOENT;
	for (i = 0; i < 3; i++) {
		at(i * 5 * S);
		sim_fx_poll(f);
	}
	assert_int_equal(sim_fx_price_calls, 3);
	assert_int_equal(th_log_count(NULL), 1);
	assert_string_equal(th_log_find(NULL, 0), "fleet: warn: spot_price: series \"nope\" is "
						  "declared by no source or target; no "
						  "interruptions while it is");
	SIM_EXPECT(f, 2, 2, 0, 0);
	published(f, "interruption_notice", 10 * S, 0);
}

/* What create() refuses beyond the core's key checks. */
static void test_create_refuses(void **ts)
{
	struct sim_fx *f = *ts;

	assert_int_equal(sim_fx_create(f, (const char *const[]){ "spot_price=price", NULL }),
			 -EINVAL);
	assert_string_equal(f->err, "spot_price and max_spot_price (or on_demand_price) go "
				    "together: give both (interruptions above the price), or neither");
	assert_int_equal(sim_fx_create(f, (const char *const[]){ "max_spot_price=0.5", NULL }),
			 -EINVAL);
	assert_string_equal(f->err, "spot_price and max_spot_price (or on_demand_price) go "
				    "together: give both (interruptions above the price), or neither");
	assert_int_equal(sim_fx_create(f, (const char *const[]){ "spot_price=",
								"max_spot_price=0.5", NULL }),
			 -EINVAL);
	assert_string_equal(f->err, "spot_price is empty (the name of a price series)");
}

/* On a core before 1.2 (no series_last): a price cannot be watched, and
 * create says so; without one the sim runs as ever. */
static void test_old_core(void **ts)
{
	struct sim_fx *f = *ts;

	sim_fx_old_host(f);
	assert_int_equal(sim_fx_create(f, (const char *const[]){ "spot_price=price",
								"max_spot_price=0.5", NULL }),
			 -ENOTSUP);
	assert_string_equal(f->err, "spot_price needs a core that lets a target read a series "
				    "(ABI 1.2, host->series_last); this one is ABI 1.1");
	assert_int_equal(sim_fx_create(f, (const char *const[]){ "start=1", "delay=1s", NULL }),
			 0);
	assert_int_equal(sim_fx_apply(f, 3, -1, -1), 0);
	at(1 * S);
	sim_fx_poll(f);
	SIM_EXPECT(f, 3, 0, 3, 0);
}

/* destroy() cancels the timer of units still booting (the teardown checks
 * that none is left). */
static void test_destroy_cancels(void **ts)
{
	struct sim_fx *f = *ts;

	assert_int_equal(sim_fx_create(f, (const char *const[]){ "delay=10s", NULL }), 0);
	assert_int_equal(sim_fx_apply(f, 3, -1, -1), 0);
	assert_int_equal(th_pending_timers(&f->inst), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_kind, sim_fx_setup, sim_fx_teardown),
		cmocka_unit_test_setup_teardown(test_default_mix, sim_fx_setup, sim_fx_teardown),
		cmocka_unit_test_setup_teardown(test_no_delay, sim_fx_setup, sim_fx_teardown),
		cmocka_unit_test_setup_teardown(test_aws_split, sim_fx_setup, sim_fx_teardown),
		cmocka_unit_test_setup_teardown(test_mix_fields, sim_fx_setup, sim_fx_teardown),
		cmocka_unit_test_setup_teardown(test_switch_never_dips, sim_fx_setup,
						sim_fx_teardown),
		cmocka_unit_test_setup_teardown(test_switch_with_count, sim_fx_setup,
						sim_fx_teardown),
		cmocka_unit_test_setup_teardown(test_scale_in, sim_fx_setup, sim_fx_teardown),
		cmocka_unit_test_setup_teardown(test_interruption, sim_fx_setup, sim_fx_teardown),
		cmocka_unit_test_setup_teardown(test_spot_launch_waits, sim_fx_setup,
						sim_fx_teardown),
		cmocka_unit_test_setup_teardown(test_failover_under_notice, sim_fx_setup,
						sim_fx_teardown),
		cmocka_unit_test_setup_teardown(test_notice_zero, sim_fx_setup, sim_fx_teardown),
		cmocka_unit_test_setup_teardown(test_price_missing, sim_fx_setup, sim_fx_teardown),
		cmocka_unit_test_setup_teardown(test_create_refuses, sim_fx_setup,
						sim_fx_teardown),
		cmocka_unit_test_setup_teardown(test_old_core, sim_fx_setup, sim_fx_teardown),
		cmocka_unit_test_setup_teardown(test_destroy_cancels, sim_fx_setup,
						sim_fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
