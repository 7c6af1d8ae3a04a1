/*
 * sigv4_fx.c - reads AWS's SigV4 conformance suite (sigv4_fx.h). The
 * suite's files: LF line ends, most without a last one, raw UTF-8 in a
 * path and a query, a space in one path, folded header lines, a body after
 * the blank line of the form-encoded cases.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "sigv4_fx.h"

#define SIGV4_FX_MAX_FILE (1L << 20)

char *sigv4_fx_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && n <= SIGV4_FX_MAX_FILE &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1))) {
		if (fread(buf, 1, (size_t)n, f) == (size_t)n) {
			buf[n] = '\0';
			*len = (size_t)n;
		} else {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

static int sigv4_fx_fail(char *err, size_t errlen, const char *path, const char *why)
{
	snprintf(err, errlen, "%s: %s", path, why);
	return -1;
}

/* The end of the line starting at p (its '\n' or the end of the text). */
static char *sigv4_fx_eol(char *p)
{
	char *nl = strchr(p, '\n');

	return nl ? nl : p + strlen(p);
}

int sigv4_fx_load(const char *path, struct sigv4_fx_req *r, char *err, size_t errlen)
{
	char *p, *eol, *sp, *q;
	size_t len;

	memset(r, 0, sizeof *r);
	r->buf = sigv4_fx_read(path, &len);
	if (!r->buf)
		return sigv4_fx_fail(err, errlen, path, "cannot be read");
	if (strlen(r->buf) != len)
		return sigv4_fx_fail(err, errlen, path, "holds a NUL byte");
	/* "METHOD target HTTP/1.1": the target runs to the last space */
	p = r->buf;
	eol = sigv4_fx_eol(p);
	sp = memchr(p, ' ', (size_t)(eol - p));
	for (q = eol; q > p && q[-1] != ' '; q--)
		;
	if (!sp || q - 1 <= sp)
		return sigv4_fx_fail(err, errlen, path, "no request line");
	*sp = '\0';
	q[-1] = '\0';
	r->method = p;
	r->path = sp + 1;
	if ((q = strchr(sp + 1, '?'))) {
		*q = '\0';
		r->query = q + 1;
	}
	r->body = "";
	for (p = *eol ? eol + 1 : eol; *p;) {
		char *colon, *next;

		eol = sigv4_fx_eol(p);
		if (eol == p) { /* the blank line: the rest is the body */
			r->body = p + 1;
			r->body_len = len - (size_t)(p + 1 - r->buf);
			break;
		}
		colon = memchr(p, ':', (size_t)(eol - p));
		if (!colon || r->n_headers == SIGV4_FX_MAX_HEADERS)
			return sigv4_fx_fail(err, errlen, path, colon ? "too many headers"
					     : "a header line without ':'");
		while (*eol == '\n' && (eol[1] == ' ' || eol[1] == '\t'))
			eol = sigv4_fx_eol(eol + 1); /* a folded line: part of the value */
		next = *eol ? eol + 1 : eol;
		*colon = '\0';
		*eol = '\0';
		r->headers[r->n_headers].name = p;
		r->headers[r->n_headers++].value = colon + 1;
		p = next;
	}
	return 0;
}

void sigv4_fx_free(struct sigv4_fx_req *r)
{
	free(r->buf);
	memset(r, 0, sizeof *r);
}

const char *sigv4_fx_header(const struct sigv4_fx_req *r, const char *name)
{
	for (size_t i = 0; i < r->n_headers; i++)
		if (!strcasecmp(r->headers[i].name, name))
			return r->headers[i].value;
	return NULL;
}

static int sigv4_fx_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add the cases in dir (depth levels more below it) to *list. */
static int sigv4_fx_walk(const char *dir, int depth, char ***list, long *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = 0;

	if (!d)
		return -1;
	while (!rc && (e = readdir(d))) {
		char sub[1024], req[2100];
		struct stat st;
		char **grown;

		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
		if (stat(sub, &st) || !S_ISDIR(st.st_mode))
			continue;
		snprintf(req, sizeof req, "%s/%s.req", sub, e->d_name);
		if (!stat(req, &st)) {
			grown = realloc(*list, (size_t)(*n + 1) * sizeof **list);
			if (!grown || snprintf(req, sizeof req, "%s/%s", sub, e->d_name) < 0 ||
			    !(grown[*n] = strdup(req)))
				rc = -1;
			if (grown)
				*list = grown;
			if (!rc)
				(*n)++;
		} else if (depth > 0) {
			rc = sigv4_fx_walk(sub, depth - 1, list, n);
		}
	}
	closedir(d);
	return rc;
}

long sigv4_fx_cases(const char *dir, char ***out)
{
	char **list = NULL;
	long n = 0;

	if (sigv4_fx_walk(dir, 1, &list, &n)) {
		while (n > 0)
			free(list[--n]);
		free(list);
		*out = NULL;
		return -1;
	}
	if (n)
		qsort(list, (size_t)n, sizeof *list, sigv4_fx_cmp);
	*out = list;
	return n;
}
