/*
 * engine_query.c - read-only looks at a loaded engine for code in this tree
 * that drives one (scaled simulate's series.csv): every series with its
 * newest sample, and each group with its interval and target. Nothing here
 * changes the engine or allocates.
 */
#include <errno.h>

#include "engine.h"
#include "series.h"

struct engine_series_walk {
	engine_series_fn fn;
	void *arg;
};

static void engine_series_one(void *arg, struct series *s)
{
	struct engine_series_walk *w = arg;
	int64_t t = 0;
	double v = 0;
	bool has = series_last(s, &t, &v) == 0;

	w->fn(w->arg, series_name(s), has, t, v);
}

void engine_series_each(const struct scaled_engine *e, engine_series_fn fn, void *arg)
{
	struct engine_series_walk w = { .fn = fn, .arg = arg };

	series_each(e->store, engine_series_one, &w);
}

int engine_group_at(const struct scaled_engine *e, size_t i, const char **name,
		    int64_t *every_ms, const struct scaled_instance **target)
{
	const struct group *g;

	if (i >= e->n_groups)
		return -ENOENT;
	g = e->groups[i];
	*name = g->name;
	*every_ms = g->every_ms;
	*target = g->target;
	return 0;
}
