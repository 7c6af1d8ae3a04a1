/*
 * infer_run.h - scaled-infer's worker (infer_run.c): the claim, decode,
 * infer, answer, ack loop. Only scaled-infer's main() includes it.
 */
#ifndef SCALED_INFER_RUN_H
#define SCALED_INFER_RUN_H

#include "infer_cli.h"

/* The handler main() installs for SIGTERM and SIGINT; the worker stops
 * after the batch in the model. */
void infer_run_on_signal(int sig);

/* The worker until the queue is empty (--once) or a signal; 0 or 1, the
 * exit status. s, q and out stay the caller's. */
int infer_run_worker(const struct infer_cli *cli, struct infer_session *s,
		     struct job_queue *q, struct results_out *out,
		     const struct jobs_batch_opts *bo);

#endif
