/*
 * scaled/plugin.h - the plugin ABI.
 *
 * A plugin is a shared object loaded with dlopen(RTLD_NOW | RTLD_LOCAL). It
 * exports exactly one symbol, SCALED_PLUGIN_ENTRY, a function returning a
 * pointer to a static, constant struct scaled_plugin. It links against
 * nothing of the core: everything it may ask of the core is in the host
 * table (struct scaled_host) handed to init().
 *
 * Versioning rules (they are the contract):
 *  - Every struct that crosses the boundary starts with a size or version
 *    field and only ever grows at its end. Static arrays are the exception:
 *    struct scaled_key (the 1.0 key table) never grows; struct
 *    scaled_key_limit (1.1) has its entry size in kind->limit_size.
 *  - A plugin built for another ABI major is refused, with a message naming
 *    both versions. A plugin built for an older minor is accepted; the core
 *    reads nothing past the struct_size the plugin declares. A plugin built
 *    for a newer minor is accepted too, and read up to the core's own struct
 *    sizes: such a plugin checks host->abi_minor (or SCALED_HOST_HAS) in
 *    init before it uses anything newer than the core offers.
 *  - init() and fini() run once per process, however many engines load the
 *    plugin; every engine of a process hands the same host table.
 *  - The host table is append-only: a plugin checks host->struct_size before
 *    using a member added after the minor it was built for
 *    (SCALED_HOST_HAS(host, member)).
 *  - The core checks the descriptor's ABI before it calls anything of the
 *    plugin: init() need not (and should not) check host->abi_major again.
 *
 * ABI 1.1 adds: SCALED_KEY_ENUM and per-key limits (struct
 * scaled_key_limit, kind->limits and kind->limit_size), so that plugins
 * declare choices and numeric bounds instead of checking them in create().
 *
 * ABI 1.2 adds markets: kind->flags with SCALED_KIND_APPLIES_MIX (a target
 * that applies a market mix, want->on_demand_base/_percent, and reports
 * its units per market, state->spot/on_demand), read by the core only when
 * SCALED_KIND_HAS(kind, flags); and host->series_last, so that a target can
 * watch a series (a spot price), used by a plugin only when
 * SCALED_HOST_HAS(host, series_last). The checks go both ways: a 1.2 core
 * treats a 1.1 kind as one that cannot apply a mix, and a 1.2 plugin on a
 * 1.1 core finds no series_last and says so in create().
 *
 * ABI 1.3 adds asynchronous HTTP on the engine's loop: host->http_start and
 * host->http_cancel (struct scaled_http_request / _response), for plugins
 * that talk to cloud APIs without a thread of their own.
 *
 * ABI 1.4 adds events from plugins: host->event delivers an event (a name
 * and a JSON payload) to one group's policies or to every group's, as the
 * embedding API's scaled_engine_event does, so that a source can turn what
 * happens outside (a spot interruption notice) into g.events. A plugin
 * checks SCALED_HOST_HAS(host, event) before it uses it: a 1.4 plugin on a
 * 1.3 core finds no event member and says so in create().
 *
 * Processes: the core leaves SIGCHLD at SIG_DFL, so a plugin may waitpid()
 * its own children (never waitpid(-1): other plugins have children too).
 *
 * Threads: every host function runs on the loop thread only, except
 * host->post(), which any thread may call. Plugin callbacks are called on the
 * loop thread and must not block: blocking work belongs in the plugin's own
 * threads, which hand results back with host->post().
 *
 * Ownership: strings and structs the core passes to a plugin stay owned by
 * the core and are valid for the duration of the call unless stated. Config
 * values (struct scaled_value) are valid until the instance is destroyed.
 */
#ifndef SCALED_PLUGIN_H
#define SCALED_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SCALED_PLUGIN_ABI_MAJOR 1
#define SCALED_PLUGIN_ABI_MINOR 4

/* The one exported symbol, stable across majors so that a plugin of another
 * major can be read and refused with a clear message. */
#define SCALED_PLUGIN_ENTRY "scaled_plugin_entry"

#if defined(__GNUC__)
#define SCALED_EXPORT __attribute__((visibility("default")))
#else
#define SCALED_EXPORT
#endif

/* ---------------------------------------------------------------- config -- */

enum scaled_key_type {
	SCALED_KEY_STRING = 1,
	SCALED_KEY_INT,      /* integer; Lua integers and integral floats */
	SCALED_KEY_NUMBER,   /* double */
	SCALED_KEY_BOOL,
	SCALED_KEY_DURATION, /* "250ms", "30s", "5m", "1h", "1d", or seconds */
	SCALED_KEY_ENUM,     /* ABI 1.1: a string, one of the key's choices
			      * (struct scaled_key_limit); delivered as u.str */
};

/* One configuration key a kind accepts. Tables of these are static data,
 * terminated by an entry whose name is NULL. The core validates the user's
 * Lua table against the table before the plugin sees anything: unknown keys,
 * wrong types and missing required keys are errors naming file:line. */
struct scaled_key {
	const char *name;
	enum scaled_key_type type;
	const char *default_value; /* text, parsed as the type; NULL = no default */
	int required;              /* non-zero: must be given (default ignored) */
	const char *help;          /* one line, shown by --check -v and docs */
};

/* ABI 1.1: what the core checks of a key's value beyond its type, so that
 * plugins do not check it by hand. A kind lists these in its own table
 * (kind->limits), one entry per limited key, named, ended by an entry whose
 * key is NULL:
 *
 *   static const struct scaled_key_limit sim_limits[] = {
 *       { .key = "start", .min = "0", .max = "1000000" },
 *       { .key = "shape", .choices = (const char *const[]){ "flat", "sine", NULL } },
 *       { 0 },
 *   };
 *
 * choices: SCALED_KEY_ENUM keys only (and every ENUM key needs them): the
 *   allowed strings, NULL-terminated, none empty, no two alike. The value
 *   create() receives is one of them (compare with strcmp).
 * min, max: SCALED_KEY_INT, _NUMBER and _DURATION keys only: inclusive
 *   bounds written as text like default_value and parsed as the key's type
 *   ("1", "0.5", "250ms"); NULL leaves that side open.
 * The loader refuses a plugin whose limits name no key of the kind, limit a
 * key twice, do not fit its type, do not parse, have min > max, or exclude
 * the key's own default. A user's value outside them is an error naming the
 * key, the value and what is allowed, with farm.lua:line, and create() is
 * not called.
 *
 * Why a table of its own rather than new members of struct scaled_key: key
 * tables are arrays, so a longer struct scaled_key would change the distance
 * between entries, and the core could not walk a 1.0 plugin's table without
 * guessing which layout it was built with; and every key table written
 * positionally ({ "name", type, default, required, help }) would stop
 * compiling under -Wextra -Werror. struct scaled_key therefore never grows.
 * This table is new in 1.1 and its entry size comes with it
 * (kind->limit_size), so the core always knows its layout: a 1.0 plugin has
 * no kind->limits (its kind struct is too short to hold one: read as NULL)
 * and its keys are read exactly as before; a plugin of a later minor whose
 * entries have grown is read up to the members this core knows. */
struct scaled_key_limit {
	const char *key;            /* the name of a key in the kind's key table */
	const char *const *choices; /* SCALED_KEY_ENUM: the allowed strings */
	const char *min;            /* INT, NUMBER, DURATION: least value, or NULL */
	const char *max;            /* INT, NUMBER, DURATION: greatest value, or NULL */
};

/* A validated value, in the same order as the kind's key table. `set` is
 * non-zero when the user gave the key or it has a default. */
struct scaled_value {
	int set;
	union {
		const char *str;
		int64_t integer;
		double number;
		int boolean;
		int64_t ms; /* SCALED_KEY_DURATION, in milliseconds */
	} u;
};

/* ----------------------------------------------------------------- roles -- */

enum scaled_role {
	SCALED_ROLE_SOURCE = 1,   /* produces samples into series */
	SCALED_ROLE_TARGET = 2,   /* has a capacity the engine sets */
	SCALED_ROLE_NOTIFIER = 3, /* receives decisions (reserved for a later minor) */
};

enum scaled_log_level {
	SCALED_LOG_ERROR = 0,
	SCALED_LOG_WARN = 1,
	SCALED_LOG_INFO = 2,
	SCALED_LOG_DEBUG = 3,
};

/* The state a target reports (host->report_target). -1 means "unknown". */
struct scaled_target_state {
	size_t struct_size;
	int current;  /* running and serving */
	int desired;  /* what the target is currently asked to hold */
	int starting; /* launched, not yet running */
	int stopping; /* told to stop, still running (grace period) */
	/* Units running in each market (1.2; a target with
	 * SCALED_KIND_APPLIES_MIX reports them); -1 when unknown. They count
	 * what `current` counts: spot + on_demand == current when both are
	 * known. */
	int spot;
	int on_demand;
};

/* What the engine asks a target to do (kind->apply). */
struct scaled_target_want {
	size_t struct_size;
	int desired;
	/* The market mix, as an AWS mixed-instances distribution has it
	 * (1.2): the first on_demand_base units on-demand, and
	 * on_demand_percent % of the units above the base, rounded up in
	 * favour of on-demand (scaled_mix_on_demand below); the rest spot.
	 * -1 means "leave as it is": always so for a kind without
	 * SCALED_KIND_APPLIES_MIX, and for a group whose mix is not known. */
	int on_demand_base;
	int on_demand_percent;
};

/* The on-demand units of `total` under a mix, as EC2 Auto Scaling splits a
 * group (its user guide: "it rounds up to the next integer in favor of
 * On-Demand Instances"): min(total, base) + ceil(percent % of what is above
 * the base). total, base >= 0; percent in 0..100. */
static inline int scaled_mix_on_demand(int total, int base, int percent)
{
	long long above = total > base ? (long long)total - base : 0;

	return (total < base ? total : base) + (int)((above * percent + 99) / 100);
}

/* Opaque: the core's object for one configured source or target. A plugin
 * keeps the pointer it is given in create() and passes it back to the host. */
struct scaled_instance;

/* ------------------------------------------------------------ host table -- */

typedef void (*scaled_callback)(void *arg);

/* ABI 1.3: an HTTP request (host->http_start). The core copies what it
 * needs; nothing here must outlive the call. A request is retried with
 * exponential backoff and full jitter after a failed connection, a
 * timeout, or an answer `retryable` says is worth another try (NULL: 429
 * and 5xx but 501); a Retry-After header is honoured; retries stop at
 * max_attempts or when the next would start past max_total_ms. A response
 * over max_response fails at once. TLS peers are verified. */
struct scaled_http_request {
	size_t struct_size;
	const char *method;            /* NULL: "GET" */
	const char *url;               /* http:// or https:// */
	const char *const *headers;    /* "Name: value", NULL-terminated; may be NULL */
	const void *body;
	size_t body_len;
	int64_t timeout_ms;            /* per attempt; 0: 10 s */
	size_t max_response;           /* bytes; 0: 1 MiB */
	int max_attempts;              /* 0: 3 */
	int64_t max_total_ms;          /* 0: 30 s */
	int (*retryable)(void *arg, long status, const char *body, size_t len);
	void *retryable_arg;
};

/* What a request came to; valid only during the done callback. */
struct scaled_http_response {
	size_t struct_size;
	long status;                   /* 0: no answer */
	const char *body;              /* NUL-terminated, "" when none */
	size_t body_len;
	int attempts;
	int64_t elapsed_ms;
	const char *error;             /* NULL on a 2xx answer, else why it failed */
};

typedef void (*scaled_http_done)(void *arg, const struct scaled_http_response *res);

struct scaled_host {
	size_t struct_size;
	uint32_t abi_major, abi_minor;

	/* printf-style log line, prefixed by the instance's name, to that
	 * instance's engine's log (any thread). inst may be NULL only in probe
	 * or init: the line is then prefixed "plugin" and goes to the log of
	 * the engine loading the plugin (plugins are shared between engines,
	 * so there is no other); from any other thread a NULL inst goes to the
	 * process default log (stderr), not an embedder's sink. */
	void (*log)(struct scaled_instance *inst, enum scaled_log_level level,
		    const char *fmt, ...)
#if defined(__GNUC__)
		__attribute__((format(printf, 3, 4)))
#endif
		;

	/* The engine clock of inst's engine, in milliseconds since the Unix
	 * epoch (virtual in tests and simulation). Plugins never read the wall
	 * clock for logic. (Takes the instance because one process may embed
	 * several engines, each with its own clock.) */
	int64_t (*now_ms)(struct scaled_instance *inst);

	/* One-shot timer on the engine clock. Returns a handle for timer_cancel,
	 * or NULL on failure. The callback runs once on the loop thread. The
	 * handle dies when the callback starts: timer_cancel takes only timers
	 * still pending. Timers left pending after destroy() are cancelled by
	 * the core. */
	void *(*timer_add)(struct scaled_instance *inst, int64_t after_ms,
			   scaled_callback fn, void *arg);
	void (*timer_cancel)(void *handle);

	/* Publish a sample (sources, and targets for their own series such as
	 * "<target>.crashes"). `suffix` NULL publishes into the series named like
	 * the instance; "oldest_age" publishes into "<source>.oldest_age". Samples
	 * older than the newest one in the series are refused (-EINVAL). */
	int (*publish)(struct scaled_instance *inst, const char *suffix,
		       int64_t t_ms, double value);

	/* A target reports its real capacity (on each poll, or whenever it
	 * changes). The core copies what it needs. */
	void (*report_target)(struct scaled_instance *inst,
			      const struct scaled_target_state *state);

	/* A target finished an apply() started with `token`: status 0 on
	 * success or a negative errno, msg a human reason (may be NULL). */
	void (*apply_done)(struct scaled_instance *inst, uint64_t token,
			   int status, const char *msg);

	/* Run fn(arg) on the loop thread soon. The only host call that is safe
	 * from any thread. Returns 0, or -ENOMEM/-ESHUTDOWN (then fn never
	 * runs and the caller still owns arg). -ESHUTDOWN from the moment the
	 * engine starts freeing; a call posted before that and not yet run is
	 * dropped without running and without freeing arg (see
	 * scaled_kind.destroy). */
	int (*post)(struct scaled_instance *inst, scaled_callback fn, void *arg);

	/* ABI 1.2. The newest sample of the series `name` (a source's or a
	 * target's series, "src" or "src.suffix"), so that a target can watch
	 * a price. Returns 0 and fills *t_ms and *value; -ENOENT when no such
	 * series is declared, -ENODATA when it has no sample yet. Loop thread
	 * only, like every host call but post. */
	int (*series_last)(struct scaled_instance *inst, const char *name, int64_t *t_ms,
			   double *value);

	/* ABI 1.3. Start an HTTP request on the loop; done(arg, res) runs on
	 * the loop thread exactly once, unless the request is cancelled or its
	 * instance destroyed first (then never). Returns a handle for
	 * http_cancel, or NULL with the reason in err (then done never runs):
	 * a bad request, no memory, or -- on a real clock -- an engine that
	 * does not run yet (create() starts its requests from a timer or its
	 * first collect/poll). Under a virtual clock, scaled_engine_step
	 * drives the transfers. Requests still pending when
	 * scaled_engine_run returns end then: done() runs with the error
	 * "cancelled: the engine stopped running". The handle dies when
	 * done() starts; what destroy() leaves pending is cancelled after it
	 * without done(). */
	void *(*http_start)(struct scaled_instance *inst, const struct scaled_http_request *req,
			    scaled_http_done done, void *arg, char *err, size_t errlen);
	/* Cancel a request not yet done; NULL is ignored. */
	void (*http_cancel)(void *handle);

	/* ABI 1.4. Deliver an event to the policies of `group` (NULL: of
	 * every group), exactly as scaled_engine_event (scaled.h) does: a
	 * name of 1 to 63 letters, digits, '_', '-', '.'; a payload that is a
	 * JSON object (NULL or "" for none; at most 64 KiB, 16 deep). The
	 * policies read it as g.events at the group's next tick ({name=,
	 * time=, data=}, time the engine clock's now), and that tick's
	 * decision names it. At most 64 events wait per group. Returns 0,
	 * -ENOENT (no such group), -EINVAL (bad name or payload), -ENOSPC (a
	 * group addressed has 64 waiting) or -ENOMEM, with the reason in err
	 * (errlen bytes; err may be NULL). All or nothing: refused, no group
	 * gets it -- except -ENOMEM while queueing it for every group, which
	 * may leave it with the groups before. So a plugin that keeps what it
	 * could not deliver and tries again later delivers it once. Loop
	 * thread only; from create() it reaches only the groups declared
	 * before the instance (deliver from collect/poll or later). The core
	 * copies name and payload. */
	int (*event)(struct scaled_instance *inst, const char *group, const char *name,
		     const char *data_json, char *err, size_t errlen);

	/* Members appended by later minors go here. */
};

/* True when the host table has `member` (for members of later minors). */
#define SCALED_HOST_HAS(host, member)                                          \
	((host)->struct_size >= offsetof(struct scaled_host, member) +         \
				       sizeof((host)->member))

/* ----------------------------------------------------------------- kinds -- */

/* One kind of source or target that a plugin provides. All callbacks run on
 * the loop thread. Return 0 or a negative errno; on failure write a reason
 * into err (errlen bytes, always NUL-terminated by the core beforehand). */
struct scaled_kind {
	size_t struct_size;
	const char *name;       /* the `kind = "..."` a farm names */
	enum scaled_role role;
	const char *help;       /* one line */
	const struct scaled_key *keys; /* NULL-name terminated; may be NULL */

	/* Create an instance from validated config (same order as keys:
	 * types, required keys, defaults and the kind's limits already
	 * checked). Stores the plugin's state in *state.
	 *
	 * create may: check what keys and limits cannot say (a relation
	 * between two keys, a path that must exist) and fail with -EINVAL and a
	 * reason; allocate; start its own threads; use every host call with
	 * inst (log, now_ms, timer_add, publish, report_target, post); start
	 * child processes. It runs while farm.lua is loading: the engine is not
	 * running yet, groups declared after this instance do not exist, and
	 * timers and posts run once the engine runs (or steps).
	 * create may not: block; call apply_done (there is no apply yet); keep
	 * pointers into `config` past destroy.
	 *
	 * On failure (a negative return) create undoes everything itself: stop
	 * the threads it started, free what it allocated, reap its children.
	 * destroy is NOT called for an instance whose create failed. The farm
	 * then fails to load; its engine never runs and must be freed
	 * (scaled.h), which destroys the instances created before this one and
	 * cancels timers the failed one left pending (see destroy for posts).
	 * A farm may catch the failure (pcall) and go on: the failed instance
	 * is then never polled, collected or given a group, and timers its
	 * create left pending are cancelled at once. */
	int (*create)(struct scaled_instance *inst,
		      const struct scaled_value *config, void **state,
		      char *err, size_t errlen);
	/* Stop timers and threads, free state. Must not fail. Called once per
	 * instance whose create succeeded, only when its engine is freed
	 * (targets first, then sources; all before fini).
	 *
	 * Posts and destroy, as the core does it today: when the engine starts
	 * freeing, before any destroy, host->post starts failing with
	 * -ESHUTDOWN (fn never runs; the caller keeps arg). Callbacks posted
	 * earlier and not yet run by the loop are never run: after every
	 * destroy they are dropped, and their arg is not freed (the core cannot
	 * know what it is). So a plugin whose threads post owned memory keeps
	 * track of it (a list it frees in destroy after joining the threads),
	 * or posts nothing that needs freeing. Timers still pending after
	 * destroy returns are cancelled by the core. */
	void (*destroy)(void *state);

	/* SOURCE: collect now and publish through the host. Called every
	 * `every` (a key the core adds to every source). Slow collection starts
	 * asynchronous work and publishes when it completes. */
	int (*collect)(void *state, char *err, size_t errlen);

	/* TARGET: report the real state with host->report_target. Called
	 * every `poll` (a key the core adds to every target). */
	int (*poll)(void *state, char *err, size_t errlen);

	/* TARGET: start moving towards `want`; finish with host->apply_done
	 * (may be called before apply returns). Returning an error means the
	 * action did not start and apply_done will not be called. */
	int (*apply)(void *state, const struct scaled_target_want *want,
		     uint64_t token, char *err, size_t errlen);

	/* ABI 1.1. Both NULL/0 in a kind built for 1.0, whose struct_size
	 * ends before them. */
	const struct scaled_key_limit *limits; /* NULL, or ended by key == NULL */
	size_t limit_size; /* sizeof(struct scaled_key_limit) when built; must be
			    * set whenever limits is */

	/* ABI 1.2: SCALED_KIND_* bits; 0 in a kind built before, whose
	 * struct_size ends before it (read it with SCALED_KIND_HAS). */
	uint32_t flags;
};

/* A target that applies a market mix (want->on_demand_base/_percent) and
 * reports spot and on_demand. A farm whose group may propose a mix (the
 * group's on_demand_* keys, or a policy table with `mix = true`) to a target
 * of a kind without it is refused when it loads. Targets only. */
#define SCALED_KIND_APPLIES_MIX 0x1u
/* The bits this core knows; a kind of a later minor may set others, which
 * the core ignores. */
#define SCALED_KIND_FLAGS_1_2 SCALED_KIND_APPLIES_MIX

/* True when the kind struct (as its plugin built it) has `member`. */
#define SCALED_KIND_HAS(kind, member)                                          \
	((kind)->struct_size >= offsetof(struct scaled_kind, member) +         \
				       sizeof((kind)->member))

/* ------------------------------------------------------------ descriptor -- */

struct scaled_plugin {
	uint32_t abi_major;  /* SCALED_PLUGIN_ABI_MAJOR the plugin was built with */
	uint32_t abi_minor;  /* SCALED_PLUGIN_ABI_MINOR the plugin was built with */
	size_t struct_size;  /* sizeof(struct scaled_plugin) when built */

	const char *name;    /* must match the file name: NAME.so */
	const char *version;
	const char *help;

	/* Optional. Return 0 if the plugin can run on this machine, or a
	 * positive value with a reason in why ("no GPU") to be skipped. */
	int (*probe)(char *why, size_t whylen);

	/* Optional. Called once after probe, with the host table, which stays
	 * valid until fini. Return 0 or a negative errno with a reason. */
	int (*init)(const struct scaled_host *host, char *err, size_t errlen);
	/* Optional. Called once before unload, after every instance is gone. */
	void (*fini)(void);

	/* NULL-terminated list of kinds. */
	const struct scaled_kind *const *kinds;
};

/* The sizes of the ABI 1.0 structs: the least struct_size the core accepts. */
#define SCALED_PLUGIN_SIZE_1_0                                                 \
	(offsetof(struct scaled_plugin, kinds) + sizeof(void *))
#define SCALED_KIND_SIZE_1_0                                                   \
	(offsetof(struct scaled_kind, apply) + sizeof(void (*)(void)))
/* The size of an ABI 1.1 key limit: the least limit_size the core accepts. */
#define SCALED_KEY_LIMIT_SIZE_1_1                                              \
	(offsetof(struct scaled_key_limit, max) + sizeof(const char *))

/* The exported function every plugin defines (declared here so that each
 * definition is checked against it):
 *   SCALED_EXPORT const struct scaled_plugin *scaled_plugin_entry(void)
 *   { return &my_plugin; }
 */
SCALED_EXPORT const struct scaled_plugin *scaled_plugin_entry(void);
typedef const struct scaled_plugin *(*scaled_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* SCALED_PLUGIN_H */
