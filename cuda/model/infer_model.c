/*
 * infer_model.c - the public inference API (infer.h): loading a model and
 * running sessions on a backend chosen through the graph_backend table.
 */
#include "infer.h"

#include "graph.h"
#include "graph_backend.h"
#include "onnx.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* protobuf's own limit on one message; larger models use external data,
 * which the loader refuses anyway. */
#define INFER_MAX_FILE ((off_t)INT_MAX)
#define INFER_MAX_BATCH (1 << 20)

struct infer_model {
	struct graph *g;
};

struct infer_session {
	const struct infer_model *m;
	const struct graph_backend *be;
	void *state;
	int max_batch;
};

int infer_model_load_buffer(const void *data, size_t len, const char *name,
			    struct infer_model **out, char **errmsg)
{
	struct infer_model *m;
	int err;

	*out = NULL;
	if (!data && len)
		return graph_errf(errmsg, -EINVAL, "%s: no data", name ? name : "model");
	m = calloc(1, sizeof(*m));
	if (!m)
		return graph_errf(errmsg, -ENOMEM, "out of memory");
	err = onnx_load_graph(data, len, name ? name : "model", &m->g, errmsg);
	if (err) {
		free(m);
		return err;
	}
	*out = m;
	return 0;
}

static int read_file(const char *path, char **data, size_t *len, char **errmsg)
{
	struct stat st;
	size_t got = 0;
	ssize_t r;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return graph_errf(errmsg, -errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		err = graph_errf(errmsg, -errno, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > INFER_MAX_FILE) {
		err = graph_errf(errmsg, -EINVAL, "%s: not a regular file of at most 2 GiB", path);
		goto fail;
	}
	*data = malloc((size_t)st.st_size + 1);
	if (!*data) {
		err = graph_errf(errmsg, -ENOMEM, "%s: out of memory", path);
		goto fail;
	}
	while (got < (size_t)st.st_size) {
		r = read(fd, *data + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			err = graph_errf(errmsg, r < 0 ? -errno : -EIO, "%s: %s", path,
					 r < 0 ? strerror(errno) : "file shrank while reading");
			free(*data);
			*data = NULL;
			goto fail;
		}
		got += (size_t)r;
	}
	close(fd);
	*len = got;
	return 0;
fail:
	close(fd);
	return err;
}

int infer_model_load(const char *path, struct infer_model **out, char **errmsg)
{
	char *data = NULL;
	size_t len = 0;
	int err;

	*out = NULL;
	if ((err = read_file(path, &data, &len, errmsg)))
		return err;
	err = infer_model_load_buffer(data, len, path, out, errmsg);
	free(data);
	return err;
}

void infer_model_free(struct infer_model *m)
{
	if (!m)
		return;
	graph_free(m->g);
	free(m);
}

void infer_model_input_dims(const struct infer_model *m, int64_t dims[4])
{
	memcpy(dims, m->g->input_dims, 4 * sizeof(dims[0]));
}

int64_t infer_model_output_size(const struct infer_model *m)
{
	return m->g->output_size;
}

int infer_model_fixed_batch(const struct infer_model *m)
{
	return m->g->batch_major ? 0 : (int)m->g->batch;
}

int infer_cuda_available(char *why, size_t whylen)
{
#ifdef SCALED_HAVE_CUDA
	return cuda_backend_available(why, whylen);
#else
	if (why && whylen)
		snprintf(why, whylen, "built without CUDA");
	return -ENOTSUP;
#endif
}

int infer_onednn_available(char *why, size_t whylen)
{
#ifdef SCALED_HAVE_ONEDNN
	return onednn_backend_available(why, whylen);
#else
	if (why && whylen)
		snprintf(why, whylen, "built without oneDNN");
	return -ENOTSUP;
#endif
}

static int pick_backend(const struct infer_session_options *opt,
			const struct graph_backend **be, char **errmsg)
{
	char why[256];

	switch (opt->backend) {
	case INFER_BACKEND_CPU:
		if (opt->precision != INFER_FP32)
			return graph_errf(errmsg, -ENOTSUP, "the CPU backend computes in FP32 only");
		*be = &cpu_backend;
		return 0;
	case INFER_BACKEND_CUDA:
		if (infer_cuda_available(why, sizeof(why)))
			return graph_errf(errmsg, -ENODEV, "CUDA backend: %s", why);
#ifdef SCALED_HAVE_CUDA
		*be = &cuda_backend;
		return 0;
#else
		break;
#endif
	case INFER_BACKEND_ONEDNN:
		if (opt->precision != INFER_FP32)
			return graph_errf(errmsg, -ENOTSUP, "the oneDNN backend computes in FP32 only");
		if (infer_onednn_available(why, sizeof(why)))
			return graph_errf(errmsg, -ENOTSUP, "oneDNN backend: %s", why);
#ifdef SCALED_HAVE_ONEDNN
		*be = &onednn_backend;
		return 0;
#else
		break;
#endif
	}
	return graph_errf(errmsg, -EINVAL, "unknown backend %d", (int)opt->backend);
}

int infer_session_new(const struct infer_model *m, const struct infer_session_options *opt,
		      struct infer_session **out, char **errmsg)
{
	const struct graph_backend *be = NULL;
	struct graph_backend_options bopt;
	struct infer_session *s;
	int err;

	*out = NULL;
	if (!m || !opt)
		return graph_errf(errmsg, -EINVAL, "no model or no options");
	if (opt->max_batch < 1 || opt->max_batch > INFER_MAX_BATCH)
		return graph_errf(errmsg, -EINVAL, "max_batch %d is outside 1..%d",
				  opt->max_batch, INFER_MAX_BATCH);
	if (!m->g->batch_major && opt->max_batch != m->g->batch)
		return graph_errf(errmsg, -EINVAL, "%s: the model only runs at its fixed batch of %lld (its graph mixes the batch axis), not %d",
				  m->g->name, (long long)m->g->batch, opt->max_batch);
	if ((err = pick_backend(opt, &be, errmsg)))
		return err;
	s = calloc(1, sizeof(*s));
	if (!s)
		return graph_errf(errmsg, -ENOMEM, "out of memory");
	s->m = m;
	s->be = be;
	s->max_batch = opt->max_batch;
	bopt.precision = opt->precision == INFER_FP16 ? GRAPH_FP16 : GRAPH_FP32;
	bopt.max_batch = opt->max_batch;
	bopt.device = opt->device;
	bopt.threads = opt->threads;
	if ((err = be->open(m->g, &bopt, &s->state, errmsg))) {
		free(s);
		return err;
	}
	*out = s;
	return 0;
}

int infer_session_run(struct infer_session *s, const float *input, int batch,
		      float *output, char **errmsg)
{
	const struct graph *g = s->m->g;

	if (!input || !output)
		return graph_errf(errmsg, -EINVAL, "no input or output buffer");
	if (batch < 1 || batch > s->max_batch)
		return graph_errf(errmsg, -EINVAL, "batch %d is outside 1..%d (the session's max_batch)",
				  batch, s->max_batch);
	if (!g->batch_major && batch != g->batch)
		return graph_errf(errmsg, -EINVAL, "%s: the model only runs at its fixed batch of %lld",
				  g->name, (long long)g->batch);
	return s->be->run(s->state, input, batch, output, errmsg);
}

void infer_session_free(struct infer_session *s)
{
	if (!s)
		return;
	s->be->close(s->state);
	free(s);
}
