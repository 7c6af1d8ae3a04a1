/*
 * jobs_batch.c - one batch: claim, decode, model call, answer, ack.
 */
#include <errno.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "errfmt.h"
#include "jobs_batch.h"
#include "mono.h"

static size_t item_size(const struct jobs_batch_opts *o)
{
	return (size_t)o->shape.c * o->shape.h * o->shape.w;
}

int jobs_batch_opts_from_model(struct jobs_batch_opts *o, const struct jobs_model *m,
			       int *clamped, char **errmsg)
{
	const int64_t *dims = m->input;
	int64_t classes = m->classes;
	char *why = NULL;

	*clamped = 0;
	for (int i = 1; i < 4; i++) {
		if (dims[i] <= 0 || dims[i] > 65536) {
			*errmsg = errfmt("model %s: input %lldx%lldx%lld is not a fixed "
					  "C x H x W", o->model, (long long)dims[1],
					  (long long)dims[2], (long long)dims[3]);
			return -ENOTSUP;
		}
	}
	if (classes <= 0 || classes > INT32_MAX / 4) {
		*errmsg = errfmt("model %s: output of %lld values per item",
				  o->model, (long long)classes);
		return -ENOTSUP;
	}
	o->shape.c = (int)dims[1];
	o->shape.h = (int)dims[2];
	o->shape.w = (int)dims[3];
	o->classes = (int)classes;
	if (dims[0] > 0 && o->max > dims[0]) {
		*clamped = o->max;
		o->max = (int)dims[0];
	}
	if (image_opts_check(&o->image, &o->shape, &why)) {
		*errmsg = errfmt("model %s: %s", o->model, why ? why : "bad image options");
		free(why);
		return -EINVAL;
	}
	return 0;
}

int jobs_batch_new(const struct jobs_batch_opts *opts, struct jobs_batch **out,
		   char **errmsg)
{
	struct jobs_batch *b = calloc(1, sizeof(*b));
	size_t m = opts->max > 0 ? (size_t)opts->max : 0;

	*out = NULL;
	if (!m || opts->classes <= 0) {
		free(b);
		*errmsg = errfmt("batch: %d jobs of %d classes is not a batch", opts->max,
				  opts->classes);
		return -EINVAL;
	}
	if (b) {
		b->opts = opts;
		b->jobs = calloc(m, sizeof(*b->jobs));
		b->err = calloc(m, sizeof(*b->err));
		b->row = calloc(m, sizeof(*b->row));
		b->input = malloc(m * item_size(opts) * sizeof(float));
		b->output = malloc(m * (size_t)opts->classes * sizeof(float));
		results_batch_init(&b->lines);
	}
	if (!b || !b->jobs || !b->err || !b->row || !b->input || !b->output) {
		jobs_batch_free(b);
		*errmsg = errfmt("batch: out of memory for %zu inputs of %dx%dx%d", m,
				  opts->shape.c, opts->shape.h, opts->shape.w);
		return -ENOMEM;
	}
	*out = b;
	return 0;
}

void jobs_batch_free(struct jobs_batch *b)
{
	if (!b)
		return;
	for (int i = 0; i < b->n; i++)
		free(b->err[i]);
	free(b->jobs);
	free(b->err);
	free(b->row);
	free(b->input);
	free(b->output);
	results_batch_free(&b->lines);
	free(b);
}

int jobs_batch_claim(struct jobs_batch *b, struct job_queue *q, char **errmsg)
{
	b->ran = 0;
	b->ms = 0;
	results_batch_reset(&b->lines);
	if (b->n) {
		*errmsg = errfmt("batch: claim with %d jobs still in hand", b->n);
		return -EBUSY;
	}
	int ret = job_claim(q, b->opts->max, b->jobs, &b->n, errmsg);
	for (int i = 0; i < b->n; i++) {
		b->err[i] = NULL;
		b->row[i] = -1;
	}
	return ret;
}

void jobs_batch_decode(struct jobs_batch *b, struct job_queue *q, int i)
{
	struct job *j = b->jobs[i];
	void *data = NULL;
	size_t len = 0;
	char *err = NULL;
	int ret;

	/* A raw input's size is known before it is read: a longer file is
	 * refused unread, never loaded whole to be refused after (issue 9). */
	if (image_raw_by_name(&b->opts->image, j->name))
		j->max_len = image_raw_bytes(&b->opts->shape);
	ret = job_load(q, j, &data, &len, &err);
	if (ret == -EFBIG && j->max_len) {
		free(err);
		err = NULL;
		ret = image_raw_check_size(len, j->name, &b->opts->shape, &err);
		if (!ret) /* not reached: len > max_len */
			ret = -EFBIG;
	}
	if (!ret)
		ret = image_load(data, len, j->name, &b->opts->image, &b->opts->shape,
				 b->input + (size_t)i * item_size(b->opts), &err);
	free(data);
	if (ret && !err)
		err = errfmt("%s: %s", j->name, strerror(-ret));
	b->err[i] = ret ? err : NULL;
	if (!ret)
		free(err);
}

int jobs_batch_infer(struct jobs_batch *b, const struct jobs_session *s, char **errmsg)
{
	size_t item = item_size(b->opts);
	int rows = 0;

	/* Move the rows that decoded together, keeping their order. */
	for (int i = 0; i < b->n; i++) {
		if (b->err[i]) {
			b->row[i] = -1;
			continue;
		}
		if (rows != i)
			memmove(b->input + (size_t)rows * item, b->input + (size_t)i * item,
				item * sizeof(float));
		b->row[i] = rows++;
	}
	b->ran = rows;
	b->ms = 0;
	if (!rows)
		return 0;

	double t0 = mono_ms();
	char *why = NULL;
	int ret = s->run(s->ctx, b->input, rows, b->output, &why);
	b->ms = mono_ms() - t0;
	if (ret) {
		*errmsg = errfmt("model %s: batch of %d (first job %s): %s",
				  b->opts->model, rows, b->jobs[0]->name,
				  why ? why : strerror(-ret));
		free(why);
	}
	return ret;
}

int jobs_batch_answer(struct jobs_batch *b, struct results_out *out, char **errmsg)
{
	const struct jobs_batch_opts *o = b->opts;
	int ret = 0;

	results_batch_reset(&b->lines);
	for (int i = 0; i < b->n && !ret; i++) {
		if (b->row[i] < 0)
			ret = results_add_error(&b->lines, b->jobs[i]->name,
						b->err[i] ? b->err[i] : "not decoded",
						errmsg);
		else
			ret = results_add_top(&b->lines, b->jobs[i]->name,
					      b->output + (size_t)b->row[i] * o->classes,
					      o->classes, o->top, o->softmax, o->model,
					      b->ran, b->ms, errmsg);
	}
	if (!ret)
		ret = results_commit(out, &b->lines, errmsg);
	return ret;
}

static int finish(struct jobs_batch *b, struct job_queue *q, int ack, int *errors,
		  char **errmsg)
{
	int ret = 0;

	if (errors)
		*errors = 0;
	if (ack) /* in one go: one round trip where the queue is a server */
		ret = job_ack_all(q, b->jobs, b->n, errmsg);
	/* A give-back goes newest first: a queue that puts what is given
	 * back where claims take from (Redis) then hands the batch out
	 * again in its order. */
	for (int k = 0; k < b->n; k++) {
		int i = ack ? k : b->n - 1 - k;

		if (errors && b->err[i])
			(*errors)++;
		if (!ack) {
			char *why = NULL;
			int r = job_nack(q, b->jobs[i], &why);

			if (r && !ret) {
				ret = r;
				*errmsg = why;
				why = NULL;
			}
			free(why);
		}
		free(b->err[i]);
		b->err[i] = NULL;
		b->jobs[i] = NULL;
	}
	b->n = 0;
	return ret;
}

int jobs_batch_ack(struct jobs_batch *b, struct job_queue *q, int *errors,
		   char **errmsg)
{
	return finish(b, q, 1, errors, errmsg);
}

int jobs_batch_nack(struct jobs_batch *b, struct job_queue *q, char **errmsg)
{
	return finish(b, q, 0, NULL, errmsg);
}
