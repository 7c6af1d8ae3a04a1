/*
 * sim_chart.c - chart.png through gnuplot (sim_chart.h): the script from
 * series.csv's fixed world columns, gnuplot found on PATH and run in the
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

static int sim_chart_script(const char *path, int64_t from_ms, int64_t to_ms)
{
	char from[32], to[32];
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	sim_report_iso(from_ms, from, sizeof from);
	sim_report_iso(to_ms, to, sizeof to);
	fprintf(f,
		"# chart.gp: chart.png from series.csv, written by scaled simulate\n"
		"# (docs/simulate.md); draw it again with: gnuplot chart.gp\n"
		"set terminal pngcairo size 1200,900\n"
		"set output \"chart.png\"\n"
		"set datafile separator \",\"\n"
		"# the tops of the panels (a flat 0 is drawn on 0 to 1)\n"
		"max(a, b) = a > b ? a : b\n"
		"top(m) = m > 0 ? m * 1.1 : 1\n"
		"stats \"series.csv\" skip 1 using %d name \"Q\" nooutput\n"
		"stats \"series.csv\" skip 1 using (max($%d, $%d)) name \"N\" nooutput\n"
		"stats \"series.csv\" skip 1 using (max($%d, $%d)) name \"P\" nooutput\n"
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
		"set yrange [0:top(Q_max)]\n"
		"plot \"series.csv\" skip 1 using 1:%d with steps title \"backlog\"\n"
		"set ylabel \"instances running\"\n"
		"set yrange [0:top(N_max)]\n"
		"plot \"series.csv\" skip 1 using 1:%d with steps title \"spot\", \\\n"
		"     \"series.csv\" skip 1 using 1:%d with steps title \"on-demand\"\n"
		"set ylabel \"USD per instance-hour\"\n"
		"set yrange [0:top(P_max)]\n"
		"set xlabel \"UTC\"\n"
		"set format x \"%%m-%%d\\n%%H:%%M\" time\n"
		"plot \"series.csv\" skip 1 using 1:%d with steps title \"spot price\", \\\n"
		"     \"series.csv\" skip 1 using 1:%d with steps title \"on-demand price\"\n"
		"unset multiplot\n",
		SIM_SERIES_QUEUED, SIM_SERIES_SPOT, SIM_SERIES_OD, SIM_SERIES_SPOT_PRICE,
		SIM_SERIES_OD_PRICE, from, to, from, to, SIM_SERIES_QUEUED, SIM_SERIES_SPOT, SIM_SERIES_OD,
		SIM_SERIES_SPOT_PRICE, SIM_SERIES_OD_PRICE);
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
	if ((rc = sim_chart_script(gp, from_ms, to_ms)) < 0) {
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
