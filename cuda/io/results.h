/*
 * results.h - answers as JSON lines, one per job:
 *
 *   {"job":"cat.jpg","top":[{"class":281,"score":0.91},...],
 *    "model":"resnet50.onnx","batch":64,"ms":41.7}
 *   {"job":"bad.jpg","error":"bad.jpg: bad JPEG: Premature end of JPEG file"}
 *
 * "batch" is how many jobs ran in the model call that answered this one and
 * "ms" that call's latency. A batch's lines are built in memory
 * (struct results_batch), then written with one write() on an O_APPEND file
 * and fsync'd by results_commit(): only after it returns 0 may the batch's
 * jobs be acked. Several threads (and processes) may commit to one file;
 * the writer serialises commits of one struct results_out.
 *
 * Errors: 0 or a negative errno with a malloc'd *errmsg naming the file.
 */
#ifndef SCALED_RESULTS_H
#define SCALED_RESULTS_H

#include <pthread.h>
#include <stddef.h>

enum results_softmax {
	RESULTS_SOFTMAX_AUTO = 0, /* unless the output already is a distribution */
	RESULTS_SOFTMAX_ON,
	RESULTS_SOFTMAX_OFF,
};

struct results_out {
	char *path;
	int fd;
	pthread_mutex_t lock;
};

struct results_batch {
	char *buf;
	size_t len, cap;
	int lines;
};

int results_open(const char *path, struct results_out *out, char **errmsg);
void results_close(struct results_out *out);

void results_batch_init(struct results_batch *b);
void results_batch_reset(struct results_batch *b);
void results_batch_free(struct results_batch *b);

/* Does this row already look like probabilities (every value in [0,1],
 * summing to 1 within 1e-3)? */
int results_is_distribution(const float *v, int n);

/* In place: softmax of n values (stable: shifted by the maximum). */
void results_softmax(float *v, int n);

/* The k largest of n scores: idx[0..k) by decreasing score, ties to the
 * lower index. k is clamped to n; returns the k used. */
int results_top_k(const float *v, int n, int k, int *idx);

/* Append the answer of one job: softmax as `mode` says on a copy of
 * `scores` (n classes), then its top k. */
int results_add_top(struct results_batch *b, const char *job, const float *scores,
		    int n, int k, enum results_softmax mode, const char *model,
		    int batch, double ms, char **errmsg);
int results_add_error(struct results_batch *b, const char *job, const char *error,
		      char **errmsg);

/* Write the batch's lines and fsync the file. The batch is emptied on
 * success; on failure it is kept (nothing of it may be acked). */
int results_commit(struct results_out *out, struct results_batch *b, char **errmsg);

#endif
