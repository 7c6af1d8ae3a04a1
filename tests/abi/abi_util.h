/*
 * abi_util.h - what the plugin ABI test binaries share: the trace the mocks
 * write through test_abi_trace(), the host table, setup, is_loaded.
 */
#ifndef SCALED_TESTS_ABI_UTIL_H
#define SCALED_TESTS_ABI_UTIL_H

#include <stddef.h>

#include "plugin_load.h"

#define MOCKS SCALED_ABI_DIR "/mocks"
#define MOCKS_ALT SCALED_ABI_DIR "/mocks_alt"

/* "plugin:event " for every probe/init/fini the mocks report. */
extern char trace[4096];
extern const void *trace_init_host;

/* The mocks find this in the test binary (ENABLE_EXPORTS). */
void test_abi_trace(const char *plugin, const char *event, const void *arg)
	__attribute__((visibility("default")));

extern const struct scaled_host test_host;

int setup(void **state);

/* Is the file mapped in this process? */
int is_loaded(const char *path);

#endif
