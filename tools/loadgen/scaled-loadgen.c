/*
 * scaled-loadgen - drop job files into a spool directory at a steady rate.
 *
 *   scaled-loadgen --spool DIR --rate N (--count N | --seconds N) [--ms N]
 *
 * Each job is written under a dot-name and renamed into place, so that a
 * reader (dirqueue, scaled-worker) only ever sees whole jobs. A job file
 * holds --ms (milliseconds of work for scaled-worker) when given, else it is
 * empty and the worker uses its own default. Jobs are paced on an absolute
 * schedule, so the rate does not drift with the time each write takes.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void usage(void)
{
	fprintf(stderr,
		"usage: scaled-loadgen --spool DIR --rate N (--count N | --seconds N) [--ms N]\n"
		"  --spool DIR   the spool directory to write jobs into\n"
		"  --rate N      jobs per second (may be fractional)\n"
		"  --count N     write N jobs\n"
		"  --seconds N   write for N seconds (rate x seconds jobs)\n"
		"  --ms N        put N (milliseconds of work) into each job\n");
}

static int parse_num(const char *opt, const char *text, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(text, &end);
	if (errno || end == text || *end || !isfinite(*v) || *v < 0) {
		fprintf(stderr, "scaled-loadgen: %s: not a number: %s\n", opt, text);
		return -1;
	}
	return 0;
}

static int write_job(const char *spool, unsigned long seq, long ms)
{
	char tmp[PATH_MAX], dst[PATH_MAX], body[32];
	int fd, len = 0, rc = 0;

	snprintf(tmp, sizeof(tmp), "%s/.job-%ld-%lu.tmp", spool, (long)getpid(), seq);
	snprintf(dst, sizeof(dst), "%s/job-%ld-%06lu", spool, (long)getpid(), seq);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		goto fail;
	if (ms >= 0)
		len = snprintf(body, sizeof(body), "%ld\n", ms);
	if (len > 0 && write(fd, body, (size_t)len) != len)
		rc = -1;
	if (close(fd) < 0)
		rc = -1;
	if (rc == 0 && rename(tmp, dst) == 0)
		return 0;
	unlink(tmp);
fail:
	fprintf(stderr, "scaled-loadgen: %s: %s\n", dst, strerror(errno));
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "spool", required_argument, NULL, 's' },
		{ "rate", required_argument, NULL, 'r' },
		{ "count", required_argument, NULL, 'c' },
		{ "seconds", required_argument, NULL, 'S' },
		{ "ms", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	double rate = 0, count = -1, seconds = -1, ms = -1;
	const char *spool = NULL;
	struct timespec start;
	unsigned long n;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int bad = 0;

		switch (c) {
		case 's':
			spool = optarg;
			break;
		case 'r':
			bad = parse_num("--rate", optarg, &rate);
			break;
		case 'c':
			bad = parse_num("--count", optarg, &count);
			break;
		case 'S':
			bad = parse_num("--seconds", optarg, &seconds);
			break;
		case 'm':
			bad = parse_num("--ms", optarg, &ms);
			break;
		case 'h':
			usage();
			return 0;
		default:
			bad = 1;
		}
		if (bad) {
			usage();
			return 2;
		}
	}
	if (!spool || rate <= 0 || (count < 0) == (seconds < 0) ||
	    optind != argc) {
		usage();
		return 2;
	}
	n = count >= 0 ? (unsigned long)count
		       : (unsigned long)llround(rate * seconds);

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (unsigned long i = 0; i < n; i++) {
		double at;

		if (write_job(spool, i, ms >= 0 ? (long)ms : -1) < 0)
			return 1;
		/* Job i+1 is due (i+1)/rate seconds after the first. */
		at = (double)(i + 1) / rate;
		if (i + 1 < n) {
			struct timespec due = start;

			due.tv_sec += (time_t)at;
			due.tv_nsec += (long)((at - (double)(time_t)at) * 1e9);
			if (due.tv_nsec >= 1000000000L) {
				due.tv_sec++;
				due.tv_nsec -= 1000000000L;
			}
			while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME,
					       &due, NULL) == EINTR)
				;
		}
	}
	printf("scaled-loadgen: wrote %lu jobs into %s\n", n, spool);
	return 0;
}
