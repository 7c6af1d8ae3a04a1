/*
 * infer_bench.h - scaled-infer --bench (infer_bench.c). Only scaled-infer's
 * main() includes it.
 */
#ifndef SCALED_INFER_BENCH_H
#define SCALED_INFER_BENCH_H

#include "infer_cli.h"

/* --bench on session s (the caller's); 0 or 1, the exit status. */
int infer_bench_run(const struct infer_cli *cli, struct infer_session *s,
		    const struct jobs_batch_opts *bo);

#endif
