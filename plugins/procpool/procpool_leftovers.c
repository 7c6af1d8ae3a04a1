/*
 * procpool_leftovers.c - processes left behind by a scaled that is gone.
 *
 * Every worker gets SCALED_POOL_OWNER=<pid>:<start time> of the daemon in
 * its environment, and everything it starts inherits it. PR_SET_PDEATHSIG
 * makes a worker's main process die with the daemon, but not what that
 * process forked: the real worker under a `sh -c 'a; b'` or a pipeline
 * lives on under pid 1 when the daemon is SIGKILLed. So when the first
 * pool of a daemon is created, /proc is read once, and each process whose
 * owner is gone (no process of that pid, or one started at another time)
 * gets SIGTERM, as the worker would have on a scale-in: it may finish the
 * job in hand. Nobody is left to SIGKILL one that ignores SIGTERM: it lives
 * on, and is counted by nothing.
 *
 * Bounded: one pass over /proc at start, one read of each process's
 * environment (processes of other users cannot be read, nor signalled: they
 * are skipped). Workers that cleared their environment are not found.
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

/* Field 22 of /proc/PID/stat: when the process started, in clock ticks
 * since boot. 0 when there is no such process. */
static unsigned long long start_time(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long t = 0;
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
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u"
			 " %*u %*u %*d %*d %*d %*d %*d %*d %llu", &t) != 1)
		return 0;
	return t;
}

const char *leftovers_owner(void)
{
	static char owner[64];

	if (!owner[0])
		snprintf(owner, sizeof(owner), OWNER_VAR "%d:%llu", (int)getpid(),
			 start_time(getpid()));
	return owner;
}

/* The owner in pid's environment, copied into buf; 0 when it has none. */
static int owner_of(pid_t pid, char *env, char *buf, size_t len)
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

int leftovers_sweep(struct scaled_instance *inst)
{
	const char *me = leftovers_owner();
	char owner[64], *env;
	struct dirent *de;
	int found = 0;
	DIR *d;

	env = malloc(ENV_MAX);
	d = opendir("/proc");
	if (!env || !d) {
		free(env);
		if (d)
			closedir(d);
		return -ENOMEM;
	}
	while ((de = readdir(d))) {
		unsigned long long start;
		pid_t pid = (pid_t)atoi(de->d_name);
		int opid;

		if (pid <= 1 || pid == getpid() || !owner_of(pid, env, owner, sizeof(owner)))
			continue;
		if (strcmp(owner, me) == 0 ||
		    sscanf(owner + sizeof(OWNER_VAR) - 1, "%d:%llu", &opid, &start) != 2)
			continue; /* ours (a reload), or not a token of ours */
		if (opid > 0 && start_time(opid) == start)
			continue; /* its scaled still runs */
		if (kill(pid, SIGTERM) == 0) {
			found++;
			procpool_host->log(inst, SCALED_LOG_WARN,
					   "pid %d, a worker's process left by a scaled that is gone (pid %d): SIGTERM",
					   (int)pid, opid);
		}
	}
	closedir(d);
	free(env);
	return found;
}
