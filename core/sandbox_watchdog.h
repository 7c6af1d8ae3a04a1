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
 * The call's path reads no clock and takes no lock: arm and disarm store a
 * sequence number (odd while a call runs) that only the calling thread
 * writes. The thread is the clock: it looks at the number every few
 * milliseconds while calls run, notes when it first saw each call, and
 * stops a call still running a deadline after that (so a call is never
 * stopped early, and at most one look late: 1/4 of the deadline, 10 ms at
 * most). It sleeps on a futex once a look finds that no call started or
 * ended since the last, and the first call after that wakes it (one system
 * call). That wake-up needs the arm's store and its look at `sleeping` to
 * be ordered against the thread's store to `sleeping` and its look at the
 * number (a Dekker pair): the thread pays for both sides with membarrier(2)
 * before it sleeps, so arm needs no fence; where membarrier cannot be
 * had, arm stores with a full fence, as before.
 */
#ifndef SCALED_SANDBOX_WATCHDOG_H
#define SCALED_SANDBOX_WATCHDOG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <lua.h>

/* The signal used when none is chosen: one of the real-time signals,
 * counted from the top (glibc keeps the lowest ones for itself). */
#define SANDBOX_WATCHDOG_DEFAULT_SIGNAL (SIGRTMAX - 2)

struct sandbox_watchdog {
	_Atomic uint32_t seq;       /* odd while a call is armed (the caller writes it) */
	_Atomic uint32_t sleeping;  /* the thread waits for a call (futex word) */
	_Atomic uint32_t fired;     /* the seq of the last call found past its deadline */
	_Atomic int64_t limit_ns;   /* the armed call's deadline, from its start */
	_Atomic unsigned long thread; /* pthread_t of the armed call */
	_Atomic int64_t looked_ns;  /* stopwatch time of the thread's latest look */
	uint32_t mine;              /* the caller's copy of seq */
	bool fenced;                /* membarrier(2) orders the pair: arm needs no fence */
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

/* The outermost call starts, to be stopped limit_ns after it started. */
void sandbox_watchdog_wake(struct sandbox_watchdog *wd);
static inline void sandbox_watchdog_arm(struct sandbox_watchdog *wd, int64_t limit_ns,
					unsigned long thread)
{
	wd->mine++;
	atomic_store_explicit(&wd->limit_ns, limit_ns, memory_order_relaxed);
	atomic_store_explicit(&wd->thread, thread, memory_order_relaxed);
	if (wd->fenced) {
		/* the thread's membarrier orders this store and the look below */
		atomic_store_explicit(&wd->seq, wd->mine, memory_order_release);
		atomic_signal_fence(memory_order_seq_cst);
		if (atomic_load_explicit(&wd->sleeping, memory_order_relaxed))
			sandbox_watchdog_wake(wd);
	} else {
		atomic_store(&wd->seq, wd->mine);
		if (atomic_load(&wd->sleeping))
			sandbox_watchdog_wake(wd);
	}
}

/* The outermost call ended. */
static inline void sandbox_watchdog_disarm(struct sandbox_watchdog *wd)
{
	atomic_store_explicit(&wd->seq, ++wd->mine, memory_order_release);
}

/* The armed call is past its deadline (the thread said so). */
static inline bool sandbox_watchdog_fired(const struct sandbox_watchdog *wd)
{
	return atomic_load_explicit(&wd->fired, memory_order_relaxed) == wd->mine;
}

/* A recent stopwatch time: the thread's latest look (while calls run, a
 * look is at most 10 ms old). */
static inline int64_t sandbox_watchdog_looked_ns(const struct sandbox_watchdog *wd)
{
	return atomic_load_explicit(&wd->looked_ns, memory_order_relaxed);
}

#endif
