/*
 * cpu_threads.h - a fork-join pool for the CPU backend.
 *
 * cpu_threads_run() calls fn(arg, task, worker) once for every task in
 * [0, ntasks) spread over the pool's workers (the caller is worker 0) and
 * returns when all are done. worker < cpu_threads_count() indexes
 * per-worker scratch. One run at a time, and never from inside a task: a
 * second run would re-arm the job while helpers are still in the first.
 * A session is single-threaded, so its pool is.
 */
#ifndef SCALED_CPU_THREADS_H
#define SCALED_CPU_THREADS_H

#include <stdint.h>

struct cpu_threads;

typedef void cpu_task_fn(void *arg, int64_t task, int worker);

/* n workers in all (n - 1 threads are started); 0 or a negative errno. */
int cpu_threads_new(int n, struct cpu_threads **out);
int cpu_threads_count(const struct cpu_threads *t);
void cpu_threads_run(struct cpu_threads *t, int64_t ntasks, cpu_task_fn *fn, void *arg);
void cpu_threads_free(struct cpu_threads *t);

#endif
