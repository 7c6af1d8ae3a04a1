/*
 * test_simulate_chart.c - chart.png's child process (sim_chart.c) with a
 * stand-in gnuplot on PATH: the script it is handed, a drawing that
 * succeeds, one that fails, one that writes nothing, one that runs past
 * its time and is killed with what it started, the descriptors it gets,
 * SIGCHLD inherited as ignored, none on PATH, and --no-chart's clean-up.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sim_chart.h"

/* 2024-01-01T00:00:00Z and 00:10:00Z */
#define FROM 1704067200000LL
#define TO (FROM + 600000)

struct fx {
	char dir[64], bin[96], path[160];
	char *old_path;             /* PATH before the test */
};

/* A series.csv as sim_series.c writes it: the world's columns first,
 * a price left empty, a group's columns after them. */
static int write_series(const struct fx *f)
{
	char p[128];
	FILE *o;

	snprintf(p, sizeof p, "%s/series.csv", f->dir);
	if (!(o = fopen(p, "w")))
		return -1;
	fputs("time,sim:queued,sim:in_flight,sim:spot,sim:on_demand,sim:spot_price,"
	      "sim:on_demand_price,sim:cost,g:desired\n"
	      "2024-01-01T00:00:00Z,0,0,2,0,,0.42,0.000000,2\n"
	      "2024-01-01T00:05:00Z,40,3,2,5,0.116600,0.420000,0.070000,7\n"
	      "2024-01-01T00:10:00Z,12.5,1,9,1,0.5,0.420000,0.1,10\n", o);
	return fclose(o) == 0 ? 0 : -1;
}

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	if (!f)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/sim_chart.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->bin, sizeof f->bin, "%s/bin", f->dir);
	snprintf(f->path, sizeof f->path, "%s/gnuplot", f->bin);
	if (mkdir(f->bin, 0755) < 0)
		return -1;
	f->old_path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	*state = f;
	return write_series(f);
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	if (f->old_path)
		setenv("PATH", f->old_path, 1);
	else
		unsetenv("PATH");
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f->old_path);
	free(f);
	return 0;
}

/* A stand-in gnuplot whose body is the shell text `body`, first on PATH. */
static void fake(struct fx *f, const char *body)
{
	FILE *o = fopen(f->path, "w");

	assert_non_null(o);
	fprintf(o, "#!/bin/sh\nPATH=/usr/bin:/bin\n%s\n", body);
	assert_int_equal(fclose(o), 0);
	assert_int_equal(chmod(f->path, 0755), 0);
	assert_int_equal(setenv("PATH", f->bin, 1), 0);
}

static bool exists(const struct fx *f, const char *name)
{
	char p[128];

	snprintf(p, sizeof p, "%s/%s", f->dir, name);
	return access(p, F_OK) == 0;
}

static char *slurp(const struct fx *f, const char *name)
{
	static char buf[8192];
	char p[128];
	FILE *i;
	size_t n;

	snprintf(p, sizeof p, "%s/%s", f->dir, name);
	i = fopen(p, "r");
	assert_non_null(i);
	n = fread(buf, 1, sizeof buf - 1, i);
	buf[n] = '\0';
	fclose(i);
	return buf;
}

/* It runs in the output folder on chart.gp, which plots series.csv's
 * world columns (2 queued, 4 spot, 5 on-demand, 6 and 7 the prices, copied
 * into it as a datablock, the rest of a row left out) over the span, each
 * panel up to 1.1 times its highest value. */
static void test_chart_drawn(void **state)
{
	struct fx *f = *state;
	char *gp;

	fake(f, "[ \"$1\" = chart.gp ] && [ -f chart.gp ] || exit 9\n"
		"printf 'png' > chart.png");
	assert_int_equal(sim_chart(f->dir, true, FROM, TO, 10), 0);
	assert_true(exists(f, "chart.png"));
	gp = slurp(f, "chart.gp");
	assert_non_null(strstr(gp, "set xrange [\"2024-01-01T00:00:00Z\":\"2024-01-01T00:10:00Z\"]"));
	assert_non_null(strstr(gp, "using 1:2 with steps title \"backlog\""));
	assert_non_null(strstr(gp, "using 1:4 with steps title \"spot\""));
	assert_non_null(strstr(gp, "using 1:5 with steps title \"on-demand\""));
	assert_non_null(strstr(gp, "using 1:6 with steps title \"spot price\""));
	assert_non_null(strstr(gp, "using 1:7 with steps title \"on-demand price\""));
	assert_non_null(strstr(gp, "set output \"chart.png\""));
	assert_non_null(strstr(gp, "$world << EOD\n"
				   "2024-01-01T00:00:00Z,0,0,2,0,,0.42\n"
				   "2024-01-01T00:05:00Z,40,3,2,5,0.116600,0.420000\n"
				   "2024-01-01T00:10:00Z,12.5,1,9,1,0.5,0.420000\n"
				   "EOD\n"));
	assert_null(strstr(gp, "time,sim:queued"));
	assert_non_null(strstr(gp, "set yrange [0:44]\n"));                    /* 40 */
	assert_non_null(strstr(gp, "set yrange [0:9.9000000000000004]\n"));  /* 9 */
	assert_non_null(strstr(gp, "set yrange [0:0.55000000000000004]\n")); /* 0.5 */
}

static void test_chart_fails(void **state)
{
	struct fx *f = *state;

	fake(f, "printf 'half' > chart.png; exit 3");
	assert_int_equal(sim_chart(f->dir, true, FROM, TO, 10), -EIO);
	assert_false(exists(f, "chart.png")); /* a half-drawn one is removed */
	fake(f, "exit 0"); /* says it drew, but did not */
	assert_int_equal(sim_chart(f->dir, true, FROM, TO, 10), -EIO);
}

/* Whether process pid is gone (or a zombie: killed, not yet reaped by
 * whoever inherited it), within 2 s. */
static bool gone(long pid)
{
	char p[64], st[256];
	int i;

	for (i = 0; i < 100; i++) {
		FILE *in;
		size_t n;
		char *close_paren;

		snprintf(p, sizeof p, "/proc/%ld/stat", pid);
		if (!(in = fopen(p, "r")))
			return true;
		n = fread(st, 1, sizeof st - 1, in);
		fclose(in);
		st[n] = '\0';
		/* "pid (comm) S ...": the state after the last ')' */
		close_paren = strrchr(st, ')');
		if (close_paren && close_paren[1] == ' ' && close_paren[2] == 'Z')
			return true;
		usleep(20000);
	}
	return false;
}

/* One that would take 30 s is killed at its limit (1 s here), and with it
 * what it started (a helper in the background, as gnuplot's own). */
static void test_chart_timeout(void **state)
{
	struct fx *f = *state;
	char p[128];
	long bg = 0;
	FILE *in;

	fake(f, "sleep 30 >/dev/null 2>&1 & echo $! > bg.pid\n"
		"printf 'half' > chart.png; exec sleep 30");
	assert_int_equal(sim_chart(f->dir, true, FROM, TO, 1), -ETIMEDOUT);
	assert_false(exists(f, "chart.png"));
	snprintf(p, sizeof p, "%s/bg.pid", f->dir);
	in = fopen(p, "r");
	assert_non_null(in);
	assert_int_equal(fscanf(in, "%ld", &bg), 1);
	fclose(in);
	if (!gone(bg)) {
		kill((pid_t)bg, SIGKILL);
		fail_msg("gnuplot's background child %ld outlived the timeout", bg);
	}
}

/* gnuplot gets stdin from /dev/null and no descriptor of ours past stderr
 * (a file opened without O_CLOEXEC, as decisions.jsonl was, or the
 * /dev/null opened for stdin): the stand-in finds none open of 3 to 9
 * (dash keeps its own from 10). */
static void test_chart_fds(void **state)
{
	struct fx *f = *state;
	char p[128];
	FILE *leak;
	int rc;

	snprintf(p, sizeof p, "%s/leak.txt", f->dir);
	leak = fopen(p, "w");
	assert_non_null(leak);
	assert_true(fileno(leak) >= 3 && fileno(leak) <= 9);
	fake(f, "[ /proc/$$/fd/0 -ef /dev/null ] || exit 7\n"
		"for n in 3 4 5 6 7 8 9; do\n"
		"  [ -e /proc/$$/fd/$n ] && echo \"fd $n\" >> fds.txt\n"
		"done\n"
		"[ -e fds.txt ] && exit 8\n"
		"printf 'png' > chart.png");
	rc = sim_chart(f->dir, true, FROM, TO, 10);
	fclose(leak);
	if (exists(f, "fds.txt"))
		fail_msg("gnuplot has descriptors of ours: %s", slurp(f, "fds.txt"));
	assert_int_equal(rc, 0);
}

/* SIGCHLD inherited as ignored: the child is still waited for (not reaped
 * unseen, ECHILD), and the disposition is left as it was. */
static void test_chart_sigchld_ignored(void **state)
{
	struct fx *f = *state;
	struct sigaction sa;

	int rc;

	fake(f, "sleep 0.1; printf 'png' > chart.png");
	assert_true(signal(SIGCHLD, SIG_IGN) != SIG_ERR);
	rc = sim_chart(f->dir, true, FROM, TO, 10);
	assert_int_equal(sigaction(SIGCHLD, NULL, &sa), 0);
	signal(SIGCHLD, SIG_DFL); /* before any assert: not into the next tests */
	assert_int_equal(rc, 0);
	assert_true(sa.sa_handler == SIG_IGN);
	assert_true(exists(f, "chart.png"));
}

static void test_chart_no_gnuplot(void **state)
{
	struct fx *f = *state;

	assert_int_equal(setenv("PATH", "/nonexistent:", 1), 0);
	assert_int_equal(sim_chart(f->dir, true, FROM, TO, 10), -ENOENT);
	assert_false(exists(f, "chart.png"));
	assert_false(exists(f, "chart.gp"));
}

/* --no-chart: an old run's chart and script go; gnuplot is not run. */
static void test_chart_not_drawn(void **state)
{
	struct fx *f = *state;

	fake(f, "printf 'png' > chart.png");
	assert_int_equal(sim_chart(f->dir, true, FROM, TO, 10), 0);
	assert_true(exists(f, "chart.png") && exists(f, "chart.gp"));
	fake(f, "exit 9");
	assert_int_equal(sim_chart(f->dir, false, FROM, TO, 10), 0);
	assert_false(exists(f, "chart.png"));
	assert_false(exists(f, "chart.gp"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_chart_drawn, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_chart_fails, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_chart_timeout, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_chart_fds, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_chart_sigchld_ignored, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_chart_no_gnuplot, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_chart_not_drawn, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
