/*
 * sandbox_int.h - the insides of struct sandbox, shared by the files that
 * make up the sandbox (never included outside core/sandbox*.c):
 *
 *   sandbox.c           the state: allocator, protected call, loading, require
 *   sandbox_deadline.c  the deadline: the count hook and the checks C code makes
 *   sandbox_base.c      base functions that differ from stock Lua (pcall, print, ...)
 *   sandbox_lib.c       string/table/utf8 functions whose cost is not memory, bounded
 *   sandbox_env.c       each group's own globals at tick time, and the memory rule
 */
#ifndef SCALED_SANDBOX_INT_H
#define SCALED_SANDBOX_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lua.h>

/* How many VM instructions run between two looks at the stopwatch. */
#define SANDBOX_HOOK_COUNT 1000

struct sandbox {
	lua_State *L;
	size_t mem_used, mem_limit;
	size_t reserve;      /* the part of mem_limit only engine-side code may use */
	int reserve_open;    /* engine-side code runs: the whole cap is available */
	bool in_handler;     /* the message handler runs: allow the headroom */
	int64_t deadline_ms;
	struct sandbox_watchdog *wd; /* NULL: a count hook watches the deadline */
	int64_t started_ns;  /* without a watchdog: when the outermost call started */
	int64_t deadline_ns; /* without a watchdog: when the call is past its deadline */
	bool timed_out;      /* the deadline passed during the current call */
	int depth;           /* nested sandbox_pcall calls */
	bool declaring;      /* the farm file runs: declarations allowed */
	const void *declarer; /* who declares (sandbox_set_declaring), or NULL */
	char load_where[160]; /* while declaring: "file:line" of the line running */
	char *policy_dir, *farm_dir;

	/* print's token bucket (sandbox_base.c) */
	double print_tokens;
	int64_t print_refill_ns;
	unsigned long print_dropped;

	/* per-group globals (sandbox_env.c) */
	bool frozen;               /* the farm has loaded: globals are per group */
	const void *globals;       /* the global table (for rawget/rawset) */
	const void *env_key;       /* the group whose policy runs (NULL: none) */
	const void *env_pointed;   /* whose table the globals' __index is (NULL: the base) */
	size_t n_envs;             /* groups with globals of their own */

	/* the hoarding rule (sandbox_env_check) */
	uint64_t gc_epoch;         /* full collections the rule made */
	size_t grown_total;        /* what calls grew the state by since the last */
	size_t top_grown;          /* the most one group grew it by since then */
	const void *top_key;       /* that group */
	size_t mem_live;           /* in use after the last one (or at freeze) */
};

static inline struct sandbox *sandbox_of(lua_State *L)
{
	void *ud;

	lua_getallocf(L, &ud);
	return ud;
}

/* sandbox_deadline.c */
void sandbox_hook(lua_State *L, lua_Debug *ar);
/* The hook between deadlines: while the farm loads, every line (for
 * error positions) and every SANDBOX_HOOK_COUNT instructions; after, none
 * with a watchdog, else the count hook. */
void sandbox_rest_hook(struct sandbox *sb);
/* Past the deadline of the running call: raise the deadline error (does
 * not return). Otherwise return. One stopwatch read. For C functions
 * whose cost is not counted in VM instructions. */
void sandbox_check_deadline(lua_State *L);
/* The same without raising (for the allocator): true once past. */
bool sandbox_past_deadline(struct sandbox *sb);

/* sandbox_base.c: pcall, xpcall, setmetatable, print into the global table
 * on top of the stack. */
void sandbox_base_open(lua_State *L);

/* sandbox_lib.c: bound string, table and utf8 (after they are opened). */
void sandbox_lib_open(lua_State *L);

/* sandbox_env.c: string, table, math, utf8 and tz become read-only stand-ins
 * (reads go through, writes and rawset raise, pairs lists the library),
 * and getmetatable("") gives false; before the farm file runs. */
void sandbox_env_protect(lua_State *L);

#endif
