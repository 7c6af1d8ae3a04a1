/*
 * infer_bench.c - scaled-infer --bench: the model on one fixed batch,
 * timed over --iters calls after --warmup untimed ones, and one line of
 * throughput and latency on stdout.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "infer_bench.h"
#include "mono.h"

#ifdef SCALED_HAVE_CUDA
#include <cuda_runtime_api.h>
#endif

/* The bench's buffers: pinned (cudaHostAlloc) for the CUDA backend, as a
 * worker that decodes into pinned memory would have them, so the copies
 * to the GPU run at full speed and overlap the compute; --pageable
 * measures plain malloc'd ones (the backend then stages them). */
static void *bench_alloc(const struct infer_cli *cli, size_t bytes, int *pinned)
{
	*pinned = 0;
#ifdef SCALED_HAVE_CUDA
	void *p = NULL;

	if (cli->backend == INFER_BACKEND_CUDA && !cli->pageable) {
		if (cudaHostAlloc(&p, bytes, cudaHostAllocDefault) == cudaSuccess) {
			*pinned = 1;
			return p;
		}
		(void)cudaGetLastError();
		infer_cli_say("bench: cudaHostAlloc of %zu bytes failed: using malloc'd buffers",
			       bytes);
	}
#else
	(void)cli;
#endif
	return malloc(bytes);
}

static void bench_free(void *p, int pinned)
{
#ifdef SCALED_HAVE_CUDA
	if (pinned) {
		cudaFreeHost(p);
		return;
	}
#else
	(void)pinned;
#endif
	free(p);
}

/* Exactly n floats from path into p; 0 or -1 with a message said. */
static int read_floats(const char *path, float *p, size_t n)
{
	FILE *f = fopen(path, "rb");
	size_t got = 0;
	int extra = 0;

	if (f) {
		got = fread(p, sizeof(float), n, f);
		extra = fgetc(f) != EOF;
		fclose(f);
	}
	if (!f || got != n || extra) {
		infer_cli_say("bench: %s: %s (need exactly %zu float32 values)", path,
			       f ? "wrong size" : strerror(errno), n);
		return -1;
	}
	return 0;
}

static int write_floats(const char *path, const float *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	int bad = !f || fwrite(p, sizeof(float), n, f) != n;

	if (f && fclose(f))
		bad = 1;
	if (bad)
		infer_cli_say("bench: cannot write %s: %s", path, strerror(errno));
	return bad ? -1 : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int infer_bench_run(const struct infer_cli *cli, struct infer_session *s,
		    const struct jobs_batch_opts *bo)
{
	size_t item = (size_t)bo->shape.c * bo->shape.h * bo->shape.w;
	int pin_in = 0, pin_out = 0;
	float *in = bench_alloc(cli, item * (size_t)cli->batch * sizeof(float), &pin_in);
	float *outv = bench_alloc(cli, (size_t)bo->classes * (size_t)cli->batch * sizeof(float),
				  &pin_out);
	double *times = malloc((size_t)cli->iters * sizeof(double));
	uint32_t x = 2463534242u; /* xorshift32: the same input every run */
	char *err = NULL;
	int ret = 0;

	if (!in || !outv || !times) {
		infer_cli_say("bench: out of memory");
		ret = 1;
		goto out;
	}
	for (size_t i = 0; !cli->bench_in && i < item * (size_t)cli->batch; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		in[i] = (float)x / 4294967296.0f * 4.0f - 2.0f;
	}
	if (cli->bench_in && read_floats(cli->bench_in, in, item * (size_t)cli->batch)) {
		ret = 1;
		goto out;
	}
	/* Warm up: first calls capture graphs, fault in buffers, settle clocks. */
	for (int i = 0; i < cli->warmup; i++)
		if (infer_session_run(s, in, cli->batch, outv, &err))
			goto fail;
	double t0 = mono_ms();
	for (int i = 0; i < cli->iters; i++) {
		double t = mono_ms();

		if (infer_session_run(s, in, cli->batch, outv, &err))
			goto fail;
		times[i] = mono_ms() - t;
	}
	double ms = mono_ms() - t0;
	if (cli->bench_out &&
	    write_floats(cli->bench_out, outv, (size_t)bo->classes * (size_t)cli->batch)) {
		ret = 1;
		goto out;
	}
	qsort(times, (size_t)cli->iters, sizeof(double), cmp_double);
	printf("bench: model=%s backend=%s precision=%s batch=%d iters=%d warmup=%d "
	       "buffers=%s: %.1f images/s (%.2f ms/batch, median %.2f, min %.2f)\n", bo->model,
	       cli->backend == INFER_BACKEND_CUDA     ? "cuda"
	       : cli->backend == INFER_BACKEND_ONEDNN ? "onednn"
						      : "cpu",
	       cli->precision == INFER_FP16 ? "fp16" : "fp32", cli->batch, cli->iters,
	       cli->warmup, pin_in && pin_out ? "pinned" : "pageable",
	       (double)cli->batch * cli->iters / (ms / 1e3), ms / cli->iters,
	       times[cli->iters / 2], times[0]);
	goto out;
fail:
	infer_cli_say("bench: %s", err ? err : "model call failed");
	free(err);
	ret = 1;
out:
	bench_free(in, pin_in);
	bench_free(outv, pin_out);
	free(times);
	return ret;
}

