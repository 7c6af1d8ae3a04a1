/*
 * sim_chart.c - chart.png through gnuplot (sim_chart.h): the script from
 * series.csv's fixed world columns, gnuplot found on PATH and run in the
 * output folder as a child, killed when it takes too long.
 */
#include <errno.h>
#include <fcntl.h>
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

/* Run gnuplot chart.gp in dir; its status in *status. 0, -errno when it
 * could not start, -ETIMEDOUT when it was killed. */
static int sim_chart_run(const char *gnuplot, const char *dir, int timeout_s, int *status)
{
	struct timespec start, now, nap = { 0, 20 * 1000 * 1000 };
	pid_t pid, done;

	clock_gettime(CLOCK_MONOTONIC, &start);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		/* gnuplot reads its script, never our stdin */
		if (null >= 0 && dup2(null, STDIN_FILENO) >= 0 && chdir(dir) == 0)
			execl(gnuplot, "gnuplot", "chart.gp", (char *)NULL);
		_exit(127);
	}
	while ((done = waitpid(pid, status, WNOHANG)) == 0) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 >=
		    (int64_t)timeout_s * 1000) {
			kill(pid, SIGKILL);
			waitpid(pid, status, 0);
			return -ETIMEDOUT;
		}
		nanosleep(&nap, NULL);
	}
	return done < 0 ? -errno : 0;
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
