/*
 * scaled-worker - a demo worker for a dirqueue spool.
 *
 *   scaled-worker --spool DIR [--ms N] [--once]
 *
 * Loop: claim one job by renaming DIR/NAME to DIR/.work/NAME.<pid> (rename
 * is atomic, so two workers never claim the same job; .work is a dot-dir,
 * so dirqueue does not count claimed jobs); "process" it by sleeping for the
 * number of milliseconds the file holds (or --ms, default 200, when it holds
 * no number); append "done NAME pid" to DIR/.done.log; remove the claimed
 * file. An empty spool is looked at again every 100 ms, or ends the worker
 * with --once.
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
		"  --once       exit 0 when the spool is empty\n");
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
static long job_ms(const char *path, long dflt)
{
	char buf[32];
	ssize_t n;
	char *end;
	long v;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
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

/* Claim one job: 1 with name and claimed filled, 0 when the spool is empty,
 * -1 on an error (reported). */
static int claim(const char *spool, char *name, size_t namelen,
		 char *claimed, size_t claimedlen)
{
	char from[PATH_MAX];
	struct dirent *de;
	int rc = 0;
	DIR *d;

	d = opendir(spool);
	if (!d) {
		fprintf(stderr, "scaled-worker: %s: %s\n", spool, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (de->d_type != DT_REG && de->d_type != DT_UNKNOWN)
			continue;
		snprintf(from, sizeof(from), "%s/%s", spool, de->d_name);
		snprintf(claimed, claimedlen, "%s/.work/%s.%ld", spool,
			 de->d_name, (long)getpid());
		if (rename(from, claimed) == 0) {
			snprintf(name, namelen, "%s", de->d_name);
			rc = 1;
			break;
		}
		if (errno != ENOENT) { /* ENOENT: another worker was first */
			fprintf(stderr, "scaled-worker: rename %s: %s\n", from,
				strerror(errno));
			rc = -1;
			break;
		}
	}
	closedir(d);
	return rc;
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
	char work[PATH_MAX], name[NAME_MAX + 1], claimed[PATH_MAX];
	const char *spool = NULL;
	struct sigaction sa;
	long ms = 200;
	int once = 0, c;

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

	snprintf(work, sizeof(work), "%s/.work", spool);
	if (mkdir(work, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "scaled-worker: %s: %s\n", work, strerror(errno));
		return 1;
	}
	while (!stopping) {
		int r = claim(spool, name, sizeof(name), claimed, sizeof(claimed));

		if (r < 0)
			return 1;
		if (r == 0) {
			if (once)
				break;
			idle();
			continue;
		}
		work_for(job_ms(claimed, ms));
		if (log_done(spool, name) < 0)
			return 1;
		if (unlink(claimed) < 0) {
			fprintf(stderr, "scaled-worker: %s: %s\n", claimed,
				strerror(errno));
			return 1;
		}
	}
	return 0;
}
