/*
 * sandbox_deadline.c - the wall-clock deadline of a sandbox_pcall.
 *
 * sandbox_pcall reads the stopwatch once when the outermost call starts, so
 * everything the call does is charged from its start. Two things look at
 * the deadline after that:
 *   - the hook: set by the watchdog's signal when the deadline passes
 *     (sandbox_watchdog.c), or, without one, a count hook every
 *     SANDBOX_HOOK_COUNT VM instructions;
 *   - C code whose cost is not VM instructions: the bounded library
 *     functions (sandbox_lib.c) every few thousand elements or after a
 *     call, and the allocator before a large block (sandbox.c).
 * Once past, the hook is set to look at every instruction, so a script that
 * catches the error (it cannot: see sandbox_base.c) gets nothing for free.
 */
#include <stdio.h>

#include <lauxlib.h>

#include "clock.h"
#include "sandbox_int.h"
#include "sandbox_watchdog.h"

bool sandbox_past_deadline(struct sandbox *sb)
{
	if (sb->depth == 0 || sb->in_handler)
		return false;
	if (!sb->timed_out &&
	    (sb->wd ? !sandbox_watchdog_fired(sb->wd) : clock_stopwatch_ns() < sb->deadline_ns))
		return false;
	if (!sb->timed_out) {
		sb->timed_out = true;
		/* lua_sethook may be called from anywhere, even a signal. */
		lua_sethook(sb->L, sandbox_hook, LUA_MASKCOUNT, 1);
	}
	return true;
}

static void sandbox_deadline_error(lua_State *L, struct sandbox *sb)
{
	luaL_where(L, 1);
	lua_pushfstring(L, "policy exceeded its deadline of %I ms", (lua_Integer)sb->deadline_ms);
	lua_concat(L, 2);
	lua_error(L);
}

void sandbox_check_deadline(lua_State *L)
{
	struct sandbox *sb = sandbox_of(L);

	if (sandbox_past_deadline(sb))
		sandbox_deadline_error(L, sb);
}

void sandbox_hook(lua_State *L, lua_Debug *ar)
{
	struct sandbox *sb = sandbox_of(L);

	if (ar->event == LUA_HOOKLINE) {
		/* Only while the farm loads (sandbox_set_declaring). */
		if (sb->declaring && lua_getinfo(L, "S", ar))
			snprintf(sb->load_where, sizeof(sb->load_where), "%s:%d", ar->short_src,
				 ar->currentline);
		return;
	}
	/* The count hook stays installed between calls (installing it per
	 * call costs more than a short policy runs), so it also fires outside
	 * sandbox_pcall: nothing to police there. */
	if (sb->depth > 0 && sandbox_past_deadline(sb)) {
		luaL_where(L, 0);
		lua_pushfstring(L, "policy exceeded its deadline of %I ms",
				(lua_Integer)sb->deadline_ms);
		lua_concat(L, 2);
		lua_error(L);
	}
	/* With a watchdog, a signal that came late (its call had ended, or
	 * was about to) set this hook for nothing: back to the rest hook. */
	if (sb->wd && lua_gethookcount(L) == 1)
		sandbox_rest_hook(sb);
}

void sandbox_rest_hook(struct sandbox *sb)
{
	if (sb->declaring)
		lua_sethook(sb->L, sandbox_hook, LUA_MASKCOUNT | LUA_MASKLINE, SANDBOX_HOOK_COUNT);
	else if (sb->wd)
		lua_sethook(sb->L, NULL, 0, 0);
	else
		lua_sethook(sb->L, sandbox_hook, LUA_MASKCOUNT, SANDBOX_HOOK_COUNT);
}
