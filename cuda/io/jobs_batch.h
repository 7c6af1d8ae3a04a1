/*
 * jobs_batch.h - one batch of jobs on its way through a worker:
 *
 *   claim -> decode each job into its row -> one model call over the rows
 *   that decoded -> one answer line per job -> commit (fsync) -> ack
 *
 * Shared by scaled-infer (which decodes on a thread pool and overlaps the
 * next batch's decoding with this one's model call) and the infer plugin
 * (whose worker threads each run the steps in turn).
 *
 * A job whose payload cannot be read or decoded is answered with an error
 * line and acked like the others: it is answered, not lost, and not tried
 * again forever. A failed model call or a failed commit answers nothing:
 * the caller nacks the whole batch (the jobs go back to the queue) and
 * stops, since the worker itself is broken.
 *
 * Errors: 0 or a negative errno with a malloc'd *errmsg.
 * Threads: jobs_batch_decode() may run for different rows of one batch on
 * different threads at once; everything else is one thread at a time.
 */
#ifndef SCALED_JOBS_BATCH_H
#define SCALED_JOBS_BATCH_H

#include <stdint.h>

#include "image.h"
#include "jobs.h"
#include "results.h"

/* All the batch steps see of a model: its input shape and output size,
 * and a way to run a batch. io/ never links the model (model/infer.h);
 * whoever holds one fills these (model/infer_jobs.h does it for infer.h). */
struct jobs_model {
	int64_t input[4]; /* N x C x H x W; N <= 0: any batch size */
	int64_t classes;  /* output values per item */
};

struct jobs_session {
	void *ctx;
	/* input: batch rows of C*H*W; output: batch rows of classes. 0 or a
	 * negative errno with the reason in *errmsg (the caller frees it). */
	int (*run)(void *ctx, const float *input, int batch, float *output, char **errmsg);
};

/* What every batch of one worker shares. The strings are borrowed. */
struct jobs_batch_opts {
	struct image_opts image;
	struct image_shape shape;   /* one item: C x H x W, from the model */
	int classes;                /* output values per item */
	int max;                    /* most jobs per batch */
	int top;                    /* classes per answer */
	enum results_softmax softmax;
	const char *model;          /* the name answers carry */
};

struct jobs_batch {
	const struct jobs_batch_opts *opts;
	int n;              /* jobs claimed */
	int ran;            /* of them, rows in the last model call */
	struct job **jobs;  /* [max] */
	char **err;         /* [max]: why job i could not be decoded, or NULL */
	float *input;       /* [max][C*H*W], row i is job i until compacted */
	float *output;      /* [max][classes] */
	int *row;           /* [max]: job i's row in the model call, or -1 */
	double ms;          /* the last model call's latency */
	struct results_batch lines;
};

/* Fill the model's part of `o` (shape, classes) and check the rest against
 * it: the item shape must be fixed, the image options must fit it, and a
 * model with a fixed batch dimension lowers o->max to it (*clamped gets
 * the old max then, else 0). o->image, o->max, o->top, o->softmax and
 * o->model are the caller's. */
int jobs_batch_opts_from_model(struct jobs_batch_opts *o, const struct jobs_model *m,
			       int *clamped, char **errmsg);

int jobs_batch_new(const struct jobs_batch_opts *opts, struct jobs_batch **out,
		   char **errmsg);
void jobs_batch_free(struct jobs_batch *b);

/* Claim up to opts->max jobs; b->n says how many (0: queue empty). The
 * batch must be empty (after ack/nack or new). */
int jobs_batch_claim(struct jobs_batch *b, struct job_queue *q, char **errmsg);

/* Load and decode job i into row i. Never fails: a bad job gets b->err[i]. */
void jobs_batch_decode(struct jobs_batch *b, struct job_queue *q, int i);

/* Run the model over the rows that decoded (in one call; none: no call).
 * Measures b->ms with the monotonic clock. */
int jobs_batch_infer(struct jobs_batch *b, const struct jobs_session *s, char **errmsg);

/* Build every job's answer line and commit them durably. */
int jobs_batch_answer(struct jobs_batch *b, struct results_out *out, char **errmsg);

/* Ack (after a successful answer) or give back every job; the batch is
 * then empty. Returns the first failure; the others are still tried and
 * the batch is emptied either way. *errors counts the jobs answered with
 * an error line (ack only; may be NULL). */
int jobs_batch_ack(struct jobs_batch *b, struct job_queue *q, int *errors,
		   char **errmsg);
int jobs_batch_nack(struct jobs_batch *b, struct job_queue *q, char **errmsg);

#endif
