/*
 * engine.h - the engine's insides, shared by engine.c (lifecycle, public
 * calls), engine_build.c (which makes the objects below from farm.lua's
 * declarations; config.c never sees them), engine_loop.c (the loops),
 * engine_tick.c (collects, polls, ticks) and engine_host.c (the host table
 * plugins call). Calls go down that list, never up: engine.c uses all the
 * others; engine_host.c uses engine_loop.c and engine_tick.c; engine_loop.c
 * uses engine_tick.c.
 *
 * Ownership: the engine owns everything reachable from it. Sources and
 * targets are struct scaled_instance (opaque to plugins); a group points at
 * its target, which points back.
 */
#ifndef SCALED_ENGINE_H
#define SCALED_ENGINE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include "clock.h"
#include "event.h"
#include "group.h"
#include "log.h"
#include "name_index.h"
#include "plugin_load.h"
#include "policy_api.h"
#include "record.h"
#include "scaled/plugin.h"
#include "scaled/scaled.h"

struct event;
struct event_base;
struct host_http;
struct http_client;
struct sandbox;
struct sched;
struct sched_task;
struct series;
struct series_store;

/* A host timer, so that an instance's timers die with it. */
struct host_timer {
	struct scaled_instance *inst;
	struct sched_task *task;
	scaled_callback fn;
	void *arg;
	struct host_timer *prev, *next;
};

struct scaled_instance {
	struct scaled_engine *e;
	char *name;
	int line;                       /* where farm.lua declared it */
	enum scaled_role role;
	struct plugin_handle *plugin;
	const struct scaled_kind *kind;
	struct scaled_value *values;    /* kind->keys order; strings owned */
	size_t n_values;
	void *state;                    /* the plugin's */
	bool created;
	int64_t every_ms;               /* source: collect; target: poll */
	int64_t stale_ms;               /* series staleness (sources) */
	struct sched_task *task;
	struct host_timer *timers;      /* pending host timers */
	struct host_http *https;        /* pending HTTP requests (engine_http.c) */
	struct series *primary;         /* the series named like the instance */
	/* "<name>.<suffix>" series it published last, by suffix (short
	 * ones): a publish finds them without making and hashing the name */
#define INSTANCE_SUFFIXED 4
	struct {
		char suffix[24];
		struct series *s;
	} suffixed[INSTANCE_SUFFIXED];
	int n_suffixed;
	/* targets */
	struct group *group;
	struct scaled_target_state reported;
	bool has_reported;
	int failures;                   /* consecutive collect/poll errors */
};

struct group_policy {
	int ref;                        /* registry reference */
	const char *name;               /* interned (engine.policy_names) */
};

/* In the order a tick reads it: a daemon of 100 000 groups waits on
 * memory, not on instructions (each cache line of a group a tick touches is
 * a miss), so what every tick reads comes first and together, the group's
 * one policy in place rather than in an array of its own, and what only
 * actions, load and free read comes last. */
struct group {
	struct scaled_engine *e;
	struct group_policy *policies;   /* n_policies: &one_policy, or an array */
	size_t n_policies;
	size_t n_inputs;
	struct group_policy one_policy;  /* a group's single policy (the usual) */
	bool want_failed;               /* view.wanted is a failed action's target */
	bool ticked;                    /* its policies have run once (series settle) */
	struct group_state st;
	struct policy_group view;
	struct event_queue events;      /* for the next tick (scaled_engine_event) */
	struct group_settings cfg;
	struct series **inputs;         /* declared by table policies */
	char *name;
	int line;
	struct scaled_instance *target;
	int64_t every_ms;
	struct sched_task *task;
	uint64_t pending_token;
	uint64_t pending_seq;           /* decision awaiting its outcome */
	int64_t pending_ms;             /* the time of the tick that decided it */
};

struct post_item {
	scaled_callback fn;
	void *arg;
	struct post_item *next;
};

struct scaled_engine {
	struct scaled_options opt;
	struct log log;                 /* its level and sink (log.h) */
	char *plugin_path;              /* full search path */
	char *policy_dir;
	char *farm_path;
	char *farm_dir;

	struct clock clock;
	struct sched *sched;
	struct series_store *store;
	struct sandbox *sb;
	struct policy_env penv;

	struct plugin_handle **plugins;
	size_t n_plugins;
	struct scaled_instance **instances; /* sources and targets, in farm order */
	size_t n_instances, cap_instances;
	struct group **groups;
	size_t n_groups, cap_groups;
	/* by name (name_index.c): a farm of any size loads in linear time */
	struct name_index instance_ix, group_ix;
	/* series keep what policies read once every group has ticked once,
	 * or 15 minutes after the first tick (series.h) */
	size_t n_ticked;
	int64_t first_tick_ms;
	bool series_settled;
	/* policy names, one copy each (the values are the owned strings):
	 * 100 000 groups with the same policy share one hot string */
	struct name_index policy_names;
	bool loaded;
	/* scaled_farm_simulate_table: the farm is read for its simulate
	 * table only, handed to scan_fn */
	scaled_farm_table_fn scan_fn;
	void *scan_arg;
	/* opt.group_policy's function (a registry reference), or 0 */
	int group_policy_ref;

	struct record record;           /* decisions: ring, emission, completion */
	uint64_t token_seq;
	bool record_quiet;              /* tick_all (--once): quiet ticks too */

	/* HTTP for plugins (engine_http.c): the client, made at the first
	 * request, and under a virtual clock the base it runs on */
	struct http_client *http;
	struct event_base *http_base;
	bool http_closing;              /* engine_http_release is ending requests */
	bool http_settling;             /* tick_all on a real clock: http_base too */

	/* the loop (real clock only) */
	struct event_base *base;
	struct event *timer_ev;
	struct event *post_ev;
	bool running;

	/* post-from-thread: a locked list and a pipe to wake the loop */
	pthread_mutex_t post_lock;
	struct post_item *posts, *posts_tail;
	int post_pipe[2];
	bool shutting_down;
};

/* engine_build.c: the farm's declarations made into objects (config.h's
 * builder), and the lookup of a group by name. */
int engine_build(struct scaled_engine *e, const char *chunkname, char **errmsg);
struct group *engine_find_group(const struct scaled_engine *e, const char *name);

/* engine_loop.c */
void engine_rearm(struct scaled_engine *e);
void engine_drain_posts(struct scaled_engine *e);

/* engine_tick.c */
int engine_schedule_all(struct scaled_engine *e);
void engine_instance_run(void *arg); /* one collect or poll, now */
void engine_group_tick(struct group *g);
/* Bring g's view (what its own and other groups' policies read) up to date
 * with its state: capacity, wanted, shortfall. After every change of state. */
void engine_group_sync(struct group *g);
void engine_apply_done(struct scaled_instance *in, uint64_t token, int status, const char *msg);

/* engine_http.c: host->http_start/http_cancel, an instance's requests,
 * the client's end with run() (release) or the engine (free), and the
 * virtual clock's driving of transfers (pump). */
void *engine_http_start(struct scaled_instance *inst, const struct scaled_http_request *req,
			scaled_http_done done, void *arg, char *err, size_t errlen);
void engine_http_cancel(void *handle);
void engine_instance_cancel_https(struct scaled_instance *in);
void engine_http_release(struct scaled_engine *e);
void engine_http_pump(struct scaled_engine *e);
/* tick_all on a real clock: while requests are pending on the engine's own
 * base, wait for the next of their events (max_ms at most) and run it;
 * false when none is pending or max_ms <= 0. */
bool engine_http_wait(struct scaled_engine *e, int64_t max_ms);
void engine_http_free(struct scaled_engine *e);

/* engine_event.c: an event for group's policies (NULL: every group's), as
 * scaled_engine_event and host->event deliver it; all or nothing. 0, or
 * -ENOENT, -EINVAL, -ENOSPC, -ENOMEM with the reason in err. */
int engine_event(struct scaled_engine *e, const char *group, const char *name,
		 const char *payload, char *err, size_t errlen);

/* engine_host.c */
extern const struct scaled_host engine_host;
void engine_instance_cancel_timers(struct scaled_instance *in);

/* engine_query.c: read-only looks for code in the tree that drives an
 * engine (scaled simulate's series.csv). engine_series_each calls fn for
 * every series in the order they were made, with its name and newest
 * sample (has false, t_ms and value 0, while it has none); fn must not
 * change the engine. engine_group_at gives group i (farm order): its name,
 * tick interval and target (owned by the engine); -ENOENT past the last. */
typedef void (*engine_series_fn)(void *arg, const char *name, bool has, int64_t t_ms,
				 double value);
void engine_series_each(const struct scaled_engine *e, engine_series_fn fn, void *arg);
int engine_group_at(const struct scaled_engine *e, size_t i, const char **name,
		    int64_t *every_ms, const struct scaled_instance **target);

#endif
