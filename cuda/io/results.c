/*
 * results.c - JSON lines for answers (see results.h).
 *
 * cJSON builds each line, so job names and error texts are escaped
 * properly whatever bytes they hold. Scores are rounded to 6 significant
 * digits (a float holds no more) so that cJSON prints them short.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "errfmt.h"
#include "results.h"

/* More classes than this and the copy for softmax goes on the heap. */
#define RESULTS_STACK_CLASSES 1024

int results_open(const char *path, struct results_out *out, char **errmsg)
{
	int ret;

	memset(out, 0, sizeof(*out));
	out->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (out->fd < 0) {
		ret = -errno;
		*errmsg = errfmt("results %s: %s", path, strerror(-ret));
		return ret;
	}
	out->path = strdup(path);
	if (!out->path) {
		close(out->fd);
		out->fd = -1;
		*errmsg = errfmt("results %s: out of memory", path);
		return -ENOMEM;
	}
	pthread_mutex_init(&out->lock, NULL);
	return 0;
}

void results_close(struct results_out *out)
{
	if (!out->path)
		return;
	close(out->fd);
	out->fd = -1;
	pthread_mutex_destroy(&out->lock);
	free(out->path);
	out->path = NULL;
}

void results_batch_init(struct results_batch *b)
{
	memset(b, 0, sizeof(*b));
}

void results_batch_reset(struct results_batch *b)
{
	b->len = 0;
	b->lines = 0;
}

void results_batch_free(struct results_batch *b)
{
	free(b->buf);
	results_batch_init(b);
}

int results_is_distribution(const float *v, int n)
{
	double sum = 0;

	for (int i = 0; i < n; i++) {
		if (!(v[i] >= 0.0f && v[i] <= 1.0f))
			return 0;
		sum += (double)v[i];
	}
	return n > 0 && fabs(sum - 1.0) <= 1e-3;
}

void results_softmax(float *v, int n)
{
	float max = -INFINITY;
	double sum = 0;

	for (int i = 0; i < n; i++)
		if (v[i] > max)
			max = v[i];
	for (int i = 0; i < n; i++) {
		v[i] = expf(v[i] - max);
		sum += (double)v[i];
	}
	for (int i = 0; i < n; i++)
		v[i] = (float)((double)v[i] / sum);
}

/* Is a better than b? NaN ranks below everything. */
static int better(const float *v, int a, int b)
{
	if (isnan(v[b]))
		return !isnan(v[a]) || a < b;
	if (isnan(v[a]))
		return 0;
	return v[a] > v[b] || (v[a] == v[b] && a < b);
}

int results_top_k(const float *v, int n, int k, int *idx)
{
	if (k > n)
		k = n;
	if (k <= 0)
		return 0;
	/* Insertion into a sorted list of k: k is small (5), n up to ~1e5. */
	int used = 0;
	for (int i = 0; i < n; i++) {
		if (used == k && !better(v, i, idx[k - 1]))
			continue;
		int p = used < k ? used++ : k - 1;
		while (p > 0 && better(v, i, idx[p - 1])) {
			idx[p] = idx[p - 1];
			p--;
		}
		idx[p] = i;
	}
	return k;
}

static double round6(double x)
{
	char buf[32];

	if (!isfinite(x))
		return 0; /* JSON has no NaN; never reached with finite logits */
	snprintf(buf, sizeof(buf), "%.6g", x);
	return strtod(buf, NULL);
}

static int append_line(struct results_batch *b, cJSON *obj, const char *job,
		       char **errmsg)
{
	char *line = cJSON_PrintUnformatted(obj);
	size_t n;

	if (!line) {
		*errmsg = errfmt("%s: out of memory for the result line", job);
		return -ENOMEM;
	}
	n = strlen(line);
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->buf, cap);
		if (!p) {
			free(line);
			*errmsg = errfmt("%s: out of memory for the result line", job);
			return -ENOMEM;
		}
		b->buf = p;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, line, n);
	b->buf[b->len + n] = '\n';
	b->len += n + 1;
	b->lines++;
	free(line);
	return 0;
}

int results_add_top(struct results_batch *b, const char *job, const float *scores,
		    int n, int k, enum results_softmax mode, const char *model,
		    int batch, double ms, char **errmsg)
{
	float stack[RESULTS_STACK_CLASSES];
	float *p = stack;
	int idx_stack[64], *idx = idx_stack;
	cJSON *obj = NULL, *top;
	int ret = -ENOMEM;

	if (k > n)
		k = n;
	if (n > RESULTS_STACK_CLASSES && !(p = malloc(sizeof(float) * (size_t)n)))
		goto oom;
	if (k > 64 && !(idx = malloc(sizeof(int) * (size_t)k)))
		goto oom;
	memcpy(p, scores, sizeof(float) * (size_t)n);
	if (mode == RESULTS_SOFTMAX_ON ||
	    (mode == RESULTS_SOFTMAX_AUTO && !results_is_distribution(p, n)))
		results_softmax(p, n);
	k = results_top_k(p, n, k, idx);

	if (!(obj = cJSON_CreateObject()) || !cJSON_AddStringToObject(obj, "job", job) ||
	    !(top = cJSON_AddArrayToObject(obj, "top")))
		goto oom;
	for (int i = 0; i < k; i++) {
		cJSON *e = cJSON_CreateObject();

		if (!e)
			goto oom;
		cJSON_AddItemToArray(top, e);
		if (!cJSON_AddNumberToObject(e, "class", idx[i]) ||
		    !cJSON_AddNumberToObject(e, "score", round6(p[idx[i]])))
			goto oom;
	}
	if (!cJSON_AddStringToObject(obj, "model", model) ||
	    !cJSON_AddNumberToObject(obj, "batch", batch) ||
	    !cJSON_AddNumberToObject(obj, "ms", round(ms * 1000.0) / 1000.0))
		goto oom;
	ret = append_line(b, obj, job, errmsg);
	goto out;
oom:
	*errmsg = errfmt("%s: out of memory for the result line", job);
out:
	cJSON_Delete(obj);
	if (p != stack)
		free(p);
	if (idx != idx_stack)
		free(idx);
	return ret;
}

int results_add_error(struct results_batch *b, const char *job, const char *error,
		      char **errmsg)
{
	cJSON *obj = cJSON_CreateObject();
	int ret;

	if (!obj || !cJSON_AddStringToObject(obj, "job", job) ||
	    !cJSON_AddStringToObject(obj, "error", error ? error : "unknown error")) {
		cJSON_Delete(obj);
		*errmsg = errfmt("%s: out of memory for the result line", job);
		return -ENOMEM;
	}
	ret = append_line(b, obj, job, errmsg);
	cJSON_Delete(obj);
	return ret;
}

int results_commit(struct results_out *out, struct results_batch *b, char **errmsg)
{
	size_t done = 0;
	int ret = 0;

	if (!b->len)
		return 0;
	pthread_mutex_lock(&out->lock);
	/* One write for the whole batch: with O_APPEND its lines land together
	 * even when other processes append to the same file. */
	while (done < b->len) {
		ssize_t w = write(out->fd, b->buf + done, b->len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			ret = -errno;
			*errmsg = errfmt("results %s: write: %s", out->path,
					  strerror(-ret));
			goto out;
		}
		done += (size_t)w;
	}
	if (fsync(out->fd) < 0) {
		ret = -errno;
		*errmsg = errfmt("results %s: fsync: %s", out->path, strerror(-ret));
		goto out;
	}
	results_batch_reset(b);
out:
	pthread_mutex_unlock(&out->lock);
	return ret;
}
