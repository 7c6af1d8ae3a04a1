/*
 * procpool_fx.h - the fixture the procpool.so tests share: the plugin
 * loaded through the test host, one instance "pool", a temporary
 * directory, and the calls every such test makes (create, apply, the last
 * state and counters reported, poll).
 *
 * A test embeds struct pfx as the FIRST member of its own fixture, so the
 * th_wait callbacks here (pfx_poll, pfx_no_stopping) take either.
 */
#ifndef SCALED_TEST_PROCPOOL_FX_H
#define SCALED_TEST_PROCPOOL_FX_H

#include <stdint.h>

#include "plugin_test_host.h"

struct pfx {
	struct th_plugin plugin;
	const struct scaled_kind *kind;
	struct scaled_instance inst;
	char dir[64];
	char cmd[1024];
	void *state;
	uint64_t token;
};

/* th_reset, the real clock, procpool.so loaded, the instance named "pool",
 * dir made from dir_template ("/tmp/...-XXXXXX"). */
void pfx_open(struct pfx *p, const char *dir_template);
/* Destroy the pool, if created. */
void pfx_destroy(struct pfx *p);
/* Remove the directory, unload the plugin, th_reset; the status of the
 * removal (0 when it went well). */
int pfx_close(struct pfx *p);

/* Create the pool with p->cmd and up to three "key=value" options (NULL
 * ends them). */
void pfx_create(struct pfx *p, const char *o1, const char *o2, const char *o3);
/* apply(desired); the apply_done status. apply must succeed and its
 * apply_done come synchronously, exactly once, with our token. */
int pfx_apply(struct pfx *p, int desired);
const struct scaled_target_state *pfx_state(struct pfx *p);
/* The last value reported of counter name (which must be reported). */
double pfx_counter(struct pfx *p, const char *name);

/* th_wait callbacks; arg is the struct pfx (or a fixture starting with
 * one); pfx_file_there's is a path. */
void pfx_poll(void *arg);
int pfx_no_stopping(void *arg);
int pfx_file_there(void *arg);

#endif
