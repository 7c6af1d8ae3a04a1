/*
 * test_onednn_models.c - the oneDNN backend against the CPU reference
 * backend, on every model gen_models.py (and its shape_ and pad_ helpers)
 * writes.
 *
 * usage: onednn_models_test [MODELDIR]   (default: where ctest's fixture writes)
 *
 * Each model's input is run through the CPU backend (1 thread) and through
 * oneDNN at threads 1 and 2, at the model's own batch, one item at a time
 * (batch 1) and, for models that run at any batch, at batch 16 (the items
 * repeated): same top-1 for the classifiers, and every output within
 * TOL of the reference's, relative to the largest |output| (or 1 if
 * smaller). The two backends add the same products in different orders
 * (oneDNN blocks its sums by 16 channels and by kernel tap; the CPU
 * backend by its GEMM's tiles), so outputs differ by float32 rounding,
 * about 1e-7 of the output's scale per layer; 1e-4 is a hundred times
 * that and far below what a real fault makes (a wrong pad, stride or
 * layout moves outputs by 1e-1 or more). The NumPy reference's own
 * tolerance (models.txt) is 1e-4 too.
 *
 * Then: one session running batch sizes in a changing order; two sessions
 * at once on two threads (1 and 2 OpenMP threads: each thread's runs use
 * its own session's count); errors are reported, never a crash (FP16
 * asked of it, a batch past the session's, NaN input passed through),
 * and a graph with an operator
 * it does not know is refused at open naming the node and the operator.
 * Without the backend built, this exits 77 (skipped), saying so.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <omp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "graph_backend.h"
#include "infer.h"
#include "infer_test_util.h"

#define TOL 1e-4
#define BIG_BATCH 16

static const char *model_dir;
static struct util_manifest_entry manifest[256];
static int n_manifest;

static const char *const classifiers[] = { "resnet_small", "resnet_small_dyn", "tiny_classifier",
					   "keras_resnet_like", "mobilenet_block" };

static int is_classifier(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(classifiers) / sizeof(classifiers[0]); i++)
		if (!strcmp(classifiers[i], name))
			return 1;
	return 0;
}

static float *run(const struct infer_model *m, enum infer_backend be, const float *in, int batch,
		  int threads)
{
	struct infer_session_options opt = { .backend = be, .precision = INFER_FP32,
					     .max_batch = batch, .threads = threads };
	struct infer_session *s = NULL;
	float *out = calloc((size_t)(batch * infer_model_output_size(m)) + 1, sizeof(float));
	char *err = NULL;
	int rc;

	assert_non_null(out);
	rc = infer_session_new(m, &opt, &s, &err);
	if (rc)
		print_error("session (%s): %s\n", be == INFER_BACKEND_ONEDNN ? "onednn" : "cpu", err);
	assert_int_equal(rc, 0);
	rc = infer_session_run(s, in, batch, out, &err);
	if (rc)
		print_error("run: %s\n", err);
	assert_int_equal(rc, 0);
	infer_session_free(s);
	return out;
}

/* got against want (n items of size item): within TOL, same top-1. */
static void compare(const char *name, const char *what, const float *want, const float *got,
		    int n, int64_t item)
{
	double maxref = 0.0, maxerr = 0.0;
	int64_t i, b;

	for (i = 0; i < n * item; i++) {
		double d = fabs((double)got[i] - (double)want[i]);

		if (!(d <= maxerr))	/* NaN too */
			maxerr = isnan(d) ? (double)INFINITY : d;
		if (fabs((double)want[i]) > maxref)
			maxref = fabs((double)want[i]);
	}
	if (!(maxerr <= TOL * fmax(1.0, maxref)))
		print_error("%s (%s): max abs difference %g > %g (max |ref| %g)\n", name, what, maxerr,
			    TOL * fmax(1.0, maxref), maxref);
	assert_true(maxerr <= TOL * fmax(1.0, maxref));
	if (!is_classifier(name))
		return;
	for (b = 0; b < n; b++) {
		int64_t tw = 0, tg = 0;

		for (i = 1; i < item; i++) {
			tw = want[b * item + i] > want[b * item + tw] ? i : tw;
			tg = got[b * item + i] > got[b * item + tg] ? i : tg;
		}
		if (tw != tg)
			print_error("%s (%s): item %lld top-1 %lld, reference %lld\n", name, what,
				    (long long)b, (long long)tg, (long long)tw);
		assert_int_equal(tw, tg);
	}
}

static void test_model(void **state)
{
	const char *name = *state;
	const struct util_manifest_entry *e = util_manifest_find(manifest, n_manifest, name);
	struct infer_model *m;
	float *in, *big, *want, *got;
	size_t n_in;
	int64_t dims[4], item_in, item_out;
	int threads, b;
	char *file;

	assert_non_null(e);
	m = util_load_model(model_dir, name);
	infer_model_input_dims(m, dims);
	item_in = dims[1] * dims[2] * dims[3];
	item_out = infer_model_output_size(m);
	file = util_strcat(name, ".in");
	in = util_read_floats(model_dir, file, &n_in);
	free(file);
	assert_int_equal(n_in, (size_t)(e->batch * item_in));

	want = run(m, INFER_BACKEND_CPU, in, e->batch, 1);
	for (threads = 1; threads <= 2; threads++) {
		got = run(m, INFER_BACKEND_ONEDNN, in, e->batch, threads);
		compare(name, threads == 1 ? "model's batch, 1 thread" : "model's batch, 2 threads",
			want, got, e->batch, item_out);
		free(got);
	}
	if (infer_model_fixed_batch(m) == 0) {
		for (b = 0; b < e->batch; b++) {
			got = run(m, INFER_BACKEND_ONEDNN, in + b * item_in, 1, 2);
			compare(name, "batch 1", want + b * item_out, got, 1, item_out);
			free(got);
		}
		free(want);
		big = malloc((size_t)(BIG_BATCH * item_in) * sizeof(float));
		assert_non_null(big);
		for (b = 0; b < BIG_BATCH; b++)
			memcpy(big + b * item_in, in + (b % e->batch) * item_in,
			       (size_t)item_in * sizeof(float));
		want = run(m, INFER_BACKEND_CPU, big, BIG_BATCH, 2);
		for (threads = 1; threads <= 2; threads++) {
			got = run(m, INFER_BACKEND_ONEDNN, big, BIG_BATCH, threads);
			compare(name, threads == 1 ? "batch 16, 1 thread" : "batch 16, 2 threads", want,
				got, BIG_BATCH, item_out);
			free(got);
		}
		free(big);
	}
	free(want);
	free(in);
	infer_model_free(m);
}

/* One session, runs at every batch up to its max in a changing order:
 * each size's plan is made once and reused, buffers shared. */
static void test_batches_in_one_session(void **state)
{
	struct infer_model *m = util_load_model(model_dir, "resnet_small_dyn");
	struct infer_session_options opt = { .backend = INFER_BACKEND_ONEDNN, .max_batch = 3,
					     .threads = 2 };
	static const int order[] = { 3, 1, 2, 3, 1, 2, 2, 3 };
	struct infer_session *s = NULL;
	size_t n_in, k;
	float *in = util_read_floats(model_dir, "resnet_small_dyn.in", &n_in);
	float *want = run(m, INFER_BACKEND_CPU, in, 3, 1), out[3 * 10];
	char *err = NULL;

	(void)state;
	assert_int_equal(infer_session_new(m, &opt, &s, &err), 0);
	for (k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		assert_int_equal(infer_session_run(s, in, order[k], out, &err), 0);
		compare("resnet_small_dyn", "one session", want, out, order[k], 10);
	}
	infer_session_free(s);
	free(want);
	free(in);
	infer_model_free(m);
}

/* Two sessions at once, on two threads, with 1 and 2 OpenMP threads. */
struct thread_run {
	const struct infer_model *m;
	const float *in;
	int threads;
	float out[3 * 10];
	int rc, omp_threads;
};

static void *thread_main(void *arg)
{
	struct thread_run *r = arg;
	struct infer_session_options opt = { .backend = INFER_BACKEND_ONEDNN, .max_batch = 3,
					     .threads = r->threads };
	struct infer_session *s = NULL;
	int i;

	if ((r->rc = infer_session_new(r->m, &opt, &s, NULL)))
		return NULL;
	for (i = 0; i < 5 && !r->rc; i++)
		r->rc = infer_session_run(s, r->in, 3, r->out, NULL);
	/* The session set this thread's OpenMP thread count: its runs used it. */
	r->omp_threads = omp_get_max_threads();
	infer_session_free(s);
	return NULL;
}

static void test_two_threads(void **state)
{
	struct infer_model *m = util_load_model(model_dir, "resnet_small_dyn");
	size_t n_in;
	float *in = util_read_floats(model_dir, "resnet_small_dyn.in", &n_in);
	float *want = run(m, INFER_BACKEND_CPU, in, 3, 1);
	struct thread_run r[2] = { { .m = m, .in = in, .threads = 1 },
				   { .m = m, .in = in, .threads = 2 } };
	pthread_t t[2];
	int i;

	(void)state;
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, thread_main, &r[i]), 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(r[i].rc, 0);
		assert_int_equal(r[i].omp_threads, r[i].threads);
		compare("resnet_small_dyn", "two threads", want, r[i].out, 3, 10);
	}
	free(want);
	free(in);
	infer_model_free(m);
}

/* Errors are reported with a reason; NaN input runs. */
static void test_errors(void **state)
{
	struct infer_model *m = util_load_model(model_dir, "resnet_small_dyn");
	struct infer_session_options opt = { .backend = INFER_BACKEND_ONEDNN, .max_batch = 2,
					     .precision = INFER_FP16 };
	struct infer_session *s = NULL;
	float in[2 * 3 * 32 * 32], out[2 * 10];
	char *err = NULL;
	size_t i;

	(void)state;
	assert_int_equal(infer_session_new(m, &opt, &s, &err), -ENOTSUP);
	assert_non_null(strstr(err, "FP32 only"));
	free(err);
	assert_null(s);

	opt.precision = INFER_FP32;
	assert_int_equal(infer_session_new(m, &opt, &s, &err), 0);
	assert_int_equal(infer_session_run(s, in, 3, out, &err), -EINVAL);
	assert_non_null(strstr(err, "batch 3 is outside 1..2"));
	free(err);
	assert_int_equal(infer_session_run(s, NULL, 1, out, &err), -EINVAL);
	free(err);
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		in[i] = i % 7 ? 0.25f : NAN;
	/* NaN input is not an error: it runs (what comes out is the
	 * primitives' business: a max pool may drop a NaN). */
	assert_int_equal(infer_session_run(s, in, 2, out, &err), 0);
	/* And the session still works on good input. */
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		in[i] = 0.25f;
	assert_int_equal(infer_session_run(s, in, 2, out, &err), 0);
	for (i = 0; i < 2 * 10; i++)
		assert_true(isfinite(out[i]));
	infer_session_free(s);

	/* A fixed-batch model at its batch only (infer.h says so above the
	 * backend; the backend plans that batch). */
	infer_model_free(m);
	m = util_load_model(model_dir, "fixed_batch_reshape");
	opt.max_batch = 2;
	assert_int_equal(infer_session_new(m, &opt, &s, &err), 0);
	infer_session_free(s);
	infer_model_free(m);
}

/* An operator the backend has no primitive for is refused at open, naming
 * the node and the operator: the graph's ops are all covered today, so
 * the test makes a graph with one past the list. */
static void test_unknown_op_refused(void **state)
{
	struct graph *g = graph_new("handmade");
	struct graph_backend_options opt = { .precision = GRAPH_FP32, .max_batch = 1, .threads = 1 };
	void *st = NULL;
	char *err = NULL;
	int in, out, node;

	(void)state;
	assert_non_null(g);
	in = graph_add_value(g, "x");
	out = graph_add_value(g, "y");
	node = graph_add_node(g, GRAPH_CONCAT, "mystery", "FancyOp", 1);
	assert_true(in >= 0 && out >= 0 && node >= 0);
	g->nodes[node].in[0] = in;
	g->nodes[node].out = out;
	g->nodes[node].concat.axis = 1;
	g->input = in;
	g->output = out;
	g->values[in].producer = -1;
	g->values[out].producer = node;
	g->values[in].rank = g->values[out].rank = 2;
	g->values[in].dims[0] = g->values[out].dims[0] = 1;
	g->values[in].dims[1] = g->values[out].dims[1] = 4;
	g->values[in].item_size = g->values[out].item_size = 4;
	g->batch_major = 1;
	g->batch = 1;
	g->output_size = 4;
	/* A Concat of one input runs; the same node as an unknown op does not. */
	assert_int_equal(onednn_backend.open(g, &opt, &st, &err), 0);
	onednn_backend.close(st);
	g->nodes[node].op = (enum graph_op)(GRAPH_CONCAT + 1);
	assert_int_equal(onednn_backend.open(g, &opt, &st, &err), -ENOTSUP);
	assert_null(st);
	assert_non_null(strstr(err, "node 'mystery' (FancyOp) is not supported by the oneDNN backend"));
	free(err);
	g->nodes[node].op = GRAPH_CONCAT;
	graph_free(g);
}

int main(int argc, char **argv)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_batches_in_one_session),
		cmocka_unit_test(test_two_threads),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_unknown_op_refused),
	};
	size_t n_fixed = sizeof(fixed) / sizeof(fixed[0]), i;
	struct CMUnitTest *tests;
	char **names, why[256] = "";
	int rc;

	if (infer_onednn_available(why, sizeof(why))) {
		printf("skipped: no oneDNN backend: %s\n", why);
		return 77;
	}
	if ((rc = util_model_dir(argc, argv, INFER_MODELS_DIR, &model_dir)))
		return rc;
	if ((n_manifest = util_read_manifest(model_dir, manifest, 256)) <= 0) {
		fprintf(stderr, "%s/models.txt is missing: run the infer_models_gen test first\n",
			model_dir);
		return 1;
	}
	tests = calloc((size_t)n_manifest + n_fixed, sizeof(*tests));
	names = calloc((size_t)n_manifest, sizeof(*names));
	if (!tests || !names)
		return 1;
	for (i = 0; i < (size_t)n_manifest; i++) {
		names[i] = util_strcat("onednn ", manifest[i].name);
		tests[i] = (struct CMUnitTest){ names[i], test_model, NULL, NULL,
						(void *)manifest[i].name };
	}
	for (i = 0; i < n_fixed; i++)
		tests[n_manifest + i] = fixed[i];
	rc = _cmocka_run_group_tests("onednn_models", tests, (size_t)n_manifest + n_fixed, NULL, NULL);
	for (i = 0; i < (size_t)n_manifest; i++)
		free(names[i]);
	free(names);
	free(tests);
	return rc;
}
