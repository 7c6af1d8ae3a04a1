/*
 * test_infer_api.c - the inference API on models built here with
 * protobuf-c, so these run without Python: loading and refusing whole
 * files (opset range, truncation, random bytes, missing files), session
 * options, and a Relu model run end to end.
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
#include "onnx.pb-c.h"

/* Relu over a [N,3,2,2] input (N symbolic), packed; the caller frees. */
static uint8_t *relu_model(int64_t opset, int64_t ir, const char *op, size_t *len)
{
	Onnx__ModelProto mp = ONNX__MODEL_PROTO__INIT;
	Onnx__OperatorSetIdProto os = ONNX__OPERATOR_SET_ID_PROTO__INIT;
	Onnx__OperatorSetIdProto *oss[] = { &os };
	Onnx__GraphProto g = ONNX__GRAPH_PROTO__INIT;
	Onnx__NodeProto n = ONNX__NODE_PROTO__INIT;
	Onnx__NodeProto *ns[] = { &n };
	char *nin[] = { "x" }, *nout[] = { "y" };
	Onnx__TensorShapeProto__Dimension d[4] = {
		ONNX__TENSOR_SHAPE_PROTO__DIMENSION__INIT, ONNX__TENSOR_SHAPE_PROTO__DIMENSION__INIT,
		ONNX__TENSOR_SHAPE_PROTO__DIMENSION__INIT, ONNX__TENSOR_SHAPE_PROTO__DIMENSION__INIT,
	};
	Onnx__TensorShapeProto__Dimension *ds[] = { &d[0], &d[1], &d[2], &d[3] };
	Onnx__TensorShapeProto shape = ONNX__TENSOR_SHAPE_PROTO__INIT;
	Onnx__TypeProto__Tensor tt = ONNX__TYPE_PROTO__TENSOR__INIT, ott = ONNX__TYPE_PROTO__TENSOR__INIT;
	Onnx__TypeProto type = ONNX__TYPE_PROTO__INIT, otype = ONNX__TYPE_PROTO__INIT;
	Onnx__ValueInfoProto in = ONNX__VALUE_INFO_PROTO__INIT, out = ONNX__VALUE_INFO_PROTO__INIT;
	Onnx__ValueInfoProto *ins[] = { &in }, *outs[] = { &out };
	uint8_t *buf;
	int i;

	d[0].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
	d[0].dim_param = "N";
	for (i = 1; i < 4; i++) {
		d[i].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
		d[i].dim_value = i == 1 ? 3 : 2;
	}
	shape.n_dim = 4;
	shape.dim = ds;
	tt.has_elem_type = ott.has_elem_type = 1;
	tt.elem_type = ott.elem_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
	tt.shape = &shape;
	type.value_case = otype.value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
	type.tensor_type = &tt;
	otype.tensor_type = &ott;
	in.name = "x";
	in.type = &type;
	out.name = "y";
	out.type = &otype;

	n.name = "act";
	n.op_type = (char *)op;
	n.n_input = 1;
	n.input = nin;
	n.n_output = 1;
	n.output = nout;

	g.name = "relu";
	g.n_node = 1;
	g.node = ns;
	g.n_input = 1;
	g.input = ins;
	g.n_output = 1;
	g.output = outs;

	os.domain = "";
	os.has_version = 1;
	os.version = opset;
	mp.has_ir_version = 1;
	mp.ir_version = ir;
	mp.n_opset_import = 1;
	mp.opset_import = oss;
	mp.graph = &g;

	*len = onnx__model_proto__get_packed_size(&mp);
	buf = malloc(*len);
	assert_non_null(buf);
	assert_int_equal(onnx__model_proto__pack(&mp, buf), *len);
	return buf;
}

static int load(const void *data, size_t len, struct infer_model **m, char **err)
{
	*m = NULL;
	*err = NULL;
	return infer_model_load_buffer(data, len, "test.onnx", m, err);
}

static void test_relu_runs(void **state)
{
	struct infer_session_options opt = { .backend = INFER_BACKEND_CPU, .max_batch = 3, .threads = 2 };
	struct infer_session *s = NULL;
	struct infer_model *m;
	float in[3 * 12], out[3 * 12];
	int64_t dims[4];
	char *err;
	size_t len;
	uint8_t *buf = relu_model(13, 8, "Relu", &len);
	int i;

	(void)state;
	assert_int_equal(load(buf, len, &m, &err), 0);
	infer_model_input_dims(m, dims);
	assert_int_equal(dims[0], -1);
	assert_int_equal(dims[1], 3);
	assert_int_equal(dims[2], 2);
	assert_int_equal(dims[3], 2);
	assert_int_equal(infer_model_output_size(m), 12);
	assert_int_equal(infer_model_fixed_batch(m), 0);
	for (i = 0; i < 36; i++)
		in[i] = (float)(i - 17) / 4.0f;
	assert_int_equal(infer_session_new(m, &opt, &s, &err), 0);
	assert_int_equal(infer_session_run(s, in, 3, out, &err), 0);
	for (i = 0; i < 36; i++)
		assert_true(out[i] == (in[i] > 0.0f ? in[i] : 0.0f));
	/* Fewer items than max_batch. */
	memset(out, 0, sizeof(out));
	assert_int_equal(infer_session_run(s, in + 12, 1, out, &err), 0);
	assert_true(out[11] == in[23] && out[0] == 0.0f && out[12] == 0.0f);
	infer_session_free(s);
	infer_model_free(m);
	free(buf);
}

static void test_opset_range(void **state)
{
	static const struct { int64_t opset; int ok; } cases[] = {
		{ 6, 0 }, { 7, 1 }, { 13, 1 }, { 21, 1 }, { 22, 0 },
	};
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t *buf = relu_model(cases[i].opset, 8, "Relu", &len);
		struct infer_model *m;
		char *err, want[64];
		int rc = load(buf, len, &m, &err);

		if (cases[i].ok) {
			assert_int_equal(rc, 0);
			assert_null(err);
		} else {
			snprintf(want, sizeof(want), "unsupported opset %lld", (long long)cases[i].opset);
			assert_int_equal(rc, -ENOTSUP);
			assert_non_null(strstr(err, want));
			assert_non_null(strstr(err, "test.onnx"));
		}
		infer_model_free(m);
		free(err);
		free(buf);
	}
}

static void test_ir_and_op(void **state)
{
	struct infer_model *m;
	size_t len;
	uint8_t *buf;
	char *err;

	(void)state;
	buf = relu_model(13, 11, "Relu", &len);
	assert_int_equal(load(buf, len, &m, &err), -ENOTSUP);
	assert_non_null(strstr(err, "unsupported IR version 11"));
	free(err);
	free(buf);
	buf = relu_model(13, 8, "Gelu", &len);
	assert_int_equal(load(buf, len, &m, &err), -ENOTSUP);
	assert_string_equal(err, "node 'act': unsupported operator 'Gelu'");
	free(err);
	free(buf);
}

static void test_prefixes(void **state)
{
	size_t len, cut;
	uint8_t *buf = relu_model(13, 8, "Relu", &len);

	(void)state;
	for (cut = 0; cut < len; cut++) {
		struct infer_model *m;
		char *err;

		assert_true(load(buf, cut, &m, &err) < 0);
		assert_null(m);
		assert_non_null(err);
		free(err);
	}
	free(buf);
}

static void test_random_bytes(void **state)
{
	uint64_t seed = 42;
	uint8_t buf[2048];
	int i;

	(void)state;
	for (i = 0; i < 500; i++) {
		size_t len = 1 + (size_t)(util_xorshift(seed + (uint64_t)i) % sizeof(buf)), k;
		struct infer_model *m;
		char *err;

		for (k = 0; k < len; k++) {
			seed = util_xorshift(seed);
			buf[k] = (uint8_t)seed;
		}
		assert_true(load(buf, len, &m, &err) < 0);
		assert_null(m);
		assert_non_null(err);
		free(err);
	}
}

static void test_empty_and_missing(void **state)
{
	struct infer_model *m;
	char *err;

	(void)state;
	assert_int_equal(load("", 0, &m, &err), -EINVAL);
	assert_string_equal(err, "test.onnx: empty file");
	free(err);

	assert_int_equal(infer_model_load("/nonexistent/model.onnx", &m, &err), -ENOENT);
	assert_null(m);
	assert_non_null(strstr(err, "/nonexistent/model.onnx"));
	free(err);

	assert_int_equal(infer_model_load("/", &m, &err), -EINVAL);
	assert_non_null(strstr(err, "not a regular file"));
	free(err);

	/* errmsg is optional */
	assert_int_equal(infer_model_load("/nonexistent/model.onnx", &m, NULL), -ENOENT);
}

static void test_session_options(void **state)
{
	struct infer_session_options opt = { .backend = INFER_BACKEND_CPU, .max_batch = 2 };
	struct infer_session *s = (struct infer_session *)&opt;	/* must be reset */
	struct infer_model *m;
	size_t len;
	uint8_t *buf = relu_model(13, 8, "Relu", &len);
	char *err;

	(void)state;
	assert_int_equal(load(buf, len, &m, &err), 0);
	opt.precision = INFER_FP16;
	assert_int_equal(infer_session_new(m, &opt, &s, &err), -ENOTSUP);
	assert_null(s);
	assert_string_equal(err, "the CPU backend computes in FP32 only");
	free(err);
	opt.precision = INFER_FP32;
	opt.backend = INFER_BACKEND_CUDA;
	/* Where a GPU is usable, the CUDA backend is gpu_models_test's. */
	if (infer_cuda_available(NULL, 0)) {
		assert_int_equal(infer_session_new(m, &opt, &s, &err), -ENODEV);
		assert_null(s);
#ifdef SCALED_HAVE_CUDA
		/* Built with the backend, on a machine without a device. */
		assert_true(strncmp(err, "CUDA backend: no CUDA device (", 30) == 0 ||
			    strncmp(err, "CUDA backend: cuDNN ", 20) == 0);
#else
		assert_string_equal(err, "CUDA backend: built without CUDA");
#endif
		free(err);
	}
	opt.backend = INFER_BACKEND_CPU;
	opt.max_batch = -1;
	assert_int_equal(infer_session_new(m, &opt, &s, &err), -EINVAL);
	assert_non_null(strstr(err, "max_batch -1 is outside"));
	free(err);
	infer_model_free(m);
	free(buf);
}

static void test_cuda_unavailable(void **state)
{
	char why[64] = "";
	int rc = infer_cuda_available(why, sizeof(why));

	(void)state;
	assert_int_equal(infer_cuda_available(NULL, 0), rc);
#ifdef SCALED_HAVE_CUDA
	/* Built with the backend: a device, or the reason there is none
	 * (cut to fit why). */
	if (rc == 0)
		return;
	assert_true(rc < 0);
	assert_true(strncmp(why, "no CUDA device (", 16) == 0 || strncmp(why, "cuDNN ", 6) == 0);
	assert_int_equal(strlen(why), sizeof(why) - 1);
#else
	assert_true(rc < 0);
	assert_string_equal(why, "built without CUDA");
#endif
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_relu_runs),
		cmocka_unit_test(test_opset_range),
		cmocka_unit_test(test_ir_and_op),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_empty_and_missing),
		cmocka_unit_test(test_session_options),
		cmocka_unit_test(test_cuda_unavailable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
