/*
 * graph_backend.h - what a backend provides to run a loaded graph.
 *
 * model/infer_model.c picks a backend by infer_session_options.backend
 * and calls it through this table; the CPU backend is always built, a cuDNN
 * one slots in beside it when CUDA is found, a oneDNN one when libdnnl is. A backend gets the graph
 * read-only (several sessions may share it) and validated options:
 * 1 <= batch <= opt->max_batch on every run, and for a graph that is not
 * batch-major, max_batch == batch == g->batch.
 */
#ifndef SCALED_GRAPH_BACKEND_H
#define SCALED_GRAPH_BACKEND_H

#include "graph.h"

enum graph_precision {
	GRAPH_FP32 = 0,
	GRAPH_FP16 = 1, /* CUDA only */
};

/* What a session asks of a backend (infer_session_options, less the
 * choice of backend, which is made above this table). */
struct graph_backend_options {
	enum graph_precision precision;
	int max_batch;
	int device;  /* CUDA device ordinal */
	int threads; /* CPU: worker threads, 0 = 1 */
};

struct graph_backend {
	const char *name;
	int (*open)(const struct graph *g, const struct graph_backend_options *opt,
		    void **state, char **errmsg);
	/* input: batch items of the graph input; output: batch x output_size */
	int (*run)(void *state, const float *input, int batch, float *output, char **errmsg);
	void (*close)(void *state);
};

extern const struct graph_backend cpu_backend;
#ifdef SCALED_HAVE_CUDA
/* The cuDNN backend's file defines this and cuda_backend_available():
 * 0 when a device and a matching cuDNN are there, else a negative errno
 * with the reason in why. */
extern const struct graph_backend cuda_backend;
int cuda_backend_available(char *why, size_t whylen);
#endif
#ifdef SCALED_HAVE_ONEDNN
/* The oneDNN backend (cuda/onednn/): onednn_backend_available() is 0 when
 * oneDNN makes a CPU engine, else a negative errno with the reason. */
extern const struct graph_backend onednn_backend;
int onednn_backend_available(char *why, size_t whylen);
#endif

#endif
