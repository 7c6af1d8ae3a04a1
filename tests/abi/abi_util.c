/*
 * abi_util.c - shared by the plugin ABI test binaries (see abi_util.h).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "abi_util.h"

char trace[4096];
const void *trace_init_host;

void test_abi_trace(const char *plugin, const char *event, const void *arg)
{
	size_t len = strlen(trace);

	snprintf(trace + len, sizeof trace - len, "%s:%s ", plugin, event);
	if (strcmp(event, "init") == 0)
		trace_init_host = arg;
}

const struct scaled_host test_host = {
	.struct_size = sizeof(struct scaled_host),
	.abi_major = SCALED_PLUGIN_ABI_MAJOR,
	.abi_minor = SCALED_PLUGIN_ABI_MINOR,
};

int setup(void **state)
{
	(void)state;
	trace[0] = '\0';
	trace_init_host = NULL;
	alloc_fail_after(-1);
	unsetenv("SCALED_PLUGIN_PATH");
	return 0;
}

int is_loaded(const char *path)
{
	void *dl = dlopen(path, RTLD_NOW | RTLD_NOLOAD);

	if (!dl)
		return 0;
	dlclose(dl);
	return 1;
}
