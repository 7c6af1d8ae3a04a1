/*
 * sandbox.h - the one sandboxed lua_State of a farm.
 *
 * (Named sandbox, not lua_sandbox: the lua_ prefix belongs to Lua's API.)
 *
 * What a script gets: base (without load, loadfile, dofile, collectgarbage's
 * "generational"/"incremental" tuning is allowed but harmless), table, string
 * (without string.dump), math (math.random seeded with a fixed seed so that a
 * policy run twice on the same inputs decides the same), utf8, tz (local
 * time in a named zone from the system's zone files, core/tz.h), and a require
 * that loads text modules only from the shipped policy directory and the
 * farm's own directory (module names are [A-Za-z0-9_.] only; '.' maps to
 * '/'). No io, os, debug, package, coroutine.
 *
 * Base functions that differ from stock Lua: print writes to the log (info);
 * pcall and xpcall cannot catch the deadline error (once the deadline has
 * passed the error goes on up); setmetatable refuses a metatable with __gc
 * (a finalizer would run outside any deadline). require caches modules in a
 * registry table of its own; a module that returns nothing is cached as true.
 *
 * Every call from C into Lua goes through sandbox_pcall: a traceback handler,
 * an instruction-count hook that raises an error once the wall-clock deadline
 * (real stopwatch) has passed, and the allocator's memory cap (an allocation
 * past the cap fails, which Lua raises as "not enough memory").
 *
 * Errors: messages are malloc'd into *errmsg (caller frees with free()).
 */
#ifndef SCALED_SANDBOX_H
#define SCALED_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lua.h>

struct sandbox;

struct sandbox_limits {
	size_t mem_limit;    /* bytes; 0: 64 MiB */
	int64_t deadline_ms; /* per sandbox_pcall; 0: 50 ms */
	/* How a call past its deadline is stopped: 0, a watchdog thread and
	 * the default real-time signal (SANDBOX_WATCHDOG_DEFAULT_SIGNAL);
	 * > 0, that real-time signal; < 0, a count hook (every VM instruction
	 * then costs more). Without the signal (in use, blocked) the hook. */
	int deadline_signal;
};

/* policy_dir and farm_dir may be NULL (then require finds nothing there). */
struct sandbox *sandbox_new(const struct sandbox_limits *lim, const char *policy_dir,
			    const char *farm_dir, char **errmsg);
void sandbox_free(struct sandbox *sb);
lua_State *sandbox_state(struct sandbox *sb);

/* Load a text chunk and leave it on the stack as a function. Binary chunks
 * are refused. Returns 0 or -EINVAL (syntax error: "file:line: message"),
 * -ENOENT (cannot read), -ENOMEM. */
int sandbox_load_file(struct sandbox *sb, const char *path, char **errmsg);
int sandbox_load_string(struct sandbox *sb, const char *chunkname, const char *text,
			char **errmsg);

/* lua_pcall with traceback, deadline and memory cap. Calls may nest (a C
 * function called from Lua calling back into Lua); the outermost call's
 * deadline holds for all of them. On error nothing is left
 * on the stack in place of results, the message (with traceback) goes to
 * *errmsg, and the return is -ETIMEDOUT (deadline), -ENOMEM (memory cap) or
 * -EINVAL (any other Lua error). */
int sandbox_pcall(struct sandbox *sb, int nargs, int nresults, char **errmsg);
/* The same with the message handler pushed by the caller before the
 * function (sandbox_push_handler), where it stays: a caller that calls
 * often saves moving it under the arguments and out again. */
void sandbox_push_handler(struct sandbox *sb);
int sandbox_pcall_handled(struct sandbox *sb, int nargs, int nresults, char **errmsg);

/* Deadline for the next sandbox_pcall calls (config runs with a longer one). */
void sandbox_set_deadline_ms(struct sandbox *sb, int64_t deadline_ms);
/* Whether the farm file is loading, and for whom: config_run sets its own
 * state around the farm chunk (NULL after), and every declaration (plugin,
 * source, target, group) refuses to run unless it is that run's, so a
 * declaration kept in a local cannot act at tick time. */
void sandbox_set_declaring(struct sandbox *sb, const void *who);
/* Who declares now (what sandbox_set_declaring set: the farm being run), or
 * NULL: compare before using a pointer a declaration kept, which may be of
 * a run that has ended. */
const void *sandbox_declarer(lua_State *L);
/* A recent stopwatch time (clock_stopwatch_ns), or 0 before the first
 * call: a caller running many calls in a row can see how late it is
 * without reading the clock. With the watchdog (sandbox_watchdog.h), its
 * thread's latest look, at most 10 ms old while calls run; else the time
 * the latest outermost sandbox_pcall started. */
int64_t sandbox_recent_ns(const struct sandbox *sb);
size_t sandbox_mem_used(const struct sandbox *sb);
/* While the farm loads (sandbox_set_declaring): "file:line" of the line
 * that ran last in the current (or last) outermost call, or NULL. Lua's
 * memory error has no position of its own; this places it. */
const char *sandbox_load_where(const struct sandbox *sb);

/* Engine-side code (a view, a group's globals table) may use the part of
 * the cap kept from scripts (1/16 of it) while open; calls nest. */
void sandbox_reserve(struct sandbox *sb, bool open);

/* Per-group globals at tick time (sandbox_env.c). After the farm file has
 * run, sandbox_env_freeze makes what it left in the global table the base
 * that each group's own globals read through to; a global set at tick time
 * belongs to the group whose policy set it. Returns 0 or -ENOMEM. */
int sandbox_env_freeze(struct sandbox *sb, char **errmsg);
/* Put the globals of the group known by key in place for the next call
 * (its table is made at its first write of a global). No-op before
 * freeze; free while no group has globals of its own. Returns 0. */
int sandbox_env_enter(struct sandbox *sb, const void *key);
/* What one group's calls grew the state by since the sandbox's last full
 * collection (owned by the caller, one per group; zeroed is fine). */
struct sandbox_growth {
	uint64_t epoch;
	size_t grown;
};
/* After a policy call of group key that started with used_before bytes in
 * use (nomem: it failed for memory). When the state is above 3/4 of what
 * scripts may use and, since the last full collection, calls grew it by
 * 1/256 of that (or this call failed for memory), a full collection; if
 * the state stays above 3/4 and holds more than after the previous one,
 * the group that grew it most since then loses its globals. Returns 1
 * with that group's key in *reset and the reason in msg, or 0. */
int sandbox_env_check(struct sandbox *sb, const void *key, size_t used_before, bool nomem,
		      struct sandbox_growth *growth, const void **reset, char *msg, size_t len);
size_t sandbox_mem_limit(const struct sandbox *sb);

#endif
