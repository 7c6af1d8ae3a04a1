/*
 * infer_test_util.h - file helpers shared by the inference core's tests.
 * They fail the current cmocka test when a file cannot be read.
 */
#ifndef SCALED_INFER_TEST_UTIL_H
#define SCALED_INFER_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* malloc'd "dir/name" and "a" "b" */
char *util_path(const char *dir, const char *name);
char *util_strcat(const char *a, const char *b);
/* The whole of dir/name (malloc'd), its size in *len. */
char *util_read_file(const char *dir, const char *name, size_t *len);
/* dir/name as little-endian float32s (malloc'd), their count in *n. */
float *util_read_floats(const char *dir, const char *name, size_t *n);
/* A step of xorshift64: deterministic bytes for the tests. */
uint64_t util_xorshift(uint64_t x);
/* 77 (ctest's skip code) with the reason printed when the model generator
 * left dir/SKIP, else 0. */
int util_skip_if_generator_skipped(const char *dir);
/* The model directory of a test's command line, "[MODELDIR]" (def when
 * absent): 0 with *dir set, 2 on a usage error, or 77 as above. */
int util_model_dir(int argc, char **argv, const char *def, const char **dir);

/* One line of dir/models.txt (written by gen_models.py): a model's name,
 * the batch it was generated at, and its tolerance. */
struct util_manifest_entry {
	char name[64];
	int batch;
	double tol;
};
/* Read dir/models.txt into v[0..max): the count, or -1 if it cannot be read. */
int util_read_manifest(const char *dir, struct util_manifest_entry *v, int max);
/* The entry named name in v[0..n), or NULL. */
const struct util_manifest_entry *util_manifest_find(const struct util_manifest_entry *v, int n,
						     const char *name);

struct infer_model;
/* dir/NAME.onnx, loaded; fails the current test when it does not load. */
struct infer_model *util_load_model(const char *dir, const char *name);

#endif
