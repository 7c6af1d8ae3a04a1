/*
 * sched.h - one min-heap of timed tasks.
 *
 * The scheduler does not read any clock: the engine tells it the time. In the
 * daemon one libevent timer is armed for sched_next(); in tests and
 * simulation the engine's step() runs tasks one by one with the virtual clock
 * set to each task's due time.
 *
 * Tasks due at the same time run in the order they were (re-)armed, except
 * that tasks marked with sched_run_last run after all the others due then
 * (the engine's group ticks, so that a tick sees what the sources collected
 * and the targets reported at its own instant). A periodic
 * task is re-armed (due += period) before its callback runs, so the callback
 * may cancel it. A periodic task that runs late is not skipped ahead: each
 * missed period runs in turn (what a virtual-clock step() needs). Ownership:
 * the scheduler owns its tasks; a task pointer is valid until the task has
 * run (one-shot) or is cancelled.
 */
#ifndef SCALED_SCHED_H
#define SCALED_SCHED_H

#include <stdint.h>

struct sched;
struct sched_task;

typedef void (*sched_fn)(void *arg);

struct sched *sched_new(void);
/* Frees every pending task without running it. Not from inside a task. */
void sched_free(struct sched *s);

/* One-shot at `due_ms`. NULL on allocation failure. */
struct sched_task *sched_at(struct sched *s, int64_t due_ms, sched_fn fn, void *arg);
/* Periodic: first at `first_ms`, then every `period_ms`. NULL on allocation
 * failure or when period_ms <= 0. */
struct sched_task *sched_every(struct sched *s, int64_t first_ms, int64_t period_ms,
			       sched_fn fn, void *arg);
/* Run t after every unmarked task due at the same time, from now on. */
void sched_run_last(struct sched *s, struct sched_task *t);
/* Cancel a pending task (also from inside its own callback, and any other
 * pending task from inside a callback). NULL is ignored. */
void sched_cancel(struct sched *s, struct sched_task *t);

/* Due time of the earliest task, or INT64_MAX when there is none. */
int64_t sched_next(struct sched *s);
/* Pop and run the earliest task if it is due at or before now_ms.
 * Returns 1 if one ran, 0 if none was due. */
int sched_run_one(struct sched *s, int64_t now_ms);
/* Inside a task's callback: the time that run of the task was due (a
 * periodic task's runs are exactly a period apart, however late each
 * one runs). INT64_MIN outside any callback. */
int64_t sched_running_due(const struct sched *s);
/* Number of pending tasks. */
unsigned sched_count(const struct sched *s);

#endif
