/*
 * procpool_child.c - one worker process: spawn, signal, reap.
 *
 * fork + exec rather than posix_spawn: the child must set PR_SET_PDEATHSIG
 * before it execs (posix_spawn has no hook for that), so that workers die
 * with the daemon instead of living on under pid 1 (and a restarted daemon
 * starting as many again). The daemon may be threaded: between fork and exec
 * the child calls only async-signal-safe functions, and everything it needs
 * (argv, environment, the program's path) is prepared before the fork. All
 * signals are blocked across the fork, so that no handler of the daemon's
 * (libevent's, which writes into the loop's socketpair) runs in the child;
 * the child resets every handler to its default before it unblocks them.
 * A failed exec is reported to the caller through a close-on-exec pipe.
 * A program exec'd directly that the kernel cannot run (ENOEXEC: a script
 * without a `#!` line) is run by /bin/sh instead, as execvp and `sh -c`
 * do: that argv, {"/bin/sh", file, args...}, is built before the fork too.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/close_range.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "procpool.h"

#define INDEX_VAR "SCALED_WORKER_INDEX"

#define OWNER_VAR "SCALED_POOL_OWNER"

/* The daemon's environment with INDEX_VAR set to index and OWNER_VAR to
 * this daemon (procpool_leftovers.c). Only the pointer array and the one
 * new string are allocated: free(envp[0]), free(envp). */
static char **child_env(int index)
{
	size_t n = 0, j = 2;
	char **envp;

	while (environ && environ[n])
		n++;
	envp = calloc(n + 3, sizeof(*envp));
	if (!envp)
		return NULL;
	if (asprintf(&envp[0], INDEX_VAR "=%d", index) < 0) {
		free(envp);
		return NULL;
	}
	envp[1] = (char *)procpool_leftovers_owner();
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], INDEX_VAR "=", sizeof(INDEX_VAR)) != 0 &&
		    strncmp(environ[i], OWNER_VAR "=", sizeof(OWNER_VAR)) != 0)
			envp[j++] = environ[i];
	envp[j] = NULL;
	return envp;
}

/* The program file: argv[0] itself when it holds a '/', else the first
 * executable regular file of that name in $PATH, as execvp would find it
 * (execvp cannot be called after fork: it may allocate). */
static int child_find(const char *file, char *out, size_t outlen)
{
	const char *path = getenv("PATH");
	struct stat st;

	if (strchr(file, '/')) {
		snprintf(out, outlen, "%s", file);
		return 0;
	}
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");

		snprintf(out, outlen, "%.*s%s%s", (int)n, n ? path : ".",
			 "/", file);
		if (stat(out, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(out, X_OK) == 0)
			return 0;
		path += n + (path[n] == ':');
	}
	return -ENOENT;
}

/* In the child, between fork and exec: async-signal-safe calls only. */
static void __attribute__((noreturn))
child_exec(const char *file, char **argv, char **shargv, char **envp,
	   pid_t parent, int errfd, int maxfd, const struct sigaction *dfl,
	   const sigset_t *none)
{
	int fd, e;

	/* pgid = pid: a signal to -pid reaches everything the worker starts. */
	if (setpgid(0, 0) < 0)
		goto fail;
	/* SIGTERM, not SIGKILL, when the daemon dies: the worker may finish
	 * the job in hand, as on a scale-in (nobody is left to SIGKILL it after
	 * a grace, so a worker that ignores SIGTERM lives on). PDEATHSIG fires
	 * when the *thread* that forked us ends: procpool runs on the loop
	 * thread, which lives as long as the daemon. It is kept across exec
	 * (but not by the worker's own children). */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0)
		goto fail;
	/* The daemon died before prctl took effect: no signal would come. */
	if (getppid() != parent) {
		errno = ESRCH;
		goto fail;
	}
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			sigaction(s, dfl, NULL); /* EINVAL for libc's own: fine */
	fd = open("/dev/null", O_RDONLY);
	if (fd < 0 || (fd != STDIN_FILENO && dup2(fd, STDIN_FILENO) < 0))
		goto fail;
	if (fd != STDIN_FILENO)
		close(fd);
	/* The loop's sockets and files are not the worker's business. */
	if (close_range(STDERR_FILENO + 1, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		for (fd = STDERR_FILENO + 1; fd < maxfd; fd++)
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	sigprocmask(SIG_SETMASK, none, NULL);
	execve(file, argv, envp);
	if (errno == ENOEXEC && shargv)
		execve(shargv[0], shargv, envp);
fail:
	e = errno;
	if (write(errfd, &e, sizeof(e)) < 0)
		e = 0; /* nothing more we can do */
	_exit(127);
}

/* Fork, exec, and wait for the exec (or its failure) to be known. */
static int child_fork(const char *file, char **argv, char **shargv,
		      char **envp, pid_t *pid)
{
	long open_max = sysconf(_SC_OPEN_MAX);
	int maxfd = open_max > 0 && open_max < 65536 ? (int)open_max : 65536;
	struct sigaction dfl;
	sigset_t all, none, old;
	pid_t parent = getpid(), child;
	int pfd[2], e = 0, rc = 0;
	ssize_t n;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigemptyset(&none);
	sigfillset(&all);
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	pthread_sigmask(SIG_SETMASK, &all, &old);
	child = fork();
	if (child == 0)
		child_exec(file, argv, shargv, envp, parent, pfd[1], maxfd, &dfl,
			   &none);
	if (child < 0)
		rc = -errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(pfd[1]);
	if (rc == 0) {
		/* EOF: exec'd (the pipe closed on exec). An int: it failed. */
		while ((n = read(pfd[0], &e, sizeof(e))) < 0 && errno == EINTR)
			;
		if (n == (ssize_t)sizeof(e)) {
			rc = e > 0 ? -e : -EIO;
			while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
				;
		} else {
			*pid = child;
		}
	}
	close(pfd[0]);
	return rc;
}

int child_spawn(const char *command, int index, pid_t *pid, char *err,
		size_t errlen)
{
	char file[PATH_MAX], **argv = NULL, **shargv = NULL, **envp;
	int direct, rc;
	size_t n = 0;

	direct = procpool_argv_split(command, &argv);
	envp = child_env(index);
	if (direct < 0 || !envp) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (direct)
		rc = child_find(argv[0], file, sizeof(file));
	else
		rc = child_find("/bin/sh", file, sizeof(file));
	if (rc == 0 && direct) {
		/* For ENOEXEC: /bin/sh file args... */
		while (argv[n])
			n++;
		shargv = calloc(n + 2, sizeof(*shargv));
		if (!shargv) {
			rc = -ENOMEM;
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		shargv[0] = "/bin/sh";
		shargv[1] = file;
		for (size_t i = 1; i < n; i++)
			shargv[i + 1] = argv[i];
	}
	if (rc == 0)
		rc = child_fork(file, argv, shargv, envp, pid);
	if (rc < 0)
		snprintf(err, errlen, "spawn %s'%s': %s",
			 direct ? "" : "/bin/sh -c ", command, strerror(-rc));
out:
	if (envp)
		free(envp[0]);
	free(envp);
	free(shargv);
	free(argv);
	return rc;
}

int child_signal(pid_t pid, int sig)
{
	if (pid <= 0)
		return -EINVAL;
	return kill(-pid, sig) < 0 ? -errno : 0;
}

int child_group_alive(pid_t pgid)
{
	if (pgid <= 0)
		return 0;
	return kill(-pgid, 0) == 0 || errno != ESRCH;
}

int child_reap(pid_t pid, int kill_group, int *status)
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
	if (kill_group)
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

void child_reap_orphans(pid_t pgid)
{
	int sub = 0;

	if (pgid <= 0 || (getpid() != 1 &&
			  (prctl(PR_GET_CHILD_SUBREAPER, &sub) < 0 || !sub)))
		return;
	/* P_PGID: only our children in this worker's group, never another
	 * plugin's (a zombie keeps its pgid). WNOWAIT first: the worker's
	 * main process is child_reap's, and is left to it. */
	for (int i = 0; i < CHILD_ORPHANS_MAX; i++) {
		siginfo_t si;

		memset(&si, 0, sizeof(si));
		if (waitid(P_PGID, (id_t)pgid, &si,
			   WEXITED | WNOHANG | WNOWAIT) < 0 ||
		    si.si_pid <= 0 || si.si_pid == pgid)
			return;
		if (waitpid(si.si_pid, NULL, WNOHANG) != si.si_pid)
			return;
	}
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
