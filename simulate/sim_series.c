/*
 * sim_series.c - series.csv (sim_series.h): the columns fixed at the first
 * row, then one row per sample instant, straight to the file.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "int_text.h"
#include "scaled/scaled.h"
#include "sim_report.h"
#include "sim_series.h"
#include "sim_world.h"

struct sim_series_col {
	const char *name;           /* the engine's (lives as long as it) */
	size_t made;                /* its place in the order series were made */
	bool has;
	double v;
};

struct sim_series_group {
	const char *name;
	const struct sim_pool *pool; /* its simulated capacity, or NULL */
};

struct sim_series {
	FILE *f;
	char *path;
	const struct scaled_engine *e;
	const struct sim_world *w;
	bool started;               /* the header is out */
	struct sim_series_col *col; /* by name */
	size_t *at;                 /* made order -> col index */
	size_t n_col;
	struct sim_series_group *grp;
	size_t n_grp;
	size_t seen, late;          /* series walked this row; made after the header */
	const char *late_name;      /* the first of those with a sample */
	int err;
	char *cells;                /* a row's cells, written with one fwrite */
	size_t cells_cap;
};

/* Room for every cell of a row (SIM_SERIES_CELL bytes each at most):
 * made once, when the columns are known (the first row). */
#define SIM_SERIES_CELL 32 /* ",%.9g": 17 at most; digits: 1 + INT_TEXT_MAX */
_Static_assert(1 + INT_TEXT_MAX <= SIM_SERIES_CELL, "a whole number's cell fits");

int64_t sim_series_default_every(const struct scaled_engine *e, int64_t span_ms)
{
	int64_t every = 0, g_every;
	const struct scaled_instance *target;
	const char *name;
	size_t i;

	for (i = 0; engine_group_at(e, i, &name, &g_every, &target) == 0; i++)
		if (g_every > 0 && (every == 0 || g_every < every))
			every = g_every;
	if (every == 0)
		every = 60000;
	every = (every + 999) / 1000 * 1000; /* the time column has whole seconds */
	if (every < 60000 && span_ms / every > SIM_SERIES_MAX_ROWS)
		every = 60000;
	return every;
}

/* ------------------------------------------------------------ the header -- */

static void sim_series_count(void *arg, const char *name, bool has, int64_t t, double v)
{
	struct sim_series *s = arg;

	(void)name, (void)has, (void)t, (void)v;
	s->n_col++;
}

static void sim_series_name(void *arg, const char *name, bool has, int64_t t, double v)
{
	struct sim_series *s = arg;

	(void)has, (void)t, (void)v;
	s->col[s->seen].name = name;
	s->col[s->seen].made = s->seen;
	s->seen++;
}

static int sim_series_by_name(const void *a, const void *b)
{
	return strcmp(((const struct sim_series_col *)a)->name,
		      ((const struct sim_series_col *)b)->name);
}

static const struct sim_pool *sim_series_pool(const struct sim_world *w,
					      const struct scaled_instance *target)
{
	size_t i;

	for (i = 0; i < w->n_pools; i++)
		if (w->pools[i]->owner == target)
			return w->pools[i];
	return NULL;
}

static int sim_series_header(struct sim_series *s)
{
	const struct scaled_instance *target;
	const char *name;
	int64_t every;
	size_t i;

	engine_series_each(s->e, sim_series_count, s);
	while (engine_group_at(s->e, s->n_grp, &name, &every, &target) == 0)
		s->n_grp++;
	s->col = calloc(s->n_col ? s->n_col : 1, sizeof *s->col);
	s->at = calloc(s->n_col ? s->n_col : 1, sizeof *s->at);
	s->grp = calloc(s->n_grp ? s->n_grp : 1, sizeof *s->grp);
	if (!s->col || !s->at || !s->grp)
		return -ENOMEM;
	engine_series_each(s->e, sim_series_name, s);
	qsort(s->col, s->n_col, sizeof *s->col, sim_series_by_name);
	for (i = 0; i < s->n_col; i++)
		s->at[s->col[i].made] = i;
	for (i = 0; i < s->n_grp; i++) {
		engine_group_at(s->e, i, &s->grp[i].name, &every, &target);
		s->grp[i].pool = sim_series_pool(s->w, target);
	}
	fputs("time,sim:queued,sim:in_flight,sim:spot,sim:on_demand,sim:spot_price,"
	      "sim:on_demand_price,sim:cost", s->f);
	for (i = 0; i < s->n_col; i++)
		fprintf(s->f, ",%s", s->col[i].name);
	for (i = 0; i < s->n_grp; i++)
		fprintf(s->f, ",%s:desired,%s:spot,%s:on_demand", s->grp[i].name, s->grp[i].name,
			s->grp[i].name);
	fputc('\n', s->f);
	s->started = true;
	return 0;
}

/* ------------------------------------------------------------------ rows -- */

static void sim_series_value(void *arg, const char *name, bool has, int64_t t, double v)
{
	struct sim_series *s = arg;
	struct sim_series_col *c;

	(void)t;
	if (s->seen >= s->n_col) {
		s->seen++;
		if (has && !s->late_name)
			s->late_name = name;
		return;
	}
	c = &s->col[s->at[s->seen++]];
	c->has = has;
	c->v = v;
}

/* ",<digits>" of a whole number below 1e9 in magnitude, by hand: what
 * "%d" and "%.9g" both write for it (a row has a cell per series, and a
 * printf each was most of a row's cost), at p; returns the end. The
 * cells of a row go to the file together (a FILE write each was the next
 * largest cost, its lock). */
static char *sim_series_digits(char *p, long v)
{
	char t[INT_TEXT_MAX + 1], *q = int_text(t + sizeof t, v);
	size_t n = (size_t)(t + sizeof t - q);

	*p++ = ',';
	memcpy(p, q, n);
	return p + n;
}

/* An integer cell: empty when unknown (< 0). */
static char *sim_series_int(char *p, int v)
{
	if (v >= 0)
		return sim_series_digits(p, v);
	*p++ = ',';
	return p;
}

/* A series' cell, as ",%.9g" writes it. */
static char *sim_series_num(char *p, double v)
{
	if (v == floor(v) && fabs(v) < 1e9 && !(v == 0 && signbit(v)))
		return sim_series_digits(p, (long)v);
	return p + snprintf(p, SIM_SERIES_CELL, ",%.9g", v);
}

int sim_series_row(struct sim_series *s, int64_t t)
{
	const struct sim_world *w = s->w;
	struct sim_pool_count n, all = { 0 };
	char when[32], *p;
	size_t i, need;
	int rc;

	if (!s->started && (rc = sim_series_header(s)) < 0)
		return s->err = rc;
	need = (s->n_col + 3 * s->n_grp) * SIM_SERIES_CELL + 1;
	if (need > s->cells_cap) {
		char *c = realloc(s->cells, need);

		if (!c)
			return s->err = -ENOMEM;
		s->cells = c;
		s->cells_cap = need;
	}
	for (i = 0; i < w->n_pools; i++) {
		sim_pool_count(w->pools[i], &n);
		all.spot += n.spot;
		all.on_demand += n.on_demand;
	}
	sim_report_iso(t, when, sizeof when);
	fprintf(s->f, "%s,%zu,%d,%d,%d,%.6f,%.6f,%.6f", when, w->queue.n, w->n_busy, all.spot,
		all.on_demand, sim_prices_spot(&w->cfg.prices, t), w->cfg.prices.on_demand,
		sim_world_cost_now(w));
	s->seen = 0;
	engine_series_each(s->e, sim_series_value, s);
	if (s->seen > s->n_col && s->seen - s->n_col > s->late)
		s->late = s->seen - s->n_col;
	p = s->cells;
	for (i = 0; i < s->n_col; i++) {
		if (s->col[i].has)
			p = sim_series_num(p, s->col[i].v);
		else
			*p++ = ',';
	}
	for (i = 0; i < s->n_grp; i++) {
		struct scaled_group_status st;

		if (scaled_engine_group_status(s->e, s->grp[i].name, &st) < 0)
			st.desired = st.spot = st.on_demand = -1;
		if (s->grp[i].pool) {
			sim_pool_count(s->grp[i].pool, &n);
			st.spot = n.spot;
			st.on_demand = n.on_demand;
		}
		p = sim_series_int(p, st.desired);
		p = sim_series_int(p, st.spot);
		p = sim_series_int(p, st.on_demand);
	}
	*p++ = '\n';
	if (fwrite(s->cells, 1, (size_t)(p - s->cells), s->f) != (size_t)(p - s->cells))
		return s->err = -EIO;
	return 0;
}

/* ------------------------------------------------------- open and close -- */

int sim_series_open(struct sim_series **out, const char *path, const struct scaled_engine *e,
		    const struct sim_world *w, char *err, size_t errlen)
{
	struct sim_series *s = calloc(1, sizeof *s);

	if (!s || !(s->path = strdup(path))) {
		free(s);
		snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
		return -ENOMEM;
	}
	s->e = e;
	s->w = w;
	s->f = fopen(path, "w");
	if (!s->f) {
		int rc = -errno;

		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		free(s->path);
		free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int sim_series_close(struct sim_series *s, size_t *late, const char **late_name, char *err,
		     size_t errlen)
{
	int rc;

	*late = 0;
	*late_name = NULL;
	if (!s)
		return 0;
	rc = s->err;
	if (ferror(s->f) && rc == 0)
		rc = -EIO;
	if (fclose(s->f) != 0 && rc == 0)
		rc = -errno;
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", s->path, strerror(-rc));
	*late = s->late;
	*late_name = s->late_name;
	free(s->col);
	free(s->at);
	free(s->grp);
	free(s->cells);
	free(s->path);
	free(s);
	return rc;
}
