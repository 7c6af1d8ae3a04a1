/*
 * infer_test_util.c - file helpers shared by the inference core's tests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infer.h"
#include "infer_test_util.h"

char *util_strcat(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 1);

	assert_non_null(s);
	memcpy(s, a, la);
	memcpy(s + la, b, lb + 1);
	return s;
}

char *util_path(const char *dir, const char *name)
{
	char *d = util_strcat(dir, "/");
	char *p = util_strcat(d, name);

	free(d);
	return p;
}

char *util_read_file(const char *dir, const char *name, size_t *len)
{
	char *path = util_path(dir, name);
	FILE *f = fopen(path, "rb");
	char *data;
	long size;

	if (!f)
		print_error("cannot open %s\n", path);
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	assert_true(size >= 0);
	rewind(f);
	data = malloc((size_t)size + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	free(path);
	*len = (size_t)size;
	return data;
}

float *util_read_floats(const char *dir, const char *name, size_t *n)
{
	size_t len;
	char *data = util_read_file(dir, name, &len);

	/* The generator writes '<f4'; the hosts we run on are little-endian. */
	assert_int_equal(len % sizeof(float), 0);
	*n = len / sizeof(float);
	return (float *)(void *)data;
}

uint64_t util_xorshift(uint64_t x)
{
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

int util_model_dir(int argc, char **argv, const char *def, const char **dir)
{
	if (argc > 2) {
		fprintf(stderr, "usage: %s [MODELDIR]\n", argv[0]);
		return 2;
	}
	*dir = argc == 2 ? argv[1] : def;
	return util_skip_if_generator_skipped(*dir);
}

int util_skip_if_generator_skipped(const char *dir)
{
	char *path = util_path(dir, "SKIP");
	FILE *f = fopen(path, "r");
	char why[512] = "";

	free(path);
	if (!f)
		return 0;
	if (!fgets(why, sizeof(why), f))
		snprintf(why, sizeof(why), "(no reason given)\n");
	fclose(f);
	printf("SKIPPED: the test models were not generated: %s", why);
	return 77;
}

int util_read_manifest(const char *dir, struct util_manifest_entry *v, int max)
{
	char *path = util_path(dir, "models.txt");
	FILE *f = fopen(path, "r");
	int n = 0;

	free(path);
	if (!f)
		return -1;
	while (n < max && fscanf(f, "%63s %d %lf", v[n].name, &v[n].batch, &v[n].tol) == 3)
		n++;
	fclose(f);
	return n;
}

const struct util_manifest_entry *util_manifest_find(const struct util_manifest_entry *v, int n,
						     const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	return NULL;
}

struct infer_model *util_load_model(const char *dir, const char *name)
{
	char *file = util_strcat(name, ".onnx");
	char *path = util_path(dir, file);
	struct infer_model *m = NULL;
	char *err = NULL;
	int rc = infer_model_load(path, &m, &err);

	if (rc)
		print_error("%s: %s\n", path, err ? err : "(no message)");
	assert_int_equal(rc, 0);
	assert_non_null(m);
	free(err);
	free(path);
	free(file);
	return m;
}
