/*
 * sim_progress.h - the progress display on stderr while a simulation runs:
 * on a terminal one line redrawn in place (\r) with a bar, the simulated
 * date, the percent done, jobs served of arrived and the cost so far, at
 * most once per thousandth of the span, cut to the terminal's width; elsewhere (a pipe, a file) a plain
 * line at each tenth of the span. Quiet: nothing.
 */
#ifndef SIM_PROGRESS_H
#define SIM_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct sim_world;

struct sim_progress {
	FILE *f;                    /* stderr; NULL: quiet */
	bool tty;                   /* redraw one line */
	bool open;                  /* a bar line is on screen, not ended */
	int64_t from_ms, to_ms;
	int64_t shown;              /* the last step shown (tenths or thousandths) */
	int width;                  /* the terminal's columns */
};

/* For the span from .. to on f (a terminal when isatty(fileno(f))); quiet:
 * show nothing. */
void sim_progress_init(struct sim_progress *p, FILE *f, bool quiet, int64_t from_ms,
		       int64_t to_ms);
/* The world at t: shown when a new step is reached. */
void sim_progress_at(struct sim_progress *p, int64_t t, const struct sim_world *w);
/* Before another line goes to f: end the bar's line (a no-op when none is
 * open). At the end of the run too. */
void sim_progress_break(struct sim_progress *p);

#endif
