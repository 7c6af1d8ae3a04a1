/*
 * policy_api.h - what a Lua policy sees: a group view and series views.
 *
 * A policy is called as  policy(g, s)  and returns a proposal or nothing:
 *
 *   g.name g.current g.desired g.min g.max g.starting g.stopping  (numbers)
 *   g.now                          engine clock, seconds since the epoch (float)
 *   g.wanted g.shortfall g.short_for  what the group last tried to reach,
 *                                  how many units it lacks, for how many seconds
 *   g.last_action g.last_error     outcome of the last action sent ("none",
 *                                  "pending", "ok", "failed", "dry_run") and
 *                                  its message when it failed (else nil)
 *   g:set(n, reason)               propose an absolute count
 *   g:change(n, reason)            propose desired + n
 *   g:percent(p, reason)           propose desired changed by p percent
 *   g:hold(reason)                 propose to keep desired as it is
 *   g:group(name)                  another group's view, read-only (the
 *                                  proposal methods raise an error on it)
 *   g.markets                      true when the target applies a market mix
 *   g.spot g.on_demand             units per market as reported (-1 unknown)
 *   g.on_demand_base g.on_demand_percent
 *                                  the group's mix (nil while unknown)
 *   g.mix_age                      seconds since the mix last changed (nil:
 *                                  never)
 *   g.events                       the events delivered since the group's
 *                                  last tick: a list of {name=, time= (s),
 *                                  data= (the JSON payload as tables)}, empty
 *                                  when there are none (a new table per read)
 *   g:mix({on_demand_base = n, on_demand_percent = p}, reason)
 *                                  propose a market mix (a field left out
 *                                  keeps the group's); with a count method
 *                                  in the same call both are proposed, and
 *                                  returning either token returns both;
 *                                  returned alone it proposes no count
 *   s.NAME or s["NAME.sub"]        a series view; a name whose part before
 *                                  the first '.' is not a series raises
 *                                  "unknown series 'x'"; a suffix of a known
 *                                  series that has no sample yet is a view
 *                                  of an empty series (statistics are nil)
 *   v:last() v:age()               newest value / its age in seconds
 *   v:last(w)                      newest value within the window
 *   v:avg(w) v:min(w) v:max(w) v:sum(w) v:count(w) v:rate(w)
 *   v:pct(p, w)                    window statistics; w is seconds (number)
 *                                  or a duration string ("2m"); omitted: all
 *   v:avg(w, ago) ... v:pct(p, w, ago), v:last(w, ago)
 *                                  the same over the window that ends `ago`
 *                                  (seconds or duration) before now, so that
 *                                  a policy can look at consecutive periods
 *   (every statistic returns nil when the window has no data; count returns 0)
 *   Unknown fields and methods of g and v raise an error; both are read-only.
 *
 * The proposal methods write into the current call's proposal slot and return
 * a token; the policy returns that token (return g:hold("why")). A policy that
 * returns nothing abstains. Returning anything else is an error.
 *
 * Proposal arguments: set(n) takes an integer >= 0, change(n) an integer,
 * percent(p) a number >= -100; the reason is a string, required, cut to
 * SCALED_REASON_MAX - 1 bytes.
 *
 * Bookkeeping for the safety pipeline: each series statistic (last and age
 * included) marks the call as having read a stale series (series_is_stale)
 * or a series with no sample at all.
 *
 * No allocation on the hot path: group views and series views are created
 * once and cached in the registry.
 */
#ifndef SCALED_POLICY_API_H
#define SCALED_POLICY_API_H

#include <stdbool.h>
#include <stdint.h>

#include <lua.h>

#include "sandbox.h"
#include "scaled/scaled.h"

struct event_queue;
struct sandbox;
struct series_store;

/* Engine-owned data behind a group view. The engine keeps the numbers up to
 * date before each tick. */
struct policy_group {
	const char *name;
	int current, desired, min, max, starting, stopping;
	/* What other groups need to cover for this one (engine_group_sync):
	 * wanted is desired, or the capacity a failed action tried to reach
	 * until a tick stops asking for it; shortfall = wanted - current when
	 * positive (0 while current is unknown), short since short_since_ms. */
	int wanted, shortfall;
	int64_t short_since_ms;
	/* markets: whether the target applies a mix; units per market as
	 * reported and the group's mix (-1 unknown); the last mix change */
	bool markets;
	int spot, on_demand, mix_base, mix_percent;
	int64_t mix_changed_ms;
	/* the events waiting for this tick (g.events); NULL: none */
	const struct event_queue *events;
	const char *last_action;             /* outcome name of the last action sent
	                                        (scaled_outcome_name); NULL: "none" */
	char *last_error;                    /* its message when it failed, else NULL
	                                        (policy_group_set_error) */
	int view_ref; /* LUA_NOREF (or 0) until policy_api_push_group makes the view */
	struct sandbox_growth mem_growth; /* for the hoarding rule (sandbox_env_check) */
	/* policy_api_call's memo of whether the group's last policies take
	 * the engine's arguments: fn_ref (0: none), and a tag of the table's
	 * address, shifted up one, with the answer in bit 0 */
#define POLICY_ARGS_MEMO 2
	struct {
		int ref;
		uint32_t tag;
	} args_memo[POLICY_ARGS_MEMO];
	/* the group's compiled library policies (policy_native.h), and a memo
	 * of the last policies' entries: fn_ref (0: none), the policy table's
	 * address, the entry's index + 1 (-1: the table has none); zeroed
	 * where args_memo is */
	struct policy_native *natives;
	int n_natives;
	struct {
		int ref, idx;
		const void *table;
	} native_memo[POLICY_ARGS_MEMO];
};

/* The last action's error message (a copy), or none (NULL or ""); what
 * the group held is freed. A copy that cannot be made leaves a fixed message.
 * policy_group_release(g) (policy_native.h) before the group is freed. */
void policy_group_set_error(struct policy_group *g, const char *msg);

struct policy_env {
	struct series_store *store; /* s.NAME may create "src.suffix" series */
	int64_t now_ms;
	/* another group by name, for g:group(); NULL if unknown */
	struct policy_group *(*find_group)(void *arg, const char *name);
	void *find_arg;

	/* the shared `s`, a registry reference (set by policy_api_open) */
	int s_ref;
	/* the group view's keys, methods then fields, by the address of Lua's
	 * interned string for each name (policy_api.c): a lookup compares
	 * addresses, no table is read */
	const char *group_keys[32];
	int n_group_keys;
	/* the same by address, for __index: open addressing from the slot
	 * POLICY_KEY_HASH gives; id = the index in group_keys + 1 */
#define POLICY_KEY_SLOTS 64
#define POLICY_KEY_HASH(k) ((unsigned)((uintptr_t)(k) >> 4 ^ (uintptr_t)(k) >> 10) & \
			    (POLICY_KEY_SLOTS - 1))
	struct {
		const char *key;
		int id;
	} key_slots[POLICY_KEY_SLOTS];
	int evaluate_ref, engine_args_ref; /* "evaluate", "engine_args": registry references */
	int native_ref, id_ref;            /* "native", "id" (policy_native.c) */

	/* set by policy_api_call for the duration of one call */
	struct policy_group *calling;
	struct scaled_proposal *proposal;
	bool read_stale, read_missing;
};

/* Register the metatables and the shared `s` table; env must outlive L. */
int policy_api_open(lua_State *L, struct policy_env *env);

/* Push the (cached) view of a group. The first push creates it and may raise
 * a memory error: call it from protected code (policy_api_call does). */
void policy_api_push_group(lua_State *L, struct policy_group *g);

/* Call the policy held at registry reference fn_ref for group g. A policy is
 * a function, or a table with an `evaluate(self, g, s)` method. A table
 * whose own field engine_args is true (the library's policies; read at the
 * group's first call) is called evaluate(self, g, s, desired, now), with
 * desired and now what g.desired and g.now read: two fields without a C
 * call each; and it may return g:set's arguments, `return n, reason`, for
 * `return g:set(n, reason)` (the same proposal without the method call; an
 * error where g:set would raise one). Such a policy called with (self, g, s),
 * as a wrapper or a test calls it, reads g and proposes with g's methods
 * (to its caller, n, reason is no proposal). fn_ref must hold the same policy for
 * as long as g lives (the engine's groups hold theirs so), or g's
 * args_memo be zeroed when it changes. Fills *out:
 * kind/value/reason from the policy, stale/missing from what it read; on a
 * Lua error, time or memory limit, kind = SCALED_PROPOSAL_ERROR and the
 * reason holds the first line of the error (the whole message, traceback
 * included, goes to the log). Returns 0, the negative errno of sandbox_pcall,
 * or -EINVAL when the policy returned something that is not a proposal (the
 * proposal is filled either way). `name` is copied into out->policy;
 * out->wanted is left 0 for the safety pipeline to resolve. */
int policy_api_call(struct sandbox *sb, struct policy_env *env, struct policy_group *g,
		    int fn_ref, const char *name, struct scaled_proposal *out);

#endif
