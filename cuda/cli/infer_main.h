/*
 * infer_main.h - what scaled-infer's files share: the parsed command line
 * (infer_main.c), the worker (infer_run.c) and --bench (infer_bench.c).
 * Not a library interface: only scaled-infer's own files include it.
 */
#ifndef SCALED_INFER_MAIN_H
#define SCALED_INFER_MAIN_H

#include "infer.h"
#include "infer_jobs.h"
#include "jobs_batch.h"

struct infer_cli {
	const char *model, *input, *out;
	const char *bench_in, *bench_out;
	int bench;
	int batch, iters, warmup, pageable, threads, cpu_threads, top, once;
	long poll_ms, delay_ms;
	enum infer_backend backend;
	int backend_auto;	/* --backend auto (the default): settled in main() */
	enum infer_precision precision;
	enum results_softmax softmax;
	struct image_opts image;
};

/* infer_main.c: a line on stderr, "scaled-infer: " first. */
void infer_main_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* infer_run.c: the handler main() installs for SIGTERM and SIGINT; the
 * worker stops after the batch in the model. */
void infer_run_on_signal(int sig);
/* The worker until the queue is empty (--once) or a signal; 0 or 1, the
 * exit status. */
int infer_run_worker(const struct infer_cli *cli, struct infer_session *s,
		     struct job_queue *q, struct results_out *out,
		     const struct jobs_batch_opts *bo);

/* infer_bench.c: --bench on session s; 0 or 1, the exit status. */
int infer_bench_run(const struct infer_cli *cli, struct infer_session *s,
		    const struct jobs_batch_opts *bo);

#endif
