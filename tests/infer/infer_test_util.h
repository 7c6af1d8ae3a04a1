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

#endif
