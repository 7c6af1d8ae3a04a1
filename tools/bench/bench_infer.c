/*
 * bench_infer.c - CPU throughput of a model (a measuring tool, not a test).
 *
 * usage: bench_infer MODEL.onnx [BATCH [ITERS [THREADS]]]
 *
 * Runs one warm-up batch, then ITERS batches of seeded random input, and
 * prints images per second. The scaled-infer CLI's --bench is the tool for
 * users; this one needs nothing but the inference core.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "infer.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	struct infer_session_options opt = { .backend = INFER_BACKEND_CPU, .precision = INFER_FP32 };
	struct infer_session *s = NULL;
	struct infer_model *m = NULL;
	int batch = argc > 2 ? atoi(argv[2]) : 8, iters = argc > 3 ? atoi(argv[3]) : 10, i;
	int64_t dims[4], item;
	uint64_t seed = 1;
	float *in, *out;
	char *err = NULL;
	double t0, dt;
	size_t k;

	if (argc < 2 || batch < 1 || iters < 1) {
		fprintf(stderr, "usage: %s MODEL.onnx [BATCH [ITERS [THREADS]]]\n", argv[0]);
		return 2;
	}
	opt.threads = argc > 4 ? atoi(argv[4]) : 1;
	opt.max_batch = batch;
	if (infer_model_load(argv[1], &m, &err) || infer_session_new(m, &opt, &s, &err)) {
		fprintf(stderr, "%s\n", err ? err : "failed");
		return 1;
	}
	infer_model_input_dims(m, dims);
	item = dims[1] * dims[2] * dims[3];
	in = malloc((size_t)(batch * item) * sizeof(float));
	out = malloc((size_t)(batch * infer_model_output_size(m)) * sizeof(float));
	if (!in || !out)
		return 1;
	for (k = 0; k < (size_t)(batch * item); k++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		in[k] = (float)(seed >> 40) / (float)(1 << 24) - 0.5f;
	}
	if (infer_session_run(s, in, batch, out, &err)) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	t0 = now();
	for (i = 0; i < iters; i++)
		infer_session_run(s, in, batch, out, NULL);
	dt = now() - t0;
	printf("%s: batch %d, %d threads: %.2f ms/batch, %.1f images/s\n", argv[1], batch,
	       opt.threads, dt / iters * 1e3, batch * iters / dt);
	infer_session_free(s);
	infer_model_free(m);
	free(in);
	free(out);
	return 0;
}
