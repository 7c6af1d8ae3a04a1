/*
 * sim_fx.h - the fixture of the sim.so target tests: the plugin loaded
 * through the test host, whose table is copied here with a series_last the
 * test controls (the spot price), a "sim" target created from "key=value"
 * strings, and short ways to poll, apply and read what it reported and
 * published.
 */
#ifndef SIM_FX_H
#define SIM_FX_H

#include <stddef.h>
#include <stdint.h>

#include "plugin_test_host.h"

struct sim_fx {
	struct th_plugin plugin;
	const struct scaled_kind *kind;
	struct scaled_instance inst; /* "fleet" */
	void *state;                 /* the target, when create() succeeded */
	char err[512];               /* create()'s or apply()'s message */
	uint64_t token;
};

/* What series_last answers for any name: price_rc 0 with price_value
 * (at the time it was set), or a negative errno. Set by the tests. */
extern int sim_fx_price_rc;
extern double sim_fx_price_value;
/* How many times series_last was called, and the last name asked for. */
extern int sim_fx_price_calls;
extern char sim_fx_price_name[64];

/* cmocka setup/teardown: *ts is a struct sim_fx; the host has series_last,
 * price_rc is -ENODATA. */
int sim_fx_setup(void **ts);
int sim_fx_teardown(void **ts);

/* Hand the plugin a host table that ends before series_last (a 1.1 core). */
void sim_fx_old_host(struct sim_fx *f);

/* create() with the "key=value" strings in kv (NULL-terminated): its
 * return value; f->err holds its message, f->state the target on success. */
int sim_fx_create(struct sim_fx *f, const char *const *kv);

/* apply(): desired and the mix (-1: leave as it is). Returns apply's value;
 * on success checks that apply_done came once, with status 0. */
int sim_fx_apply(struct sim_fx *f, int desired, int base, int percent);

/* poll() at the current time; fails the test if it fails. */
void sim_fx_poll(struct sim_fx *f);

/* The newest report. */
const struct scaled_target_state *sim_fx_state(const struct sim_fx *f);

/* Check the newest report: current, spot, on_demand, starting (and that
 * stopping is 0: retirement is instant); a failure names the caller's line
 * and the virtual time. */
#define SIM_EXPECT(f, current, spot, on_demand, starting)                      \
	sim_fx_expect((f), (current), (spot), (on_demand), (starting), __FILE__, __LINE__)
void sim_fx_expect(const struct sim_fx *f, int current, int spot, int on_demand, int starting,
		   const char *file, int line);

/* The newest sample of "fleet.<suffix>": 1 with *t_ms and *v, or 0. */
int sim_fx_sample(const struct sim_fx *f, const char *suffix, int64_t *t_ms, double *v);

#endif
