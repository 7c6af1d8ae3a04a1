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
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "errfmt.h"
#include "infer.h"
#include "jobs_batch.h"

#ifdef SCALED_HAVE_CUDA
#include <cuda_runtime_api.h>
#endif

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void say(const char *fmt, ...)
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
	      "  --input DIR            spool directory of jobs (redis:// not built yet)\n"
	      "  --out FILE             JSON lines, appended and fsync'd per batch\n"
	      "  --batch N              jobs per model call (32)\n"
	      "  --backend cpu|cuda     (cuda)\n"
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

/* ------------------------------------------------------------ decoding -- */

/* A fixed pool of decode threads working through the rows of at most two
 * batches: the one the model will take next, and the one after. */
struct pool_task {
	struct jobs_batch *b;
	int i;
};

struct pool {
	pthread_mutex_t lock;
	pthread_cond_t work, done;
	struct pool_task *tasks; /* ring of cap */
	int cap, head, count;
	int quit;
	struct job_queue *q;
	pthread_t *threads;
	int nthreads;
};

/* Rows of a batch still decoding, kept beside the batch by the pool. */
struct pending {
	struct jobs_batch *b;
	int left;
};

static struct pending pending[2];

static struct pending *pending_of(struct jobs_batch *b)
{
	return pending[0].b == b ? &pending[0] : &pending[1];
}

static void *pool_main(void *arg)
{
	struct pool *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->count && !p->quit)
			pthread_cond_wait(&p->work, &p->lock);
		if (!p->count)
			break;
		struct pool_task t = p->tasks[p->head];
		p->head = (p->head + 1) % p->cap;
		p->count--;
		pthread_mutex_unlock(&p->lock);

		jobs_batch_decode(t.b, p->q, t.i);

		pthread_mutex_lock(&p->lock);
		if (--pending_of(t.b)->left == 0)
			pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static void pool_submit(struct pool *p, struct jobs_batch *b)
{
	pthread_mutex_lock(&p->lock);
	pending_of(b)->left = b->n;
	for (int i = 0; i < b->n; i++) {
		p->tasks[(p->head + p->count) % p->cap] = (struct pool_task){ b, i };
		p->count++;
	}
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
}

static void pool_wait(struct pool *p, struct jobs_batch *b)
{
	pthread_mutex_lock(&p->lock);
	while (pending_of(b)->left)
		pthread_cond_wait(&p->done, &p->lock);
	pthread_mutex_unlock(&p->lock);
}

static int pool_start(struct pool *p, struct job_queue *q, int nthreads, int max)
{
	memset(p, 0, sizeof(*p));
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	p->q = q;
	p->cap = 2 * max;
	p->tasks = calloc((size_t)p->cap, sizeof(*p->tasks));
	p->threads = calloc((size_t)nthreads, sizeof(*p->threads));
	if (!p->tasks || !p->threads)
		return -ENOMEM;
	for (; p->nthreads < nthreads; p->nthreads++)
		if (pthread_create(&p->threads[p->nthreads], NULL, pool_main, p))
			return -EAGAIN;
	return 0;
}

static void pool_stop(struct pool *p)
{
	pthread_mutex_lock(&p->lock);
	p->quit = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (int i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	free(p->tasks);
	free(p->threads);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->lock);
}

/* ------------------------------------------------------------- options -- */

struct infer_cli {
	const char *model, *input, *out;
	const char *bench_in, *bench_out;
	int bench;
	int batch, iters, warmup, pageable, threads, cpu_threads, top, once;
	long poll_ms, delay_ms;
	enum infer_backend backend;
	enum infer_precision precision;
	enum results_softmax softmax;
	struct image_opts image;
};

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
	c->backend = INFER_BACKEND_CUDA;
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
			if (!strcmp(optarg, "cpu"))
				c->backend = INFER_BACKEND_CPU;
			else if (!strcmp(optarg, "cuda"))
				c->backend = INFER_BACKEND_CUDA;
			else
				ret = -EINVAL, *errmsg = errfmt("--backend: '%s' is not "
								 "cpu or cuda", optarg);
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
	if (c->precision == INFER_FP16 && c->backend != INFER_BACKEND_CUDA) {
		*errmsg = errfmt("--fp16 needs --backend cuda (the CPU backend is FP32)");
		return -EINVAL;
	}
	return 0;
}

/* -------------------------------------------------------------- worker -- */

struct totals {
	long jobs, errors, batches;
};

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	/* A signal cuts the sleep short: that is how SIGTERM wakes us. */
	nanosleep(&ts, NULL);
}

/* Claim a batch and start decoding it. */
static int start_batch(struct jobs_batch *b, struct job_queue *q, struct pool *p)
{
	char *err = NULL;
	int ret = jobs_batch_claim(b, q, &err);

	if (ret) {
		say("%s", err);
		free(err);
		return ret;
	}
	pool_submit(p, b);
	return 0;
}

static void give_back(struct jobs_batch *b, struct job_queue *q)
{
	char *err = NULL;

	if (jobs_batch_nack(b, q, &err)) {
		say("%s", err);
		free(err);
	}
}

/* Model call, answer, ack. 0, or the worker is broken (jobs given back). */
static int finish_batch(struct jobs_batch *b, struct job_queue *q,
			struct infer_session *s, struct results_out *out,
			const struct infer_cli *cli, struct totals *t)
{
	char *err = NULL;
	int errors = 0, ret;

	if (cli->delay_ms > 0)
		sleep_ms(cli->delay_ms);
	ret = jobs_batch_infer(b, s, &err);
	if (!ret)
		ret = jobs_batch_answer(b, out, &err);
	if (ret) {
		say("%s", err);
		free(err);
		give_back(b, q);
		return ret;
	}
	t->jobs += b->n;
	t->batches++;
	if (jobs_batch_ack(b, q, &errors, &err)) {
		/* Answered already: a failed ack means a second answer later. */
		say("%s", err);
		free(err);
	}
	t->errors += errors;
	return 0;
}

static int run_worker(const struct infer_cli *cli, struct infer_session *s,
		      struct job_queue *q, struct results_out *out,
		      const struct jobs_batch_opts *bo)
{
	struct jobs_batch *cur = NULL, *next = NULL;
	struct totals t = { 0 };
	struct pool p;
	char *err = NULL;
	int ret, n;

	if (jobs_batch_new(bo, &cur, &err) || jobs_batch_new(bo, &next, &err)) {
		say("%s", err);
		free(err);
		jobs_batch_free(cur);
		return 1;
	}
	pending[0].b = cur;
	pending[1].b = next;
	if (pool_start(&p, q, cli->threads, bo->max)) {
		say("cannot start %d decode threads", cli->threads);
		pool_stop(&p);
		jobs_batch_free(cur);
		jobs_batch_free(next);
		return 1;
	}
	/* Claims of workers that died go back before we look. */
	if (job_recover(q, &n, &err)) {
		say("%s", err);
		free(err);
		err = NULL;
	} else if (n) {
		say("put back %d jobs claimed by workers that died", n);
	}

	ret = start_batch(cur, q, &p);
	while (!ret) {
		pool_wait(&p, cur);
		if (!cur->n) {
			if (cli->once || stop_signal)
				break;
			sleep_ms(cli->poll_ms);
			if (stop_signal)
				break;
			if (job_recover(q, &n, &err)) {
				free(err);
				err = NULL;
			} else if (n) {
				say("put back %d jobs claimed by workers that died", n);
			}
			ret = start_batch(cur, q, &p);
			continue;
		}
		/* Decode the next batch while the model runs on this one. */
		if (!stop_signal && (ret = start_batch(next, q, &p)))
			break;
		ret = finish_batch(cur, q, s, out, cli, &t);
		struct jobs_batch *tmp = cur;
		cur = next;
		next = tmp;
		if (ret || stop_signal) {
			pool_wait(&p, cur);
			give_back(cur, q);
			break;
		}
	}
	if (ret) {
		pool_wait(&p, cur);
		give_back(cur, q);
	}
	pool_stop(&p);
	jobs_batch_free(cur);
	jobs_batch_free(next);
	say("answered %ld jobs (%ld with an error) in %ld batches%s", t.jobs, t.errors,
	    t.batches, stop_signal ? ", stopped by a signal" : "");
	return ret ? 1 : 0;
}

/* ---------------------------------------------------------------- bench -- */

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

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
		say("bench: cudaHostAlloc of %zu bytes failed: using malloc'd buffers", bytes);
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
		say("bench: %s: %s (need exactly %zu float32 values)", path,
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
		say("bench: cannot write %s: %s", path, strerror(errno));
	return bad ? -1 : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int run_bench(const struct infer_cli *cli, struct infer_session *s,
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
		say("bench: out of memory");
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
	       cli->backend == INFER_BACKEND_CUDA ? "cuda" : "cpu",
	       cli->precision == INFER_FP16 ? "fp16" : "fp32", cli->batch, cli->iters,
	       cli->warmup, pin_in && pin_out ? "pinned" : "pageable",
	       (double)cli->batch * cli->iters / (ms / 1e3), ms / cli->iters,
	       times[cli->iters / 2], times[0]);
	goto out;
fail:
	say("bench: %s", err ? err : "model call failed");
	free(err);
	ret = 1;
out:
	bench_free(in, pin_in);
	bench_free(outv, pin_out);
	free(times);
	return ret;
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
		say("%s", err);
		free(err);
		fputs("try scaled-infer --help\n", stderr);
		return 2;
	}
	if (!cli.bench && jobs_check_url(cli.input, &err)) {
		say("%s", err);
		free(err);
		return 2;
	}
	if (cli.backend == INFER_BACKEND_CUDA) {
		char why[256] = "";

		if (infer_cuda_available(why, sizeof(why))) {
			say("backend cuda: %s (use --backend cpu for the CPU reference "
			    "backend)", why[0] ? why : "not available");
			return 1;
		}
	}

	if (infer_model_load(cli.model, &m, &err)) {
		say("%s", err ? err : cli.model);
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
	ret = jobs_batch_opts_from_model(&bo, m, &clamped, &err);
	if (ret) {
		say("%s", err);
		free(err);
		ret = ret == -EINVAL ? 2 : 1;
		goto out;
	}
	if (clamped)
		say("model %s takes batches of %d: --batch %d lowered to it", bo.model,
		    bo.max, clamped);
	cli.batch = bo.max;
	struct infer_session_options so = {
		.backend = cli.backend,
		.precision = cli.precision,
		.max_batch = bo.max,
		.device = 0,
		.threads = cli.cpu_threads,
	};
	if (infer_session_new(m, &so, &s, &err)) {
		say("%s", err ? err : "cannot create the session");
		free(err);
		ret = 1;
		goto out;
	}
	if (cli.bench) {
		ret = run_bench(&cli, s, &bo);
		goto out;
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: sleeps end at once */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	if (jobs_spool_open(cli.input, &q, &err) || results_open(cli.out, &out, &err)) {
		say("%s", err);
		free(err);
		ret = 1;
		goto out;
	}
	ret = run_worker(&cli, s, q, &out, &bo);
out:
	results_close(&out);
	job_queue_free(q);
	infer_session_free(s);
	infer_model_free(m);
	return ret;
}
