/*
 * test_infer_refusal.c - what the loader must refuse, and how it says so.
 *
 * usage: infer_refusal_test [MODELDIR]   (default: where ctest's fixture writes)
 *
 * Each bad_*.onnx from gen_models.py (bad_models.py) is refused with the
 * words listed below; every prefix of a valid model is refused as
 * truncated; valid models with flipped bytes load or are refused but never
 * crash (under the sanitizers: never read out of bounds). Exits 77
 * (skipped) when the generator skipped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infer.h"
#include "infer_test_util.h"

static const char *model_dir;

/* A bad model and the words its refusal must contain. */
struct bad_case {
	const char *name;
	const char *words[3];
};

static const struct bad_case bad_cases[] = {
	{ "bad_opset6", { "unsupported opset 6" } },
	{ "bad_opset22", { "unsupported opset 22" } },
	{ "bad_ir2", { "unsupported IR version 2" } },
	{ "bad_unknown_op", { "node 'weird'", "unsupported operator 'FooBar'" } },
	{ "bad_domain", { "node 'ms'", "domain 'com.microsoft'" } },
	{ "bad_missing_init", { "node 'conv1'", "input 'w_missing' is not produced by any node or initializer" } },
	{ "bad_order", { "node 'second'", "input 'a' is not produced by any node or initializer" } },
	{ "bad_dup_output", { "node 'r2'", "'y' is defined twice" } },
	{ "bad_auto_pad", { "node 'conv1'", "unsupported auto_pad 'GARBAGE'" } },
	{ "bad_conv_attr", { "node 'conv1'", "unsupported attribute 'foo'" } },
	{ "bad_conv_channels", { "node 'conv1'", "input shape [2,3,8,8] has 3 channels", "[4,5,3,3]" } },
	{ "bad_conv_1d", { "node 'conv1'", "only 2-D convolution" } },
	{ "bad_gemm_shape", { "node 'fc'", "input shape [2,18] does not match weight shape [20,10]" } },
	{ "bad_gemm_transa", { "node 'fc'", "transA=1 is not supported" } },
	{ "bad_ceil_mode", { "node 'pool'", "ceil_mode=1 is not supported" } },
	{ "bad_pool_kernel", { "node 'pool'", "smaller than the 9x9 window" } },
	{ "bad_concat_batch", { "node 'cat'", "batch axis" } },
	{ "bad_softmax_batch", { "node 'sm'", "batch axis" } },
	{ "bad_add_broadcast", { "node 'add'", "constant shape [3,1,8]", "not supported" } },
	{ "bad_add_shapes", { "node 'add'", "input shapes [2,3,8,8] and [2,3,4,4] differ" } },
	{ "bad_reshape_count", { "node 'rs'", "cannot reshape input shape [2,3,8,8] to [0,7]" } },
	{ "bad_reshape_input", { "node 'rs'", "input 'r' is a tensor computed at run time" } },
	{ "bad_dynamic_reshape", { "node 'rs'", "cannot take a dynamic batch" } },
	{ "bad_clip_input", { "node 'clip'", "input 'r' must be an initializer" } },
	{ "bad_dtype", { "node 'conv1'", "initializer 'w'", "DOUBLE" } },
	{ "bad_raw_size", { "node 'conv1'", "initializer 'w'", "raw_data holds 10 bytes" } },
	{ "bad_external", { "node 'conv1'", "initializer 'w'", "external data" } },
	{ "bad_two_inputs", { "2 inputs" } },
	{ "bad_input_rank", { "input 'x' must be 4-D" } },
	{ "bad_output_const", { "output 'y' is not computed by any node" } },
	{ "bad_pad_mode", { "node 'pad'", "mode 'reflect' is not supported" } },
	{ "bad_pad_value", { "node 'pad'", "padding with 1.5 is not supported" } },
	{ "bad_pad_channels", { "node 'pad'", "only H and W can be padded" } },
	{ "bad_pad_negative", { "node 'pad'", "negative pads" } },
	{ "bad_pad_count", { "node 'pad'", "pads has 4 values; expected 8" } },
	{ "bad_pad_reader", { "node 'act'", "comes from Pad node 'pad'" } },
	{ "bad_pad_output", { "output 'y' comes from a Pad" } },
	{ "bad_pad_same", { "node 'conv1'", "Pad node 'pad'", "auto_pad SAME" } },
	{ "bad_pad_maxpool", { "node 'pool'", "Pad node 'pad'", "never negative" } },
	{ "bad_pad_avgpool", { "node 'pool'", "Pad node 'pad'", "count_include_pad=0" } },
	{ "bad_reducemean_axes", { "node 'mean'", "only a mean over H and W" } },
	{ "bad_reducemean_all", { "node 'mean'", "reduces every axis" } },
	{ "bad_shape_square", { "node 'square'", "product of two batch-sized dimensions" } },
	{ "bad_mul_tensor", { "node 'scale'", "input 'x' is a tensor computed at run time", "Mul is supported only on shapes" } },
	{ "bad_gather_tensor", { "node 'pick'", "input 'x' is a tensor computed at run time" } },
	{ "bad_gather_index", { "node 'pick'", "index 7 is out of range for 4 values" } },
	{ "bad_shape_output", { "output 'y' is a list of dimensions" } },
	{ "bad_shape_reader", { "node 'act'", "input 's' is a list of dimensions computed at load" } },
	{ "bad_cast_float", { "node 'cast'", "only a Cast of a list of dimensions to int64" } },
	{ "bad_div_min", { "node 'div'", "only an exact division" } },
	{ "bad_mul_overflow", { "node 'mul'", "overflows 64 bits" } },
	{ "bad_reshape_nonlinear", { "node 'rs'", "shape entry 1 (3*N-3) is not a positive size at every batch" } },
	{ "bad_clip_negative", { "node 'pool'", "never negative" } },
	{ "bad_pad_huge", { "node 'pad'", "pads above 1048576" } },
	{ "bad_pad_name", { "node 'pad'", "output 's' is defined twice" } },
	{ "bad_reshape_wrap", { "node 'rs'", "cannot reshape input shape [1,3,8,8] to [-1,2,4611686018427387904,2]" } },
	{ "bad_reshape_wrap_dyn", { "node 'rs'", "cannot reshape input shape [1,3,8,8]" } },
	{ "bad_window_wrap", { "node 'pool'", "dilations above 1048576 are not supported" } },
	{ "bad_pads_wrap", { "node 'conv1'", "pads above 1048576 are not supported" } },
	{ "bad_dilation_k1", { "node 'pool'", "dilations above 1048576 are not supported" } },
	{ "bad_input_batch", { "input 'x'", "[9223372036854775807,3,4,4] holds more than 2^40 values" } },
	{ "bad_input_size", { "input 'x'", "holds more than 2^40 values" } },
	{ "bad_weight_zero_dim", { "node 'fc'", "initializer 'w'", "invalid dimension 1099511627776" } },
};

static void test_bad_model(void **state)
{
	const struct bad_case *c = *state;
	char *file = util_strcat(c->name, ".onnx");
	char *path = util_path(model_dir, file);
	struct infer_model *m = (struct infer_model *)&m;	/* must be reset */
	char *err = NULL;
	int rc, i;

	rc = infer_model_load(path, &m, &err);
	assert_true(rc < 0);
	assert_null(m);
	assert_non_null(err);
	for (i = 0; i < 3 && c->words[i]; i++) {
		if (!strstr(err, c->words[i]))
			print_error("%s: message \"%s\" lacks \"%s\"\n", c->name, err, c->words[i]);
		assert_non_null(strstr(err, c->words[i]));
	}
	/* The message names the file for model-level errors, the node else. */
	assert_true(strstr(err, path) || strstr(err, "node '"));
	free(err);
	free(path);
	free(file);
}

/* Every strict prefix of a small model, and a spread of a larger one's, is
 * refused with a message, never crashes or loads. */
static void check_prefixes(const char *name, size_t step)
{
	char *file = util_strcat(name, ".onnx");
	size_t len, cut;
	char *data = util_read_file(model_dir, file, &len);
	int tried = 0;

	for (cut = 0; cut < len; cut += (len - cut <= 64 ? 1 : step)) {
		struct infer_model *m = NULL;
		char *err = NULL;
		int rc = infer_model_load_buffer(data, cut, name, &m, &err);

		if (rc == 0)
			print_error("%s: the first %zu of %zu bytes loaded\n", name, cut, len);
		assert_true(rc < 0);
		assert_null(m);
		assert_non_null(err);
		free(err);
		tried++;
	}
	assert_true(tried > 64);
	free(data);
	free(file);
}

static void test_truncated_small(void **state)
{
	(void)state;
	check_prefixes("relu", 1);
}

static void test_truncated_resnet(void **state)
{
	(void)state;
	check_prefixes("resnet_small", 97);
}

/* The same through a file on disk: the message says what was wrong. */
static void test_truncated_file(void **state)
{
	size_t len;
	char *data = util_read_file(model_dir, "resnet_small.onnx", &len);
	char *path = util_path(model_dir, "truncated.onnx");
	struct infer_model *m = NULL;
	char *err = NULL;
	FILE *f = fopen(path, "wb");

	(void)state;
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len / 2, f), len / 2);
	fclose(f);
	assert_int_equal(infer_model_load(path, &m, &err), -EINVAL);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "malformed or truncated"));
	free(err);
	free(path);
	free(data);
}

/* Flipped bytes in a valid model: loads or is refused, never crashes
 * (run under the sanitizers, this checks the loader reads nothing it
 * should not). */
static void test_mutated(void **state)
{
	size_t len, i;
	char *data = util_read_file(model_dir, "resnet_small.onnx", &len);
	char *copy = malloc(len);
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	int refused = 0;

	(void)state;
	assert_non_null(copy);
	for (i = 0; i < 400; i++) {
		struct infer_model *m = NULL;
		char *err = NULL;
		int k, rc;

		memcpy(copy, data, len);
		for (k = 0; k < 1 + (int)(i % 4); k++) {
			seed = util_xorshift(seed);
			copy[seed % len] ^= (char)(1u << (seed >> 61));
		}
		rc = infer_model_load_buffer(copy, len, "mutated", &m, &err);
		if (rc) {
			assert_non_null(err);
			refused++;
		} else {
			assert_non_null(m);
			assert_true(infer_model_output_size(m) > 0);
		}
		free(err);
		infer_model_free(m);
	}
	assert_true(refused > 0);
	free(copy);
	free(data);
}

int main(int argc, char **argv)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_truncated_small),
		cmocka_unit_test(test_truncated_resnet),
		cmocka_unit_test(test_truncated_file),
		cmocka_unit_test(test_mutated),
	};
	size_t n_bad = sizeof(bad_cases) / sizeof(bad_cases[0]);
	size_t n_fixed = sizeof(fixed) / sizeof(fixed[0]), i;
	struct CMUnitTest *tests;
	char **names;
	int rc;

	if ((rc = util_model_dir(argc, argv, INFER_MODELS_DIR, &model_dir)))
		return rc;
	tests = calloc(n_bad + n_fixed, sizeof(*tests));
	names = calloc(n_bad, sizeof(*names));
	if (!tests || !names)
		return 1;
	for (i = 0; i < n_bad; i++) {
		names[i] = util_strcat("refuses ", bad_cases[i].name);
		tests[i] = (struct CMUnitTest){ names[i], test_bad_model, NULL, NULL, (void *)&bad_cases[i] };
	}
	for (i = 0; i < n_fixed; i++)
		tests[n_bad + i] = fixed[i];
	rc = _cmocka_run_group_tests("infer_refusal", tests, n_bad + n_fixed, NULL, NULL);
	for (i = 0; i < n_bad; i++)
		free(names[i]);
	free(names);
	free(tests);
	return rc;
}
