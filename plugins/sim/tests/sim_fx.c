/*
 * sim_fx.c - the fixture of the sim.so target tests (sim_fx.h).
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

int sim_fx_price_rc = -ENODATA;
double sim_fx_price_value;
int sim_fx_price_calls;
char sim_fx_price_name[64];
static int64_t sim_fx_price_t;

static int sim_fx_series_last(struct scaled_instance *inst, const char *name, int64_t *t_ms,
			      double *value)
{
	(void)inst;
	sim_fx_price_calls++;
	snprintf(sim_fx_price_name, sizeof sim_fx_price_name, "%s", name);
	if (sim_fx_price_rc < 0)
		return sim_fx_price_rc;
	*t_ms = sim_fx_price_t;
	*value = sim_fx_price_value;
	return 0;
}

/* The test host's table with series_last; init() keeps a pointer to it. */
static struct scaled_host sim_fx_host;

static void sim_fx_init(struct sim_fx *f, size_t host_size)
{
	char err[256] = "";

	sim_fx_host = th_host;
	sim_fx_host.series_last = sim_fx_series_last;
	sim_fx_host.struct_size = host_size;
	if (host_size < sizeof sim_fx_host) {
		sim_fx_host.abi_minor = 1;
		sim_fx_host.series_last = NULL;
	}
	assert_int_equal(f->plugin.desc->init(&sim_fx_host, err, sizeof err), 0);
}

int sim_fx_setup(void **ts)
{
	struct sim_fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	th_reset();
	th_load("sim", &f->plugin);
	sim_fx_init(f, sizeof(struct scaled_host));
	f->kind = th_kind(&f->plugin, "sim");
	assert_int_equal(f->kind->role, SCALED_ROLE_TARGET);
	snprintf(f->inst.name, sizeof(f->inst.name), "fleet");
	sim_fx_price_rc = -ENODATA;
	sim_fx_price_value = 0;
	sim_fx_price_calls = 0;
	sim_fx_price_name[0] = '\0';
	*ts = f;
	return 0;
}

int sim_fx_teardown(void **ts)
{
	struct sim_fx *f = *ts;

	if (f->state)
		f->kind->destroy(f->state);
	/* destroy cancelled every timer it had */
	assert_int_equal(th_pending_timers(&f->inst), 0);
	th_unload(&f->plugin);
	th_reset();
	free(f);
	return 0;
}

void sim_fx_old_host(struct sim_fx *f)
{
	sim_fx_init(f, offsetof(struct scaled_host, series_last));
}

int sim_fx_create(struct sim_fx *f, const char *const *kv)
{
	struct scaled_value v[16];
	int rc;

	th_values(f->kind, v, 16, kv);
	assert_null(th_limits_broken(f->kind, v));
	f->err[0] = '\0';
	f->state = NULL;
	rc = f->kind->create(&f->inst, v, &f->state, f->err, sizeof(f->err));
	if (rc < 0)
		assert_null(f->state);
	return rc;
}

int sim_fx_apply(struct sim_fx *f, int desired, int base, int percent)
{
	struct scaled_target_want want = {
		.struct_size = sizeof want,
		.desired = desired,
		.on_demand_base = base,
		.on_demand_percent = percent,
	};
	const struct th_done *d;
	size_t before = th_dones(&d);
	int rc;

	f->err[0] = '\0';
	rc = f->kind->apply(f->state, &want, ++f->token, f->err, sizeof(f->err));
	if (rc < 0) {
		assert_int_equal(th_dones(&d), before);
		return rc;
	}
	assert_int_equal(th_dones(&d), before + 1);
	assert_int_equal(d[before].token, f->token);
	assert_int_equal(d[before].status, 0);
	return rc;
}

void sim_fx_poll(struct sim_fx *f)
{
	char err[256] = "";

	if (sim_fx_price_rc == 0)
		sim_fx_price_t = th_now();
	assert_int_equal(f->kind->poll(f->state, err, sizeof(err)), 0);
}

const struct scaled_target_state *sim_fx_state(const struct sim_fx *f)
{
	const struct th_report *r = th_last_report(&f->inst);

	assert_non_null(r);
	return &r->state;
}

void sim_fx_expect(const struct sim_fx *f, int current, int spot, int on_demand, int starting,
		   const char *file, int line)
{
	const struct scaled_target_state *st = sim_fx_state(f);

	if (st->current != current || st->spot != spot || st->on_demand != on_demand ||
	    st->starting != starting || st->stopping != 0)
		fail_msg("%s:%d: at t0%+.3fs: current %d, spot %d, on_demand %d, starting %d, "
			 "stopping %d; expected %d, %d, %d, %d, 0", file, line,
			 (double)(th_now() - 1700000000000LL) / 1000.0, st->current, st->spot,
			 st->on_demand, st->starting, st->stopping, current, spot, on_demand,
			 starting);
	assert_int_equal(st->spot + st->on_demand, st->current);
}

int sim_fx_sample(const struct sim_fx *f, const char *suffix, int64_t *t_ms, double *v)
{
	const struct th_sample *s;
	size_t n = th_samples(&s);

	while (n-- > 0)
		if (s[n].inst == &f->inst && strcmp(s[n].suffix, suffix) == 0) {
			*t_ms = s[n].t_ms;
			*v = s[n].value;
			return 1;
		}
	return 0;
}
