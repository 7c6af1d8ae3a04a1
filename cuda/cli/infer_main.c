/*
 * infer_main.c - scaled-infer: one inference worker outside the daemon.
 *
 *   scaled-infer MODEL.onnx --input DIR --out FILE [options]   run a worker
 *   scaled-infer --bench MODEL.onnx --batch N [--iters N] [--warmup N]  measure
 *
 * The worker claims a batch, decodes it on --threads threads, and while
 * the model runs over it the next batch is already claimed and decoding;
 * then it writes the answers (fsync) and acks. SIGTERM or SIGINT: the batch
 * in the model is finished, written and acked; the one being decoded is
 * given back to the queue; exit 0.
 *
 * Exit: 0 done, 1 the worker failed (model, device, output file), 2 usage.
 *
 * This file: main(), which calls the others and is called by none: the
 * command line is infer_cli.c, the worker infer_run.c, --bench
 * infer_bench.c (each with its header).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infer_bench.h"
#include "infer_cli.h"
#include "infer_run.h"

/* ----------------------------------------------------------------- main -- */

int main(int argc, char **argv)
{
	struct infer_cli cli;
	struct infer_model *m = NULL;
	struct infer_session *s = NULL;
	struct job_queue *q = NULL;
	struct results_out out = { 0 };
	struct jobs_batch_opts bo;
	char *err = NULL;
	int ret;

	ret = infer_cli_parse(argc, argv, &cli, &err);
	if (ret == 1) {
		infer_cli_usage(stdout);
		return 0;
	}
	if (ret) {
		infer_cli_say("%s", err);
		free(err);
		fputs("try scaled-infer --help\n", stderr);
		return 2;
	}
	if (!cli.bench && jobs_check_url(cli.input, &err)) {
		infer_cli_say("%s", err);
		free(err);
		return 2;
	}
	if (cli.backend == INFER_BACKEND_CUDA || cli.backend_auto) {
		char why[256] = "";
		int gpu = infer_cuda_available(why, sizeof(why)) == 0;

		if (!why[0])
			snprintf(why, sizeof(why), "not available");
		if (!cli.backend_auto && !gpu) {
			infer_cli_say("backend cuda: %s (use --backend cpu for the CPU "
				       "reference backend, or auto)", why);
			return 1;
		}
		if (gpu) {
			cli.backend = INFER_BACKEND_CUDA;
		} else if (cli.precision == INFER_FP16) {
			infer_cli_say("--fp16 needs a GPU, and --backend auto found none: %s", why);
			return 1;
		}
		if (cli.backend_auto && gpu) {
			infer_cli_say("backend auto: the GPU (cuda)");
		} else if (cli.backend_auto) {
			char dwhy[256] = "";

			if (infer_onednn_available(dwhy, sizeof(dwhy)) == 0) {
				cli.backend = INFER_BACKEND_ONEDNN;
				infer_cli_say("backend auto: no GPU (%s), so the oneDNN backend (CPU)", why);
			} else {
				infer_cli_say("backend auto: no GPU (%s), so the CPU backend (no oneDNN: %s)",
					      why, dwhy);
			}
		}
	}
	if (cli.backend == INFER_BACKEND_ONEDNN && !cli.backend_auto) {
		char why[256] = "";

		if (infer_onednn_available(why, sizeof(why))) {
			infer_cli_say("backend onednn: %s (use --backend cpu for the CPU "
				      "reference backend, or auto)", why);
			return 1;
		}
	}

	if (infer_model_load(cli.model, &m, &err)) {
		infer_cli_say("%s", err ? err : cli.model);
		free(err);
		return 1;
	}
	const char *base = strrchr(cli.model, '/');
	int clamped = 0;
	memset(&bo, 0, sizeof(bo));
	bo.image = cli.image;
	bo.max = cli.batch;
	bo.top = cli.top;
	bo.softmax = cli.softmax;
	bo.model = base ? base + 1 : cli.model;
	struct jobs_model jm = infer_jobs_model(m);

	ret = jobs_batch_opts_from_model(&bo, &jm, &clamped, &err);
	if (ret) {
		infer_cli_say("%s", err);
		free(err);
		ret = ret == -EINVAL ? 2 : 1;
		goto out;
	}
	if (clamped)
		infer_cli_say("model %s takes batches of %d: --batch %d lowered to it",
			       bo.model, bo.max, clamped);
	cli.batch = bo.max;
	struct infer_session_options so = {
		.backend = cli.backend,
		.precision = cli.precision,
		.max_batch = bo.max,
		.device = 0,
		.threads = cli.cpu_threads,
	};
	if (infer_session_new(m, &so, &s, &err)) {
		infer_cli_say("%s", err ? err : "cannot create the session");
		free(err);
		ret = 1;
		goto out;
	}
	if (cli.bench) {
		ret = infer_bench_run(&cli, s, &bo);
		goto out;
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = infer_run_on_signal; /* no SA_RESTART: sleeps end at once */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* A queue server that drops the connection mid-write (Redis restarting)
	 * is an EPIPE for that call, not the end of the worker. */
	signal(SIGPIPE, SIG_IGN);

	if (jobs_open(cli.input, &q, &err) || results_open(cli.out, &out, &err)) {
		infer_cli_say("%s", err);
		free(err);
		ret = 1;
		goto out;
	}
	ret = infer_run_worker(&cli, s, q, &out, &bo);
out:
	results_close(&out);
	job_queue_free(q);
	infer_session_free(s);
	infer_model_free(m);
	return ret;
}
