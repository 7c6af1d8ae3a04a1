/*
 * cpu.c - the "cpu" source: whole-machine CPU utilisation from /proc/stat.
 *
 * Each collect reads the jiffy counters of the "cpu" line (and, with
 * per_core, of every "cpuN" line) and publishes the share of busy time in
 * the interval since the previous collect, in percent. A utilisation needs
 * two readings, so the first collect only primes and publishes nothing.
 *
 * This file is the worked example of docs/plugins.md: one kind, a key table,
 * a state struct per instance, and nothing of the core but plugin.h.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scaled/plugin.h"

/* Highest "cpuN" we accept; a bigger N is garbage, not a machine. */
#define CPU_MAX_CORES 65536

/* Fields of a cpu line, in the kernel's order (proc(5)). */
enum {
	F_USER, F_NICE, F_SYSTEM, F_IDLE, F_IOWAIT, F_IRQ, F_SOFTIRQ, F_STEAL,
	F_GUEST, F_GUEST_NICE, F_COUNT
};
/* Kernels before 2.6 had only the first four. */
#define CPU_MIN_FIELDS 4

static const struct scaled_host *host;

enum { KEY_PER_CORE, KEY_PROC_STAT };

static const struct scaled_key cpu_keys[] = {
	[KEY_PER_CORE] = { "per_core", SCALED_KEY_BOOL, "false", 0,
			   "also publish one series per core: <source>.core0, .core1, ..." },
	[KEY_PROC_STAT] = { "proc_stat", SCALED_KEY_STRING, "/proc/stat", 0,
			    "the file to read (a fixture in tests)" },
	{ 0 },
};

/* One reading of one cpu line, reduced to what a percentage needs. */
struct cpu_ticks {
	uint64_t busy;
	uint64_t total;
	uint64_t round; /* the collect that read it; 0 = never */
};

/* One parsed line: id -1 is the aggregate "cpu" line. */
struct cpu_line {
	long id;
	struct cpu_ticks ticks;
};

struct cpu_state {
	struct scaled_instance *inst;
	char *path;
	int per_core;
	uint64_t round; /* collects so far */
	struct cpu_ticks all;
	struct cpu_ticks *core; /* indexed by N of "cpuN" */
	size_t ncore;
};

/* Parse unsigned decimal fields after the "cpuN" label. Returns the number
 * of fields read, or -EINVAL for anything that is not a number. Fields past
 * F_COUNT (a future kernel's) are checked and ignored. */
static int cpu_parse_fields(const char *p, uint64_t f[F_COUNT])
{
	int n = 0;

	for (;;) {
		uint64_t v = 0;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\n' || *p == '\0')
			break;
		if (*p < '0' || *p > '9')
			return -EINVAL;
		for (; *p >= '0' && *p <= '9'; p++) {
			if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
				return -EINVAL;
			v = v * 10 + (uint64_t)(*p - '0');
		}
		if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\0')
			return -EINVAL;
		if (n < F_COUNT)
			f[n] = v;
		n++;
	}
	return n;
}

/* Returns 1 for a cpu line (filled into *out), 0 for any other line, or
 * -EINVAL with a reason for a cpu line that does not parse. */
static int cpu_parse_line(const char *line, struct cpu_line *out,
			  const char **why)
{
	uint64_t f[F_COUNT] = { 0 };
	const char *p = line + 3;
	uint64_t idle;
	int n;

	if (strncmp(line, "cpu", 3) != 0)
		return 0;
	out->id = -1;
	if (*p >= '0' && *p <= '9') {
		char *end;

		errno = 0;
		out->id = strtol(p, &end, 10);
		if (errno || out->id >= CPU_MAX_CORES) {
			*why = "core number out of range";
			return -EINVAL;
		}
		p = end;
	}
	if (*p != ' ' && *p != '\t') {
		*why = "expected \"cpu\" or \"cpuN\" followed by numbers";
		return -EINVAL;
	}
	n = cpu_parse_fields(p, f);
	if (n < 0) {
		*why = "a field is not an unsigned number";
		return -EINVAL;
	}
	if (n < CPU_MIN_FIELDS) {
		*why = "too few fields";
		return -EINVAL;
	}
	/* guest and guest_nice are already counted in user and nice. */
	out->ticks.total = 0;
	for (int i = F_USER; i <= F_STEAL; i++)
		out->ticks.total += f[i];
	idle = f[F_IDLE] + f[F_IOWAIT];
	out->ticks.busy = out->ticks.total - idle;
	out->ticks.round = 0;
	return 1;
}

/* Read every cpu line of the file into *lines (malloc'd, caller frees). */
static int cpu_read(const char *path, struct cpu_line **lines, size_t *nlines,
		    char *err, size_t errlen)
{
	struct cpu_line *v = NULL, l;
	size_t n = 0, cap = 0, len = 0;
	char *buf = NULL;
	int have_all = 0, lineno = 0, rc = 0;
	const char *why = NULL;
	FILE *f;

	f = fopen(path, "re");
	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	while (getline(&buf, &len, f) >= 0) {
		lineno++;
		rc = cpu_parse_line(buf, &l, &why);
		if (rc < 0) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, why);
			goto out;
		}
		if (rc == 0)
			continue;
		if (l.id < 0 && have_all++) {
			rc = -EINVAL;
			snprintf(err, errlen, "%s:%d: a second \"cpu\" line",
				 path, lineno);
			goto out;
		}
		if (n == cap) {
			struct cpu_line *nv;

			cap = cap ? 2 * cap : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				rc = -ENOMEM;
				snprintf(err, errlen, "%s: out of memory", path);
				goto out;
			}
			v = nv;
		}
		v[n++] = l;
	}
	if (ferror(f)) {
		rc = -EIO;
		snprintf(err, errlen, "%s:%d: read error", path, lineno + 1);
		goto out;
	}
	if (!have_all) {
		rc = -EINVAL;
		snprintf(err, errlen, "%s: no \"cpu\" line in %d lines", path,
			 lineno);
		goto out;
	}
	rc = 0;
	*lines = v;
	*nlines = n;
	v = NULL;
out:
	free(v);
	free(buf);
	fclose(f);
	return rc;
}

/* Percent busy between the previous collect's reading and this one. Says
 * nothing (returns 0) without a reading from the previous collect (the first
 * collect, a core that was offline) or when the counters did not advance or
 * went backwards. */
static int cpu_percent(const struct cpu_ticks *prev,
		       const struct cpu_ticks *now, uint64_t round, double *pct)
{
	if (prev->round == 0 || prev->round + 1 != round ||
	    now->total <= prev->total || now->busy < prev->busy)
		return 0;
	*pct = 100.0 * (double)(now->busy - prev->busy) /
	       (double)(now->total - prev->total);
	if (*pct > 100.0) /* busy grew more than total: a torn read */
		*pct = 100.0;
	return 1;
}

/* Grow the per-core table so that index id exists. */
static int cpu_grow(struct cpu_state *s, size_t id)
{
	struct cpu_ticks *nc;

	if (id < s->ncore)
		return 0;
	nc = realloc(s->core, (id + 1) * sizeof(*nc));
	if (!nc)
		return -ENOMEM;
	memset(nc + s->ncore, 0, (id + 1 - s->ncore) * sizeof(*nc));
	s->core = nc;
	s->ncore = id + 1;
	return 0;
}

/* Publish one line's percentage and keep its reading for the next collect. */
static int cpu_update(struct cpu_state *s, const struct cpu_line *l,
		      int64_t now, char *err, size_t errlen)
{
	struct cpu_ticks *prev = &s->all;
	char suffix[32], *sfx = NULL;
	double pct;
	int rc = 0;

	if (l->id >= 0) {
		if (!s->per_core)
			return 0;
		if (cpu_grow(s, (size_t)l->id) < 0) {
			snprintf(err, errlen, "%s: out of memory", s->path);
			return -ENOMEM;
		}
		prev = &s->core[l->id];
		if (prev->round == s->round) {
			snprintf(err, errlen, "%s: two lines for cpu%ld",
				 s->path, l->id);
			return -EINVAL;
		}
		snprintf(suffix, sizeof(suffix), "core%ld", l->id);
		sfx = suffix;
	}
	if (cpu_percent(prev, &l->ticks, s->round, &pct)) {
		rc = host->publish(s->inst, sfx, now, pct);
		if (rc < 0)
			snprintf(err, errlen, "publish %s: %s",
				 sfx ? sfx : "(source)", strerror(-rc));
	}
	*prev = l->ticks;
	prev->round = s->round;
	return rc;
}

static int cpu_collect(void *state, char *err, size_t errlen)
{
	struct cpu_state *s = state;
	struct cpu_line *lines = NULL;
	size_t n = 0;
	int64_t now = host->now_ms(s->inst);
	int rc;

	rc = cpu_read(s->path, &lines, &n, err, errlen);
	if (rc < 0)
		return rc;
	s->round++;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = cpu_update(s, &lines[i], now, err, errlen);
	free(lines);
	return rc;
}

static int cpu_create(struct scaled_instance *inst,
		      const struct scaled_value *config, void **state,
		      char *err, size_t errlen)
{
	struct cpu_state *s = calloc(1, sizeof(*s));

	if (!s)
		goto nomem;
	s->inst = inst;
	/* Validated by the core, in key-table order, defaults filled in. */
	s->per_core = config[KEY_PER_CORE].u.boolean;
	s->path = strdup(config[KEY_PROC_STAT].u.str);
	if (!s->path)
		goto nomem;
	*state = s;
	return 0;
nomem:
	free(s);
	snprintf(err, errlen, "out of memory");
	return -ENOMEM;
}

static void cpu_destroy(void *state)
{
	struct cpu_state *s = state;

	if (!s)
		return;
	free(s->core);
	free(s->path);
	free(s);
}

static int cpu_init(const struct scaled_host *h, char *err, size_t errlen)
{
	/* The core checked the ABI before init (plugin.h). */
	(void)err;
	(void)errlen;
	host = h;
	return 0;
}

static void cpu_fini(void)
{
	host = NULL;
}

static const struct scaled_kind cpu_kind = {
	.struct_size = sizeof(struct scaled_kind),
	.name = "cpu",
	.role = SCALED_ROLE_SOURCE,
	.help = "whole-machine CPU utilisation in percent, from /proc/stat",
	.keys = cpu_keys,
	.create = cpu_create,
	.destroy = cpu_destroy,
	.collect = cpu_collect,
};

static const struct scaled_kind *const cpu_kinds[] = { &cpu_kind, NULL };

static const struct scaled_plugin cpu_plugin = {
	.abi_major = SCALED_PLUGIN_ABI_MAJOR,
	.abi_minor = SCALED_PLUGIN_ABI_MINOR,
	.struct_size = sizeof(struct scaled_plugin),
	.name = "cpu",
	.version = "0.1.0",
	.help = "CPU utilisation from /proc/stat",
	.init = cpu_init,
	.fini = cpu_fini,
	.kinds = cpu_kinds,
};

SCALED_EXPORT const struct scaled_plugin *scaled_plugin_entry(void)
{
	return &cpu_plugin;
}
