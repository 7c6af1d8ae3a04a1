/*
 * test_results.c - JSON lines of answers: top-k, softmax detection, error
 * lines, escaping, and that what is committed parses back with cJSON.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "results.h"

/* |a - b| <= eps, compared in double (cmocka's float check rounds first). */
#define assert_near(a, b, eps) assert_near_at((double)(a), (double)(b), (eps), __LINE__)
static void assert_near_at(double a, double b, double eps, int line)
{
	if (!(fabs(a - b) <= eps)) {
		print_error("line %d: %.9g != %.9g (eps %g)\n", line, a, b, eps);
		fail();
	}
}

static void test_top_k(void **state)
{
	const float v[] = { 0.1f, 0.7f, -3.0f, 0.7f, 5.0f, NAN, 0.2f };
	int idx[8];

	(void)state;
	assert_int_equal(results_top_k(v, 7, 4, idx), 4);
	assert_int_equal(idx[0], 4);
	assert_int_equal(idx[1], 1); /* a tie goes to the lower class */
	assert_int_equal(idx[2], 3);
	assert_int_equal(idx[3], 6);
	/* k larger than the class count is clamped; NaN ranks last */
	assert_int_equal(results_top_k(v, 7, 50, idx), 7);
	assert_int_equal(idx[5], 2);
	assert_int_equal(idx[6], 5);
	assert_int_equal(results_top_k(v, 7, 0, idx), 0);
}

static void test_distribution(void **state)
{
	const float p[] = { 0.25f, 0.5f, 0.25f };
	const float logits[] = { 0.25f, 0.5f, 0.2f };
	const float neg[] = { -0.5f, 1.0f, 0.5f };
	float s[] = { 1.0f, 2.0f, 3.0f };

	(void)state;
	assert_true(results_is_distribution(p, 3));
	assert_false(results_is_distribution(logits, 3));
	assert_false(results_is_distribution(neg, 3));
	results_softmax(s, 3);
	double z = exp(1) + exp(2) + exp(3);
	assert_near(s[0], exp(1) / z, 1e-6);
	assert_near(s[1], exp(2) / z, 1e-6);
	assert_near(s[2], exp(3) / z, 1e-6);
}

static cJSON *parse_line(FILE *f)
{
	char line[4096];

	assert_non_null(fgets(line, sizeof(line), f));
	assert_int_equal(line[strlen(line) - 1], '\n');
	cJSON *j = cJSON_Parse(line);
	assert_non_null(j);
	return j;
}

static double num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	assert_true(cJSON_IsNumber(v));
	return v->valuedouble;
}

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	assert_true(cJSON_IsString(v));
	return v->valuestring;
}

static void test_lines_parse_back(void **state)
{
	char path[] = "/tmp/scaled-results-test.XXXXXX";
	struct results_out out;
	struct results_batch b;
	char *err = NULL;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(results_open(path, &out, &err), 0);
	results_batch_init(&b);

	const float logits[] = { 1.0f, 3.0f, 2.0f, 0.0f };
	const float probs[] = { 0.1f, 0.2f, 0.6f, 0.1f };
	assert_int_equal(results_add_top(&b, "cat.jpg", logits, 4, 3, RESULTS_SOFTMAX_AUTO,
					 "m.onnx", 2, 12.34567, &err), 0);
	assert_int_equal(results_add_top(&b, "odd \"name\"\n.jpg", probs, 4, 9,
					 RESULTS_SOFTMAX_AUTO, "m.onnx", 2, 12.34567, &err), 0);
	assert_int_equal(results_add_error(&b, "bad.jpg", "bad.jpg: bad JPEG: Premature end",
					   &err), 0);
	assert_int_equal(results_add_top(&b, "raw", logits, 4, 1, RESULTS_SOFTMAX_OFF,
					 "m.onnx", 1, 0.5, &err), 0);
	assert_int_equal(b.lines, 4);
	assert_int_equal(results_commit(&out, &b, &err), 0);
	assert_int_equal(b.len, 0);
	assert_int_equal(results_commit(&out, &b, &err), 0); /* empty: no-op */
	results_close(&out);

	FILE *f = fopen(path, "r");
	assert_non_null(f);

	/* 1: logits -> softmax, top 3 by score */
	cJSON *j = parse_line(f);
	double z = exp(1) + exp(3) + exp(2) + exp(0);
	assert_string_equal(str(j, "job"), "cat.jpg");
	assert_string_equal(str(j, "model"), "m.onnx");
	assert_int_equal((int)num(j, "batch"), 2);
	assert_near(num(j, "ms"), 12.346, 1e-9);
	cJSON *top = cJSON_GetObjectItemCaseSensitive(j, "top");
	assert_int_equal(cJSON_GetArraySize(top), 3);
	static const int want[] = { 1, 2, 0 };
	static const double e[] = { 3, 2, 1 };
	for (int i = 0; i < 3; i++) {
		cJSON *t = cJSON_GetArrayItem(top, i);
		assert_int_equal((int)num(t, "class"), want[i]);
		assert_near(num(t, "score"), exp(e[i]) / z, 1e-6);
	}
	cJSON_Delete(j);

	/* 2: already a distribution: scores as given; k clamped to 4 */
	j = parse_line(f);
	assert_string_equal(str(j, "job"), "odd \"name\"\n.jpg");
	top = cJSON_GetObjectItemCaseSensitive(j, "top");
	assert_int_equal(cJSON_GetArraySize(top), 4);
	assert_int_equal((int)num(cJSON_GetArrayItem(top, 0), "class"), 2);
	assert_near(num(cJSON_GetArrayItem(top, 0), "score"), 0.6, 1e-7);
	assert_int_equal((int)num(cJSON_GetArrayItem(top, 3), "class"), 3);
	cJSON_Delete(j);

	/* 3: the error line has exactly job and error */
	j = parse_line(f);
	assert_string_equal(str(j, "job"), "bad.jpg");
	assert_string_equal(str(j, "error"), "bad.jpg: bad JPEG: Premature end");
	assert_int_equal(cJSON_GetArraySize(j), 2);
	cJSON_Delete(j);

	/* 4: softmax off: raw logits */
	j = parse_line(f);
	top = cJSON_GetObjectItemCaseSensitive(j, "top");
	assert_int_equal(cJSON_GetArraySize(top), 1);
	assert_near(num(cJSON_GetArrayItem(top, 0), "score"), 3.0, 1e-9);
	cJSON_Delete(j);

	char extra[8];
	assert_null(fgets(extra, sizeof(extra), f));
	fclose(f);
	results_batch_free(&b);
	unlink(path);
}

static void test_open_error(void **state)
{
	struct results_out out;
	char *err = NULL;

	(void)state;
	assert_int_equal(results_open("/nonexistent/dir/out.jsonl", &out, &err), -ENOENT);
	assert_non_null(strstr(err, "results /nonexistent/dir/out.jsonl"));
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_top_k),
		cmocka_unit_test(test_distribution),
		cmocka_unit_test(test_lines_parse_back),
		cmocka_unit_test(test_open_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
