/*
 * fake_infer.c - a stand-in for the inference core (cuda/infer.h) so that
 * the worker's queue, batching and answering can be tested on their own,
 * with answers a test can predict.
 *
 * A "model" is a text file: "fake C H W CLASSES [BATCH]". Running it gives
 * each item the scores -(j - mean)^2 for class j, where mean is the mean
 * of the item's values: top-1 is the class nearest the mean. An item whose
 * mean is exactly -1000 makes the call fail, as a lost device would.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errfmt.h"
#include "infer.h"

struct infer_model {
	int64_t dims[4];
	int64_t classes;
};

struct infer_session {
	const struct infer_model *m;
	int max_batch;
};

int infer_model_load(const char *path, struct infer_model **out, char **errmsg)
{
	struct infer_model *m = calloc(1, sizeof(*m));
	long long c, h, w, k, b = -1;
	FILE *f = fopen(path, "r");
	int n = f ? fscanf(f, "fake %lld %lld %lld %lld %lld", &c, &h, &w, &k, &b) : 0;

	if (f)
		fclose(f);
	if (!m || n < 4) {
		free(m);
		*errmsg = errfmt("%s: not a fake model", path);
		return -EINVAL;
	}
	m->dims[0] = b;
	m->dims[1] = c;
	m->dims[2] = h;
	m->dims[3] = w;
	m->classes = k;
	*out = m;
	return 0;
}

int infer_model_load_buffer(const void *data, size_t len, const char *name,
			    struct infer_model **out, char **errmsg)
{
	(void)data;
	(void)len;
	*out = NULL;
	*errmsg = errfmt("%s: the fake core loads files only", name);
	return -ENOTSUP;
}

void infer_model_free(struct infer_model *m)
{
	free(m);
}

void infer_model_input_dims(const struct infer_model *m, int64_t dims[4])
{
	memcpy(dims, m->dims, sizeof(m->dims));
}

int64_t infer_model_output_size(const struct infer_model *m)
{
	return m->classes;
}

int infer_session_new(const struct infer_model *m, const struct infer_session_options *opt,
		      struct infer_session **out, char **errmsg)
{
	struct infer_session *s;

	if (opt->backend != INFER_BACKEND_CPU) {
		*errmsg = errfmt("fake core: CPU only");
		return -ENOTSUP;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->m = m;
	s->max_batch = opt->max_batch;
	*out = s;
	return 0;
}

int infer_session_run(struct infer_session *s, const float *input, int batch,
		      float *output, char **errmsg)
{
	size_t item = (size_t)(s->m->dims[1] * s->m->dims[2] * s->m->dims[3]);

	if (batch < 1 || batch > s->max_batch) {
		*errmsg = errfmt("fake core: batch %d outside [1, %d]", batch, s->max_batch);
		return -EINVAL;
	}
	for (int b = 0; b < batch; b++) {
		double mean = 0;

		for (size_t i = 0; i < item; i++)
			mean += (double)input[(size_t)b * item + i];
		mean /= (double)item;
		if (mean == -1000.0) {
			*errmsg = errfmt("fake core: device lost");
			return -EIO;
		}
		for (int64_t j = 0; j < s->m->classes; j++)
			output[(size_t)b * (size_t)s->m->classes + (size_t)j] =
				(float)(-((double)j - mean) * ((double)j - mean));
	}
	return 0;
}

void infer_session_free(struct infer_session *s)
{
	free(s);
}

int infer_cuda_available(char *why, size_t whylen)
{
	snprintf(why, whylen, "the fake core has no CUDA");
	return 1;
}

int infer_onednn_available(char *why, size_t whylen)
{
	snprintf(why, whylen, "the fake core has no oneDNN");
	return 1;
}
