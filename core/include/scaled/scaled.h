/*
 * scaled/scaled.h - embedding API of libscaled.
 *
 * An engine loads one farm (a Lua file declaring plugins, sources, targets
 * and groups) and evaluates its groups on a schedule. It runs either on a
 * libevent base with the real clock (scaled_engine_run) or on a virtual
 * clock advanced by the caller (scaled_engine_step), which is how policies
 * are tested and how history is replayed.
 *
 * Errors: functions return 0 or a negative errno. Where a function takes
 * `char **errmsg`, a failure may store a message there that the caller frees
 * with free(); on success *errmsg is left untouched.
 *
 * Threads: an engine is used from one thread at a time.
 *
 * Ownership: the caller keeps what it passes in. Pointers returned by the
 * engine (decisions) are owned by the engine and valid until the next call
 * that advances it (step, run, tick) or until it is freed.
 */
#ifndef SCALED_H
#define SCALED_H

#include <stddef.h>
#include <stdint.h>

#include "plugin.h" /* enum scaled_log_level, shared with plugins */

#ifdef __cplusplus
extern "C" {
#endif

#define SCALED_VERSION "0.1.0"

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

struct scaled_options {
	size_t struct_size;      /* sizeof(struct scaled_options) */
	int virtual_clock;       /* non-zero: time moves only by step() */
	int64_t start_ms;        /* virtual clock start (ms since epoch) */
	int dry_run;             /* decide and record, never act */
	const char *plugin_path; /* ':'-separated dirs searched before the
	                            defaults; NULL: SCALED_PLUGIN_PATH, then the
	                            build tree, then the install dir */
	const char *policy_dir;  /* shipped policies; NULL: built-in default */
	int log_level;           /* enum scaled_log_level; default SCALED_LOG_INFO */
	const char *decision_log;/* JSON-lines file to append decisions to */
	/* log sink; NULL writes "level: message" lines to stderr */
	void (*log_fn)(void *arg, int level, const char *line);
	void *log_arg;
	size_t lua_mem_limit;    /* bytes; 0: 64 MiB */
	int64_t lua_deadline_ms; /* per policy call; 0: 50 ms */
};

/* Sets every field to its default (struct_size included). */
SCALED_API void scaled_options_init(struct scaled_options *opts);

SCALED_API int scaled_engine_new(const struct scaled_options *opts,
		      struct scaled_engine **out, char **errmsg);
SCALED_API void scaled_engine_free(struct scaled_engine *e);

/* Load a farm. Errors name "file:line:" and the key. Configuration errors
 * return -EINVAL; the engine is then unusable and must be freed. */
SCALED_API int scaled_engine_load_file(struct scaled_engine *e, const char *path,
			    char **errmsg);
SCALED_API int scaled_engine_load_string(struct scaled_engine *e, const char *chunkname,
			      const char *text, char **errmsg);

/* Print a human summary of the loaded farm (for --check). */
SCALED_API int scaled_engine_describe(struct scaled_engine *e, char **out);

/* Run on `base` until scaled_engine_stop or the base has nothing left to do.
 * Real clock only. */
SCALED_API int scaled_engine_run(struct scaled_engine *e, struct event_base *base);
/* Ask a running engine to stop; safe from a signal callback on the loop. */
SCALED_API void scaled_engine_stop(struct scaled_engine *e);

/* Virtual clock: run everything due up to and including `until_ms`, with the
 * clock set to each task's due time while it runs, then set it to until_ms. */
SCALED_API int scaled_engine_step(struct scaled_engine *e, int64_t until_ms);
SCALED_API int64_t scaled_engine_now(const struct scaled_engine *e);

/* Collect every source once, poll every target, then tick every group once
 * (for --once). */
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
};

enum scaled_outcome {
	SCALED_OUTCOME_NONE = 0, /* nothing to do (desired unchanged) */
	SCALED_OUTCOME_PENDING,  /* sent to the target, waiting */
	SCALED_OUTCOME_OK,
	SCALED_OUTCOME_FAILED,
	SCALED_OUTCOME_DRY_RUN,
	SCALED_OUTCOME_PAUSED,
};
SCALED_API const char *scaled_outcome_name(enum scaled_outcome o);

#define SCALED_MAX_PROPOSALS 16

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
};

/* Called for each new decision, and again when its outcome is known. */
typedef void (*scaled_decision_fn)(void *arg, const struct scaled_decision *d);
SCALED_API void scaled_engine_on_decision(struct scaled_engine *e, scaled_decision_fn fn,
			       void *arg);

/* The last decisions kept in memory (oldest first). */
SCALED_API size_t scaled_engine_decisions(const struct scaled_engine *e,
			       const struct scaled_decision **out, size_t max);

/* One JSON object, no newline. Returns a malloc'd string or NULL. */
SCALED_API char *scaled_decision_json(const struct scaled_decision *d);

/* A group's current view: capacity as the target reports it and the last
 * desired value. Returns -ENOENT for an unknown group. */
struct scaled_group_status {
	int current, desired, starting, stopping, min, max;
};
SCALED_API int scaled_engine_group_status(const struct scaled_engine *e, const char *group,
			       struct scaled_group_status *out);

#ifdef __cplusplus
}
#endif

#endif /* SCALED_H */
