/*
 * procpool_child.c - one worker process: spawn, signal, reap.
 *
 * posix_spawn rather than fork: the daemon may be large and threaded, and
 * glibc's posix_spawn uses CLONE_VFORK, so nothing is copied and nothing but
 * the spawn code runs in the child before exec. It also reports a failed exec
 * of /bin/sh to the caller instead of as an exit status.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "procpool.h"

#define INDEX_VAR "SCALED_WORKER_INDEX"

/* The daemon's environment with INDEX_VAR set to index. Only the pointer
 * array and the one new string are allocated: free(envp[0]), free(envp). */
static char **child_env(int index)
{
	size_t n = 0, j = 1;
	char **envp;

	while (environ && environ[n])
		n++;
	envp = calloc(n + 2, sizeof(*envp));
	if (!envp)
		return NULL;
	if (asprintf(&envp[0], INDEX_VAR "=%d", index) < 0) {
		free(envp);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], INDEX_VAR "=", sizeof(INDEX_VAR)) != 0)
			envp[j++] = environ[i];
	envp[j] = NULL;
	return envp;
}

int child_spawn(const char *command, int index, pid_t *pid, char *err,
		size_t errlen)
{
	char *argv[] = { "sh", "-c", (char *)command, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	char **envp;
	int rc;

	envp = child_env(index);
	if (!envp) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	sigemptyset(&none);
	/* Everything the daemon catches or ignores (SIGPIPE, SIGCHLD, ...)
	 * goes back to the default; SIGKILL and SIGSTOP cannot be set. */
	sigfillset(&all);
	sigdelset(&all, SIGKILL);
	sigdelset(&all, SIGSTOP);
	posix_spawnattr_init(&attr);
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
					POSIX_SPAWN_SETSIGMASK |
					POSIX_SPAWN_SETSIGDEF);
	/* pgid 0: its own group, so a signal to -pid reaches what it starts. */
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null",
					 O_RDONLY, 0);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 34)
	/* The loop's sockets and files are not the worker's business. */
	posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + 1);
#endif
	rc = posix_spawn(pid, "/bin/sh", &fa, &attr, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	free(envp[0]);
	free(envp);
	if (rc != 0) {
		snprintf(err, errlen, "spawn /bin/sh -c '%s': %s", command,
			 strerror(rc));
		return -rc;
	}
	return 0;
}

int child_signal(pid_t pid, int sig)
{
	if (pid <= 0)
		return -EINVAL;
	return kill(-pid, sig) < 0 ? -errno : 0;
}

int child_reap(pid_t pid, int *status)
{
	siginfo_t si;
	int ws;

	memset(&si, 0, sizeof(si));
	/* WNOWAIT: look without reaping, so that the pid (and so the group id)
	 * cannot be reused while we kill what the worker left behind. */
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0) {
		if (errno == ECHILD) { /* SIGCHLD ignored, or reaped elsewhere */
			*status = -1;
			return 1;
		}
		return 0; /* EINTR: look again on the next sweep */
	}
	if (si.si_pid == 0)
		return 0;
	kill(-pid, SIGKILL);
	while (waitpid(pid, &ws, 0) < 0) {
		if (errno != EINTR) {
			ws = -1;
			break;
		}
	}
	*status = ws;
	return 1;
}

const char *child_describe(int status, char *buf, size_t len)
{
	if (status == -1)
		snprintf(buf, len, "exited (status unknown: reaped elsewhere)");
	else if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "ended with wait status %#x", status);
	return buf;
}

int child_failed(int status)
{
	return status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0;
}
