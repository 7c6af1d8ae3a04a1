/*
 * replay_csv.c - reads a whole trace file into rows, or refuses it naming
 * the file, the line and the reason.
 *
 * Only what the two formats need: one header line, then one row a line,
 * fields split on ',' with no quoting (a '"' is refused, not interpreted),
 * '\n' line ends (a '\r' is refused), UTF-8 text, a last line with or
 * without its '\n'. The rows of the series must be in strictly increasing
 * time; a spot file's rows must all be one pool (type, zone, product) once
 * filtered.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "replay.h"

static const char replay_csv_spot_header[] =
	"timestamp_iso8601,instance_type,availability_zone,product,price_usd";
static const char replay_csv_load_header[] = "timestamp,count";

enum { REPLAY_CSV_MAX_FIELDS = 5 };

/* One load in progress. */
struct replay_csv {
	const char *path;
	const struct replay_want *want;
	char *err;
	size_t errlen;
	long line;
	struct replay_trace tr;
	long last_line;       /* line of the last row kept */
	const char *last_ts;  /* its time stamp, as written (points into buf) */
	const char *pool[3];  /* the first kept row's type, zone, product */
	long pool_line;
	size_t rows;          /* rows read, kept or not */
	size_t cap;           /* room in tr's arrays */
};

static int replay_csv_fail(struct replay_csv *c, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int replay_csv_fail(struct replay_csv *c, int rc, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->line > 0)
		n = snprintf(c->err, c->errlen, "%s:%ld: ", c->path, c->line);
	else
		n = snprintf(c->err, c->errlen, "%s: ", c->path);
	if (n >= 0 && (size_t)n < c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* The length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t replay_csv_utf8(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned lo = 0x80, hi = 0xbf;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0; /* overlong */
	else if (s[0] == 0xed)
		hi = 0x9f; /* surrogates */
	else if (s[0] == 0xf0)
		lo = 0x90; /* overlong */
	else if (s[0] == 0xf4)
		hi = 0x8f; /* above U+10FFFF */
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/* What any line must be: UTF-8, no control characters, no quotes. */
static int replay_csv_text(struct replay_csv *c, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; i < len;) {
		size_t k = replay_csv_utf8(u + i, len - i);

		if (!k)
			return replay_csv_fail(c, -EILSEQ, "not UTF-8 (byte 0x%02x at column %zu)",
					       u[i], i + 1);
		if (u[i] == '\r')
			return replay_csv_fail(c, -EINVAL, "a carriage return at column %zu "
					       "(only \\n line ends are read)", i + 1);
		if (u[i] < 0x20 || u[i] == 0x7f)
			return replay_csv_fail(c, -EINVAL, "control character 0x%02x at column %zu",
					       u[i], i + 1);
		if (u[i] == '"')
			return replay_csv_fail(c, -EINVAL, "a quote at column %zu (quoted fields "
					       "are not read)", i + 1);
		i += k;
	}
	return 0;
}

/* Does the pool filter `want` (NULL: anything) take `have`? */
static int replay_csv_takes(const char *want, const char *have)
{
	return !want || !strcmp(want, have);
}

/* A spot row's pool: checked, filtered, one pool only. 1: keep the row,
 * 0: filtered out, negative: refused. */
static int replay_csv_pool(struct replay_csv *c, char **f)
{
	static const char *const names[3] = { "instance_type", "availability_zone", "product" };
	const char *want[3] = { c->want->instance_type, c->want->availability_zone,
				c->want->product };

	for (int i = 0; i < 3; i++)
		if (!*f[i + 1])
			return replay_csv_fail(c, -EINVAL, "%s is empty", names[i]);
	for (int i = 0; i < 3; i++)
		if (!replay_csv_takes(want[i], f[i + 1]))
			return 0;
	if (!c->pool[0]) {
		for (int i = 0; i < 3; i++)
			c->pool[i] = f[i + 1];
		c->pool_line = c->line;
		return 1;
	}
	for (int i = 0; i < 3; i++)
		if (strcmp(c->pool[i], f[i + 1]))
			return replay_csv_fail(c, -EINVAL, "pool %s %s %s is not line %ld's %s %s %s:"
					       " the rows mix pools (choose one with instance_type,"
					       " availability_zone and product)", f[1], f[2], f[3],
					       c->pool_line, c->pool[0], c->pool[1], c->pool[2]);
	return 1;
}

/* One data row, NUL-terminated at s. */
static int replay_csv_row(struct replay_csv *c, char *s)
{
	int spot = c->want->format == REPLAY_SPOT;
	int want_fields = spot ? 5 : 2;
	char *f[REPLAY_CSV_MAX_FIELDS + 1];
	int nf = 0, rc;
	char why[256];
	int64_t t;
	double v;

	for (char *p = s;; p++) {
		if (*p != ',' && *p)
			continue;
		if (nf < REPLAY_CSV_MAX_FIELDS + 1)
			f[nf] = s;
		nf++;
		if (!*p)
			break;
		*p = '\0';
		s = p + 1;
	}
	if (nf != want_fields)
		return replay_csv_fail(c, -EINVAL, "%d fields, expected %d (%s)", nf, want_fields,
				       spot ? replay_csv_spot_header : replay_csv_load_header);
	c->rows++;
	if (replay_field_time(f[0], strlen(f[0]), &t, why, sizeof why) < 0 ||
	    replay_field_number(f[nf - 1], strlen(f[nf - 1]), spot ? "price_usd" : "count", &v,
				why, sizeof why) < 0)
		return replay_csv_fail(c, -EINVAL, "%s", why);
	if (spot && (rc = replay_csv_pool(c, f)) <= 0)
		return rc;
	if (c->tr.n && t <= c->tr.t_ms[c->tr.n - 1]) {
		if (t == c->tr.t_ms[c->tr.n - 1])
			return replay_csv_fail(c, -EINVAL, "timestamp %s is not after the previous "
					       "row's (line %ld has the same time)", f[0],
					       c->last_line);
		return replay_csv_fail(c, -EINVAL, "timestamp %s is not after the previous row's "
				       "(line %ld: %s)", f[0], c->last_line, c->last_ts);
	}
	if (c->tr.n == c->cap) /* cannot happen: cap bounds the rows n bytes hold */
		return replay_csv_fail(c, -EOVERFLOW, "more rows than the file can hold");
	c->tr.t_ms[c->tr.n] = t;
	c->tr.value[c->tr.n] = v;
	c->tr.n++;
	c->last_line = c->line;
	c->last_ts = f[0];
	return 0;
}

static int replay_csv_header(struct replay_csv *c, const char *s)
{
	const char *want = c->want->format == REPLAY_SPOT ? replay_csv_spot_header
							  : replay_csv_load_header;

	if (strcmp(s, want))
		return replay_csv_fail(c, -EINVAL, "header \"%.80s%s\" is not the \"%s\" format's "
				       "\"%s\"", s, strlen(s) > 80 ? "..." : "",
				       c->want->format == REPLAY_SPOT ? "spot" : "load", want);
	return 0;
}

/* Every line of buf[0..n), which has a '\0' at buf[n]. */
static int replay_csv_lines(struct replay_csv *c, char *buf, size_t n)
{
	size_t pos = 0;
	int rc;

	for (c->line = 1; pos < n; c->line++) {
		char *nl = memchr(buf + pos, '\n', n - pos);
		size_t len = (nl ? (size_t)(nl - buf) : n) - pos;
		char *s = buf + pos;

		if (len > REPLAY_MAX_LINE)
			return replay_csv_fail(c, -EINVAL, "line longer than %d bytes",
					       REPLAY_MAX_LINE);
		if ((rc = replay_csv_text(c, s, len)) < 0)
			return rc;
		if (!len)
			return replay_csv_fail(c, -EINVAL, "empty line");
		s[len] = '\0';
		rc = c->line == 1 ? replay_csv_header(c, s) : replay_csv_row(c, s);
		if (rc < 0)
			return rc;
		pos += len + 1;
	}
	c->line = 0;
	if (!c->rows)
		return replay_csv_fail(c, -EINVAL, "no rows after the header");
	if (!c->tr.n)
		return replay_csv_fail(c, -EINVAL, "none of the %zu rows has instance_type %s, "
				       "availability_zone %s and product %s", c->rows,
				       c->want->instance_type ? c->want->instance_type : "(any)",
				       c->want->availability_zone ? c->want->availability_zone
								  : "(any)",
				       c->want->product ? c->want->product : "(any)");
	return 0;
}

/* The whole file into *out (NUL-terminated, *n bytes before the NUL). */
static int replay_csv_slurp(struct replay_csv *c, char **out, size_t *n)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd, rc = 0;

	/* O_NONBLOCK: a FIFO (or a tty) named as the trace must not block the
	 * loop in open(); it is refused below as not a regular file. */
	fd = open(c->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return replay_csv_fail(c, -errno, "%s", strerror(errno));
	if (fstat(fd, &st) < 0) {
		rc = replay_csv_fail(c, -errno, "%s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = replay_csv_fail(c, -EINVAL, "not a regular file");
		goto out;
	}
	if (st.st_size > REPLAY_MAX_FILE_BYTES) {
		rc = replay_csv_fail(c, -EFBIG, "%lld bytes, more than the %ld a trace may have",
				     (long long)st.st_size, REPLAY_MAX_FILE_BYTES);
		goto out;
	}
	if (st.st_size == 0) {
		rc = replay_csv_fail(c, -EINVAL, "the file is empty");
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		rc = replay_csv_fail(c, -ENOMEM, "out of memory");
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = replay_csv_fail(c, -errno, "%s", strerror(errno));
			goto out;
		}
		if (!r)
			break; /* shrank while read: what there is */
		got += (size_t)r;
	}
	buf[got] = '\0';
	*out = buf;
	*n = got;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return rc;
}

int replay_csv_parse(const char *name, char *buf, size_t n, const struct replay_want *want,
		     struct replay_trace *tr, char *err, size_t errlen)
{
	struct replay_csv c = { .path = name, .want = want, .err = err, .errlen = errlen };
	size_t lines = 1;
	int rc;

	for (const char *p = buf; (p = memchr(p, '\n', n - (size_t)(p - buf))); p++)
		lines++;
	/* A row is at least REPLAY_MIN_ROW bytes: a file of newlines must not
	 * size the arrays (it is refused at its first empty line anyway). */
	if (lines > n / REPLAY_MIN_ROW + 2)
		lines = n / REPLAY_MIN_ROW + 2;
	c.cap = lines;
	c.tr.t_ms = malloc(lines * sizeof *c.tr.t_ms);
	c.tr.value = malloc(lines * sizeof *c.tr.value);
	if (!c.tr.t_ms || !c.tr.value) {
		rc = replay_csv_fail(&c, -ENOMEM, "out of memory");
		goto out;
	}
	rc = replay_csv_lines(&c, buf, n);
	if (rc < 0)
		goto out;
	/* Keep only what the filters kept (a file of many pools read for one). */
	if (c.tr.n < lines) {
		int64_t *t = realloc(c.tr.t_ms, c.tr.n * sizeof *t);
		double *v = realloc(c.tr.value, c.tr.n * sizeof *v);

		if (t)
			c.tr.t_ms = t;
		if (v)
			c.tr.value = v;
	}
	for (int i = 0; i < 3; i++)
		snprintf(c.tr.pool[i], sizeof c.tr.pool[i], "%s", c.pool[i] ? c.pool[i] : "");
	*tr = c.tr;
	c.tr.t_ms = NULL;
	c.tr.value = NULL;
out:
	free(c.tr.value);
	free(c.tr.t_ms);
	return rc;
}

int replay_csv_load(const char *path, const struct replay_want *want,
		    struct replay_trace *tr, char *err, size_t errlen)
{
	struct replay_csv c = { .path = path, .err = err, .errlen = errlen };
	char *buf = NULL;
	size_t n = 0;
	int rc;

	rc = replay_csv_slurp(&c, &buf, &n);
	if (rc < 0)
		return rc;
	rc = replay_csv_parse(path, buf, n, want, tr, err, errlen);
	free(buf);
	return rc;
}

void replay_csv_free(struct replay_trace *tr)
{
	free(tr->t_ms);
	free(tr->value);
	tr->t_ms = NULL;
	tr->value = NULL;
	tr->n = 0;
}

long replay_csv_find(const struct replay_trace *tr, int64_t t)
{
	size_t lo = 0, hi = tr->n; /* the answer is lo - 1: rows [0, lo) are <= t */

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (tr->t_ms[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (long)lo - 1;
}
