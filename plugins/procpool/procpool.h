/*
 * procpool.h - internals of the "procpool" target, shared by its files:
 *   procpool_kind.c   key table, descriptor, the kind's callbacks
 *   procpool.c        the pool: desired count, scale in/out, restarts
 *   procpool_child.c  spawning, signalling and reaping one worker
 *   procpool_argv.c   the command: run directly, or by /bin/sh -c
 *   procpool_leftovers.c  processes left by a scaled that was killed
 *   procpool_host.c   the host table, kept by init
 *
 * Calls go one way: kind -> pool -> child -> leftovers, and every file
 * -> host (tools/check-circles finds no circle).
 */
#ifndef PROCPOOL_H
#define PROCPOOL_H

#include <stdint.h>
#include <sys/types.h>

#include "scaled/plugin.h"

/* procpool_host.c: the host table, kept by init() until fini(). */
extern const struct scaled_host *procpool_host;
int procpool_host_init(const struct scaled_host *h, char *err, size_t errlen);
void procpool_host_fini(void);

enum worker_state {
	WORKER_RUNNING,  /* a live process that should be running */
	WORKER_STOPPING, /* SIGTERMed, inside its grace period (or SIGKILLed) */
	WORKER_BACKOFF,  /* exited unexpectedly; restarts when its timer fires */
};

/* One slot of the pool. A slot keeps its index (SCALED_WORKER_INDEX) and its
 * restart backoff across restarts of its process. */
struct worker {
	struct worker *next;
	struct pool *pool;
	enum worker_state state;
	int index;
	pid_t pid;          /* 0 while in backoff */
	uint64_t seq;       /* start order: bigger is newer */
	int64_t started_ms; /* engine clock when the process started */
	int64_t backoff_ms; /* delay before this slot's next restart */
	int sigkilled;      /* the grace period ran out */
	int reaped;         /* stopping: its main process is reaped, the rest
			     * of its process group (pid) still runs */
	int status;         /* when reaped: the main process's wait status */
	void *timer;        /* stopping: the SIGKILL timer; backoff: restart */
};

struct pool {
	struct scaled_instance *inst;
	char *command;
	int64_t stop_grace_ms;
	int64_t backoff_ms;     /* first restart delay */
	int64_t backoff_max_ms; /* the doubling stops here */
	int64_t backoff_reset_ms; /* a worker that lived this long resets it */

	int desired;
	struct worker *workers;
	uint64_t seq;
	uint64_t crashes; /* unexpected exits with a failure status */
	uint64_t killed;  /* workers SIGKILLed after their grace period */
	void *tick;       /* reaping timer, armed while a worker is stopping */
};

/* How often stopping workers are checked for exit. */
#define POOL_TICK_MS 200
/* The most destroy() waits for SIGTERMed workers before SIGKILL. */
#define POOL_DESTROY_WAIT_MS 1000
/* The most destroy() then waits for SIGKILLed workers to be reapable. */
#define POOL_KILL_WAIT_MS 5000

/* procpool.c */
int pool_apply(struct pool *p, int desired, char *msg, size_t msglen);
void pool_sweep(struct pool *p);
void pool_report(struct pool *p);
void pool_destroy(struct pool *p);

/* procpool_child.c */

/* Start command (directly when it needs no shell, else `/bin/sh -c
 * command`) in a new process group (pgid = pid), stdin from /dev/null,
 * signals reset to their defaults, no inherited fds past stderr,
 * SCALED_WORKER_INDEX=index in its environment, SIGTERM when the daemon's
 * loop thread dies (PR_SET_PDEATHSIG). Returns 0 with *pid set once the
 * program is exec'd, or a negative errno with a reason in err. */
int child_spawn(const char *command, int index, pid_t *pid, char *err,
		size_t errlen);
/* Send sig to the worker's whole process group. Returns 0 or -errno. */
int child_signal(pid_t pid, int sig);
/* Is anything left in process group pgid? (kill(-pgid, 0) is not ESRCH.)
 * A zombie still counts until its parent reaps it. */
int child_group_alive(pid_t pgid);
/* If the worker's main process has exited: SIGKILL what it left in its
 * process group when kill_group is set, reap it, set *status (a wait
 * status, or -1 when someone else reaped it) and return 1. Return 0 while
 * it runs. Never blocks. */
int child_reap(pid_t pid, int kill_group, int *status);
/* When we are pid 1 or a child subreaper, members of a worker's group
 * that outlived their parent are reparented to us; as zombies they would
 * keep the group looking alive. Reap those in group pgid (at most
 * CHILD_ORPHANS_MAX a call), never its main process (pid pgid), nor any
 * child outside the group. Otherwise a no-op. */
#define CHILD_ORPHANS_MAX 64
void child_reap_orphans(pid_t pgid);
/* procpool_argv.c: command as an argv in *argv (one block: free(*argv)).
 * Returns 1 when it is to be exec'd directly, 0 for {"sh", "-c", command},
 * -ENOMEM. */
int procpool_argv_split(const char *command, char ***argv);

/* procpool_leftovers.c: "SCALED_POOL_OWNER=<pid>:<start time>" of this
 * process, for the workers' environment. */
const char *procpool_leftovers_owner(void);
/* SIGTERM each worker process group (pgid != its session id) of a process
 * whose SCALED_POOL_OWNER names a scaled that is gone; log each. Returns
 * how many groups, or -ENOMEM. */
int procpool_leftovers_sweep(struct scaled_instance *inst);
/* procpool_leftovers_sweep() the first time it is called in this process;
 * after that 0. Called before the first worker starts (an apply). */
int procpool_leftovers_once(struct scaled_instance *inst);

/* "exited with status 1", "killed by signal 9", ... into buf. */
const char *child_describe(int status, char *buf, size_t len);
/* Did a wait status say the worker failed (non-zero exit, or a signal)? */
int child_failed(int status);

#endif
