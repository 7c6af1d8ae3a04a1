/*
 * test_infer_threads.c - the CPU backend's thread pool under repetition.
 *
 * usage: infer_threads_test                      the pool on its own
 *        infer_threads_test sessions [MODELDIR]   sessions on models
 *
 * A hang was reported for a threads = 2 session on the tiny classifier at
 * batch 8 (caller waiting for helpers to check out, helper asleep waiting
 * for a job). A lost wake-up shows only in a rare interleaving, so these
 * tests make many: thousands of jobs on long-lived pools and sessions, and
 * hundreds of fresh ones, whose helpers may not have reached their first
 * wait when the first job is posted. ctest gives each mode a TIMEOUT, so a
 * hang fails the test instead of blocking the run.
 *
 * The pool: cpu_threads directly; every task runs exactly once on a worker
 * below the count, with fewer tasks than workers, none, one, and more.
 * Sessions: MODELDIR is gen_models.py's (as in infer_models_test); each
 * model at threads 2 and 3, batches 1..8 in turn, every output
 * bit-identical to a threads = 1 run. Exits 77 (skipped) when the generator
 * skipped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_threads.h"
#include "infer.h"
#include "infer_test_util.h"

#define MAX_TASKS 64
#define MAX_BATCH 8

/* ------------------------------------------------------------------ pool -- */

struct count_job {
	int workers;
	atomic_int calls[MAX_TASKS];
	atomic_int bad_worker;
	atomic_uint sink;
};

/* A little uneven work per task, so that workers finish in varying order
 * and the interleavings differ from job to job. The call is counted at
 * the end, so a run that returns before its tasks finish is caught too. */
static void count_task(void *arg, int64_t task, int worker)
{
	struct count_job *j = arg;
	uint64_t x = (uint64_t)task * 0x9e3779b97f4a7c15u + 1;
	unsigned spin = (unsigned)(x >> 59) * 8, i;

	if (worker < 0 || worker >= j->workers)
		atomic_fetch_add(&j->bad_worker, 1);
	for (i = 0; i < spin; i++)
		x = util_xorshift(x);
	atomic_fetch_add(&j->sink, (unsigned)x);
	atomic_fetch_add(&j->calls[task], 1);
}

static void run_and_check(struct cpu_threads *t, int64_t ntasks, struct count_job *j)
{
	int64_t i;

	j->workers = cpu_threads_count(t);
	for (i = 0; i < MAX_TASKS; i++)
		atomic_store(&j->calls[i], 0);
	atomic_store(&j->bad_worker, 0);
	cpu_threads_run(t, ntasks, count_task, j);
	for (i = 0; i < MAX_TASKS; i++) {
		int want = i < ntasks, got = atomic_load(&j->calls[i]);

		if (got != want)
			print_error("%d workers, %lld tasks: task %lld ran %d times\n", j->workers,
				    (long long)ntasks, (long long)i, got);
		assert_int_equal(got, want);
	}
	assert_int_equal(atomic_load(&j->bad_worker), 0);
}

/* One pool, many jobs: 0 tasks, 1 (run inline), fewer than the workers,
 * and up to twice as many. 8 workers oversubscribe a small machine, which
 * is where helpers get preempted between the checks and the waits. */
static void test_pool_many_jobs(void **state)
{
	static const int sizes[] = { 2, 3, 4, 8 };
	struct count_job *j = calloc(1, sizeof(*j));
	size_t k;
	int r;

	(void)state;
	assert_non_null(j);
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		struct cpu_threads *t = NULL;
		int n = sizes[k];

		assert_int_equal(cpu_threads_new(n, &t), 0);
		assert_int_equal(cpu_threads_count(t), n);
		for (r = 0; r < 3000; r++)
			run_and_check(t, r % (2 * n + 2), j);
		cpu_threads_free(t);
	}
	free(j);
}

/* Fresh pools: the first job is posted while the helpers may still be
 * starting, and a pool may be freed before it ever ran. */
static void test_pool_fresh(void **state)
{
	struct count_job *j = calloc(1, sizeof(*j));
	struct cpu_threads *t;
	int r;

	(void)state;
	assert_non_null(j);
	for (r = 0; r < 600; r++) {
		assert_int_equal(cpu_threads_new(2 + r % 2, &t), 0);
		run_and_check(t, 2 + r % 5, j);
		if (r % 3 == 0)
			run_and_check(t, 1 + r % 7, j);
		cpu_threads_free(t);
	}
	for (r = 0; r < 100; r++) {
		assert_int_equal(cpu_threads_new(2 + r % 3, &t), 0);
		cpu_threads_free(t);
	}
	/* No pool (a session's threads = 1 has one) runs everything inline. */
	run_and_check(NULL, 5, j);
	assert_int_equal(cpu_threads_count(NULL), 1);
	free(j);
}

/* -------------------------------------------------------------- sessions -- */

static const char *model_dir;

static struct infer_session *open_session(const struct infer_model *m, int max_batch, int threads)
{
	struct infer_session_options opt = { .backend = INFER_BACKEND_CPU, .precision = INFER_FP32,
					     .max_batch = max_batch, .threads = threads };
	struct infer_session *s = NULL;
	char *err = NULL;
	int rc = infer_session_new(m, &opt, &s, &err);

	if (rc)
		print_error("session: %s\n", err);
	assert_int_equal(rc, 0);
	return s;
}

struct model_case {
	struct infer_model *m;
	int64_t item_in, item_out;
	float *in, *want, *out;
};

/* MAX_BATCH made-up items and their threads = 1 outputs. An item's result
 * does not depend on its batch, so the first b rows of want are the
 * answer to a batch of b. */
static void case_open(struct model_case *c, const char *name)
{
	struct infer_session *s;
	int64_t dims[4], i;
	uint64_t x = 0x2545f4914f6cdd1du;

	c->m = util_load_model(model_dir, name);
	assert_int_equal(infer_model_fixed_batch(c->m), 0);
	infer_model_input_dims(c->m, dims);
	c->item_in = dims[1] * dims[2] * dims[3];
	c->item_out = infer_model_output_size(c->m);
	c->in = malloc((size_t)(MAX_BATCH * c->item_in) * sizeof(float));
	c->want = calloc((size_t)(MAX_BATCH * c->item_out), sizeof(float));
	c->out = calloc((size_t)(MAX_BATCH * c->item_out), sizeof(float));
	assert_true(c->in && c->want && c->out);
	for (i = 0; i < MAX_BATCH * c->item_in; i++) {
		x = util_xorshift(x);
		c->in[i] = (float)(int64_t)(x >> 40) / (float)(1 << 23) - 1.0f;
	}
	s = open_session(c->m, MAX_BATCH, 1);
	assert_int_equal(infer_session_run(s, c->in, MAX_BATCH, c->want, NULL), 0);
	infer_session_free(s);
}

static void case_close(struct model_case *c)
{
	infer_model_free(c->m);
	free(c->in);
	free(c->want);
	free(c->out);
}

static void run_case(struct model_case *c, struct infer_session *s, int batch, const char *what,
		     int threads, int run)
{
	size_t bytes = (size_t)(batch * c->item_out) * sizeof(float);

	memset(c->out, 0xff, bytes);
	assert_int_equal(infer_session_run(s, c->in, batch, c->out, NULL), 0);
	if (memcmp(c->out, c->want, bytes))
		print_error("%s, threads %d, run %d (batch %d): differs from threads 1\n", what,
			    threads, run, batch);
	assert_memory_equal(c->out, c->want, bytes);
}

/* One session per thread count, runs at batches 1..8 in turn. */
static void long_lived(const char *name, int runs)
{
	struct model_case c;
	int threads, r;

	case_open(&c, name);
	for (threads = 2; threads <= 3; threads++) {
		struct infer_session *s = open_session(c.m, MAX_BATCH, threads);

		for (r = 0; r < runs; r++)
			run_case(&c, s, 1 + r % MAX_BATCH, name, threads, r);
		infer_session_free(s);
	}
	case_close(&c);
}

static void test_tiny_classifier(void **state)
{
	(void)state;
	long_lived("tiny_classifier", 2000);
}

/* Bigger jobs on more kernels (pools, adds, depthwise, gemm), fewer runs. */
static void test_networks(void **state)
{
	(void)state;
	long_lived("resnet_small_dyn", 120);
	long_lived("mobilenet_block", 240);
}

/* A fresh session for every run: the first job of a new pool each time. */
static void test_fresh_sessions(void **state)
{
	struct model_case c;
	int r;

	(void)state;
	case_open(&c, "tiny_classifier");
	for (r = 0; r < 400; r++) {
		int batch = 1 + r % MAX_BATCH, threads = 2 + r % 2;
		struct infer_session *s = open_session(c.m, batch, threads);

		run_case(&c, s, batch, "fresh tiny_classifier", threads, r);
		infer_session_free(s);
	}
	case_close(&c);
}

int main(int argc, char **argv)
{
	static const struct CMUnitTest pool[] = {
		cmocka_unit_test(test_pool_many_jobs),
		cmocka_unit_test(test_pool_fresh),
	};
	static const struct CMUnitTest sessions[] = {
		cmocka_unit_test(test_tiny_classifier),
		cmocka_unit_test(test_networks),
		cmocka_unit_test(test_fresh_sessions),
	};
	int rc;

	if (argc == 1)
		return cmocka_run_group_tests_name("infer_threads_pool", pool, NULL, NULL);
	if (argc > 3 || strcmp(argv[1], "sessions") != 0) {
		fprintf(stderr, "usage: %s [sessions [MODELDIR]]\n", argv[0]);
		return 2;
	}
	model_dir = argc == 3 ? argv[2] : INFER_MODELS_DIR;
	rc = util_skip_if_generator_skipped(model_dir);
	if (rc)
		return rc;
	return cmocka_run_group_tests_name("infer_threads_sessions", sessions, NULL, NULL);
}
