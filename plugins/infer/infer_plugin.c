/*
 * infer_plugin.c - the `infer` plugin: keys, create/destroy, apply, poll
 * (see infer_plugin.h). It starts and stops the worker threads
 * (infer_plugin_worker.c); the loop's side of their messages is
 * infer_plugin_pool.c.
 *
 * backend "auto" (the default) takes the GPU where there is a usable one,
 * else the oneDNN backend where it is built, else the CPU reference
 * backend, saying which once per target, so the plugin can run on any
 * machine that loads it: probe() never declines. An explicit backend
 * "cuda" on a machine without a GPU, or "onednn" in a build without it, is
 * refused by create(), with the reason and the way out.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "infer_plugin.h"
#include "mono.h"

static const struct scaled_host *infer_host;

enum {
	KEY_MODEL,
	KEY_INPUT,
	KEY_OUT,
	KEY_BATCH,
	KEY_BACKEND,
	KEY_PRECISION,
	KEY_TOP,
	KEY_STOP_GRACE,
	KEY_THREADS,
	KEY_RESIZE,
	KEY_CROP,
	KEY_MEAN,
	KEY_STD,
	KEY_INPUT_FORMAT,
	KEY_SOFTMAX,
};

static const struct scaled_key infer_keys[] = {
	[KEY_MODEL] = { "model", SCALED_KEY_STRING, NULL, 1, "the ONNX model file" },
	[KEY_INPUT] = { "input", SCALED_KEY_STRING, NULL, 1,
			"where jobs come from: a spool directory or redis://HOST/KEY" },
	[KEY_OUT] = { "out", SCALED_KEY_STRING, NULL, 1,
		      "the JSON-lines file answers are appended to" },
	[KEY_BATCH] = { "batch", SCALED_KEY_INT, "32", 0, "most jobs per model call" },
	[KEY_BACKEND] = { "backend", SCALED_KEY_ENUM, "auto", 0,
			  "\"auto\" (the GPU if there is one, else oneDNN where built, "
			  "else the CPU reference), \"cuda\", \"onednn\" (CPU, oneDNN) "
			  "or \"cpu\" (the CPU reference backend)" },
	[KEY_PRECISION] = { "precision", SCALED_KEY_ENUM, NULL, 0,
			    "\"fp16\" or \"fp32\"; default fp16 on cuda, fp32 on cpu" },
	[KEY_TOP] = { "top", SCALED_KEY_INT, "5", 0, "classes per answer" },
	[KEY_STOP_GRACE] = { "stop_grace", SCALED_KEY_DURATION, "30s", 0,
			     "a stopping worker's time to finish its batch; past it "
			     "the batch goes back to the queue" },
	[KEY_THREADS] = { "threads", SCALED_KEY_INT, "1", 0,
			  "cpu and onednn backends: threads per worker's model call" },
	[KEY_RESIZE] = { "resize", SCALED_KEY_INT, "256", 0,
			 "JPEG: shorter side before the centre crop" },
	[KEY_CROP] = { "crop", SCALED_KEY_BOOL, "true", 0,
		       "JPEG: centre crop (true) or resize to the model's input" },
	[KEY_MEAN] = { "mean", SCALED_KEY_STRING, "0.485,0.456,0.406", 0,
		       "JPEG: per-channel mean on [0,1] values" },
	[KEY_STD] = { "std", SCALED_KEY_STRING, "0.229,0.224,0.225", 0,
		      "JPEG: per-channel std on [0,1] values" },
	[KEY_INPUT_FORMAT] = { "input_format", SCALED_KEY_ENUM, "auto", 0,
			       "\"auto\" (.f32 raw, else JPEG), \"jpeg\" or \"raw\"" },
	[KEY_SOFTMAX] = { "softmax", SCALED_KEY_ENUM, "auto", 0,
			  "\"auto\" (unless outputs sum to 1), \"on\" or \"off\"" },
	{ 0 },
};

/* The choices of the enum keys, in the order of what they select
 * (BACKEND_*, PRECISION_*, enum image_format, and auto/on/off). */
static const char *const infer_backends[] = { "auto", "cpu", "cuda", "onednn", NULL };
static const char *const infer_precisions[] = { "fp32", "fp16", NULL };
static const char *const infer_formats[] = { "auto", "jpeg", "raw", NULL };
static const char *const infer_softmaxes[] = { "auto", "on", "off", NULL };

/* ABI 1.1: the core holds the values to these before create() is called. */
static const struct scaled_key_limit infer_limits[] = {
	{ .key = "batch", .min = "1", .max = "65536" },
	{ .key = "backend", .choices = infer_backends },
	{ .key = "precision", .choices = infer_precisions },
	{ .key = "top", .min = "1", .max = "1000000" },
	{ .key = "threads", .min = "1", .max = "1024" },
	{ .key = "resize", .min = "1", .max = "65536" },
	{ .key = "input_format", .choices = infer_formats },
	{ .key = "softmax", .choices = infer_softmaxes },
	{ .key = NULL },
};

/* ------------------------------------------------------------- scaling -- */

static int start_worker(struct infer_pool *p)
{
	struct infer_worker *w = calloc(1, sizeof(*w));
	int ret;

	if (!w)
		return -ENOMEM;
	w->pool = p;
	w->id = p->next_id++;
	w->state = INFER_WORKER_STARTING;
	atomic_init(&w->stop, 0);
	ret = pthread_create(&w->tid, NULL, infer_worker_main, w);
	if (ret) {
		free(w);
		return -ret;
	}
	w->next = p->workers;
	p->workers = w;
	return 0;
}

static void stop_worker(struct infer_pool *p, struct infer_worker *w)
{
	pthread_mutex_lock(&p->lock);
	w->deadline_ns = mono_ns() + p->stop_grace_ms * 1000000;
	atomic_store(&w->stop, 1);
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);
	w->state = INFER_WORKER_STOPPING;
}

static int infer_apply(void *state, const struct scaled_target_want *want,
		       uint64_t token, char *err, size_t errlen)
{
	struct infer_pool *p = state;
	int live = 0, ret = 0;

	if (want->desired < 0) {
		snprintf(err, errlen, "desired %d: must not be negative", want->desired);
		return -EINVAL;
	}
	p->desired = want->desired;
	for (struct infer_worker *w = p->workers; w; w = w->next)
		live += w->state != INFER_WORKER_STOPPING;
	while (live < p->desired && !ret) {
		ret = start_worker(p);
		live += !ret;
	}
	/* Scale in from the newest (the list's head): the oldest keep their
	 * warm sessions. */
	for (struct infer_worker *w = p->workers; w && live > p->desired; w = w->next) {
		if (w->state == INFER_WORKER_STOPPING)
			continue;
		stop_worker(p, w);
		live--;
	}
	infer_pool_report(p);
	if (ret) {
		char msg[128];

		snprintf(msg, sizeof(msg), "started %d of %d workers: %s", live,
			 p->desired, strerror(-ret));
		infer_host->apply_done(p->inst, token, ret, msg);
		return 0;
	}
	infer_host->apply_done(p->inst, token, 0, NULL);
	return 0;
}

/* ---------------------------------------------------------------- poll -- */

static int infer_poll(void *state, char *err, size_t errlen)
{
	struct infer_pool *p = state;
	int64_t now = infer_host->now_ms(p->inst);

	(void)err;
	(void)errlen;
	infer_pool_report(p);
	/* A rate needs an interval: the first poll only starts one. */
	if (p->last_poll_ms && now > p->last_poll_ms) {
		double secs = (double)(now - p->last_poll_ms) / 1000.0;

		infer_host->publish(p->inst, "images_per_s", now, (double)p->images / secs);
		infer_host->publish(p->inst, "batch_fill", now,
				    p->batches ? p->fill_sum / (double)p->batches : 0.0);
		/* infer.h has no memory figure yet: CPU memory is not GPU
		 * memory (0); on CUDA nothing is published until it has. */
		if (p->so.backend != INFER_BACKEND_CUDA)
			infer_host->publish(p->inst, "gpu_mem_mb", now, 0.0);
	}
	/* One latency sample per batch, in the order the batches ended, all
	 * stamped now: the store takes samples as new as its newest (equal
	 * times included), and its window statistics (pct, avg, max) are the
	 * policies' to take. Needs no interval, so the first poll has them. */
	for (size_t i = 0; i < p->nlat; i++)
		infer_host->publish(p->inst, "latency_ms", now, p->lat[i]);
	p->last_poll_ms = now;
	p->images = p->batches = 0;
	p->fill_sum = 0;
	p->nlat = 0;
	return 0;
}

/* -------------------------------------------------------- create/destroy -- */

static void infer_destroy(void *state)
{
	struct infer_pool *p = state;
	struct infer_worker *w, *next;
	struct infer_msg *m;

	if (!p)
		return;
	for (w = p->workers; w; w = w->next)
		if (w->state != INFER_WORKER_STOPPING)
			stop_worker(p, w);
	/* Each thread ends within stop_grace plus one model call. */
	for (w = p->workers; w; w = next) {
		next = w->next;
		pthread_join(w->tid, NULL);
		free(w);
	}
	/* Messages the loop will never run (the core drops them). */
	while ((m = p->pending)) {
		p->pending = m->next;
		infer_pool_msg_free(m);
	}
	results_close(&p->out);
	infer_model_free(p->model);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free(p->lat);
	free(p->input);
	free(p->model_name);
	free(p);
}

/* The index of enum key `key`'s value v in its choices. The core has
 * held v to them (infer_limits); a caller that did not is refused. */
static int choice(const char *key, const char *v, const char *const *choices, int *out,
		  char *err, size_t errlen)
{
	for (int i = 0; choices[i]; i++)
		if (!strcmp(v, choices[i])) {
			*out = i;
			return 0;
		}
	snprintf(err, errlen, "%s: \"%s\" is not one of its choices", key, v);
	return -EINVAL;
}

enum { BACKEND_AUTO, BACKEND_CPU, BACKEND_CUDA, BACKEND_ONEDNN };
enum { PRECISION_DEFAULT = -1, PRECISION_FP32, PRECISION_FP16 };

/*
 * Settle backend and precision. "auto" is the GPU when
 * infer_cuda_available() finds a usable one, else oneDNN when
 * infer_onednn_available() says it is built, else the CPU backend; the
 * log says which, once. An explicit "cuda" without a GPU is an error, as
 * are "onednn" without oneDNN and fp16 on the CPU. The precision defaults
 * to the backend's own.
 */
static int pick_backend(struct infer_pool *p, int backend, int precision, char *err,
			size_t errlen)
{
	char reason[200] = "";
	char dreason[200] = "";
	int gpu = (backend == BACKEND_AUTO || backend == BACKEND_CUDA) &&
		  infer_cuda_available(reason, sizeof(reason)) == 0;
	int dnn = !gpu && (backend == BACKEND_AUTO || backend == BACKEND_ONEDNN) &&
		  infer_onednn_available(dreason, sizeof(dreason)) == 0;

	if (backend == BACKEND_ONEDNN && !dnn) {
		snprintf(err, errlen, "no oneDNN backend (set backend = \"cpu\" to use the CPU "
			 "reference backend, or leave it \"auto\")%s%s",
			 dreason[0] ? ": " : "", dreason);
		return -ENOTSUP;
	}
	if (backend == BACKEND_CUDA && !gpu) {
		snprintf(err, errlen, "no GPU (set backend = \"cpu\" to use the CPU "
			 "reference backend, or leave it \"auto\")%s%s",
			 reason[0] ? ": " : "", reason);
		return -ENODEV;
	}
	if (precision == PRECISION_DEFAULT)
		precision = gpu ? PRECISION_FP16 : PRECISION_FP32;
	if (precision == PRECISION_FP16 && !gpu) {
		if (backend == BACKEND_AUTO)
			snprintf(err, errlen, "precision: fp16 needs a GPU, and backend "
				 "\"auto\" found none%s%s", reason[0] ? ": " : "", reason);
		else
			snprintf(err, errlen, "precision: fp16 needs backend = \"cuda\" "
				 "(the CPU backend is FP32)");
		return -EINVAL;
	}
	if (backend == BACKEND_AUTO && gpu)
		infer_host->log(p->inst, SCALED_LOG_INFO, "backend \"auto\": the GPU (cuda, %s)",
				precision == PRECISION_FP16 ? "fp16" : "fp32");
	else if (backend == BACKEND_AUTO && dnn)
		infer_host->log(p->inst, SCALED_LOG_INFO, "backend \"auto\": no GPU (%s), "
				"so the oneDNN backend (CPU)", reason[0] ? reason : "none found");
	else if (backend == BACKEND_AUTO)
		infer_host->log(p->inst, SCALED_LOG_INFO, "backend \"auto\": no GPU (%s), "
				"so the CPU backend (no oneDNN: %s)", reason[0] ? reason : "none found",
				dreason[0] ? dreason : "not built");
	p->so.backend = gpu ? INFER_BACKEND_CUDA : dnn ? INFER_BACKEND_ONEDNN : INFER_BACKEND_CPU;
	p->so.precision = precision == PRECISION_FP16 ? INFER_FP16 : INFER_FP32;
	return 0;
}

static int config(struct infer_pool *p, const struct scaled_value *c, char *err,
		  size_t errlen)
{
	int backend, precision = PRECISION_DEFAULT, format, softmax;

	/* Choices and numeric bounds are the core's to check (infer_limits). */
	if (choice("backend", c[KEY_BACKEND].u.str, infer_backends, &backend, err, errlen) ||
	    choice("input_format", c[KEY_INPUT_FORMAT].u.str, infer_formats, &format, err,
		   errlen) ||
	    choice("softmax", c[KEY_SOFTMAX].u.str, infer_softmaxes, &softmax, err, errlen) ||
	    (c[KEY_PRECISION].set && choice("precision", c[KEY_PRECISION].u.str,
					     infer_precisions, &precision, err, errlen)))
		return -EINVAL;
	/* What no limit can say: a relation between two keys. */
	if (precision == PRECISION_FP16 && (backend == BACKEND_CPU || backend == BACKEND_ONEDNN)) {
		snprintf(err, errlen, "precision: fp16 needs backend = \"cuda\" "
			 "(the CPU backend is FP32)");
		return -EINVAL;
	}

	p->so.threads = (int)c[KEY_THREADS].u.integer;
	p->stop_grace_ms = c[KEY_STOP_GRACE].u.ms;
	image_opts_default(&p->bo.image);
	p->bo.image.resize = (int)c[KEY_RESIZE].u.integer;
	p->bo.image.crop = c[KEY_CROP].u.boolean;
	p->bo.image.format = (enum image_format)format;
	if (image_parse_triple(c[KEY_MEAN].u.str, p->bo.image.mean) ||
	    image_parse_triple(c[KEY_STD].u.str, p->bo.image.std)) {
		snprintf(err, errlen, "mean/std: three numbers \"a,b,c\" each");
		return -EINVAL;
	}
	p->bo.max = (int)c[KEY_BATCH].u.integer;
	p->bo.top = (int)c[KEY_TOP].u.integer;
	p->bo.softmax = softmax == 0 ? RESULTS_SOFTMAX_AUTO
				     : softmax == 1 ? RESULTS_SOFTMAX_ON : RESULTS_SOFTMAX_OFF;
	return pick_backend(p, backend, precision, err, errlen);
}

static int infer_create(struct scaled_instance *inst, const struct scaled_value *c,
			void **state, char *err, size_t errlen)
{
	struct infer_pool *p = calloc(1, sizeof(*p));
	struct job_queue *q = NULL;
	char *why = NULL;
	int ret, clamped = 0, recovered = 0;

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	p->inst = inst;
	p->host = infer_host;
	p->out.fd = -1;
	pthread_mutex_init(&p->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* idle waits */
	pthread_cond_init(&p->wake, &ca);
	pthread_condattr_destroy(&ca);

	ret = config(p, c, err, errlen);
	if (ret)
		goto fail;
	if (jobs_check_url(c[KEY_INPUT].u.str, &why))
		goto fail_why;
	p->input = strdup(c[KEY_INPUT].u.str);
	const char *base = strrchr(c[KEY_MODEL].u.str, '/');
	p->model_name = strdup(base ? base + 1 : c[KEY_MODEL].u.str);
	if (!p->input || !p->model_name) {
		snprintf(err, errlen, "out of memory");
		ret = -ENOMEM;
		goto fail;
	}
	p->bo.model = p->model_name;
	/* Loading runs on the loop, once, when the farm is read. */
	ret = infer_model_load(c[KEY_MODEL].u.str, &p->model, &why);
	if (ret)
		goto fail_why;
	struct jobs_model jm = infer_jobs_model(p->model);

	ret = jobs_batch_opts_from_model(&p->bo, &jm, &clamped, &why);
	if (ret)
		goto fail_why;
	if (clamped)
		infer_host->log(inst, SCALED_LOG_WARN, "model %s takes batches of %d: "
				"batch %d lowered to it", p->model_name, p->bo.max, clamped);
	p->so.max_batch = p->bo.max;
	ret = results_open(c[KEY_OUT].u.str, &p->out, &why);
	if (ret)
		goto fail_why;
	/* Claims of workers that died go back to the queue now. */
	ret = jobs_open(p->input, &q, &why);
	if (!ret)
		ret = job_recover(q, &recovered, &why);
	job_queue_free(q);
	if (ret)
		goto fail_why;
	if (recovered)
		infer_host->log(inst, SCALED_LOG_INFO, "put back %d jobs claimed by workers "
				"that died", recovered);
	*state = p;
	return 0;
fail_why:
	snprintf(err, errlen, "%s", why ? why : strerror(-ret));
	free(why);
	if (!ret)
		ret = -EINVAL;
fail:
	infer_destroy(p);
	return ret;
}

static const struct scaled_kind infer_pool_kind = {
	.struct_size = sizeof(struct scaled_kind),
	.name = "infer_pool",
	.role = SCALED_ROLE_TARGET,
	.help = "inference worker threads (ONNX CNN classifier) answering a job queue",
	.keys = infer_keys,
	.limits = infer_limits,
	.limit_size = sizeof(struct scaled_key_limit),
	.create = infer_create,
	.destroy = infer_destroy,
	.poll = infer_poll,
	.apply = infer_apply,
};

static const struct scaled_kind *const infer_kinds[] = { &infer_pool_kind, NULL };

static int infer_probe(char *why, size_t whylen)
{
	/* Nothing here keeps the plugin from running: without a GPU,
	 * backend "auto" runs on the CPU (an explicit "cuda" or "onednn" that
	 * cannot be had is refused by create(), naming the target). */
	(void)why;
	(void)whylen;
	return 0;
}

static int infer_init(const struct scaled_host *host, char *err, size_t errlen)
{
	/* The core checked the ABI before init (plugin.h). */
	(void)err;
	(void)errlen;
	infer_host = host;
	return 0;
}

static const struct scaled_plugin infer_plugin = {
	.abi_major = SCALED_PLUGIN_ABI_MAJOR,
	.abi_minor = SCALED_PLUGIN_ABI_MINOR,
	.struct_size = sizeof(struct scaled_plugin),
	.name = "infer",
	.version = "0.1.0",
	.help = "GPU (cuDNN) or CPU inference workers as a scalable target",
	.probe = infer_probe,
	.init = infer_init,
	.kinds = infer_kinds,
};

SCALED_EXPORT const struct scaled_plugin *scaled_plugin_entry(void)
{
	return &infer_plugin;
}
