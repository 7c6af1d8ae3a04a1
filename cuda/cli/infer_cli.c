/*
 * infer_cli.c - scaled-infer's command line: the options (struct infer_cli,
 * infer_cli.h), their parsing and --help, and the one way the program
 * speaks on stderr. Shared by main() (infer_main.c), the worker
 * (infer_run.c) and --bench (infer_bench.c), which call into this file and
 * never into each other's.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errfmt.h"
#include "infer_cli.h"

void infer_cli_say(const char *fmt, ...)
{
	va_list ap;

	fputs("scaled-infer: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void infer_cli_usage(FILE *f)
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
	      "  --backend auto|cpu|cuda|onednn  (auto: cuda if there is a GPU, else\n"
	      "                         onednn where built, else cpu)\n"
	      "  --fp16                 half precision (cuda only)\n"
	      "  --threads N            decode threads (2)\n"
	      "  --cpu-threads N        cpu, onednn: threads per model call (1)\n"
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

int infer_cli_parse(int argc, char **argv, struct infer_cli *c, char **errmsg)
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
			else if (!strcmp(optarg, "onednn"))
				c->backend = INFER_BACKEND_ONEDNN;
			else
				ret = -EINVAL, *errmsg = errfmt("--backend: '%s' is not "
								 "auto, cpu, cuda or onednn", optarg);
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
		*errmsg = errfmt("--fp16 needs --backend cuda (the CPU backends are FP32)");
		return -EINVAL;
	}
	return 0;
}
