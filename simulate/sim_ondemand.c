/*
 * sim_ondemand.c - the on-demand price table read and looked up
 * (sim_ondemand.h). Every row is checked, not only the one wanted: a table
 * with a bad row is refused whichever row a run needs.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "replay.h"
#include "sim_ondemand.h"

static const char sim_od_header[] = "region,instance_type,ondemand_usd_per_hour";

struct sim_od_row {
	const char *region, *type; /* into the buffer */
	long line;
};

struct sim_od {
	const char *path;
	char *err;
	size_t errlen;
	long line;
	struct sim_od_row *rows;
	size_t n;
};

static int sim_od_fail(struct sim_od *t, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int sim_od_fail(struct sim_od *t, int rc, const char *fmt, ...)
{
	va_list ap;
	int n = t->line > 0 ? snprintf(t->err, t->errlen, "%s:%ld: ", t->path, t->line)
			    : snprintf(t->err, t->errlen, "%s: ", t->path);

	if (n >= 0 && (size_t)n < t->errlen) {
		va_start(ap, fmt);
		vsnprintf(t->err + n, t->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* 0 when s[0..len) is UTF-8 without control characters or quotes; else
 * the refusal. */
static int sim_od_text(struct sim_od *t, const unsigned char *s, size_t len)
{
	size_t i = 0, k, j;

	while (i < len) {
		if (s[i] < 0x80) {
			if (s[i] == '\r')
				return sim_od_fail(t, -EINVAL, "a carriage return at column %zu (only "
						   "\\n line ends are read)", i + 1);
			if (s[i] < 0x20 || s[i] == 0x7f)
				return sim_od_fail(t, -EINVAL, "control character 0x%02x at column %zu",
						   s[i], i + 1);
			if (s[i] == '"')
				return sim_od_fail(t, -EINVAL, "a quote at column %zu (quoted fields "
						   "are not read)", i + 1);
			i++;
			continue;
		}
		k = s[i] >= 0xc2 && s[i] <= 0xdf ? 2 : s[i] >= 0xe0 && s[i] <= 0xef ? 3
		    : s[i] >= 0xf0 && s[i] <= 0xf4 ? 4 : 0;
		for (j = 1; k && j < k; j++)
			if (i + j >= len || (s[i + j] & 0xc0) != 0x80)
				k = 0;
		/* overlongs, surrogates and past U+10FFFF */
		if (k && ((s[i] == 0xe0 && s[i + 1] < 0xa0) || (s[i] == 0xed && s[i + 1] > 0x9f) ||
			  (s[i] == 0xf0 && s[i + 1] < 0x90) || (s[i] == 0xf4 && s[i + 1] > 0x8f)))
			k = 0;
		if (!k)
			return sim_od_fail(t, -EINVAL, "not UTF-8 (byte 0x%02x at column %zu)", s[i],
					   i + 1);
		i += k;
	}
	return 0;
}

/* One data row at s (NUL-terminated); the row kept, its price checked. */
static int sim_od_row(struct sim_od *t, char *s, const char *region, const char *type,
		      double *price, long *found)
{
	char *f[4], why[256];
	int nf = 0;
	double v;
	size_t i;

	for (char *p = s;; p++) {
		if (*p != ',' && *p)
			continue;
		if (nf < 4)
			f[nf] = s;
		nf++;
		if (!*p)
			break;
		*p = '\0';
		s = p + 1;
	}
	if (nf != 3)
		return sim_od_fail(t, -EINVAL, "%d fields, expected 3 (%s)", nf, sim_od_header);
	if (!*f[0] || !*f[1])
		return sim_od_fail(t, -EINVAL, "%s is empty", *f[0] ? "instance_type" : "region");
	if (replay_field_number(f[2], strlen(f[2]), "ondemand_usd_per_hour", &v, why,
				sizeof why) < 0)
		return sim_od_fail(t, -EINVAL, "%s", why);
	for (i = 0; i < t->n; i++)
		if (!strcmp(t->rows[i].region, f[0]) && !strcmp(t->rows[i].type, f[1]))
			return sim_od_fail(t, -EINVAL, "%s %s again (line %ld has it)", f[0], f[1],
					   t->rows[i].line);
	t->rows[t->n++] = (struct sim_od_row){ .region = f[0], .type = f[1], .line = t->line };
	if (!strcmp(f[0], region) && !strcmp(f[1], type)) {
		*price = v;
		*found = t->line;
	}
	return 0;
}

/* Every line of buf[0..n) ('\0' at buf[n]); *price set only on success. */
static int sim_od_lines(struct sim_od *t, char *buf, size_t n, const char *region,
			const char *type, double *price)
{
	size_t pos = 0;
	long found = 0;
	double v = 0;
	int rc;

	for (t->line = 1; pos < n; t->line++) {
		char *nl = memchr(buf + pos, '\n', n - pos);
		size_t len = (nl ? (size_t)(nl - buf) : n) - pos;
		char *s = buf + pos;

		if ((rc = sim_od_text(t, (const unsigned char *)s, len)) < 0)
			return rc;
		if (!len)
			return sim_od_fail(t, -EINVAL, "empty line");
		s[len] = '\0';
		if (t->line == 1 && strcmp(s, sim_od_header))
			return sim_od_fail(t, -EINVAL, "header \"%.80s\" is not \"%s\"", s,
					   sim_od_header);
		if (t->line > 1 && (rc = sim_od_row(t, s, region, type, &v, &found)) < 0)
			return rc;
		pos += len + 1;
	}
	t->line = 0;
	if (!t->n)
		return sim_od_fail(t, -EINVAL, "no rows after the header");
	if (!found)
		return sim_od_fail(t, -EINVAL, "no row for %s %s", region, type);
	*price = v; /* only once every row is good */
	return 0;
}

int sim_ondemand_price(const char *path, const char *region, const char *type, double *price,
		       char *err, size_t errlen)
{
	struct sim_od t = { .path = path, .err = err, .errlen = errlen };
	char *buf = NULL;
	size_t n, rows = 1;
	struct stat st;
	FILE *f;
	int rc;

	if (!(f = fopen(path, "re")))
		return sim_od_fail(&t, -errno, "%s", strerror(errno));
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > SIM_ONDEMAND_MAX_BYTES) {
		rc = sim_od_fail(&t, -EINVAL, "not a regular file of at most %ld bytes",
				 SIM_ONDEMAND_MAX_BYTES);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		rc = sim_od_fail(&t, -ENOMEM, "out of memory");
		goto out;
	}
	n = fread(buf, 1, (size_t)st.st_size, f);
	if (ferror(f)) {
		rc = sim_od_fail(&t, -EIO, "read failed");
		goto out;
	}
	buf[n] = '\0';
	for (size_t i = 0; i < n; i++)
		rows += buf[i] == '\n';
	t.rows = malloc(rows * sizeof *t.rows);
	if (!t.rows) {
		rc = sim_od_fail(&t, -ENOMEM, "out of memory");
		goto out;
	}
	rc = sim_od_lines(&t, buf, n, region, type, price);
out:
	free(t.rows);
	free(buf);
	fclose(f);
	return rc;
}

int sim_ondemand_region(const char *zone, char *region, size_t len)
{
	size_t n = strlen(zone);

	if (n < 3 || n > len || zone[n - 1] < 'a' || zone[n - 1] > 'z' || zone[n - 2] < '0' ||
	    zone[n - 2] > '9')
		return -EINVAL;
	memcpy(region, zone, n - 1);
	region[n - 1] = '\0';
	return 0;
}
