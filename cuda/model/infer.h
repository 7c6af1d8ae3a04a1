/*
 * infer.h - the inference core of the worker: a loaded ONNX model and a
 * session that runs batches of it on a backend (CPU reference, oneDNN or cuDNN).
 *
 * The loader turns the ONNX graph into a small internal graph (BatchNorm
 * folded into the preceding Conv, Flatten/Reshape resolved to shapes) that
 * every backend executes. The CPU backend builds everywhere; the cuDNN one
 * only when CMake finds CUDA and cuDNN (SCALED_CUDA=AUTO|ON), the oneDNN
 * one (CPU, FP32) only when it finds libdnnl 2.x (SCALED_ONEDNN=AUTO|ON).
 *
 * Errors: 0 or a negative errno; *errmsg gets a malloc'd message naming the
 * node (by its ONNX name) and the reason (errmsg may be NULL; it is left
 * untouched on success; the caller frees the message). Ownership: the caller
 * owns what the *_new/_load functions return and frees it with the matching
 * _free; a model must outlive the sessions made from it.
 * Threads: a model is read-only after load and may be shared by sessions; a
 * session is used by one thread at a time.
 *
 * Supported ONNX: IR 3..10, default-domain opsets 7..21; operators Conv,
 * BatchNormalization, Relu, Clip, MaxPool, AveragePool, GlobalAveragePool,
 * Add, Gemm, MatMul (2-D), Flatten, Reshape, Softmax, Concat, Identity,
 * Dropout (inference), Constant; one float NCHW input, one output.
 */
#ifndef SCALED_INFER_H
#define SCALED_INFER_H

#include <stddef.h>
#include <stdint.h>

struct infer_model;
struct infer_session;

enum infer_backend {
	INFER_BACKEND_CPU = 0,
	INFER_BACKEND_CUDA = 1,
	INFER_BACKEND_ONEDNN = 2,	/* CPU, FP32, through oneDNN's primitives */
};

enum infer_precision {
	INFER_FP32 = 0,
	INFER_FP16 = 1,
};

int infer_model_load(const char *path, struct infer_model **out, char **errmsg);
int infer_model_load_buffer(const void *data, size_t len, const char *name,
			    struct infer_model **out, char **errmsg);
void infer_model_free(struct infer_model *m);

/* The single input, NCHW; dims[0] is the batch (-1 when dynamic). */
void infer_model_input_dims(const struct infer_model *m, int64_t dims[4]);
/* Number of values per item in the single output (the class count). */
int64_t infer_model_output_size(const struct infer_model *m);
/* 0 when the model runs at any batch (each item is computed on its own,
 * even if the file declares a fixed batch); otherwise the one batch it
 * runs at (a fixed-batch graph that mixes items, e.g. Reshape [1, -1]). */
int infer_model_fixed_batch(const struct infer_model *m);

struct infer_session_options {
	enum infer_backend backend;
	enum infer_precision precision; /* CPU: FP32 only */
	int max_batch;
	int device;                     /* CUDA device ordinal */
	int threads;                    /* CPU, oneDNN: worker threads, 0 = 1 */
};

int infer_session_new(const struct infer_model *m, const struct infer_session_options *opt,
		      struct infer_session **out, char **errmsg);
/* input: batch x C x H x W floats (NCHW); output: batch x output_size.
 * On the CPU backend an item's result is bit-identical whatever the thread
 * count or the batch it is run in (every sum is taken in the same order);
 * the oneDNN backend promises that only within float32 rounding. */
int infer_session_run(struct infer_session *s, const float *input, int batch,
		      float *output, char **errmsg);
void infer_session_free(struct infer_session *s);

/* Is a CUDA backend compiled in and a device present? 0 yes, else a negative
 * errno and the reason in why (e.g. "built without CUDA"). */
int infer_cuda_available(char *why, size_t whylen);
/* Is the oneDNN backend compiled in (and able to make a CPU engine)? 0 yes,
 * else a negative errno and the reason in why ("built without oneDNN"). */
int infer_onednn_available(char *why, size_t whylen);

#endif
