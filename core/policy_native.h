/*
 * policy_native.h - the policy library's compiled forms: a library policy
 * table may carry `native`, a table of its checked parameters with a kind
 * and an id unique in the sandbox; the engine then runs that kind's rule
 * in C for each group (policy_queue.c for policy.queue) instead of the
 * table's Lua evaluate, with the same proposal, reason, reads and state.
 * The Lua evaluate stays the reference: what a wrapper or a test calls,
 * and what runs wherever the compiled form declines (a parameter it does
 * not know, a series not made yet, a read that fails), so every error a
 * policy can raise is raised by Lua, with its file and line.
 * docs/architecture.md ("Compiled library policies") says why.
 */
#ifndef SCALED_POLICY_NATIVE_H
#define SCALED_POLICY_NATIVE_H

#include <lua.h>

#include "policy_api.h"

/* The policy table is at the top of L's stack (left there). If it has a
 * compiled form that runs for g now, run it into *out (kind, value,
 * reason, stale, missing) and return 1; else return 0 with *out as it
 * was, and the caller calls the Lua evaluate. */
int policy_native_try(lua_State *L, struct policy_env *env, struct policy_group *g,
		      int fn_ref, struct scaled_proposal *out);

/* Free what g holds (its error message, its compiled policies and their
 * state) before g is freed. */
void policy_group_release(struct policy_group *g);

#endif
