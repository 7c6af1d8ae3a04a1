/*
 * plugin_test_host.h - a struct scaled_host for testing real plugin .so files.
 *
 * The host dlopens ${SCALED_BINARY_DIR}/plugins/NAME.so exactly as the core
 * does (RTLD_NOW | RTLD_LOCAL, the exported entry, ABI checks, probe, init)
 * and records everything a plugin hands back: samples, target reports,
 * apply_done calls and log lines.
 *
 * Clock: virtual by default (th_clock_set, th_advance), so that sources can
 * be tested to the millisecond; th_clock_real() switches to the real clock
 * for plugins that drive real processes (th_wait then runs timers as they
 * fall due).
 *
 * Not thread-safe except post(), like the real host. Failures of the host
 * itself fail the running cmocka test.
 */
#ifndef PLUGIN_TEST_HOST_H
#define PLUGIN_TEST_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "scaled/plugin.h"

/* The test host's instance: just a name (plugin.h keeps it opaque). */
struct scaled_instance {
	char name[64];
};

struct th_sample {
	struct scaled_instance *inst;
	char suffix[64]; /* "" for the source's own series */
	int64_t t_ms;
	double value;
};

struct th_report {
	struct scaled_instance *inst;
	struct scaled_target_state state;
};

struct th_done {
	struct scaled_instance *inst;
	uint64_t token;
	int status;
	char msg[256];
};

struct th_plugin {
	void *dl;
	const struct scaled_plugin *desc;
};

/* The host table handed to init(). */
extern const struct scaled_host th_host;

/* Load NAME.so from the build tree's plugin dir and init it with th_host;
 * fails the test on any error. */
void th_load(const char *name, struct th_plugin *p);
/* fini + dlclose. */
void th_unload(struct th_plugin *p);
/* The kind of that name; fails the test if there is none. */
const struct scaled_kind *th_kind(const struct th_plugin *p, const char *name);

/* Fill values[0..n) in key-table order from "key=value" strings (a NULL-
 * terminated list), applying the table's defaults, as the core does.
 * Strings point into kv or the key table. Fails the test on an unknown key,
 * a bad value, a missing required key, or n smaller than the table. */
void th_values(const struct scaled_kind *k, struct scaled_value *values,
	       size_t n, const char *const *kv);
/* Parse text as k's type into v (strings point into text); fails the test
 * on a bad value. */
void th_parse(const struct scaled_key *k, const char *text, struct scaled_value *v);
/* plugin_test_limits.c: the kind's limits (ABI 1.1) that `values` break, as the core would refuse
 * them before create(): "start: -1 is below 0"-like text naming the key, or
 * NULL when all hold. (A test host's own short check; the core's messages
 * are tested in tests/abi.) */
const char *th_limits_broken(const struct scaled_kind *k, const struct scaled_value *values);

/* Forget every record and timer; virtual clock at 1,700,000,000,000 ms. */
void th_reset(void);

/* Clock. */
void th_clock_set(int64_t now_ms); /* virtual, standing at now_ms */
void th_clock_real(void);          /* real time from now on */
int64_t th_now(void);
/* Virtual clock: move forward, running timers as they fall due. */
void th_advance(int64_t ms);
/* Run every timer (and posted call) that is due now. */
void th_run_due(void);
/* Timers still pending for inst (NULL: for anyone). */
size_t th_pending_timers(const struct scaled_instance *inst);

/* Real clock: until pred(arg) is true or timeout_ms passes, run due timers
 * and call each(arg) (may be NULL), sleeping a few ms between rounds.
 * Returns 1 when pred came true, 0 on timeout. */
int th_wait(int64_t timeout_ms, int (*pred)(void *arg),
	    void (*each)(void *arg), void *arg);

/* Records. suffix NULL means the source's own series. */
size_t th_samples(const struct th_sample **out);
size_t th_sample_count(const struct scaled_instance *inst, const char *suffix);
/* The newest value of that series; 0 when none was published. */
int th_last(const struct scaled_instance *inst, const char *suffix,
	    double *value);
/* What host->series_last answers for `name` (t_ms < 0: no sample yet,
 * -ENODATA); any other name is -ENOENT. th_reset forgets it. */
void th_series_set(const char *name, int64_t t_ms, double value);
/* The newest report for inst, or NULL. */
const struct th_report *th_last_report(const struct scaled_instance *inst);
size_t th_dones(const struct th_done **out);
/* How many log lines contain needle (NULL: all lines). */
size_t th_log_count(const char *needle);
/* The nth (0-based) log line containing needle, or NULL. */
const char *th_log_find(const char *needle, size_t nth);

#endif
