/*
 * graph_backend.h - what a backend provides to run a loaded graph.
 *
 * infer_model.c picks a backend by infer_session_options.backend and
 * calls it through this table; the CPU backend is always built, a cuDNN
 * one slots in beside it when CUDA is found. A backend gets the graph
 * read-only (several sessions may share it) and validated options:
 * 1 <= batch <= opt->max_batch on every run, and for a graph that is not
 * batch-major, max_batch == batch == g->batch.
 */
#ifndef SCALED_GRAPH_BACKEND_H
#define SCALED_GRAPH_BACKEND_H

#include "graph.h"
#include "infer.h"

struct graph_backend {
	const char *name;
	int (*open)(const struct graph *g, const struct infer_session_options *opt,
		    void **state, char **errmsg);
	/* input: batch items of the graph input; output: batch x output_size */
	int (*run)(void *state, const float *input, int batch, float *output, char **errmsg);
	void (*close)(void *state);
};

extern const struct graph_backend cpu_backend;
#ifdef SCALED_HAVE_CUDA
/* The cuDNN backend's file defines this and infer_cuda_available(). */
extern const struct graph_backend cuda_backend;
#endif

#endif
