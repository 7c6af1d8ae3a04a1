/*
 * sandbox_watchdog.h - stopping a policy past its deadline without making
 * every VM instruction pay for the check.
 *
 * Lua sees a deadline only through a hook, and any count hook, however
 * rare, makes the VM call into the debug interface before every
 * instruction: a quarter of a library policy's tick. So a sandbox with a
 * watchdog runs its calls with no hook at all, and a thread watches the
 * clock instead: when the armed call is still running at its deadline, it
 * sends a signal to the thread that armed it, whose handler sets a count
 * hook of 1 on the state (lua_sethook is safe in a signal handler: lua.c
 * stops a script on SIGINT the same way). The next instruction then runs
 * the sandbox's hook, which raises the deadline error.
 *
 * The cost on the call's path is two stores and a load; the thread sleeps
 * on a futex while no call runs and is woken (one system call) by the
 * first call after that, and while calls run it wakes once a deadline.
 */
#ifndef SCALED_SANDBOX_WATCHDOG_H
#define SCALED_SANDBOX_WATCHDOG_H

#include <stdatomic.h>
#include <stdint.h>

#include <lua.h>

/* The signal used when none is chosen: one of the real-time signals,
 * counted from the top (glibc keeps the lowest ones for itself). */
#define SANDBOX_WATCHDOG_DEFAULT_SIGNAL (SIGRTMAX - 2)

struct sandbox_watchdog {
	_Atomic uint32_t seq;       /* odd while a call is armed */
	_Atomic uint32_t sleeping;  /* the thread waits for a call (futex word) */
	_Atomic int64_t deadline_ns;
	_Atomic unsigned long thread; /* pthread_t of the armed call */
	/* the thread's own */
	_Atomic uint32_t stop;      /* futex word too: wakes a timed wait */
	int signo, slot;
	unsigned long self;         /* pthread_t of the watchdog thread */
};

/* Start watching L: past an armed call's deadline, signal signo (0: the
 * default) makes `hook` a count hook of 1 on L. 0 and *out; -EBUSY when
 * signo has a handler that is not ours or the calling thread blocks it
 * (the caller then keeps a count hook), -EINVAL for a signal that is not
 * a real-time one, -ENOMEM, -EAGAIN (no thread, or 64 watchdogs already
 * run in this process). The thread that calls arm must be the thread the
 * signal can reach: the one that called this, in practice. */
int sandbox_watchdog_start(lua_State *L, lua_Hook hook, int signo,
			   struct sandbox_watchdog **out);
/* Stop the thread; L is not touched after this returns. NULL is fine. */
void sandbox_watchdog_stop(struct sandbox_watchdog *wd);

/* The outermost call starts, to be stopped at deadline_ns (stopwatch). */
void sandbox_watchdog_wake(struct sandbox_watchdog *wd);
static inline void sandbox_watchdog_arm(struct sandbox_watchdog *wd, int64_t deadline_ns,
					unsigned long thread)
{
	atomic_store_explicit(&wd->deadline_ns, deadline_ns, memory_order_relaxed);
	atomic_store_explicit(&wd->thread, thread, memory_order_relaxed);
	/* seq_cst against the thread's `sleeping` then `seq` (a Dekker pair):
	 * either it sees this call, or this sees it asleep and wakes it */
	atomic_fetch_add(&wd->seq, 1);
	if (atomic_load(&wd->sleeping))
		sandbox_watchdog_wake(wd);
}

/* The outermost call ended. */
static inline void sandbox_watchdog_disarm(struct sandbox_watchdog *wd)
{
	atomic_fetch_add_explicit(&wd->seq, 1, memory_order_release);
}

#endif
