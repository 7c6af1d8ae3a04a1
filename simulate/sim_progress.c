/*
 * sim_progress.c - the progress display (sim_progress.h).
 */
#include <inttypes.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "sim_progress.h"
#include "sim_report.h"
#include "sim_world.h"

#define SIM_BAR_WIDTH 20

void sim_progress_init(struct sim_progress *p, FILE *f, bool quiet, int64_t from_ms,
		       int64_t to_ms)
{
	p->f = quiet ? NULL : f;
	struct winsize ws;

	p->tty = f && isatty(fileno(f));
	/* A line as wide as the terminal would wrap, and \r would redraw
	 * only its last part: one column less. */
	p->width = 80;
	if (p->tty && ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1)
		p->width = ws.ws_col;
	p->open = false;
	p->from_ms = from_ms;
	p->to_ms = to_ms;
	p->shown = 0;
}

void sim_progress_at(struct sim_progress *p, int64_t t, const struct sim_world *w)
{
	int64_t steps = p->tty ? 1000 : 10, span = p->to_ms - p->from_ms;
	int64_t step = span > 0 ? (t - p->from_ms) * steps / span : steps;
	int pct = (int)(step * 100 / steps), i;
	char when[32], bar[SIM_BAR_WIDTH + 1], line[256];
	size_t cut;

	if (!p->f || step <= p->shown)
		return;
	p->shown = step;
	sim_report_iso(t, when, sizeof when);
	if (!p->tty) {
		fprintf(p->f, "simulate: %3d%% %s jobs %" PRIu64 "/%" PRIu64 " queued %zu cost %.2f\n",
			pct, when, w->st.served, w->st.arrived, w->queue.n, sim_world_cost_now(w));
		return;
	}
	for (i = 0; i < SIM_BAR_WIDTH; i++)
		bar[i] = i < step * SIM_BAR_WIDTH / steps ? '#' : '-';
	bar[SIM_BAR_WIDTH] = '\0';
	snprintf(line, sizeof line, "simulate [%s] %3d%% %s jobs %" PRIu64 "/%" PRIu64 " cost %.2f",
		 bar, pct, when, w->st.served, w->st.arrived, sim_world_cost_now(w));
	cut = (size_t)p->width - 1 < strlen(line) ? (size_t)p->width - 1 : strlen(line);
	/* \033[K: clear what a longer line before left */
	fprintf(p->f, "\r%.*s\033[K", (int)cut, line);
	fflush(p->f);
	p->open = true;
}

void sim_progress_break(struct sim_progress *p)
{
	if (!p->open)
		return;
	fputc('\n', p->f);
	p->open = false;
}
