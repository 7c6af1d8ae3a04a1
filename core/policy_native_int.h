/*
 * policy_native_int.h - what policy_native.c asks of each compiled kind;
 * not an API.
 */
#ifndef SCALED_POLICY_NATIVE_INT_H
#define SCALED_POLICY_NATIVE_INT_H

#include <lua.h>

#include "policy_api.h"

/* A compiled kind: `native.kind` names it.
 *
 * build reads the parameters table at idx with raw reads only (it runs
 * under lua_pcall, outside the sandbox's deadline: no metamethod, no
 * script); returns the rule for one group (its state included), or NULL
 * with *retry true (a series is not there yet: the Lua evaluate says so
 * and the next tick tries again) or false (parameters it does not take:
 * the Lua evaluate runs for this group from now on).
 *
 * run returns 0 with *out filled as the Lua evaluate would have filled it
 * (kind, value, reason; a mix and its reason where it proposes one; the
 * reads' stale and missing marks come from policy_series_read and
 * policy_series_newest, which it reads through), or -1, before it changed
 * any state, to decline this tick (the Lua evaluate runs, and raises the
 * error there is to raise). */
struct policy_native_kind {
	const char *name;
	void *(*build)(lua_State *L, int idx, struct policy_env *env, bool *retry);
	int (*run)(void *rule, struct policy_env *env, const struct policy_group *g,
		   struct scaled_proposal *out);
	void (*free)(void *rule);
};

/* policy_queue.c: policy.queue; policy_percent.c: policy.percent's quiet
 * ticks (it declines a tick where an alarm may fire) */
extern const struct policy_native_kind policy_queue_kind;
extern const struct policy_native_kind policy_percent_kind;
/* policy_spot_failover.c: policy.spot_failover */
extern const struct policy_native_kind policy_spot_failover_kind;

#endif
