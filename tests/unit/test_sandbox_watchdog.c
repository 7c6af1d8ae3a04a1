/*
 * test_sandbox_watchdog.c - the deadline without a count hook: a watchdog
 * thread and a signal stop a call past its deadline, calls run with no hook
 * at all, and where the signal cannot be had the count hook takes over.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <lauxlib.h>
#include <lua.h>

#include "clock.h"
#include "sandbox.h"
#include "sandbox_fx.h"

static struct sandbox *make(int deadline_signal)
{
	struct sandbox_limits lim = { .deadline_ms = 20, .deadline_signal = deadline_signal };
	struct sandbox *sb = sandbox_new(&lim, NULL, NULL, NULL);

	assert_non_null(sb);
	return sb;
}

/* A loop is stopped, the state works after, and which hook it rests with. */
static void stops_loops(struct sandbox *sb, int want_hook)
{
	lua_State *L = sandbox_state(sb);

	assert_int_equal(lua_gethook(L) != NULL, want_hook);
	sfx_want_error(sb, "while true do end", -ETIMEDOUT, "policy exceeded its deadline of 20 ms");
	sfx_want_error(sb, "local t = {} while true do t[1] = (t[1] or 0) + 1 end", -ETIMEDOUT,
		       "deadline of 20 ms");
	/* catching it does not help */
	sfx_want_error(sb, "while true do pcall(function() while true do end end) end",
		       -ETIMEDOUT, "deadline of 20 ms");
	sfx_want_string(sb, "local n = 0 for i = 1, 1000 do n = n + i end return tostring(n)",
			"500500");
	assert_int_equal(lua_gethook(L) != NULL, want_hook);
	assert_int_equal(lua_gettop(L), 0);
}

static void test_watchdog_has_no_hook(void **state)
{
	struct sandbox *sb = make(0);

	(void)state;
	stops_loops(sb, 0);
	sandbox_free(sb);
}

static void test_count_hook_when_asked(void **state)
{
	struct sandbox *sb = make(-1);

	(void)state;
	assert_int_equal(lua_gethookmask(sandbox_state(sb)), LUA_MASKCOUNT);
	stops_loops(sb, 1);
	sandbox_free(sb);
}

static void other_handler(int sig)
{
	(void)sig;
}

/* A signal someone else handles is left alone: the count hook instead. */
static void test_signal_in_use(void **state)
{
	struct sigaction sa, old;
	int signo = SIGRTMIN + 3;
	struct sandbox *sb;

	(void)state;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = other_handler;
	assert_int_equal(sigaction(signo, &sa, &old), 0);
	sb = make(signo);
	stops_loops(sb, 1);
	sandbox_free(sb);
	assert_int_equal(sigaction(signo, NULL, &sa), 0);
	assert_ptr_equal(sa.sa_handler, other_handler); /* still theirs */
	assert_int_equal(sigaction(signo, &old, NULL), 0);
}

static void test_signal_blocked(void **state)
{
	sigset_t set, old;
	int signo = SIGRTMIN + 4;
	struct sandbox *sb;

	(void)state;
	sigemptyset(&set);
	sigaddset(&set, signo);
	assert_int_equal(pthread_sigmask(SIG_BLOCK, &set, &old), 0);
	sb = make(signo);
	stops_loops(sb, 1);
	sandbox_free(sb);
	assert_int_equal(pthread_sigmask(SIG_SETMASK, &old, NULL), 0);
}

static void test_not_a_realtime_signal(void **state)
{
	struct sandbox *sb = make(SIGUSR1);

	(void)state;
	stops_loops(sb, 1);
	sandbox_free(sb);
}

/* The signal of a call that had just ended sets the hook on a state that
 * runs nothing past its deadline: the next call runs and takes it off. */
static void test_late_signal_costs_nothing(void **state)
{
	struct sandbox *hooked = make(-1), *sb = make(0);
	lua_State *L = sandbox_state(sb);

	(void)state;
	lua_sethook(L, lua_gethook(sandbox_state(hooked)), LUA_MASKCOUNT, 1);
	sfx_want_string(sb, "local n = 0 for i = 1, 100 do n = n + i end return tostring(n)",
			"5050");
	assert_null(lua_gethook(L));
	sandbox_free(hooked);
	sandbox_free(sb);
}

/* More sandboxes than the watchdog has slots: the rest count. */
#define MANY 70
static void test_many_sandboxes(void **state)
{
	struct sandbox *sb[MANY];
	int hooked = 0;

	(void)state;
	for (int i = 0; i < MANY; i++) {
		sb[i] = make(0);
		hooked += lua_gethook(sandbox_state(sb[i])) != NULL;
	}
	assert_int_equal(hooked, MANY - 64);
	assert_null(lua_gethook(sandbox_state(sb[0])));
	stops_loops(sb[0], 0);
	stops_loops(sb[MANY - 1], 1);
	for (int i = 0; i < MANY; i++)
		sandbox_free(sb[i]);
	/* the slots are free again */
	sb[0] = make(0);
	assert_null(lua_gethook(sandbox_state(sb[0])));
	sandbox_free(sb[0]);
}

/* spin(ms): C code that keeps the thread busy, as a slow library call
 * would (no VM instruction runs, so no hook can stop it). */
static int l_spin(lua_State *L)
{
	int64_t end = clock_stopwatch_ns() + (int64_t)luaL_checknumber(L, 1) * 1000000;

	while (clock_stopwatch_ns() < end)
		;
	return 0;
}

static void nap_ms(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&t, NULL);
}

/* The watchdog keeps the time: a call is timed from when its thread first
 * saw it, so one that takes most of its deadline is never stopped, back to
 * back or after the thread has gone to sleep (and was woken by the call). */
static void test_never_early(void **state)
{
	/* a quarter of the deadline, so that a busy machine's delays fit */
	struct sandbox_limits lim = { .deadline_ms = 200 };
	struct sandbox *sb = sandbox_new(&lim, NULL, NULL, NULL);
	lua_State *L;

	assert_non_null(sb);
	L = sandbox_state(sb);

	(void)state;
	lua_pushcfunction(L, l_spin);
	lua_setglobal(L, "spin");
	for (int i = 0; i < 10; i++)
		sfx_want_string(sb, "spin(50) return 'ran'", "ran");
	for (int i = 0; i < 5; i++) {
		nap_ms(30); /* the thread finds nothing to watch and sleeps */
		sfx_want_string(sb, "spin(50) return 'ran'", "ran");
	}
	sandbox_free(sb);
}

/* The first call after the thread went to sleep wakes it, and is stopped;
 * the recent time the engine's loop reads moved with the thread's looks. */
static void test_stops_after_sleep(void **state)
{
	struct sandbox *sb = make(0);

	(void)state;
	for (int i = 0; i < 5; i++) {
		int64_t t0;

		nap_ms(30);
		t0 = clock_stopwatch_ns();
		sfx_want_error(sb, "while true do end", -ETIMEDOUT, "deadline of 20 ms");
		assert_true(sandbox_recent_ns(sb) >= t0 + 20 * 1000000);
	}
	sandbox_free(sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_watchdog_has_no_hook),
		cmocka_unit_test(test_count_hook_when_asked),
		cmocka_unit_test(test_signal_in_use),
		cmocka_unit_test(test_signal_blocked),
		cmocka_unit_test(test_not_a_realtime_signal),
		cmocka_unit_test(test_late_signal_costs_nothing),
		cmocka_unit_test(test_many_sandboxes),
		cmocka_unit_test(test_never_early),
		cmocka_unit_test(test_stops_after_sleep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
