/*
 * scaled-worker - a demo worker for a dirqueue spool.
 *
 *   scaled-worker --spool DIR [--ms N] [--once]
 *
 * The spool protocol it shares with dirqueue and the inference worker:
 * docs/spool.md.
 *
 * Loop: claim one job by renaming DIR/NAME to DIR/.work/NAME.<pid>
 * (worker_spool.c; rename is atomic, so two workers never claim the same
 * job; .work is a dot-dir, so dirqueue does not count claimed jobs);
 * "process" it by sleeping for the number of milliseconds the file holds
 * (or --ms, default 200, when it holds no number); append "done NAME pid"
 * to DIR/.done.log; remove the claimed file. An empty spool is looked at
 * again every 100 ms, or ends the worker with --once.
 *
 * Only regular files are jobs. A claim is never replaced: a job whose
 * claim name NAME.<pid> is taken (a dead worker's that had our pid) is left
 * in the spool for another worker, and is tried again. A job whose name
 * leaves no room for ".<pid>" within 255 bytes is moved to DIR/.refused/
 * (so dirqueue no longer counts it) with a line on stderr, and the worker
 * goes on; if DIR/.refused/ has one of that name, it stays in the spool.
 *
 * SIGTERM (or SIGINT) lets the job in hand finish, then the worker exits 0:
 * that is what procpool's stop_grace is for (run it as procpool's command
 * as it is, no `exec` needed: procpool runs a plain command directly).
 *
 * A worker that dies with a job in hand (SIGKILL, a crash) leaves
 * DIR/.work/NAME.<pid> behind; dirqueue with `claims = ".work"` puts it back
 * in the spool once no process has that pid (same host only: see
 * plugins/dirqueue/README.md).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "worker_spool.h"

#define IDLE_MS 100

static volatile sig_atomic_t stopping;

static void on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: scaled-worker --spool DIR [--ms N] [--once]\n"
		"  --spool DIR  the spool directory to take jobs from\n"
		"  --ms N       milliseconds per job whose file holds no number (200)\n"
		"  --once       exit 0 when the spool is empty\n"
		"A job name too long for the claim DIR/.work/NAME.PID is moved to DIR/.refused/.\n"
		"The spool protocol: docs/spool.md.\n");
}

/* Sleep ms milliseconds; a signal does not cut a job short. */
static void work_for(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Idle sleep: a signal ends it early, so SIGTERM is answered at once. */
static void idle(void)
{
	struct timespec ts = { 0, IDLE_MS * 1000000L };

	nanosleep(&ts, NULL);
}

/* The job's duration: the number it holds, or dflt. */
static long job_ms(int dirfd, const char *path, long dflt)
{
	char buf[32];
	ssize_t n;
	char *end;
	long v;
	int fd;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return dflt;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return dflt;
	buf[n] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	if (end == buf || errno || v < 0 || (*end && *end != '\n'))
		return dflt;
	return v;
}

static int log_done(const char *spool, const char *name)
{
	char path[PATH_MAX], line[NAME_MAX + 64];
	int fd, len, rc = 0;

	snprintf(path, sizeof(path), "%s/.done.log", spool);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		goto fail;
	/* One write with O_APPEND: lines of concurrent workers never mix. */
	len = snprintf(line, sizeof(line), "done %s %ld\n", name, (long)getpid());
	if (write(fd, line, (size_t)len) != len)
		rc = -1;
	close(fd);
	if (rc == 0)
		return 0;
fail:
	fprintf(stderr, "scaled-worker: %s: %s\n", path, strerror(errno));
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "spool", required_argument, NULL, 's' },
		{ "ms", required_argument, NULL, 'm' },
		{ "once", no_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char name[NAME_MAX + 1], claimed[NAME_MAX + 1], err[PATH_MAX + 128];
	const char *spool = NULL;
	struct worker_spool ws;
	struct sigaction sa;
	long ms = 200;
	int once = 0, c, rc = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 's':
			spool = optarg;
			break;
		case 'm':
			errno = 0;
			ms = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || ms < 0) {
				fprintf(stderr, "scaled-worker: --ms: not a number of milliseconds: %s\n",
					optarg);
				usage();
				return 2;
			}
			break;
		case 'o':
			once = 1;
			break;
		case 'h':
			usage();
			return 0;
		default:
			usage();
			return 2;
		}
	}
	if (!spool || optind != argc) {
		usage();
		return 2;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term; /* no SA_RESTART: the idle sleep ends */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	if (worker_spool_open(&ws, spool, err, sizeof(err)) < 0) {
		fprintf(stderr, "scaled-worker: %s\n", err);
		return 1;
	}
	while (!stopping) {
		int r = worker_spool_claim(&ws, name, claimed, err, sizeof(err));

		if (r < 0) {
			fprintf(stderr, "scaled-worker: %s\n", err);
			rc = 1;
			break;
		}
		if (r == 0) {
			if (once)
				break;
			idle();
			continue;
		}
		work_for(job_ms(ws.workfd, claimed, ms));
		if (log_done(spool, name) < 0) {
			rc = 1;
			break;
		}
		if (unlinkat(ws.workfd, claimed, 0) < 0) {
			fprintf(stderr, "scaled-worker: %s/.work/%s: %s\n", spool, claimed,
				strerror(errno));
			rc = 1;
			break;
		}
	}
	worker_spool_close(&ws);
	return rc;
}
