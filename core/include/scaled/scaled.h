/*
 * scaled/scaled.h - embedding API of libscaled.
 *
 * An engine loads one farm (a Lua file declaring plugins, sources, targets
 * and groups) and evaluates its groups on a schedule. It runs either on a
 * libevent base with the real clock (scaled_engine_run) or on a virtual
 * clock advanced by the caller (scaled_engine_step), which is how policies
 * are tested and how history is replayed.
 *
 *   struct scaled_options o;
 *   struct scaled_engine *e;
 *   char *err = NULL;
 *
 *   scaled_options_init(&o);
 *   o.virtual_clock = 1;
 *   if (scaled_engine_new(&o, &e, &err) < 0 ||
 *       scaled_engine_load_file(e, "farm.lua", &err) < 0) { ...; free(err); }
 *   scaled_engine_step(e, scaled_engine_now(e) + 60000);
 *   scaled_engine_free(e);
 *
 * Errors: functions that can fail return 0 or a negative errno. Where a
 * function takes `char **errmsg` (which may be NULL), a failure may store
 * a message for a person there, which the caller frees with free(); on
 * success *errmsg is left untouched. Initialise it to NULL, since a failure
 * does not always write one.
 *
 * Ownership: the caller keeps every pointer it passes in, and may free it
 * as soon as the call returns, unless a function says otherwise (the log
 * sink and the decision callback, with their args, must stay valid until
 * they are replaced or the engine is freed). What the engine returns is
 * the engine's unless a function says the caller frees it (describe,
 * decision_json): a pointer into the engine is valid until the next call
 * that advances it (run, step, tick_all) or until it is freed.
 *
 * Threads: an engine is used from one thread at a time: the thread that
 * calls run, step or tick_all is its loop thread, and every callback
 * (log sink aside, see log_fn) runs there. Calls on one engine must not
 * overlap; different engines may run in different threads at the same
 * time (each has its own clock, Lua state, schedule and log; plugins are
 * loaded once per process and shared under a lock). Plugin threads never
 * call into the engine except through the plugin host's post().
 */
#ifndef SCALED_H
#define SCALED_H

#include <stddef.h>
#include <stdint.h>

#include "plugin.h" /* enum scaled_log_level, shared with plugins */

#ifdef __cplusplus
extern "C" {
#endif

#define SCALED_VERSION "0.4.0"

/* The library is built with hidden symbols; these are its interface. */
#if defined(__GNUC__)
#define SCALED_API __attribute__((visibility("default")))
#else
#define SCALED_API
#endif

struct event_base;
struct scaled_engine;

/* Exit codes of the scaled binary, also returned by helpers below. */
enum scaled_exit {
	SCALED_EXIT_OK = 0,
	SCALED_EXIT_RUNTIME = 1,
	SCALED_EXIT_CONFIG = 2,
};

/* How an engine is made. Set it with scaled_options_init, then change the
 * fields wanted: a caller built against an older, shorter struct passes
 * its struct_size and the engine reads no further. The strings are copied
 * (or, for decision_log, opened) by scaled_engine_new. */
struct scaled_options {
	size_t struct_size;      /* sizeof(struct scaled_options) */
	int virtual_clock;       /* non-zero: time moves only by step() */
	int64_t start_ms;        /* virtual clock start (ms since epoch) */
	int dry_run;             /* decide and record, never act */
	const char *plugin_path; /* ':'-separated dirs searched before the
	                            defaults; NULL: SCALED_PLUGIN_PATH, then the
	                            build tree, then the install dir */
	const char *policy_dir;  /* shipped policies; NULL: built-in default */
	int log_level;           /* enum scaled_log_level; default SCALED_LOG_INFO;
	                            this engine's lines only */
	const char *decision_log;/* JSON-lines file to append decisions to
	                            (created 0640); NULL: none */
	/* This engine's log sink (each engine has its own); NULL writes
	 * "level: message" lines to stderr. It gets the message without level
	 * prefix or newline (at most 2047 bytes), one call at a time, but from
	 * any thread: the loop thread, and plugin threads that log. It must
	 * not call the engine. fn and
	 * arg must stay valid until scaled_engine_free returns. */
	void (*log_fn)(void *arg, int level, const char *line);
	void *log_arg;
	size_t lua_mem_limit;    /* bytes; 0: 64 MiB */
	int64_t lua_deadline_ms; /* per policy call; 0: 50 ms */
	/* since 0.3: the kind map (struct scaled_kind_map below), n_kind_map
	 * entries, applied to every source and target the farm declares; NULL
	 * (the default): none. Not copied: the array and its strings must stay
	 * valid until scaled_engine_load_file/_string returns. */
	const struct scaled_kind_map *kind_map;
	size_t n_kind_map;
	/* since 0.4: how a policy call past lua_deadline_ms is stopped. 0 (the
	 * default): a watchdog thread sends the engine's thread a real-time
	 * signal (SIGRTMAX - 2) whose handler the engine installs, so policies
	 * run with no Lua hook; > 0: that real-time signal instead; < 0: no
	 * signal, a count hook (every Lua instruction then costs more). The
	 * engine falls back to the hook when the signal has a handler already
	 * or is blocked in the thread that loads the farm; the thread that
	 * loads the farm must be the one that runs the engine. */
	int deadline_signal;
	/* (appended in 0.4, after deadline_signal) every group's policy,
	 * replacing the farm's: the text of a
	 * Lua chunk, run once in the farm's sandbox before the farm (so
	 * `require "policy"` works), that returns a function; for each group
	 * the farm declares, the function gets { name = GROUP, target =
	 * TARGET } and returns what the group's `policy` key would hold (a
	 * policy or a list of them), which is read and checked as that key
	 * is. The group's other keys (bounds, mix, cooldown, stabilization)
	 * stay the farm's. The simulator runs its baselines so
	 * (docs/simulate.md). Errors name "group_policy" (the chunk) or the
	 * group's line. NULL (the default): the farm's policies. Not copied:
	 * the text must stay valid until scaled_engine_load_file/_string
	 * returns. */
	const char *group_policy;
};

/* A kind map entry (since 0.3): a source or target of the farm whose name,
 * or else whose kind, equals `match` is made as `kind` instead, so that an
 * embedder (the simulator) runs a farm file unchanged on kinds of its own.
 * The entry naming the instance wins over one naming its kind; within
 * each, the first. `by` limits an entry to names or to kinds (a refusal
 * of a kind should not catch a source that merely has its name). The instance keeps its name, its series and its core
 * keys (every, stale, poll); its values for `kind` are `keys` ("name=value"
 * texts, NULL-terminated, parsed as the key's type, as a default is), then
 * for the keys of `kind` not in `keys`, the farm's own values of the keys
 * of the same name (so "max_spot_price" of a farm's target reaches the
 * mapped kind); the farm's other keys are not read (nor checked against
 * the original kind, whose plugin need not be loaded). `plugin`, when not
 * NULL, is loaded by name (as `plugin "NAME"` would) before `kind` is
 * looked up. An entry with kind NULL refuses what it matches: the farm
 * fails to load with "file:line: target "NAME": kind "K" has no mapping
 * (REASON)", REASON being `keys[0]` when given. */
enum scaled_kind_map_match {
	SCALED_MATCH_NAME_OR_KIND = 0, /* the instance's name, else its kind */
	SCALED_MATCH_NAME,             /* only an instance of that name */
	SCALED_MATCH_KIND,             /* only instances of that kind */
};

struct scaled_kind_map {
	const char *match;             /* an instance's name, or a kind */
	const char *kind;              /* the kind to make instead; NULL: refuse */
	const char *plugin;            /* load this plugin for it; NULL: none */
	const char *const *keys;       /* "key=value", NULL-terminated; may be NULL */
	enum scaled_kind_map_match by; /* what `match` is compared with */
};

/* Sets every field to its default (struct_size included). */
SCALED_API void scaled_options_init(struct scaled_options *opts);

/* Make an engine (no farm yet). opts may be NULL (the defaults); it is
 * copied. On success *out is the new engine, which the caller frees with
 * scaled_engine_free; on failure *out is untouched. Returns 0, -ENOMEM, or
 * the decision log's -errno ("decision log PATH: reason" in *errmsg). */
SCALED_API int scaled_engine_new(const struct scaled_options *opts,
		      struct scaled_engine **out, char **errmsg);
/* Destroy every source and target (targets first; plugin.h's destroy),
 * unload the plugins, close the decision log, free the engine and all it
 * returned (decisions included). NULL is ignored. Not from inside one of
 * the engine's callbacks, nor while scaled_engine_run is running. */
SCALED_API void scaled_engine_free(struct scaled_engine *e);

/* Load a farm: from the file at path (its directory is where `require`
 * finds the farm's own modules), or from text, named chunkname in
 * messages. Once per engine. Plugins are loaded, and sources and targets
 * created, as the farm declares them. Returns 0; -EINVAL for a
 * configuration error, whose message in *errmsg names "file:line:", the
 * declaration and the key; -EALREADY when a farm is loaded; -ENOMEM. After
 * a failure the engine is unusable: free it. */
SCALED_API int scaled_engine_load_file(struct scaled_engine *e, const char *path,
			    char **errmsg);
SCALED_API int scaled_engine_load_string(struct scaled_engine *e, const char *chunkname,
			      const char *text, char **errmsg);

/* Add a plugin that lives in the calling program (since 0.3): the same
 * descriptor and ABI as a .so's (plugin.h), checked the same way, probed
 * and init()ed with the same host table, its kinds then available to the
 * farm (and to the kind map) as a loaded plugin's are; `plugin "NAME"` in
 * the farm finds it loaded. Before the farm is loaded. desc, and all it
 * points to, must stay valid until the engine is freed (a static
 * descriptor, as a .so's). Returns 0; -EALREADY after a farm was loaded;
 * -EEXIST when a plugin of that name is loaded; -EPROTO for a descriptor
 * the ABI checks refuse, -ENOTSUP when its probe declined, init's error,
 * -ENOMEM: with a message in *errmsg. init() runs once per process per
 * descriptor, however many engines add it. */
SCALED_API int scaled_engine_add_plugin(struct scaled_engine *e,
					const struct scaled_plugin *desc, char **errmsg);

/* A farm's `simulate { ... }` table (since 0.4; docs/simulate.md), read
 * without making the farm: the file at path runs as scaled_engine_load_file
 * would run it, but no plugin is loaded and no source, target or group is
 * made (their tables are only checked to be tables). fn gets the table
 * flattened into entries sorted by key: a key per value, a table's keys
 * joined with '.' ("map.asg", "map.asg.spot_delay"), each value as text
 * (a number as Lua writes it, a boolean "true" or "false"); the texts live
 * until fn returns. fn returns 0, or -EINVAL with a reason in err, which
 * fails the run with "file:line: simulate: reason". fn is not called for a
 * farm without the table. opts as for scaled_engine_new (NULL: the
 * defaults). Returns 0; -EINVAL with the farm's error in *errmsg; -ENOMEM.
 * (A farm loaded by scaled_engine_load_file accepts the table, checks that
 * it is one table of strings, numbers, booleans and tables, declared once,
 * and ignores it.) */
struct scaled_farm_entry {
	const char *key;
	const char *value;
};
typedef int (*scaled_farm_table_fn)(void *arg, const struct scaled_farm_entry *v, size_t n,
				    char *err, size_t errlen);
SCALED_API int scaled_farm_simulate_table(const struct scaled_options *opts, const char *path,
					  scaled_farm_table_fn fn, void *arg, char **errmsg);

/* A human summary of the loaded farm (for --check): one line for the farm,
 * then one per plugin, source, target and group, each ending in "\n". On
 * success *out is a NUL-terminated string the caller frees with free().
 * Returns 0, or -ENOMEM (*out untouched). After a successful load only. */
SCALED_API int scaled_engine_describe(struct scaled_engine *e, char **out);

/* Run the loaded farm on `base` (the caller's, which may carry its own
 * events, such as signals) with the real clock, dispatching the base until
 * scaled_engine_stop or event_base_loopbreak/loopexit. The calling thread
 * is the loop thread until it returns; the engine's events are removed
 * before it returns, so the caller may free base before the engine.
 * Returns 0 when the loop was stopped; -EINVAL with a virtual clock,
 * without a loaded farm, or when already running; -ENOMEM or a pipe's
 * -errno when it cannot start; -EIO when the base's dispatch failed. */
SCALED_API int scaled_engine_run(struct scaled_engine *e, struct event_base *base);
/* Ask a running engine to stop: run returns after the callback in progress.
 * From the loop thread (a signal event on the same base, say); from another
 * thread only if the base was made thread-safe (evthread_use_pthreads). */
SCALED_API void scaled_engine_stop(struct scaled_engine *e);

/* Virtual clock: run everything due up to and including `until_ms`, with the
 * clock set to each task's due time while it runs, then set it to until_ms
 * (the clock never goes back: an earlier until_ms runs nothing). Posts from
 * plugin threads are run between tasks. Returns 0; -EINVAL with the real
 * clock or without a loaded farm; -ENOMEM when the schedule cannot be
 * made. */
SCALED_API int scaled_engine_step(struct scaled_engine *e, int64_t until_ms);
/* The engine's clock, in ms since the epoch. */
SCALED_API int64_t scaled_engine_now(const struct scaled_engine *e);

/* Collect every source once, poll every target, then tick every group once
 * at the current time, recording every group's decision, quiet ones too
 * (for --once); acting on them unless dry_run. On a real clock and outside
 * run(), the plugins' HTTP requests (host->http_start) run on a loop of the
 * engine's own that this drives until their answers are in, before the
 * ticks and, when acting, after them (40 s at most each); so this call may
 * block that long. Returns 0, or -EINVAL without a loaded farm. */
SCALED_API int scaled_engine_tick_all(struct scaled_engine *e);

/* ------------------------------------------------------------ decisions -- */

/* The stage of the safety pipeline that bound (changed or refused) the
 * result, or SCALED_STAGE_NONE when the combined proposal went through. */
enum scaled_stage {
	SCALED_STAGE_NONE = 0,
	SCALED_STAGE_POLICY,      /* 1: a policy error turned into hold */
	SCALED_STAGE_STALE,       /* 2: stale or missing inputs */
	SCALED_STAGE_COMBINE,     /* 3: proposals disagreed */
	SCALED_STAGE_STABILIZE,   /* 4 */
	SCALED_STAGE_COOLDOWN,    /* 5 */
	SCALED_STAGE_RATE,        /* 6 */
	SCALED_STAGE_CLAMP,       /* 7 */
	SCALED_STAGE_OVERRIDE,    /* 8: pause, manual override or dry-run */
	SCALED_STAGE_ACT,         /* 9: the target refused or failed */
};
/* "none", "policy", ... "act"; "unknown" out of range. A static string. */
SCALED_API const char *scaled_stage_name(enum scaled_stage s);

enum scaled_proposal_kind {
	SCALED_PROPOSAL_NONE = 0, /* the policy abstained (returned nothing) */
	SCALED_PROPOSAL_HOLD,     /* keep the current capacity */
	SCALED_PROPOSAL_SET,      /* an absolute count */
	SCALED_PROPOSAL_CHANGE,   /* desired + value */
	SCALED_PROPOSAL_PERCENT,  /* desired changed by value %, see docs/farm.md */
	SCALED_PROPOSAL_ERROR,    /* the policy failed: counts as hold */
};

#define SCALED_REASON_MAX 160
#define SCALED_NAME_MAX 64

struct scaled_proposal {
	char policy[SCALED_NAME_MAX];    /* "1", "queue_step", ... */
	enum scaled_proposal_kind kind;
	double value;                    /* count, change or percent */
	int wanted;                      /* the capacity it resolves to */
	int stale;                       /* read a stale series */
	int missing;                     /* read a series with no data */
	char reason[SCALED_REASON_MAX];
	/* A market mix proposed in the same call (g:mix), with its own
	 * reason: mix non-zero; a field of -1 keeps the group's value. */
	int mix;
	int mix_base;                    /* on_demand_base */
	int mix_percent;                 /* on_demand_percent */
	char mix_reason[SCALED_REASON_MAX];
};

enum scaled_outcome {
	SCALED_OUTCOME_NONE = 0, /* nothing to do (desired unchanged) */
	SCALED_OUTCOME_PENDING,  /* sent to the target, waiting */
	SCALED_OUTCOME_OK,
	SCALED_OUTCOME_FAILED,
	SCALED_OUTCOME_DRY_RUN,
	SCALED_OUTCOME_PAUSED,
};
/* "none", "pending", "ok", "failed", "dry_run", "paused"; a static string. */
SCALED_API const char *scaled_outcome_name(enum scaled_outcome o);

#define SCALED_MAX_PROPOSALS 16
#define SCALED_MAX_EVENTS 8

struct scaled_decision {
	uint64_t seq;                 /* increasing per engine */
	int64_t time_ms;
	char group[SCALED_NAME_MAX];
	int current;                  /* reported by the target */
	int desired_before;
	int combined;                 /* after stage 3 */
	int desired;                  /* final */
	enum scaled_stage bound_by;
	char bound_reason[SCALED_REASON_MAX];
	size_t n_proposals;
	struct scaled_proposal proposals[SCALED_MAX_PROPOSALS];
	enum scaled_outcome outcome;
	char outcome_msg[SCALED_REASON_MAX];
	/* The market mix (since 0.2; see docs/markets.md). -1 where the group
	 * has no mix (its target cannot apply one, or none is known yet). */
	int spot, on_demand;             /* units per market, as reported */
	int mix_base_before, mix_percent_before;
	int mix_base_wanted, mix_percent_wanted; /* what the proposals combined to */
	int mix_base, mix_percent;       /* final */
	enum scaled_stage mix_bound_by;  /* the stage that held the mix */
	char mix_reason[SCALED_REASON_MAX]; /* the winning proposal's reason, or
	                                       why a stage held the mix */
	/* The events this tick delivered to the policies (since 0.2): the
	 * first SCALED_MAX_EVENTS names, and how many there were. */
	size_t n_events;
	char events[SCALED_MAX_EVENTS][SCALED_NAME_MAX];
};

/* Called on the loop thread for each decision recorded, when it is made
 * and, if it was sent to the target (outcome PENDING), again when its
 * outcome is known (OK or FAILED; possibly before the first call's tick
 * returns). d is the engine's and valid during the call only: copy what is
 * kept. The callback must not free the engine. */
typedef void (*scaled_decision_fn)(void *arg, const struct scaled_decision *d);
/* Set (or with fn NULL, remove) the engine's one decision callback; fn and
 * arg stay in use until replaced or the engine is freed. */
SCALED_API void scaled_engine_on_decision(struct scaled_engine *e, scaled_decision_fn fn,
			       void *arg);

/* The last decisions kept in memory (up to 256), oldest first: stores up to
 * max pointers in out (the caller's array) and returns how many. The
 * decisions are the engine's, read-only: a pending one is completed in
 * place; each is valid until the next call that advances the engine or
 * its freeing. */
SCALED_API size_t scaled_engine_decisions(const struct scaled_engine *e,
			       const struct scaled_decision **out, size_t max);

/* d as one JSON object, no newline, valid UTF-8 whatever the reasons hold
 * (the decision log's line). Returns a string the caller frees with
 * free(), or NULL when out of memory. */
SCALED_API char *scaled_decision_json(const struct scaled_decision *d);

/* Deliver an event to a group's policies (group NULL: to every group): a
 * name (1 to 63 of letters, digits, '_', '-', '.') and a payload, a JSON
 * object (NULL or "" for none; at most 64 KiB, 16 deep). Policies read it as
 * g.events at the group's next tick ({name=, time=, data=}), and that tick's
 * decision names it. At most 64 events wait per group. Returns 0, -ENOENT
 * (no such group), -EINVAL (bad name or payload), -ENOSPC (a queue is
 * full) or -ENOMEM, with a message in *errmsg (free()) when errmsg is not
 * NULL. Refused for any of these, no group gets the event, except -ENOMEM
 * while queueing it for every group, which may leave it with the groups
 * before. Loop thread only (an embedder on another thread posts it over). */
SCALED_API int scaled_engine_event(struct scaled_engine *e, const char *group, const char *name,
				   const char *payload, char **errmsg);

/* A group's current view: capacity as the target reports it (-1 until it
 * has), the last desired value (-1 until the target first reported), and
 * its bounds, copied into the caller's *out. Returns 0, or -ENOENT for an
 * unknown group (*out untouched). */
struct scaled_group_status {
	int current, desired, starting, stopping, min, max;
	/* since 0.2: units per market as reported, and the group's mix;
	 * -1 when unknown or when the group has no mix */
	int spot, on_demand, on_demand_base, on_demand_percent;
};
SCALED_API int scaled_engine_group_status(const struct scaled_engine *e, const char *group,
			       struct scaled_group_status *out);

#ifdef __cplusplus
}
#endif

#endif /* SCALED_H */
