/*
 * sim_chart.c - chart.png through gnuplot (sim_chart.h): the script with
 * series.csv's fixed world columns in it, gnuplot found on PATH and run in the
 * output folder as a child, killed (with whatever it started) when it
 * takes too long.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim_chart.h"
#include "sim_report.h"
#include "sim_series.h"

static void sim_chart_warn(const char *dir, const char *why)
{
	fprintf(stderr, "scaled simulate: warning: %s/chart.png not drawn: %s; the report is "
		"complete without it\n", dir, why);
}

/* gnuplot's path on PATH into buf, or false. */
static bool sim_chart_find(char *buf, size_t len)
{
	const char *path = getenv("PATH"), *p, *end;

	for (p = path && *path ? path : "/usr/bin:/bin"; ; p = end + 1) {
		end = strchr(p, ':');
		if (!end)
			end = p + strlen(p);
		if ((size_t)snprintf(buf, len, "%.*s/gnuplot", (int)(end - p), end > p ? p : ".") <
			    len && access(buf, X_OK) == 0)
			return true;
		if (!*end)
			return false;
	}
}

/* The world's columns of series.csv (its first SIM_SERIES_OD_PRICE: the
 * time, queued, in flight, spot, on-demand and the two prices) into the
 * script as a datablock, the tops of the panels in *top: gnuplot then
 * reads seven short columns once, not seventy four times over (a month's
 * chart took it 1.7 s, now 0.3). */
static int sim_chart_data(FILE *out, const char *dir, double top[3])
{
	char path[4096], *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *in;
	bool head = true;

	top[0] = top[1] = top[2] = 0;
	snprintf(path, sizeof path, "%s/series.csv", dir);
	if (!(in = fopen(path, "r")))
		return -errno;
	fputs("$world << EOD\n", out);
	while ((len = getline(&line, &cap, in)) > 0) {
		char *p = line, *end = line;
		int col;

		if (head) { /* the names */
			head = false;
			continue;
		}
		for (col = 1; col <= SIM_SERIES_OD_PRICE; col++) {
			double v;
			char *num_end;

			end = strpbrk(p, ",\n");
			if (!end)
				end = line + len;
			v = strtod(p, &num_end);
			if (col > 1 && num_end > p && num_end <= end && v == v) {
				int panel = col == SIM_SERIES_QUEUED ? 0
					  : col == SIM_SERIES_SPOT || col == SIM_SERIES_OD ? 1
					  : col >= SIM_SERIES_SPOT_PRICE ? 2 : -1;

				if (panel >= 0 && v > top[panel])
					top[panel] = v;
			}
			if (*end != ',' || col == SIM_SERIES_OD_PRICE)
				break;
			p = end + 1;
		}
		fprintf(out, "%.*s\n", (int)(end - line), line);
	}
	free(line);
	fclose(in);
	fputs("EOD\n", out);
	return 0;
}

static int sim_chart_script(const char *path, const char *dir, int64_t from_ms, int64_t to_ms)
{
	char from[32], to[32];
	double top[3];
	FILE *f = fopen(path, "w");
	int rc;

	if (!f)
		return -errno;
	sim_report_iso(from_ms, from, sizeof from);
	sim_report_iso(to_ms, to, sizeof to);
	fprintf(f,
		"# chart.gp: chart.png from series.csv's first %d columns (the world's,\n"
		"# copied below), written by scaled simulate (docs/simulate.md); draw it\n"
		"# again with: gnuplot chart.gp\n"
		"set terminal pngcairo size 1200,900\n"
		"set output \"chart.png\"\n"
		"set datafile separator \",\"\n", SIM_SERIES_OD_PRICE);
	if ((rc = sim_chart_data(f, dir, top)) < 0) {
		fclose(f);
		return rc;
	}
	/* the tops of the panels, 1.1 times the highest (a flat 0 is drawn on
	 * 0 to 1) */
	for (int i = 0; i < 3; i++)
		top[i] = top[i] > 0 ? top[i] * 1.1 : 1;
	fprintf(f,
		"set xdata time\n"
		"set timefmt \"%%Y-%%m-%%dT%%H:%%M:%%SZ\"\n"
		"set xrange [\"%s\":\"%s\"]\n"
		"set format x \"\"\n"
		"set lmargin 12\n"
		"set rmargin 4\n"
		"set grid\n"
		"set key top left\n"
		"set multiplot layout 3,1 title \"scaled simulate, %s to %s\"\n"
		"set ylabel \"jobs queued\"\n"
		"set yrange [0:%.17g]\n"
		"plot $world using 1:%d with steps title \"backlog\"\n"
		"set ylabel \"instances running\"\n"
		"set yrange [0:%.17g]\n"
		"plot $world using 1:%d with steps title \"spot\", \\\n"
		"     $world using 1:%d with steps title \"on-demand\"\n"
		"set ylabel \"USD per instance-hour\"\n"
		"set yrange [0:%.17g]\n"
		"set xlabel \"UTC\"\n"
		"set format x \"%%m-%%d\\n%%H:%%M\" time\n"
		"plot $world using 1:%d with steps title \"spot price\", \\\n"
		"     $world using 1:%d with steps title \"on-demand price\"\n"
		"unset multiplot\n",
		from, to, from, to, top[0], SIM_SERIES_QUEUED, top[1], SIM_SERIES_SPOT, SIM_SERIES_OD,
		top[2], SIM_SERIES_SPOT_PRICE, SIM_SERIES_OD_PRICE);
	if (fclose(f) != 0)
		return -errno;
	return 0;
}

/* The child: its own process group (killed whole at the limit), stdin
 * from /dev/null, no descriptor of ours past stderr (decisions.jsonl, the
 * engine's), then gnuplot chart.gp in dir. Only async-signal-safe calls. */
static void sim_chart_child(const char *gnuplot, const char *dir, int maxfd)
{
	int null, fd;

	setpgid(0, 0);
	null = open("/dev/null", O_RDONLY);
	/* gnuplot reads its script, never our stdin */
	if (null < 0 || (null != STDIN_FILENO && dup2(null, STDIN_FILENO) < 0))
		_exit(127);
	if (null != STDIN_FILENO)
		close(null);
	if (close_range(STDERR_FILENO + 1, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		for (fd = STDERR_FILENO + 1; fd < maxfd; fd++)
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	if (chdir(dir) == 0)
		execl(gnuplot, "gnuplot", "chart.gp", (char *)NULL);
	_exit(127);
}

/* Run gnuplot chart.gp in dir; its status in *status. 0, -errno when it
 * could not start, -ETIMEDOUT when it was killed (its whole process group:
 * what it started too). SIGCHLD is SIG_DFL meanwhile: inherited as
 * SIG_IGN, the child would be reaped unseen and waitpid fail (ECHILD). */
static int sim_chart_run(const char *gnuplot, const char *dir, int timeout_s, int *status)
{
	struct timespec start, now, nap = { 0, 20 * 1000 * 1000 };
	struct sigaction dfl = { .sa_handler = SIG_DFL }, old;
	long open_max = sysconf(_SC_OPEN_MAX);
	int maxfd = open_max > 0 && open_max < 65536 ? (int)open_max : 65536, rc = 0;
	pid_t pid, done;

	sigemptyset(&dfl.sa_mask);
	if (sigaction(SIGCHLD, &dfl, &old) < 0)
		return -errno;
	clock_gettime(CLOCK_MONOTONIC, &start);
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		goto out;
	}
	if (pid == 0)
		sim_chart_child(gnuplot, dir, maxfd);
	setpgid(pid, pid); /* as the child does: whichever runs first */
	while ((done = waitpid(pid, status, WNOHANG)) == 0) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 >=
		    (int64_t)timeout_s * 1000) {
			kill(-pid, SIGKILL);
			waitpid(pid, status, 0);
			rc = -ETIMEDOUT;
			goto out;
		}
		nanosleep(&nap, NULL);
	}
	if (done < 0)
		rc = -errno;
out:
	sigaction(SIGCHLD, &old, NULL);
	return rc;
}

int sim_chart(const char *dir, bool draw, int64_t from_ms, int64_t to_ms, int timeout_s)
{
	char png[4096], gp[4096], gnuplot[4096], why[128];
	int rc, status = 0;

	snprintf(png, sizeof png, "%s/chart.png", dir);
	snprintf(gp, sizeof gp, "%s/chart.gp", dir);
	unlink(png); /* not an old run's */
	if (!draw) {
		unlink(gp);
		return 0;
	}
	if (!sim_chart_find(gnuplot, sizeof gnuplot)) {
		sim_chart_warn(dir, "no gnuplot on PATH (Debian: gnuplot-nox; --no-chart: "
			       "do not try)");
		return -ENOENT;
	}
	if ((rc = sim_chart_script(gp, dir, from_ms, to_ms)) < 0) {
		snprintf(why, sizeof why, "chart.gp: %s", strerror(-rc));
		sim_chart_warn(dir, why);
		return -EIO;
	}
	rc = sim_chart_run(gnuplot, dir, timeout_s, &status);
	if (rc == -ETIMEDOUT)
		snprintf(why, sizeof why, "gnuplot took more than %d s and was stopped", timeout_s);
	else if (rc < 0)
		snprintf(why, sizeof why, "gnuplot did not start: %s", strerror(-rc));
	else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		snprintf(why, sizeof why, "gnuplot failed (%s %d)",
			 WIFEXITED(status) ? "exit status" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	else if (access(png, F_OK) != 0)
		snprintf(why, sizeof why, "gnuplot ended without writing it");
	else
		return 0;
	unlink(png);
	sim_chart_warn(dir, why);
	return rc == -ETIMEDOUT ? rc : -EIO;
}
