/*
 * engine_describe.c - what `scaled --check` prints (scaled_engine_describe):
 * the farm as the engine built it, a line per plugin, source or target,
 * and group.
 *
 * Written piece by piece into a buffer of its own, not by fprintf into a
 * memory stream: a farm of 100 000 groups describes itself in 200 000
 * lines, and printf's parsing and padding, then the stream's calls per
 * piece, were a tenth of that farm's `--check` each (perf).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "engine.h"
#include "int_text.h"

struct desc {
	char *p;
	size_t len, cap;
	bool failed; /* out of memory: the rest is dropped */
};

static void put_n(struct desc *d, const char *s, size_t n)
{
	if (d->failed)
		return;
	if (d->cap - d->len <= n) {
		size_t cap = d->cap ? d->cap : 4096;
		char *p;

		while (cap - d->len <= n)
			cap *= 2;
		if (!(p = realloc(d->p, cap))) {
			d->failed = true;
			return;
		}
		d->p = p;
		d->cap = cap;
	}
	memcpy(d->p + d->len, s, n);
	d->len += n;
	d->p[d->len] = '\0';
}

static void put(struct desc *d, const char *s)
{
	put_n(d, s, strlen(s));
}

/* s, then spaces up to width (printf's "%-*s"). */
static void put_padded(struct desc *d, const char *s, size_t width)
{
	static const char spaces[] = "                ";
	size_t n = strlen(s);

	put_n(d, s, n);
	while (n < width) {
		size_t k = width - n < sizeof spaces - 1 ? width - n : sizeof spaces - 1;

		put_n(d, spaces, k);
		n += k;
	}
}

static void put_int(struct desc *d, long long v)
{
	char b[INT_TEXT_MAX], *p = int_text(b + sizeof b, v);

	put_n(d, p, (size_t)(b + sizeof b - p));
}

int scaled_engine_describe(struct scaled_engine *e, char **out)
{
	struct desc d = { 0 };
	char line[1024], every[32];
	size_t i, j;

	snprintf(line, sizeof line, "farm %s: %zu plugin(s), %zu source(s)/target(s), %zu group(s)\n",
		 e->farm_path, e->n_plugins, e->n_instances, e->n_groups);
	put(&d, line);
	for (i = 0; i < e->n_plugins; i++) {
		put(&d, "  plugin ");
		put_padded(&d, e->plugins[i]->name, 10);
		put(&d, " ");
		put(&d, e->plugins[i]->desc->version ? e->plugins[i]->desc->version : "");
		put(&d, " (");
		put(&d, e->plugins[i]->path);
		put(&d, ")\n");
	}
	for (i = 0; i < e->n_instances; i++) {
		const struct scaled_instance *in = e->instances[i];

		put(&d, in->role == SCALED_ROLE_SOURCE ? "  source " : "  target ");
		put_padded(&d, in->name, 10);
		put(&d, " kind ");
		put(&d, in->kind->name);
		put(&d, ", every ");
		put(&d, duration_format(in->every_ms, every, sizeof every));
		put(&d, ", line ");
		put_int(&d, in->line);
		put(&d, "\n");
	}
	for (i = 0; i < e->n_groups; i++) {
		const struct group *g = e->groups[i];

		put(&d, "  group  ");
		put_padded(&d, g->name, 10);
		put(&d, " target ");
		put(&d, g->target->name);
		put(&d, ", min ");
		put_int(&d, g->cfg.min);
		put(&d, ", max ");
		put_int(&d, g->cfg.max);
		put(&d, ", every ");
		put(&d, duration_format(g->every_ms, every, sizeof every));
		put(&d, ", policies:");
		for (j = 0; j < g->n_policies; j++) {
			put(&d, " ");
			put(&d, g->policies[j].name);
		}
		put(&d, g->cfg.dry_run ? " (dry run)\n" : "\n");
	}
	if (d.failed) {
		free(d.p);
		return -ENOMEM;
	}
	*out = d.p;
	return 0;
}
