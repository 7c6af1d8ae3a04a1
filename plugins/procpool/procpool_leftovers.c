/*
 * procpool_leftovers.c - processes left behind by a scaled that is gone.
 *
 * Every worker gets SCALED_POOL_OWNER=<pid>:<start time> of the daemon in
 * its environment, and everything it starts inherits it. PR_SET_PDEATHSIG
 * makes a worker's main process die with the daemon, but not what that
 * process forked: the real worker under a `sh -c 'a; b'` or a pipeline
 * lives on under pid 1 when the daemon is SIGKILLed.
 *
 * When: once per daemon, at the first apply that starts a worker (never at
 * farm load: `scaled --check` and a `--once` preview load farms but never
 * apply, and must not signal anything).
 *
 * What: /proc is read once. A process whose owner is gone (no process of
 * that pid, or one started at another time) marks its process GROUP as a
 * leftover worker group when that group is a worker group: procpool makes
 * each worker the leader of a new group with setpgid() in the daemon's
 * session, so a worker group's id is never its session's id. A process
 * that a worker detached on purpose with setsid() leads a session of its
 * own (pgid == sid) and is left alone, with everything in its session.
 * The group may have lost its leader (the worker's main process died of
 * PDEATHSIG; what it forked keeps the group id) or kept it (a leader that
 * ignored the SIGTERM). Each such group gets one kill(-pgid, SIGTERM), as
 * a worker would on a scale-in: it may finish the job in hand. Nobody is
 * left to SIGKILL one that ignores SIGTERM: it lives on, counted by nothing.
 * Limit: a process a worker moved into a group of its own with setpgid()
 * (not setsid()) looks like a worker group and is signalled.
 *
 * Bounded: one pass over /proc, one read of each process's environment
 * (processes of other users cannot be read, nor signalled: they are
 * skipped), at most LEFTOVER_GROUPS groups. Workers that cleared their
 * environment are not found.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procpool.h"

#define OWNER_VAR "SCALED_POOL_OWNER="
#define ENV_MAX (256 * 1024) /* more than a worker's environment can hold */
#define LEFTOVER_GROUPS 1024 /* distinct groups signalled in one sweep */

static int procpool_leftovers_swept;

/* Fields 5, 6 and 22 of /proc/PID/stat: process group, session, and when
 * the process started, in clock ticks since boot. Returns the start time,
 * 0 when there is no such process. */
static unsigned long long proc_stat(pid_t pid, int *pgid, int *sid)
{
	char path[64], buf[1024], *p;
	unsigned long long t = 0;
	int g = 0, sess = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* the command name may hold anything */
	if (!p || sscanf(p + 1, " %*c %*d %d %d %*d %*d %*u %*u %*u %*u %*u"
			 " %*u %*u %*d %*d %*d %*d %*d %*d %llu", &g, &sess, &t) != 3)
		return 0;
	if (pgid)
		*pgid = g;
	if (sid)
		*sid = sess;
	return t;
}

const char *procpool_leftovers_owner(void)
{
	static char owner[64];

	if (!owner[0])
		snprintf(owner, sizeof(owner), OWNER_VAR "%d:%llu", (int)getpid(),
			 proc_stat(getpid(), NULL, NULL));
	return owner;
}

/* The owner in pid's environment, copied into buf; 0 when it has none. */
static int procpool_leftovers_owner_of(pid_t pid, char *env, char *buf,
				       size_t len)
{
	char path[64];
	size_t have = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0; /* gone, or not ours to read */
	while (have < ENV_MAX - 1 &&
	       (n = read(fd, env + have, ENV_MAX - 1 - have)) > 0)
		have += (size_t)n;
	close(fd);
	env[have] = '\0';
	for (char *e = env; e < env + have; e += strlen(e) + 1) {
		if (strncmp(e, OWNER_VAR, sizeof(OWNER_VAR) - 1) == 0) {
			snprintf(buf, len, "%s", e);
			return 1;
		}
	}
	return 0;
}

/* Has pgid been signalled in this sweep? Else note it. */
static int procpool_leftovers_seen(pid_t *groups, int *n, pid_t pgid)
{
	for (int i = 0; i < *n; i++)
		if (groups[i] == pgid)
			return 1;
	if (*n < LEFTOVER_GROUPS)
		groups[(*n)++] = pgid;
	return 0;
}

int procpool_leftovers_sweep(struct scaled_instance *inst)
{
	const char *me = procpool_leftovers_owner();
	pid_t *groups, mine = getpgrp();
	char owner[64], *env;
	struct dirent *de;
	int found = 0, ngroups = 0;
	DIR *d;

	env = malloc(ENV_MAX);
	groups = malloc(LEFTOVER_GROUPS * sizeof(*groups));
	d = opendir("/proc");
	if (!env || !groups || !d) {
		free(env);
		free(groups);
		if (d)
			closedir(d);
		return -ENOMEM;
	}
	while ((de = readdir(d)) && ngroups < LEFTOVER_GROUPS) {
		unsigned long long start;
		pid_t pid = (pid_t)atoi(de->d_name);
		int opid, pgid = 0, sid = 0;

		if (pid <= 1 || pid == getpid() ||
		    !procpool_leftovers_owner_of(pid, env, owner, sizeof(owner)))
			continue;
		if (strcmp(owner, me) == 0 ||
		    sscanf(owner + sizeof(OWNER_VAR) - 1, "%d:%llu", &opid, &start) != 2)
			continue; /* ours (a reload), or not a token of ours */
		if (opid > 0 && proc_stat(opid, NULL, NULL) == start)
			continue; /* its scaled still runs */
		if (!proc_stat(pid, &pgid, &sid) || pgid <= 1 || pgid == sid ||
		    pgid == mine)
			continue; /* gone, or not in a worker group (setsid) */
		if (procpool_leftovers_seen(groups, &ngroups, pgid))
			continue;
		if (kill(-pgid, SIGTERM) == 0) {
			found++;
			procpool_host->log(inst, SCALED_LOG_WARN,
					   "process group %d, a worker's left by a scaled that is gone (pid %d; found by pid %d): SIGTERM",
					   pgid, opid, (int)pid);
		}
	}
	closedir(d);
	free(groups);
	free(env);
	return found;
}

int procpool_leftovers_once(struct scaled_instance *inst)
{
	if (procpool_leftovers_swept)
		return 0;
	procpool_leftovers_swept = 1;
	return procpool_leftovers_sweep(inst);
}
