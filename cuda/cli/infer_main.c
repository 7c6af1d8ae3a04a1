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
 * This file: the options and main(). The worker is infer_run.c, --bench
 * infer_bench.c; infer_main.h is what the three share.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errfmt.h"
#include "infer_main.h"

void infer_main_say(const char *fmt, ...)
{
	va_list ap;

	fputs("scaled-infer: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void usage(FILE *f)
{
	fputs("usage: scaled-infer MODEL.onnx --input DIR --out FILE [options]\n"
	      "       scaled-infer --bench MODEL.onnx [--batch N] [--iters N] [--warmup N]\n"
	      "                    [--backend B] [--fp16] [--pageable]\n"
	      "                    [--bench-in FILE.f32] [--bench-out FILE.f32]\n"
	      "\n"
	      "  --input DIR|URL        a spool directory, or a Redis list:\n"
	      "                         redis://[:PASS@]HOST[:PORT]/[DB/]KEY[?lease=S&timeout=S]\n"
	      "  --out FILE             JSON lines, appended and fsync'd per batch\n"
	      "  --batch N              jobs per model call (32)\n"
	      "  --backend auto|cpu|cuda  (auto: cuda if there is a GPU, else cpu)\n"
	      "  --fp16                 half precision (cuda only)\n"
	      "  --threads N            decode threads (2)\n"
	      "  --cpu-threads N        CPU backend: threads per model call (1)\n"
	      "  --top K                classes per answer (5)\n"
	      "  --softmax auto|on|off  (auto: unless outputs already sum to 1)\n"
	      "  --input-format auto|jpeg|raw   (auto: .f32 raw, else JPEG)\n"
	      "  --resize N             shorter side before the crop (256)\n"
	      "  --crop | --no-crop     centre crop (on) or resize to the input size\n"
	      "  --mean a,b,c --std a,b,c   on [0,1] values (ImageNet's)\n"
	      "  --once                 exit when the queue is empty\n"
	      "  --poll MS              wait between looks at an empty queue (500)\n"
	      "  --delay-ms MS          sleep before each model call (tests, demos)\n"
	      "  --iters N              --bench: timed model calls (20)\n"
	      "  --warmup N             --bench: untimed calls first (3)\n"
	      "  --pageable             --bench, cuda: malloc'd buffers, not pinned ones\n"
	      "  --bench-in FILE        --bench: the input (batch x C x H x W float32),\n"
	      "                         not the built-in pseudo-random one\n"
	      "  --bench-out FILE       --bench: write the last call's outputs (float32)\n",
	      f);
}

/* ------------------------------------------------------------- options -- */

static int parse_int(const char *opt, const char *text, long lo, long hi, long *out,
		     char **errmsg)
{
	char *end;

	errno = 0;
	long v = strtol(text, &end, 10);
	if (end == text || *end || errno || v < lo || v > hi) {
		*errmsg = errfmt("%s: '%s' is not a whole number in [%ld, %ld]", opt,
				  text, lo, hi);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

enum {
	OPT_BENCH = 256, OPT_ITERS, OPT_CROP, OPT_NO_CROP, OPT_MEAN, OPT_STD,
	OPT_FORMAT, OPT_SOFTMAX, OPT_POLL, OPT_DELAY, OPT_FP16, OPT_CPU_THREADS,
	OPT_WARMUP, OPT_PAGEABLE, OPT_BENCH_IN, OPT_BENCH_OUT,
};

/* 0: run; 1: --help; -EINVAL: usage error with *errmsg. */
static int parse_args(int argc, char **argv, struct infer_cli *c, char **errmsg)
{
	static const struct option opts[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "out", required_argument, NULL, 'o' },
		{ "batch", required_argument, NULL, 'b' },
		{ "backend", required_argument, NULL, 'B' },
		{ "fp16", no_argument, NULL, OPT_FP16 },
		{ "threads", required_argument, NULL, 't' },
		{ "cpu-threads", required_argument, NULL, OPT_CPU_THREADS },
		{ "top", required_argument, NULL, 'k' },
		{ "softmax", required_argument, NULL, OPT_SOFTMAX },
		{ "input-format", required_argument, NULL, OPT_FORMAT },
		{ "resize", required_argument, NULL, 'r' },
		{ "crop", no_argument, NULL, OPT_CROP },
		{ "no-crop", no_argument, NULL, OPT_NO_CROP },
		{ "mean", required_argument, NULL, OPT_MEAN },
		{ "std", required_argument, NULL, OPT_STD },
		{ "once", no_argument, NULL, '1' },
		{ "poll", required_argument, NULL, OPT_POLL },
		{ "delay-ms", required_argument, NULL, OPT_DELAY },
		{ "bench", no_argument, NULL, OPT_BENCH },
		{ "iters", required_argument, NULL, OPT_ITERS },
		{ "warmup", required_argument, NULL, OPT_WARMUP },
		{ "pageable", no_argument, NULL, OPT_PAGEABLE },
		{ "bench-in", required_argument, NULL, OPT_BENCH_IN },
		{ "bench-out", required_argument, NULL, OPT_BENCH_OUT },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	long v = 0;
	int o, ret = 0;

	memset(c, 0, sizeof(*c));
	c->batch = 32;
	c->iters = 20;
	c->warmup = 3;
	c->threads = 2;
	c->cpu_threads = 1;
	c->top = 5;
	c->poll_ms = 500;
	c->backend = INFER_BACKEND_CPU;
	c->backend_auto = 1;
	c->precision = INFER_FP32;
	c->softmax = RESULTS_SOFTMAX_AUTO;
	image_opts_default(&c->image);

	opterr = 0; /* our own messages */
	optind = 1;
	/* getopt permutes: the model may come before or after the options. */
	while (!ret && (o = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		const char *name = optind > 1 ? argv[optind - 1] : "?";

		switch (o) {
		case 'i': c->input = optarg; break;
		case 'o': c->out = optarg; break;
		case 'b':
			ret = parse_int("--batch", optarg, 1, 65536, &v, errmsg);
			c->batch = (int)v;
			break;
		case 'B':
			c->backend_auto = !strcmp(optarg, "auto");
			if (!strcmp(optarg, "cpu") || c->backend_auto)
				c->backend = INFER_BACKEND_CPU;
			else if (!strcmp(optarg, "cuda"))
				c->backend = INFER_BACKEND_CUDA;
			else
				ret = -EINVAL, *errmsg = errfmt("--backend: '%s' is not "
								 "auto, cpu or cuda", optarg);
			break;
		case OPT_FP16: c->precision = INFER_FP16; break;
		case 't':
			ret = parse_int("--threads", optarg, 1, 1024, &v, errmsg);
			c->threads = (int)v;
			break;
		case OPT_CPU_THREADS:
			ret = parse_int("--cpu-threads", optarg, 1, 1024, &v, errmsg);
			c->cpu_threads = (int)v;
			break;
		case 'k':
			ret = parse_int("--top", optarg, 1, 1000000, &v, errmsg);
			c->top = (int)v;
			break;
		case OPT_SOFTMAX:
			if (!strcmp(optarg, "auto"))
				c->softmax = RESULTS_SOFTMAX_AUTO;
			else if (!strcmp(optarg, "on"))
				c->softmax = RESULTS_SOFTMAX_ON;
			else if (!strcmp(optarg, "off"))
				c->softmax = RESULTS_SOFTMAX_OFF;
			else
				ret = -EINVAL, *errmsg = errfmt("--softmax: '%s' is not "
								 "auto, on or off", optarg);
			break;
		case OPT_FORMAT:
			if (!strcmp(optarg, "auto"))
				c->image.format = IMAGE_FORMAT_AUTO;
			else if (!strcmp(optarg, "jpeg"))
				c->image.format = IMAGE_FORMAT_JPEG;
			else if (!strcmp(optarg, "raw"))
				c->image.format = IMAGE_FORMAT_RAW;
			else
				ret = -EINVAL, *errmsg = errfmt("--input-format: '%s' is "
								 "not auto, jpeg or raw", optarg);
			break;
		case 'r':
			ret = parse_int("--resize", optarg, 1, 65536, &v, errmsg);
			c->image.resize = (int)v;
			break;
		case OPT_CROP: c->image.crop = 1; break;
		case OPT_NO_CROP: c->image.crop = 0; break;
		case OPT_MEAN:
		case OPT_STD:
			if (image_parse_triple(optarg, o == OPT_MEAN ? c->image.mean
								    : c->image.std))
				ret = -EINVAL, *errmsg = errfmt("%s: '%s' is not three "
								 "numbers a,b,c",
								 o == OPT_MEAN ? "--mean"
									       : "--std",
								 optarg);
			break;
		case '1': c->once = 1; break;
		case OPT_POLL:
			ret = parse_int("--poll", optarg, 1, 3600000, &c->poll_ms, errmsg);
			break;
		case OPT_DELAY:
			ret = parse_int("--delay-ms", optarg, 0, 3600000, &c->delay_ms,
					errmsg);
			break;
		case OPT_BENCH: c->bench = 1; break;
		case OPT_ITERS:
			ret = parse_int("--iters", optarg, 1, 1000000, &v, errmsg);
			c->iters = (int)v;
			break;
		case OPT_WARMUP:
			ret = parse_int("--warmup", optarg, 0, 1000000, &v, errmsg);
			c->warmup = (int)v;
			break;
		case OPT_PAGEABLE: c->pageable = 1; break;
		case OPT_BENCH_IN: c->bench_in = optarg; break;
		case OPT_BENCH_OUT: c->bench_out = optarg; break;
		case 'h': return 1;
		case ':':
			ret = -EINVAL, *errmsg = errfmt("%s needs a value", name);
			break;
		default:
			ret = -EINVAL, *errmsg = errfmt("unknown option %s", name);
			break;
		}
	}
	if (ret)
		return ret;
	while (optind < argc) {
		if (c->model) {
			*errmsg = errfmt("one model only ('%s' and '%s')", c->model,
					  argv[optind]);
			return -EINVAL;
		}
		c->model = argv[optind++];
	}
	if (!c->model) {
		*errmsg = errfmt("no MODEL.onnx given");
		return -EINVAL;
	}
	if (!c->bench && (!c->input || !c->out)) {
		*errmsg = errfmt("--input DIR and --out FILE are required (or --bench)");
		return -EINVAL;
	}
	if (c->precision == INFER_FP16 && c->backend != INFER_BACKEND_CUDA && !c->backend_auto) {
		*errmsg = errfmt("--fp16 needs --backend cuda (the CPU backend is FP32)");
		return -EINVAL;
	}
	return 0;
}

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

	ret = parse_args(argc, argv, &cli, &err);
	if (ret == 1) {
		usage(stdout);
		return 0;
	}
	if (ret) {
		infer_main_say("%s", err);
		free(err);
		fputs("try scaled-infer --help\n", stderr);
		return 2;
	}
	if (!cli.bench && jobs_check_url(cli.input, &err)) {
		infer_main_say("%s", err);
		free(err);
		return 2;
	}
	if (cli.backend == INFER_BACKEND_CUDA || cli.backend_auto) {
		char why[256] = "";
		int gpu = infer_cuda_available(why, sizeof(why)) == 0;

		if (!why[0])
			snprintf(why, sizeof(why), "not available");
		if (!cli.backend_auto && !gpu) {
			infer_main_say("backend cuda: %s (use --backend cpu for the CPU "
				       "reference backend, or auto)", why);
			return 1;
		}
		if (gpu) {
			cli.backend = INFER_BACKEND_CUDA;
		} else if (cli.precision == INFER_FP16) {
			infer_main_say("--fp16 needs a GPU, and --backend auto found none: %s", why);
			return 1;
		}
		if (cli.backend_auto && gpu)
			infer_main_say("backend auto: the GPU (cuda)");
		else if (cli.backend_auto)
			infer_main_say("backend auto: no GPU (%s), so the CPU backend", why);
	}

	if (infer_model_load(cli.model, &m, &err)) {
		infer_main_say("%s", err ? err : cli.model);
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
		infer_main_say("%s", err);
		free(err);
		ret = ret == -EINVAL ? 2 : 1;
		goto out;
	}
	if (clamped)
		infer_main_say("model %s takes batches of %d: --batch %d lowered to it",
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
		infer_main_say("%s", err ? err : "cannot create the session");
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
		infer_main_say("%s", err);
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
