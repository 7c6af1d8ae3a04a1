/*
 * test_infer_plugin.c - the `infer` plugin's infer_pool target driven through its
 * ABI by a small host of the test's own: a post queue the test drains as
 * the loop would, a virtual clock, and recorders for reports, samples and
 * apply results. The inference core is the fake one (fake_infer.c). The
 * pool runs over a spool directory, then over a Redis list (a real
 * redis-server on loopback) that goes away and comes back under it.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include <scaled/plugin.h>

#include "redis_server.h"
#include "spool_util.h"

/* ------------------------------------------------------------ the host -- */

struct post {
	scaled_callback fn;
	void *arg;
	struct post *next;
};

static pthread_mutex_t post_lock = PTHREAD_MUTEX_INITIALIZER;
static struct post *posts, **posts_tail = &posts;
static int64_t clock_ms = 1000;
static struct scaled_target_state last_state;
static int applies, apply_status = 1;

struct sample {
	char suffix[32];
	int64_t t;
	double v;
};
static struct sample samples[256];
static int nsamples;

static char log_text[8192]; /* everything logged, for tests to look in */
static size_t log_len;

static void h_log(struct scaled_instance *inst, enum scaled_log_level level,
		  const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	(void)inst;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "[log %d] %s\n", (int)level, line);
	log_len += (size_t)snprintf(log_text + log_len, sizeof(log_text) - log_len,
				    "%s\n", line);
	if (log_len >= sizeof(log_text))
		log_len = 0; /* start over rather than lose the newest */
}

static int64_t h_now(struct scaled_instance *inst)
{
	(void)inst;
	return clock_ms;
}

static void *h_timer_add(struct scaled_instance *inst, int64_t after, scaled_callback fn,
			 void *arg)
{
	(void)inst;
	(void)after;
	(void)fn;
	(void)arg;
	fail_msg("the infer plugin uses no timers");
	return NULL;
}

static void h_timer_cancel(void *h)
{
	(void)h;
}

static int h_publish(struct scaled_instance *inst, const char *suffix, int64_t t,
		     double v)
{
	(void)inst;
	assert_true(nsamples < 256);
	snprintf(samples[nsamples].suffix, sizeof(samples[0].suffix), "%s",
		 suffix ? suffix : "");
	samples[nsamples].t = t;
	samples[nsamples].v = v;
	nsamples++;
	return 0;
}

static void h_report(struct scaled_instance *inst, const struct scaled_target_state *st)
{
	(void)inst;
	last_state = *st;
}

static void h_apply_done(struct scaled_instance *inst, uint64_t token, int status,
			 const char *msg)
{
	(void)inst;
	(void)token;
	(void)msg;
	applies++;
	apply_status = status;
}

static int h_post(struct scaled_instance *inst, scaled_callback fn, void *arg)
{
	struct post *p = calloc(1, sizeof(*p));

	(void)inst;
	if (!p)
		return -ENOMEM;
	p->fn = fn;
	p->arg = arg;
	pthread_mutex_lock(&post_lock);
	*posts_tail = p;
	posts_tail = &p->next;
	pthread_mutex_unlock(&post_lock);
	return 0;
}

/* Run what the threads posted, as the loop would. */
static void drain(void)
{
	struct post *list;

	pthread_mutex_lock(&post_lock);
	list = posts;
	posts = NULL;
	posts_tail = &posts;
	pthread_mutex_unlock(&post_lock);
	while (list) {
		struct post *p = list;

		list = p->next;
		p->fn(p->arg);
		free(p);
	}
}

/* Drop what is left, as the core does after destroy(). */
static void drop_posts(void)
{
	pthread_mutex_lock(&post_lock);
	while (posts) {
		struct post *p = posts;

		posts = p->next;
		free(p);
	}
	posts_tail = &posts;
	pthread_mutex_unlock(&post_lock);
}

static const struct scaled_host host = {
	.struct_size = sizeof(struct scaled_host),
	.abi_major = SCALED_PLUGIN_ABI_MAJOR,
	.abi_minor = SCALED_PLUGIN_ABI_MINOR,
	.log = h_log,
	.now_ms = h_now,
	.timer_add = h_timer_add,
	.timer_cancel = h_timer_cancel,
	.publish = h_publish,
	.report_target = h_report,
	.apply_done = h_apply_done,
	.post = h_post,
};

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* ----------------------------------------------------------- fixtures -- */

static char dir[64], spool[96], model[96], out[96], out_redis[96];
static const char *input = spool;  /* what config() gives as input */
static const char *output = out;   /* and as out */
static struct redis_server srv;    /* test_pool_over_redis's, stopped by its teardown */
static const struct scaled_kind *kind;

/* Config values in key-table order, defaults filled in as the core does;
 * backend NULL leaves the backend key out (its default). */
static void config(struct scaled_value *v, const char *backend)
{
	const struct scaled_key *k = kind->keys;

	for (int i = 0; k[i].name; i++) {
		const char *text = k[i].default_value;

		memset(&v[i], 0, sizeof(v[i]));
		if (!strcmp(k[i].name, "model"))
			text = model;
		else if (!strcmp(k[i].name, "input"))
			text = input;
		else if (!strcmp(k[i].name, "out"))
			text = output;
		else if (!strcmp(k[i].name, "backend") && backend)
			text = backend;
		else if (!strcmp(k[i].name, "batch"))
			text = "4";
		if (!text)
			continue;
		v[i].set = 1;
		switch (k[i].type) {
		case SCALED_KEY_STRING: v[i].u.str = text; break;
		case SCALED_KEY_INT: v[i].u.integer = atoll(text); break;
		case SCALED_KEY_NUMBER: v[i].u.number = atof(text); break;
		case SCALED_KEY_BOOL: v[i].u.boolean = !strcmp(text, "true"); break;
		case SCALED_KEY_DURATION: v[i].u.ms = atoll(text) * 1000; break;
		case SCALED_KEY_ENUM: v[i].u.str = text; break;
		}
	}
}

static int setup(void **state)
{
	char err[512] = "";

	(void)state;
	const struct scaled_plugin *pl = scaled_plugin_entry();
	assert_int_equal(pl->init(&host, err, sizeof(err)), 0);
	kind = pl->kinds[0];
	strcpy(dir, "/tmp/scaled-plugin-test.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(spool, sizeof(spool), "%s/spool", dir);
	snprintf(model, sizeof(model), "%s/model", dir);
	snprintf(out, sizeof(out), "%s/out.jsonl", dir);
	snprintf(out_redis, sizeof(out_redis), "%s/out-redis.jsonl", dir);
	assert_int_equal(mkdir(spool, 0755), 0);
	FILE *m = fopen(model, "w");
	assert_non_null(m);
	fputs("fake 3 4 4 10\n", m);
	fclose(m);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* ------------------------------------------------------------- tests -- */

static void test_descriptor(void **state)
{
	const struct scaled_plugin *pl = scaled_plugin_entry();
	char why[128] = "";

	(void)state;
	assert_int_equal(pl->abi_major, SCALED_PLUGIN_ABI_MAJOR);
	assert_int_equal(pl->struct_size, sizeof(struct scaled_plugin));
	assert_string_equal(pl->name, "infer");
	assert_int_equal(pl->probe(why, sizeof(why)), 0);
	assert_string_equal(kind->name, "infer_pool");
	/* Issue 9 (A4): the GPU when there is one, else the CPU. */
	for (int k = 0; kind->keys[k].name; k++)
		if (!strcmp(kind->keys[k].name, "backend"))
			assert_string_equal(kind->keys[k].default_value, "auto");
	assert_int_equal(kind->role, SCALED_ROLE_TARGET);
	assert_null(pl->kinds[1]);
	static const char *want[] = { "model", "input", "out", "batch", "backend",
				      "precision", "top", "stop_grace" };
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		int found = 0;
		for (int k = 0; kind->keys[k].name; k++) {
			found |= !strcmp(kind->keys[k].name, want[i]);
			assert_string_not_equal(kind->keys[k].name, "poll");
		}
		assert_true(found);
	}
}

static void test_cuda_refused_without_gpu(void **state)
{
	struct scaled_value v[32];
	char err[512] = "";
	void *st = NULL;

	(void)state;
	config(v, "cuda");
	assert_int_equal(kind->create(NULL, v, &st, err, sizeof(err)), -ENODEV);
	assert_non_null(strstr(err, "no GPU (set backend = \"cpu\" to use the CPU "
				    "reference backend, or leave it \"auto\"): the fake core has no CUDA"));
	assert_null(st);

	/* fp16 is the GPU's: asked for with "auto" and no GPU, said so. */
	config(v, NULL);
	for (int i = 0; kind->keys[i].name; i++)
		if (!strcmp(kind->keys[i].name, "precision")) {
			v[i].set = 1;
			v[i].u.str = "fp16";
		}
	assert_int_equal(kind->create(NULL, v, &st, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "precision: fp16 needs a GPU, and backend \"auto\" found none"));
	assert_null(st);

	/* Choices and bounds are the core's (ABI 1.1 limits); create() still
	 * refuses a value outside the choices should a caller skip them. */
	const struct scaled_key_limit *l = kind->limits;
	assert_int_equal(kind->limit_size, sizeof(*l));
	assert_string_equal(l[0].key, "batch");
	assert_string_equal(l[0].min, "1");
	assert_string_equal(l[0].max, "65536");
	assert_string_equal(l[1].key, "backend");
	assert_string_equal(l[1].choices[2], "cuda");
	assert_string_equal(l[1].choices[3], "onednn");
	config(v, "onednn"); /* where the core has none: refused the same way */
	assert_int_equal(kind->create(NULL, v, &st, err, sizeof(err)), -ENOTSUP);
	assert_non_null(strstr(err, "no oneDNN backend (set backend = \"cpu\" to use the CPU "
				    "reference backend, or leave it \"auto\"): the fake core has no oneDNN"));
	config(v, "tpu");
	assert_int_equal(kind->create(NULL, v, &st, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "backend: \"tpu\" is not one of its choices"));
}

static void wait_for(int (*cond)(void), const char *what)
{
	for (int t = 0; !cond(); t += 5) {
		if (t > 20000)
			fail_msg("timed out waiting for %s", what);
		drain();
		sleep_ms(5);
	}
}

static int two_running(void)
{
	return last_state.current == 2 && last_state.starting == 0;
}

static int all_answered(void)
{
	return spool_count_lines(out) == 30;
}

static int none_left(void)
{
	return last_state.current == 0 && last_state.stopping == 0 &&
	       last_state.starting == 0;
}

static double sample(const char *suffix)
{
	for (int i = nsamples; i-- > 0;)
		if (!strcmp(samples[i].suffix, suffix))
			return samples[i].v;
	fail_msg("no sample %s", suffix);
	return -1;
}

static int refusal_logged(void)
{
	return strstr(log_text, ": 1 job(s) answered with an error; the first: xxxx") &&
	       strstr(log_text, ".f32: a job name of 244 bytes is longer than the");
}

static void test_pool_scales_and_answers(void **state)
{
	struct scaled_value v[32];
	char err[512] = "";
	void *st = NULL;

	(void)state;
	for (int i = 0; i < 30; i++) {
		char path[160];
		float x = (float)(i % 10);

		snprintf(path, sizeof(path), "%s/j%02d.f32", spool, i);
		FILE *f = fopen(path, "wb");
		assert_non_null(f);
		for (int k = 0; k < 48; k++)
			fwrite(&x, 4, 1, f);
		fclose(f);
	}
	/* No backend key: "auto" finds no GPU (the fake core has none), says
	 * so once, and runs on the CPU backend (the fake core's only one). */
	config(v, NULL);
	log_len = 0;
	log_text[0] = '\0';
	assert_int_equal(kind->create(NULL, v, &st, err, sizeof(err)), 0);
	const char *said = strstr(log_text, "backend \"auto\": no GPU (the fake core has no "
					    "CUDA), so the CPU backend");
	assert_non_null(said);
	assert_null(strstr(said + 1, "backend \"auto\""));
	assert_int_equal(kind->poll(st, err, sizeof(err)), 0); /* starts the interval */
	assert_int_equal(nsamples, 0);

	struct scaled_target_want want = { sizeof(want), 2, -1, -1 };
	assert_int_equal(kind->apply(st, &want, 1, err, sizeof(err)), 0);
	assert_int_equal(applies, 1);
	assert_int_equal(apply_status, 0);
	assert_int_equal(last_state.desired, 2);
	assert_int_equal(last_state.current + last_state.starting, 2);
	wait_for(two_running, "two running workers");
	wait_for(all_answered, "30 answers");

	/* Everything answered once, and the spool is empty. */
	FILE *f = fopen(out, "r");
	char line[4096];
	int seen[30] = { 0 }, i;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		cJSON *j = cJSON_Parse(line);
		assert_non_null(j);
		assert_int_equal(sscanf(cJSON_GetObjectItem(j, "job")->valuestring,
					"j%d.f32", &i), 1);
		seen[i]++;
		cJSON *top = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "top"), 0);
		assert_int_equal(cJSON_GetObjectItem(top, "class")->valueint, i % 10);
		cJSON_Delete(j);
	}
	fclose(f);
	for (i = 0; i < 30; i++)
		assert_int_equal(seen[i], 1);
	assert_int_equal(spool_count_files(spool), 0);

	/* The series, over 10 s of engine time. A batch's message may still be
	 * in flight after its answers are written: wait for all 30 images. */
	for (int t = 0; t < 2000; t += 5) {
		drain();
		sleep_ms(5);
	}
	clock_ms += 10000;
	assert_int_equal(kind->poll(st, err, sizeof(err)), 0);
	assert_true(sample("images_per_s") == 3.0); /* 30 images / 10 s */
	double fill = sample("batch_fill");
	assert_true(fill >= 30.0 / 4 / 30 && fill <= 1.0);
	assert_true(sample("gpu_mem_mb") == 0.0);
	/* One raw latency per batch (the store's pct makes percentiles of
	 * them): as many as the batches that carried the 30 images, which
	 * batch_fill (mean of jobs per batch / 4) gives. */
	int nlat = 0;
	for (i = 0; i < nsamples; i++) {
		assert_true(samples[i].t == clock_ms);
		assert_null(strstr(samples[i].suffix, "latency_p"));
		if (!strcmp(samples[i].suffix, "latency_ms")) {
			assert_true(samples[i].v >= 0);
			nlat++;
		}
	}
	assert_true(nlat >= 8 && nlat <= 30);
	assert_true(fabs(fill * 4 * nlat - 30.0) < 1e-9);

	/* Idle interval: zero images, no latency sample. */
	int before = nsamples;
	clock_ms += 5000;
	assert_int_equal(kind->poll(st, err, sizeof(err)), 0);
	assert_true(sample("images_per_s") == 0.0);
	for (i = before; i < nsamples; i++)
		assert_string_not_equal(samples[i].suffix, "latency_ms");

	/* Scale in to zero: both threads stop and are joined on the loop. */
	want.desired = 0;
	assert_int_equal(kind->apply(st, &want, 2, err, sizeof(err)), 0);
	assert_int_equal(last_state.desired, 0);
	wait_for(none_left, "the workers to stop");

	/* Back to one. A job whose name has no room for a claim is answered
	 * with an error and logged (issue 9, B16: it was skipped in silence). */
	want.desired = 1;
	assert_int_equal(kind->apply(st, &want, 3, err, sizeof(err)), 0);
	char path[512];
	int at = snprintf(path, sizeof(path), "%s/", spool);
	memset(path + at, 'x', 240);
	strcpy(path + at + 240, ".f32");
	f = fopen(path, "wb");
	assert_non_null(f);
	fclose(f);
	wait_for(refusal_logged, "the refusal in the log");
	assert_int_equal(spool_count_lines(out), 31);
	assert_int_equal(spool_count_files(spool), 0);

	/* Destroy with it running. */
	kind->destroy(st);
	drop_posts();
}

static int redis_answered(void)
{
	return spool_count_lines(out_redis) == 12;
}

static int redis_teardown(void **state)
{
	(void)state;
	redis_server_stop(&srv, 0);
	input = spool;
	output = out;
	return 0;
}

static void test_pool_over_redis(void **state)
{
	struct scaled_value v[32];
	char url[96], err[512] = "";
	void *st = NULL;

	(void)state;
	if (!redis_server_available())
		skip();
	/* a malformed URL is refused when the farm is read */
	input = "redis://localhost";
	config(v, "cpu");
	assert_int_equal(kind->create(NULL, v, &st, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "no list key"));
	assert_null(st);

	redis_server_start(&srv);
	redisContext *c = redis_server_client(&srv);
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d/jobs", srv.port);
	input = url;
	output = out_redis;
	config(v, "cpu");
	assert_int_equal(kind->create(NULL, v, &st, err, sizeof(err)), 0);
	struct scaled_target_want want = { sizeof(want), 2, -1, -1 };
	assert_int_equal(kind->apply(st, &want, 10, err, sizeof(err)), 0);
	wait_for(two_running, "two running workers");

	/* Redis goes away under the idle workers: they say so and wait. */
	redisFree(c);
	redis_server_stop(&srv, 1);
	for (int t = 0; !strstr(log_text, "trying again with a growing wait"); t += 5) {
		if (t > 20000)
			fail_msg("no worker noticed the queue was down");
		drain();
		sleep_ms(5);
	}
	assert_int_equal(last_state.current, 2); /* none exited */

	/* Back: jobs pushed now are answered, by the same workers. */
	redis_server_start(&srv);
	c = redis_server_client(&srv);
	for (int i = 0; i < 12; i++) {
		float x[48];
		char item[512], b64[300];

		for (int k = 0; k < 48; k++)
			x[k] = (float)(i % 10);
		/* base64 of the raw floats, by OpenSSL via the test's own helper */
		assert_int_equal(redis_base64(x, sizeof(x), b64, sizeof(b64)), 0);
		snprintf(item, sizeof(item), "{\"id\": \"r%02d.f32\", \"data\": \"%s\"}", i, b64);
		freeReplyObject(redis_cmd(c, "LPUSH jobs %s", item));
	}
	wait_for(redis_answered, "12 answers from the Redis list");
	drain(); /* the worker said so before it answered */
	assert_non_null(strstr(log_text, "the queue answers again"));
	assert_int_equal(last_state.current, 2);
	assert_int_equal(redis_int(c, "LLEN jobs"), 0);

	want.desired = 0;
	assert_int_equal(kind->apply(st, &want, 11, err, sizeof(err)), 0);
	wait_for(none_left, "the workers to stop");
	kind->destroy(st);
	drop_posts();
	/* the workers left: nothing claimed, nobody registered */
	redisReply *keys = redis_cmd(c, "KEYS *");
	assert_int_equal(keys->elements, 0);
	freeReplyObject(keys);
	redisFree(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_descriptor),
		cmocka_unit_test(test_cuda_refused_without_gpu),
		cmocka_unit_test(test_pool_scales_and_answers),
		cmocka_unit_test_teardown(test_pool_over_redis, redis_teardown),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
