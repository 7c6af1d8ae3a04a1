/*
 * test_infer_models.c - the inference core against NumPy references.
 *
 * usage: infer_models_test [MODELDIR]   (default: where ctest's fixture writes)
 *
 * MODELDIR is what gen_models.py wrote: NAME.onnx, NAME.in, NAME.ref and
 * models.txt ("NAME BATCH TOLERANCE"), plus bad_*.onnx. Each model listed
 * below is loaded, run on the CPU backend and compared with its reference;
 * the same run must give bit-identical results with 3 threads and when each
 * item is run on its own. The bad models are test_infer_refusal.c's. If
 * the generator skipped (no numpy/onnx for
 * /usr/bin/python3), MODELDIR/SKIP says why and this exits 77 (skipped).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "infer.h"
#include "infer_test_util.h"
#include "onnx.h"

static const char *model_dir;

static struct util_manifest_entry manifest[256];
static int n_manifest;

static float *run(const struct infer_model *m, const float *in, int batch, int threads)
{
	struct infer_session_options opt = { .backend = INFER_BACKEND_CPU, .precision = INFER_FP32,
					     .max_batch = batch, .threads = threads };
	struct infer_session *s = NULL;
	float *out = calloc((size_t)(batch * infer_model_output_size(m)) + 1, sizeof(float));
	char *err = NULL;
	int rc;

	assert_non_null(out);
	rc = infer_session_new(m, &opt, &s, &err);
	if (rc)
		print_error("session: %s\n", err);
	assert_int_equal(rc, 0);
	rc = infer_session_run(s, in, batch, out, &err);
	if (rc)
		print_error("run: %s\n", err);
	assert_int_equal(rc, 0);
	infer_session_free(s);
	return out;
}

static void test_model(void **state)
{
	const char *name = *state;
	const struct util_manifest_entry *e = util_manifest_find(manifest, n_manifest, name);
	struct infer_model *m;
	size_t n_in, n_ref, i;
	float *in, *ref, *out, *out3, *one;
	int64_t dims[4], item_in, item_out;
	double maxref = 0.0, maxerr = 0.0;
	char *file;

	if (!e) {
		print_error("model '%s' is not in models.txt\n", name);
		fail();
		return;
	}
	m = util_load_model(model_dir, name);
	infer_model_input_dims(m, dims);
	item_in = dims[1] * dims[2] * dims[3];
	item_out = infer_model_output_size(m);
	file = util_strcat(name, ".in");
	in = util_read_floats(model_dir, file, &n_in);
	free(file);
	file = util_strcat(name, ".ref");
	ref = util_read_floats(model_dir, file, &n_ref);
	free(file);
	assert_int_equal(n_in, (size_t)(e->batch * item_in));
	assert_int_equal(n_ref, (size_t)(e->batch * item_out));
	assert_true(dims[0] == -1 || dims[0] == e->batch);

	out = run(m, in, e->batch, 1);
	for (i = 0; i < n_ref; i++) {
		double d = fabs((double)out[i] - (double)ref[i]);

		if (!(d <= maxerr))	/* also catches NaN */
			maxerr = isnan(d) ? (double)INFINITY : d;
		if (fabs((double)ref[i]) > maxref)
			maxref = fabs((double)ref[i]);
	}
	if (!(maxerr <= e->tol * fmax(1.0, maxref)))
		print_error("%s: max abs error %g > %g (max |ref| %g)\n", name, maxerr,
			    e->tol * fmax(1.0, maxref), maxref);
	assert_true(maxerr <= e->tol * fmax(1.0, maxref));

	/* Threads split the work, never a sum: bit-identical. */
	out3 = run(m, in, e->batch, 3);
	assert_memory_equal(out, out3, n_ref * sizeof(float));

	/* Each item on its own gives its row of the batched result. */
	if (infer_model_fixed_batch(m) == 0) {
		int b;

		for (b = 0; b < e->batch; b++) {
			one = run(m, in + b * item_in, 1, 2);
			assert_memory_equal(one, out + b * item_out, (size_t)item_out * sizeof(float));
			free(one);
		}
	} else {
		assert_int_equal(infer_model_fixed_batch(m), e->batch);
	}
	free(out);
	free(out3);
	free(in);
	free(ref);
	infer_model_free(m);
}

/* Session misuse is refused with a reason; nothing runs. */
static void test_session_errors(void **state)
{
	struct infer_model *m = util_load_model(model_dir, "resnet_small_dyn");
	struct infer_session_options opt = { .backend = INFER_BACKEND_CPU, .max_batch = 2 };
	struct infer_session *s = NULL;
	float in[2 * 3 * 32 * 32] = { 0 }, out[3 * 10];
	char *err = NULL;
	int64_t dims[4];

	(void)state;
	infer_model_input_dims(m, dims);
	assert_int_equal(dims[0], -1);
	assert_int_equal(dims[1], 3);
	assert_int_equal(dims[2], 32);
	assert_int_equal(dims[3], 32);
	assert_int_equal(infer_model_output_size(m), 10);
	assert_int_equal(infer_model_fixed_batch(m), 0);

	opt.precision = INFER_FP16;
	assert_int_equal(infer_session_new(m, &opt, &s, &err), -ENOTSUP);
	assert_non_null(strstr(err, "FP32 only"));
	free(err);
	opt.precision = INFER_FP32;
	opt.backend = INFER_BACKEND_CUDA;
	/* Without a usable GPU: "built without CUDA", or the cuDNN
	 * backend's "no CUDA device (...)". With one, gpu_models_test. */
	if (infer_cuda_available(NULL, 0)) {
		assert_int_equal(infer_session_new(m, &opt, &s, &err), -ENODEV);
		assert_true(strstr(err, "built without CUDA") || strstr(err, "no CUDA device") ||
			    strstr(err, "cuDNN"));
		free(err);
	}
	opt.backend = INFER_BACKEND_CPU;
	opt.max_batch = 0;
	assert_int_equal(infer_session_new(m, &opt, &s, &err), -EINVAL);
	assert_non_null(strstr(err, "max_batch 0"));
	free(err);
	assert_null(s);

	opt.max_batch = 2;
	assert_int_equal(infer_session_new(m, &opt, &s, &err), 0);
	assert_int_equal(infer_session_run(s, in, 3, out, &err), -EINVAL);
	assert_non_null(strstr(err, "batch 3 is outside 1..2"));
	free(err);
	assert_int_equal(infer_session_run(s, in, 0, out, &err), -EINVAL);
	free(err);
	assert_int_equal(infer_session_run(s, in, 2, out, NULL), 0);
	infer_session_free(s);
	infer_model_free(m);
}

static void test_fixed_batch(void **state)
{
	struct infer_model *m = util_load_model(model_dir, "fixed_batch_reshape");
	struct infer_session_options opt = { .backend = INFER_BACKEND_CPU, .max_batch = 4 };
	struct infer_session *s = NULL;
	char *err = NULL;
	int64_t dims[4];

	(void)state;
	infer_model_input_dims(m, dims);
	assert_int_equal(dims[0], 2);
	assert_int_equal(infer_model_fixed_batch(m), 2);
	assert_int_equal(infer_session_new(m, &opt, &s, &err), -EINVAL);
	assert_non_null(strstr(err, "fixed batch of 2"));
	free(err);
	infer_model_free(m);

	/* A fixed batch that keeps items apart is only a hint. */
	m = util_load_model(model_dir, "resnet_small");
	infer_model_input_dims(m, dims);
	assert_int_equal(dims[0], 4);
	assert_int_equal(infer_model_fixed_batch(m), 0);
	infer_model_free(m);
}

/* One model, two sessions on two threads at once: same results. */
struct shared_run {
	const struct infer_model *m;
	const float *in;
	int batch;
	float *out;
};

static void *shared_thread(void *p)
{
	struct shared_run *r = p;
	struct infer_session_options opt = { .backend = INFER_BACKEND_CPU, .max_batch = r->batch,
					     .threads = 2 };
	struct infer_session *s = NULL;
	int i;

	if (infer_session_new(r->m, &opt, &s, NULL))
		return NULL;
	for (i = 0; i < 3; i++)
		if (infer_session_run(s, r->in, r->batch, r->out, NULL))
			break;
	infer_session_free(s);
	return r;
}

static void test_shared_model(void **state)
{
	struct infer_model *m = util_load_model(model_dir, "resnet_small_dyn");
	size_t n_in, n_out = 3 * 10;
	float *in = util_read_floats(model_dir, "resnet_small_dyn.in", &n_in);
	float *want = run(m, in, 3, 1);
	struct shared_run r[2];
	pthread_t t[2];
	void *res;
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		r[i] = (struct shared_run){ .m = m, .in = in, .batch = 3,
					    .out = calloc(n_out, sizeof(float)) };
		assert_int_equal(pthread_create(&t[i], NULL, shared_thread, &r[i]), 0);
	}
	for (i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(t[i], &res), 0);
		assert_ptr_equal(res, &r[i]);
		assert_memory_equal(r[i].out, want, n_out * sizeof(float));
		free(r[i].out);
	}
	free(want);
	free(in);
	infer_model_free(m);
}

/* The load-time rewrites happen where they may and only there: count
 * the nodes left and check what was fused into what. */
static struct graph *load_graph(const char *name)
{
	char *file = util_strcat(name, ".onnx");
	size_t len;
	char *data = util_read_file(model_dir, file, &len);
	struct graph *g = NULL;
	char *err = NULL;

	if (onnx_load_graph(data, len, name, &g, &err))
		print_error("%s: %s\n", name, err);
	assert_non_null(g);
	free(data);
	free(file);
	return g;
}

static int count_op(const struct graph *g, enum graph_op op)
{
	int i, n = 0;

	for (i = 0; i < g->n_nodes; i++)
		n += g->nodes[i].op == op;
	return n;
}

static void test_fusions(void **state)
{
	struct graph *g;

	(void)state;
	g = load_graph("conv_bn_relu");
	assert_int_equal(g->n_nodes, 1);
	assert_int_equal(g->nodes[0].op, GRAPH_CONV);
	assert_true(g->nodes[0].conv.has_act);
	assert_true(g->nodes[0].conv.act_min == 0.0f && isinf(g->nodes[0].conv.act_max));
	graph_free(g);

	g = load_graph("conv_bn_relu6");
	assert_int_equal(g->n_nodes, 1);
	assert_true(g->nodes[0].conv.act_min == 0.0f && g->nodes[0].conv.act_max == 6.0f);
	graph_free(g);

	/* The Conv's output is read twice: the BatchNorm stays. */
	g = load_graph("bn_shared");
	assert_int_equal(g->n_nodes, 3);
	assert_int_equal(count_op(g, GRAPH_BATCHNORM), 1);
	graph_free(g);

	/* 6 Conv (BN folded, stem/branch ReLUs fused), the block ReLUs fused
	 * into their Adds, MaxPool, GAP, Flatten, Gemm, Softmax. */
	g = load_graph("resnet_small");
	assert_int_equal(count_op(g, GRAPH_CONV), 6);
	assert_int_equal(count_op(g, GRAPH_BATCHNORM), 0);
	assert_int_equal(count_op(g, GRAPH_CLIP), 0);
	assert_int_equal(count_op(g, GRAPH_ADD), 2);
	assert_int_equal(g->n_nodes, 6 + 2 + 5);
	assert_true(g->batch_major);
	graph_free(g);

	g = load_graph("mobilenet_block");
	assert_int_equal(g->n_nodes, 4);
	assert_int_equal(count_op(g, GRAPH_CONV), 3);
	graph_free(g);
}

/* A Pad is never a node: its zeros become the reader's pads. ReduceMean
 * over H and W is a GlobalAveragePool (then a Flatten for keepdims=0). */
static void test_pads_and_means_folded(void **state)
{
	static const int64_t stem[4] = { 3, 3, 3, 3 }, two[4] = { 1, 2, 1, 1 };
	struct graph *g;

	(void)state;
	g = load_graph("pad_conv");
	assert_int_equal(g->n_nodes, 1);
	assert_int_equal(g->nodes[0].op, GRAPH_CONV);
	assert_memory_equal(g->nodes[0].conv.win.pad, stem, sizeof(stem));
	graph_free(g);

	g = load_graph("pad_pad_conv");
	assert_int_equal(g->n_nodes, 1);
	assert_memory_equal(g->nodes[0].conv.win.pad, two, sizeof(two));
	graph_free(g);

	/* Averaging the Pad's zeros means counting them. */
	g = load_graph("pad_avgpool");
	assert_int_equal(g->n_nodes, 1);
	assert_true(g->nodes[0].pool.count_include_pad);
	graph_free(g);

	g = load_graph("reducemean_flat");
	assert_int_equal(g->n_nodes, 2);
	assert_int_equal(g->nodes[0].op, GRAPH_GLOBALAVGPOOL);
	assert_int_equal(g->nodes[1].op, GRAPH_RESHAPE);
	assert_int_equal(g->values[g->output].rank, 2);
	graph_free(g);

	/* Stem conv, residual convs, the MaxPool; BN folded, Relus fused, no Pad. */
	g = load_graph("keras_resnet_like");
	assert_int_equal(count_op(g, GRAPH_CONV), 4);
	assert_int_equal(count_op(g, GRAPH_MAXPOOL), 1);
	assert_int_equal(count_op(g, GRAPH_BATCHNORM), 0);
	assert_int_equal(count_op(g, GRAPH_GLOBALAVGPOOL), 1);
	assert_true(g->batch_major);
	graph_free(g);
}

static const char *const model_names[] = {
	"conv_basic", "conv_stride_pads", "conv_dilation", "conv_group", "conv_depthwise",
	"conv_depthwise_mult", "conv_depthwise_same", "conv_1x1", "conv_1x1_stride2",
	"conv_big", "conv_1ch", "conv_same_upper", "conv_same_lower", "conv_same_upper_s2",
	"conv_valid", "conv_kernel_shape",
	"conv_relu", "conv_bn", "conv_bn_relu", "conv_bn_relu6", "bn_alone", "bn_opset7",
	"bn_shared", "relu", "clip_opset7", "clip_opset13", "clip_min_only",
	"maxpool_basic", "maxpool_dilation", "maxpool_same", "maxpool_opset7",
	"avgpool_include_pad", "avgpool_exclude_pad", "avgpool_asym_pad", "avgpool_nopad",
	"avgpool_same_lower", "gap",
	"add_same", "add_channel", "add_scalar", "add_const_first", "add_lastaxis", "add_full",
	"add_width",
	"gemm_transb", "gemm_notrans", "gemm_scalar_bias", "gemm_nobias", "matmul",
	"flatten_neg_axis", "reshape_0_m1", "reshape_m1", "reshape_3d", "reshape_const_node",
	"softmax_axis1", "softmax_axis2", "softmax_legacy_axis1", "softmax_legacy_default",
	"softmax_default", "softmax_flat",
	"concat_channels", "concat_three_neg_axis", "concat_width", "identity_dropout",
	"relu_opset21",
	"resnet_small", "resnet_small_dyn", "mobilenet_block", "fixed_batch_reshape",
	"tiny_classifier",
	"pad_conv", "pad_conv_asym", "pad_conv_own_pads", "pad_conv_valid", "pad_conv_opset10",
	"pad_conv_opset10_value0", "pad_conv_axes", "pad_conv_value0", "pad_maxpool_relu",
	"pad_avgpool", "pad_avgpool_include", "pad_pad_conv",
	"reducemean_keep", "reducemean_flat", "reducemean_opset18", "keras_resnet_like",
	"flatten_by_shape_opset11", "flatten_by_shape_opset13", "flatten_by_slice",
	"reshape_by_products", "reshape_by_quotient", "reshape_by_slice_edges", "pad_zero_gap",
};

int main(int argc, char **argv)
{
	size_t n_models = sizeof(model_names) / sizeof(model_names[0]);
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_session_errors),
		cmocka_unit_test(test_fixed_batch),
		cmocka_unit_test(test_shared_model),
		cmocka_unit_test(test_fusions),
		cmocka_unit_test(test_pads_and_means_folded),
	};
	size_t n_fixed = sizeof(fixed) / sizeof(fixed[0]), n = 0, i;
	struct CMUnitTest *tests;
	char **names;
	int rc;

	if ((rc = util_model_dir(argc, argv, INFER_MODELS_DIR, &model_dir)))
		return rc;
	if ((n_manifest = util_read_manifest(model_dir, manifest, 256)) < 0) {
		fprintf(stderr, "%s/models.txt is missing: run the infer_models_gen test (gen_models.py) first\n",
			model_dir);
		return 1;
	}
	if ((size_t)n_manifest != n_models) {
		fprintf(stderr, "models.txt lists %d models, this test knows %zu: keep them in step\n",
			n_manifest, n_models);
		return 1;
	}

	tests = calloc(n_models + n_fixed, sizeof(*tests));
	names = calloc(n_models, sizeof(*names));
	if (!tests || !names)
		return 1;
	for (i = 0; i < n_models; i++, n++) {
		names[n] = util_strcat("model ", model_names[i]);
		tests[n] = (struct CMUnitTest){ names[n], test_model, NULL, NULL, (void *)model_names[i] };
	}
	for (i = 0; i < n_fixed; i++)
		tests[n + i] = fixed[i];
	rc = _cmocka_run_group_tests("infer_models", tests, n + n_fixed, NULL, NULL);
	for (i = 0; i < n_models; i++)
		free(names[i]);
	free(names);
	free(tests);
	return rc;
}
