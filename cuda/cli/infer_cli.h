/*
 * infer_cli.h - scaled-infer's command line (infer_cli.c): the parsed
 * options, which main() (infer_main.c), the worker (infer_run.c) and
 * --bench (infer_bench.c) all read, and the program's voice on stderr.
 * Not a library interface: only scaled-infer's own files include it.
 */
#ifndef SCALED_INFER_CLI_H
#define SCALED_INFER_CLI_H

#include <stdio.h>

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

/* Parse argv into *c (defaults first; c's strings point into argv).
 * 0: run; 1: --help was asked for; -EINVAL: a usage error, *errmsg says
 * which (malloc'd, the caller frees it). */
int infer_cli_parse(int argc, char **argv, struct infer_cli *c, char **errmsg);

/* --help's text, on f. */
void infer_cli_usage(FILE *f);

/* A line on stderr, "scaled-infer: " first. */
void infer_cli_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
