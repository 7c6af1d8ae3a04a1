/*
 * sim_chart.h - chart.png: series.csv drawn by gnuplot (Debian's
 * gnuplot-nox), three panels on one time axis: the backlog, the instances
 * running per market, the spot and the on-demand price. The script stays
 * beside it as chart.gp (cd DIR && gnuplot chart.gp draws it again).
 */
#ifndef SIM_CHART_H
#define SIM_CHART_H

#include <stdbool.h>
#include <stdint.h>

/* Seconds gnuplot may take before it is killed (scaled simulate's). */
#define SIM_CHART_TIMEOUT_S 60

/* Draw DIR/chart.png from DIR/series.csv (the span from .. to, engine ms)
 * with the gnuplot found on PATH, in a child process killed after
 * timeout_s seconds. draw false (--no-chart): remove an old chart.png
 * and chart.gp only. The chart is optional: no gnuplot, its failure or its
 * time running out is one warning line on stderr, never an error. Returns
 * 0 when drawn (or not asked for), -ENOENT without gnuplot, -EIO when it
 * failed, -ETIMEDOUT when it was killed. */
int sim_chart(const char *dir, bool draw, int64_t from_ms, int64_t to_ms, int timeout_s);

#endif
