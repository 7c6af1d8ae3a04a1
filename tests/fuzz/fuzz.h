/*
 * fuzz.h - what every harness in tests/fuzz/ shares.
 *
 * A harness is one function, LLVMFuzzerTestOneInput, linked either with
 * libFuzzer (clang, -DSCALED_FUZZ=ON) or with replay_main.c (any compiler,
 * always built, run by ctest -L fuzz). Either way a broken invariant must
 * end the process with a crash that both drivers notice and that names the
 * invariant, hence abort() rather than a return code: libFuzzer ignores the
 * return value.
 */
#ifndef SCALED_FUZZ_H
#define SCALED_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Invariant check: on failure print where and why, then abort so that the
 * driver keeps the input (libFuzzer: crash-*, replay: crash-replay-*). */
#define FUZZ_CHECK(cond, ...)                                                          \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "%s:%d: fuzz invariant failed: %s: ", __FILE__, \
				__LINE__, #cond);                                      \
			fprintf(stderr, __VA_ARGS__);                                  \
			fputc('\n', stderr);                                           \
			abort();                                                       \
		}                                                                      \
	} while (0)

#endif
