/*
 * sandbox_watchdog.c - the thread that stops a call past its deadline by
 * a signal (see sandbox_watchdog.h for why).
 *
 * The signal handler finds the state through a slot number carried in the
 * signal's value (pthread_sigqueue), not a pointer: the slots are static,
 * so a signal that arrives late (its call ended, its watchdog stopped)
 * finds NULL or a state whose hook then sees no deadline passed and takes
 * itself off again. Nothing it does is worse than one hook call.
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "clock.h"
#include "sandbox_watchdog.h"

#define WATCHDOG_SLOTS 64
/* While a call stays past its deadline (its hook may have been taken off
 * by a race with a late signal, or C code runs that checks on its own),
 * the signal is sent again this often. */
#define WATCHDOG_RESEND_NS (10 * 1000000LL)

struct watchdog_slot {
	_Atomic(lua_State *) L;
	_Atomic(lua_Hook) hook;
	bool used; /* under slots_lock */
};

static struct watchdog_slot slots[WATCHDOG_SLOTS];
static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t installed; /* signals whose handler is ours (bit signo - 1), under slots_lock */

static void watchdog_on_signal(int signo, siginfo_t *si, void *uc)
{
	int saved = errno;
	unsigned i = (unsigned)si->si_value.sival_int;
	lua_State *L;

	(void)signo;
	(void)uc;
	if (si->si_code == SI_QUEUE && i < WATCHDOG_SLOTS &&
	    (L = atomic_load(&slots[i].L)) != NULL)
		lua_sethook(L, atomic_load(&slots[i].hook), LUA_MASKCOUNT, 1);
	errno = saved;
}

static long futex(_Atomic uint32_t *word, int op, uint32_t val, const struct timespec *t)
{
	return syscall(SYS_futex, word, op | FUTEX_PRIVATE_FLAG, val, t, NULL, 0);
}

void sandbox_watchdog_wake(struct sandbox_watchdog *wd)
{
	atomic_store(&wd->sleeping, 0);
	futex(&wd->sleeping, FUTEX_WAKE, 1, NULL);
}

/* Sleep ns at most; stop wakes it. */
static void watchdog_nap(struct sandbox_watchdog *wd, int64_t ns)
{
	struct timespec t = { (time_t)(ns / 1000000000), (long)(ns % 1000000000) };

	futex(&wd->stop, FUTEX_WAIT, 0, &t);
}

/* How often the thread looks while calls run: a quarter of the deadline,
 * within these bounds (a call is stopped at most one look late). */
#define WATCHDOG_LOOK_MAX_NS (10 * 1000000LL)
#define WATCHDOG_LOOK_MIN_NS (1 * 1000000LL)

static int64_t watchdog_look_ns(int64_t limit)
{
	int64_t look = limit / 4;

	return look > WATCHDOG_LOOK_MAX_NS ? WATCHDOG_LOOK_MAX_NS
	       : look < WATCHDOG_LOOK_MIN_NS ? WATCHDOG_LOOK_MIN_NS : look;
}

/* No call started or ended since the last look: sleep until arm wakes us.
 * The second look at seq after saying so closes the race with arm (the
 * membarrier makes arm's store and look ordered without a fence of its). */
static void watchdog_sleep(struct sandbox_watchdog *wd, uint32_t s)
{
	atomic_store(&wd->sleeping, 1);
	if (wd->fenced)
		syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
	if (atomic_load(&wd->seq) == s && !atomic_load(&wd->stop))
		futex(&wd->sleeping, FUTEX_WAIT, 1, NULL);
	atomic_store(&wd->sleeping, 0);
}

static void *watchdog_main(void *arg)
{
	struct sandbox_watchdog *wd = arg;
	uint32_t last = atomic_load(&wd->seq), seen = 0;
	int64_t seen_at = 0, look = WATCHDOG_LOOK_MAX_NS;

	while (!atomic_load(&wd->stop)) {
		uint32_t s = atomic_load_explicit(&wd->seq, memory_order_acquire);
		int64_t now = clock_stopwatch_ns(), limit;

		atomic_store_explicit(&wd->looked_ns, now, memory_order_relaxed);
		if (!(s & 1)) {
			if (s == last) {
				watchdog_sleep(wd, s);
				last = s - 1; /* woken: look again before sleeping */
				continue;
			}
			last = s;
			watchdog_nap(wd, look);
			continue;
		}
		last = s;
		if (s != seen) {
			/* First seen now: it started at most one look ago. */
			seen = s;
			seen_at = now;
		}
		limit = atomic_load_explicit(&wd->limit_ns, memory_order_relaxed);
		look = watchdog_look_ns(limit);
		if (now - seen_at < limit) {
			watchdog_nap(wd, seen_at + limit - now < look ? seen_at + limit - now : look);
			continue;
		}
		atomic_store(&wd->fired, s);
		if (atomic_load(&wd->seq) == s)
			pthread_sigqueue((pthread_t)atomic_load(&wd->thread), wd->signo,
					 (union sigval){ .sival_int = wd->slot });
		watchdog_nap(wd, WATCHDOG_RESEND_NS);
	}
	return NULL;
}

/* Our handler on signo, installed once; -EBUSY when it has another. */
static int watchdog_install(int signo)
{
	struct sigaction sa, old;

	if (installed & (1ull << (signo - 1)))
		return 0;
	if (sigaction(signo, NULL, &old) < 0)
		return -errno;
	if ((old.sa_flags & SA_SIGINFO) ? old.sa_sigaction != NULL
					 : old.sa_handler != SIG_DFL)
		return -EBUSY;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = watchdog_on_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(signo, &sa, NULL) < 0)
		return -errno;
	installed |= 1ull << (signo - 1);
	return 0;
}

int sandbox_watchdog_start(lua_State *L, lua_Hook hook, int signo,
			   struct sandbox_watchdog **out)
{
	struct sandbox_watchdog *wd;
	sigset_t blocked;
	pthread_t self;
	int rc = -EAGAIN, slot;

	*out = NULL;
	if (signo == 0)
		signo = SANDBOX_WATCHDOG_DEFAULT_SIGNAL;
	if (signo < SIGRTMIN || signo > SIGRTMAX)
		return -EINVAL;
	if (pthread_sigmask(SIG_BLOCK, NULL, &blocked) == 0 && sigismember(&blocked, signo))
		return -EBUSY;
	if (!(wd = alloc_zero(1, sizeof(*wd))))
		return -ENOMEM;
	wd->signo = signo;
	/* Per process and idempotent; refused (seccomp, an old kernel): arm
	 * fences its own store instead. */
	wd->fenced = syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
	pthread_mutex_lock(&slots_lock);
	for (slot = 0; slot < WATCHDOG_SLOTS && slots[slot].used; slot++)
		;
	if (slot < WATCHDOG_SLOTS && (rc = watchdog_install(signo)) == 0) {
		slots[slot].used = true;
		atomic_store(&slots[slot].hook, hook);
		atomic_store(&slots[slot].L, L);
		wd->slot = slot;
	}
	pthread_mutex_unlock(&slots_lock);
	if (rc < 0) {
		alloc_free(wd);
		return rc;
	}
	/* The watchdog itself never takes the signal. */
	{
		sigset_t all, old;

		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		rc = -pthread_create(&self, NULL, watchdog_main, wd);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	if (rc < 0) {
		pthread_mutex_lock(&slots_lock);
		atomic_store(&slots[wd->slot].L, NULL);
		slots[wd->slot].used = false;
		pthread_mutex_unlock(&slots_lock);
		alloc_free(wd);
		return rc;
	}
	wd->self = (unsigned long)self;
	*out = wd;
	return 0;
}

void sandbox_watchdog_stop(struct sandbox_watchdog *wd)
{
	if (!wd)
		return;
	atomic_store(&wd->stop, 1);
	futex(&wd->stop, FUTEX_WAKE, INT_MAX, NULL);
	sandbox_watchdog_wake(wd);
	pthread_join((pthread_t)wd->self, NULL);
	/* A signal this thread was sent is taken at the return from the
	 * join's system call at the latest: L is still there for it. */
	pthread_mutex_lock(&slots_lock);
	atomic_store(&slots[wd->slot].L, NULL);
	slots[wd->slot].used = false;
	pthread_mutex_unlock(&slots_lock);
	alloc_free(wd);
}
