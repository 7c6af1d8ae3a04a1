/*
 * policy_native_int.h - what policy_native.c asks of each compiled kind;
 * not an API.
 */
#ifndef SCALED_POLICY_NATIVE_INT_H
#define SCALED_POLICY_NATIVE_INT_H

#include <lua.h>

#include "policy_api.h"

/* policy_queue.c: policy.queue. build reads the parameters table at idx
 * with raw reads only (run under lua_pcall); returns the rule, or NULL
 * with *retry true (a series is not there yet: the Lua evaluate says so
 * and the next tick tries again) or false (parameters it does not take:
 * the Lua evaluate runs for this group from now on). run returns 0 with
 * *out filled, or -1 to decline this tick (the Lua evaluate runs). */
struct policy_queue;
struct policy_queue *policy_queue_build(lua_State *L, int idx, struct policy_env *env,
					bool *retry);
int policy_queue_run(struct policy_queue *q, struct policy_env *env,
		     const struct policy_group *g, struct scaled_proposal *out);
void policy_queue_free(struct policy_queue *q);

#endif
