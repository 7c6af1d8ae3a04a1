/*
 * procpool.c - the pool: keep `desired` workers running.
 *
 * Scale-out starts workers at once. Scale-in first drops slots that are
 * waiting to restart (they hold no work), then SIGTERMs the newest running
 * workers, whose jobs are the least far along; each gets stop_grace to
 * finish the job in hand before SIGKILL. A worker that exits while it should
 * be running is restarted after its slot's backoff.
 *
 * ABI 1.0 gives a plugin no way to watch a file descriptor, so exits are
 * found by polling each of our own pids with waitid(WNOHANG): on every
 * poll(), and every POOL_TICK_MS while a worker is stopping. Never
 * waitpid(-1): other plugins in the process may have children of their own.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "procpool.h"

#define H procpool_host

static void pool_tick_arm(struct pool *p);
static void worker_restart_cb(void *arg);
static void worker_exited(struct worker *w, int status);

static void pool_publish(struct pool *p, const char *suffix, uint64_t v)
{
	int rc = H->publish(p->inst, suffix, H->now_ms(p->inst), (double)v);

	if (rc < 0)
		H->log(p->inst, SCALED_LOG_DEBUG, "publish %s: %s", suffix,
		       strerror(-rc));
}

void pool_report(struct pool *p)
{
	struct scaled_target_state st = {
		.struct_size = sizeof(st),
		.desired = p->desired,
		.spot = -1,
		.on_demand = -1,
	};

	for (struct worker *w = p->workers; w; w = w->next) {
		if (w->state == WORKER_RUNNING)
			st.current++;
		else if (w->state == WORKER_STOPPING)
			st.stopping++;
	}
	H->report_target(p->inst, &st);
	pool_publish(p, "crashes", p->crashes);
	pool_publish(p, "killed", p->killed);
}

static void worker_unlink(struct worker *w)
{
	struct pool *p = w->pool;

	for (struct worker **pp = &p->workers; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	}
	if (w->timer)
		H->timer_cancel(w->timer);
	free(w);
}

/* The lowest index no slot holds, stopping ones included, so that no two
 * live processes ever share a SCALED_WORKER_INDEX. */
static int pool_free_index(const struct pool *p)
{
	for (int i = 0;; i++) {
		const struct worker *w = p->workers;

		while (w && w->index != i)
			w = w->next;
		if (!w)
			return i;
	}
}

/* Schedule the slot's restart and double its backoff for the next time. */
static void worker_backoff(struct worker *w)
{
	struct pool *p = w->pool;
	int64_t delay = w->backoff_ms;

	w->state = WORKER_BACKOFF;
	w->pid = 0;
	w->timer = H->timer_add(p->inst, delay, worker_restart_cb, w);
	if (!w->timer)
		H->log(p->inst, SCALED_LOG_ERROR,
		       "worker %d: no timer for its restart", w->index);
	w->backoff_ms = delay > p->backoff_max_ms / 2 ? p->backoff_max_ms
						       : 2 * delay;
}

/* Start the slot's process. On failure the slot waits out a backoff. */
static int worker_start(struct worker *w, char *err, size_t errlen)
{
	struct pool *p = w->pool;
	int rc;

	rc = child_spawn(p->command, w->index, &w->pid, err, errlen);
	if (rc < 0) {
		H->log(p->inst, SCALED_LOG_ERROR, "worker %d: %s", w->index,
		       err);
		p->crashes++;
		worker_backoff(w);
		return rc;
	}
	w->state = WORKER_RUNNING;
	w->seq = ++p->seq;
	w->started_ms = H->now_ms(p->inst);
	H->log(p->inst, SCALED_LOG_DEBUG, "worker %d started, pid %d",
	       w->index, (int)w->pid);
	return 0;
}

static void worker_restart_cb(void *arg)
{
	struct worker *w = arg;
	char err[256];

	w->timer = NULL;
	if (w->state != WORKER_BACKOFF)
		return;
	worker_start(w, err, sizeof(err));
	pool_report(w->pool);
}

/* A stopping worker whose main process is reaped and whose process group
 * is empty is gone. */
static void worker_stopped(struct worker *w)
{
	struct pool *p = w->pool;
	char how[96];

	child_describe(w->status, how, sizeof(how));
	if (w->reaped)
		H->log(p->inst, SCALED_LOG_DEBUG,
		       "worker %d (pid %d) stopped: its process group is empty "
		       "(the rest of it finished after its main process %s)",
		       w->index, (int)w->pid, how);
	else
		H->log(p->inst, SCALED_LOG_DEBUG, "worker %d (pid %d) stopped: %s",
		       w->index, (int)w->pid, how);
	worker_unlink(w);
}

static void worker_kill_cb(void *arg)
{
	struct worker *w = arg;
	struct pool *p = w->pool;
	int status;

	w->timer = NULL;
	if (w->state != WORKER_STOPPING || w->sigkilled)
		return;
	if (!w->reaped && child_reap(w->pid, 0, &status)) { /* just made it */
		w->reaped = 1;
		w->status = status;
	}
	if (w->reaped)
		child_reap_orphans(w->pid);
	if (w->reaped && !child_group_alive(w->pid)) {
		worker_stopped(w);
		pool_report(p);
		return;
	}
	H->log(p->inst, SCALED_LOG_WARN,
	       "worker %d (pid %d)%s still running %lld ms after SIGTERM: SIGKILL",
	       w->index, (int)w->pid,
	       w->reaped ? ": the rest of its process group" : "",
	       (long long)p->stop_grace_ms);
	child_signal(w->pid, SIGKILL);
	w->sigkilled = 1;
	p->killed++;
	pool_publish(p, "killed", p->killed);
	if (w->reaped) { /* nothing of ours left to reap */
		worker_unlink(w);
		pool_report(p);
	}
}

static void worker_stop(struct worker *w)
{
	struct pool *p = w->pool;

	w->state = WORKER_STOPPING;
	/* SIGCONT first, so that a stopped worker can act on the SIGTERM; and
	 * never just after it: a worker that exits at once on SIGTERM may be
	 * in LeakSanitizer's exit-time check, whose ptrace stop a SIGCONT
	 * cancels (the check then waits forever). */
	child_signal(w->pid, SIGCONT);
	child_signal(w->pid, SIGTERM);
	w->timer = H->timer_add(p->inst, p->stop_grace_ms, worker_kill_cb, w);
	if (!w->timer)
		H->log(p->inst, SCALED_LOG_ERROR,
		       "worker %d: no timer for its grace period", w->index);
	H->log(p->inst, SCALED_LOG_DEBUG, "worker %d (pid %d): SIGTERM",
	       w->index, (int)w->pid);
}

/* The slot to give up first: a waiting one, else the newest running one. */
static struct worker *pool_victim(struct pool *p)
{
	struct worker *best = NULL;

	for (struct worker *w = p->workers; w; w = w->next) {
		if (w->state == WORKER_STOPPING)
			continue;
		if (!best || (w->state == WORKER_BACKOFF) > (best->state == WORKER_BACKOFF) ||
		    ((w->state == WORKER_BACKOFF) == (best->state == WORKER_BACKOFF) &&
		     w->seq > best->seq))
			best = w;
	}
	return best;
}

int pool_apply(struct pool *p, int desired, char *msg, size_t msglen)
{
	int live = 0, started = 0, stopped = 0, rc = 0;
	char err[256] = "";

	p->desired = desired;
	for (struct worker *w = p->workers; w; w = w->next)
		if (w->state != WORKER_STOPPING)
			live++;
	/* Once per daemon, before its first worker: the worker groups a
	 * killed daemon before us left running (procpool_leftovers.c). Here,
	 * not at create: a farm is loaded by --check and previews too. */
	if (live < desired)
		procpool_leftovers_once(p->inst);
	for (; live < desired; live++) {
		struct worker *w = calloc(1, sizeof(*w));
		int r;

		if (!w) {
			rc = -ENOMEM;
			snprintf(err, sizeof(err), "out of memory");
			break;
		}
		w->pool = p;
		w->index = pool_free_index(p);
		w->backoff_ms = p->backoff_ms;
		w->next = p->workers;
		p->workers = w;
		r = worker_start(w, err, sizeof(err));
		if (r < 0 && rc == 0)
			rc = r;
		if (r == 0)
			started++;
	}
	for (; live > desired; live--) {
		struct worker *w = pool_victim(p);

		if (!w) /* cannot be: live counted them */
			break;
		if (w->state == WORKER_BACKOFF) {
			worker_unlink(w);
		} else {
			worker_stop(w);
			stopped++;
		}
	}
	pool_report(p);
	pool_tick_arm(p);
	if (rc < 0)
		snprintf(msg, msglen, "desired %d: %s", desired, err);
	else
		snprintf(msg, msglen, "desired %d: started %d, stopping %d",
			 desired, started, stopped);
	return rc;
}

/* A worker's process ended; what that means depends on the slot's state. */
static void worker_exited(struct worker *w, int status)
{
	struct pool *p = w->pool;
	int64_t lived = H->now_ms(p->inst) - w->started_ms;
	char how[96];

	child_describe(status, how, sizeof(how));
	if (w->state == WORKER_STOPPING) {
		w->status = status;
		worker_stopped(w);
		return;
	}
	if (lived >= p->backoff_reset_ms)
		w->backoff_ms = p->backoff_ms;
	if (child_failed(status)) {
		p->crashes++;
		pool_publish(p, "crashes", p->crashes);
	}
	H->log(p->inst, child_failed(status) ? SCALED_LOG_WARN : SCALED_LOG_INFO,
	       "worker %d (pid %d) %s after %lld ms; restarting in %lld ms",
	       w->index, (int)w->pid, how, (long long)lived,
	       (long long)w->backoff_ms);
	worker_backoff(w);
}

void pool_sweep(struct pool *p)
{
	struct worker *w = p->workers, *next;
	int changed = 0;

	for (; w; w = next) {
		int stopping, status;

		next = w->next;
		if (w->pid <= 0)
			continue;
		stopping = w->state == WORKER_STOPPING && !w->sigkilled;
		if (w->reaped) {
			/* Only the rest of its group was left; now nothing. */
			child_reap_orphans(w->pid);
			if (!child_group_alive(w->pid)) {
				worker_stopped(w);
				changed = 1;
			}
			continue;
		}
		/* A running worker's main process ends the worker: what it
		 * left behind is SIGKILLed. A stopping one's group keeps the
		 * rest of its grace (a pipeline, `sh -c 'a; b'` whose shell
		 * died of the SIGTERM while `a` finishes its job). */
		if (!child_reap(w->pid, !stopping, &status))
			continue;
		if (stopping)
			child_reap_orphans(w->pid);
		if (stopping && child_group_alive(w->pid)) {
			/* Safe to go on signalling -pid after the reap: Linux
			 * does not reuse a pid number while a process group
			 * (or session) of that id has a member. Once the group
			 * is seen empty we never signal it again; the one
			 * window left, between a check and a SIGKILL, would
			 * need the pid counter to wrap around in between. */
			w->reaped = 1;
			w->status = status;
			continue;
		}
		worker_exited(w, status);
		changed = 1;
	}
	if (changed)
		pool_report(p);
}

static void pool_tick_cb(void *arg)
{
	struct pool *p = arg;

	p->tick = NULL;
	pool_sweep(p);
	pool_tick_arm(p);
}

/* Keep the reaping tick running while any worker is stopping. */
static void pool_tick_arm(struct pool *p)
{
	struct worker *w = p->workers;

	while (w && w->state != WORKER_STOPPING)
		w = w->next;
	if (!w || p->tick)
		return;
	p->tick = H->timer_add(p->inst, POOL_TICK_MS, pool_tick_cb, p);
	if (!p->tick)
		H->log(p->inst, SCALED_LOG_ERROR, "no timer for reaping");
}

/* Reap whatever has exited; return how many workers are left: with groups,
 * those whose main process runs or whose process group is not empty yet;
 * without, those whose main process runs. pid 0: nothing of it is left. */
static int pool_reap_all(struct pool *p, int groups)
{
	int left = 0, status;

	for (struct worker *w = p->workers; w; w = w->next) {
		if (w->pid <= 0)
			continue;
		if (!w->reaped && child_reap(w->pid, 0, &status))
			w->reaped = 1;
		if (w->reaped && groups)
			child_reap_orphans(w->pid);
		if (w->reaped && (!groups || !child_group_alive(w->pid)))
			w->pid = 0;
		else if (!w->reaped || groups)
			left++;
	}
	return left;
}

/* Shutdown may block briefly: it is the one place the pool waits, so that
 * the instance never leaves a worker, a zombie or an orphan behind. */
void pool_destroy(struct pool *p)
{
	const struct timespec step = { 0, 10 * 1000 * 1000 };
	int64_t wait = p->stop_grace_ms < POOL_DESTROY_WAIT_MS
			       ? p->stop_grace_ms
			       : POOL_DESTROY_WAIT_MS;
	int left = 0;

	/* Processes first: they are what must not outlive us. */
	for (struct worker *w = p->workers; w; w = w->next) {
		if (w->pid > 0 && w->state == WORKER_RUNNING) {
			child_signal(w->pid, SIGCONT); /* first: see worker_stop */
			child_signal(w->pid, SIGTERM);
		}
	}
	if (p->tick)
		H->timer_cancel(p->tick);
	for (struct worker *w = p->workers; w; w = w->next) {
		if (w->timer)
			H->timer_cancel(w->timer);
		w->timer = NULL;
	}
	/* Counted in sleeps, not read from a clock: the engine clock may be
	 * virtual and stand still while we wait for real processes. */
	for (int64_t waited = 0;; waited += 10) {
		left = pool_reap_all(p, 1);
		if (left == 0 || waited >= wait)
			break;
		nanosleep(&step, NULL);
	}
	if (left)
		H->log(p->inst, SCALED_LOG_WARN,
		       "%d worker(s) still running at shutdown: SIGKILL", left);
	for (struct worker *w = p->workers; w; w = w->next)
		if (w->pid > 0)
			child_signal(w->pid, SIGKILL);
	/* SIGKILL is prompt unless a process sits in uninterruptible sleep;
	 * then give up after a while rather than hang the shutdown. */
	/* Only our own children can be waited for: a group's other members
	 * are reaped by whoever inherited them. */
	for (int i = 0; i < POOL_KILL_WAIT_MS / 10 && pool_reap_all(p, 0) > 0; i++)
		nanosleep(&step, NULL);
	for (struct worker *w = p->workers; w; w = w->next)
		if (w->pid > 0 && !w->reaped)
			H->log(p->inst, SCALED_LOG_ERROR,
			       "worker %d (pid %d) survived SIGKILL; left unreaped",
			       w->index, (int)w->pid);
	while (p->workers) {
		struct worker *w = p->workers;

		p->workers = w->next;
		free(w);
	}
	free(p->command);
	free(p);
}
