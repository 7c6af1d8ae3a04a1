/*
 * engine_describe.c - what `scaled --check` prints (scaled_engine_describe):
 * the farm as the engine built it, a line per plugin, source or target,
 * and group.
 *
 * Written piece by piece into a memory stream locked once, not by
 * fprintf: a farm of 100 000 groups describes itself in 200 000 lines,
 * and printf's parsing and padding of each were a tenth of that farm's
 * `--check` (perf).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "engine.h"

static void put(FILE *f, const char *s)
{
	fputs_unlocked(s, f);
}

/* s, then spaces up to width (printf's "%-*s"). */
static void put_padded(FILE *f, const char *s, size_t width)
{
	size_t n = strlen(s);

	fwrite_unlocked(s, 1, n, f);
	for (; n < width; n++)
		putc_unlocked(' ', f);
}

static void put_int(FILE *f, long long v)
{
	char b[24], *p = b + sizeof b;
	unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;

	*--p = '\0';
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	put(f, p);
}

int scaled_engine_describe(struct scaled_engine *e, char **out)
{
	char *buf = NULL, every[32];
	size_t len = 0, i, j;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return -ENOMEM;
	flockfile(f);
	fprintf(f, "farm %s: %zu plugin(s), %zu source(s)/target(s), %zu group(s)\n", e->farm_path,
		e->n_plugins, e->n_instances, e->n_groups);
	for (i = 0; i < e->n_plugins; i++)
		fprintf(f, "  plugin %-10s %s (%s)\n", e->plugins[i]->name,
			e->plugins[i]->desc->version ? e->plugins[i]->desc->version : "",
			e->plugins[i]->path);
	for (i = 0; i < e->n_instances; i++) {
		const struct scaled_instance *in = e->instances[i];

		put(f, in->role == SCALED_ROLE_SOURCE ? "  source " : "  target ");
		put_padded(f, in->name, 10);
		put(f, " kind ");
		put(f, in->kind->name);
		put(f, ", every ");
		put(f, duration_format(in->every_ms, every, sizeof every));
		put(f, ", line ");
		put_int(f, in->line);
		putc_unlocked('\n', f);
	}
	for (i = 0; i < e->n_groups; i++) {
		const struct group *g = e->groups[i];

		put(f, "  group  ");
		put_padded(f, g->name, 10);
		put(f, " target ");
		put(f, g->target->name);
		put(f, ", min ");
		put_int(f, g->cfg.min);
		put(f, ", max ");
		put_int(f, g->cfg.max);
		put(f, ", every ");
		put(f, duration_format(g->every_ms, every, sizeof every));
		put(f, ", policies:");
		for (j = 0; j < g->n_policies; j++) {
			putc_unlocked(' ', f);
			put(f, g->policies[j].name);
		}
		put(f, g->cfg.dry_run ? " (dry run)\n" : "\n");
	}
	funlockfile(f);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*out = buf;
	return 0;
}
