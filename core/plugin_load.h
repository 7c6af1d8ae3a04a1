/*
 * plugin_load.h - find, dlopen and check plugins.
 *
 * A plugin named NAME is the file NAME.so in the first directory of the
 * search path that has it. Search path, in order: the caller's dirs
 * (--plugin-dir), $SCALED_PLUGIN_PATH (':'-separated), the build tree's
 * plugin dir, the install dir (both compiled in).
 *
 * Loading: dlopen(RTLD_NOW | RTLD_LOCAL), dlsym(SCALED_PLUGIN_ENTRY), then
 * checks: descriptor not NULL; abi_major equal to ours (else "built for ABI
 * X.Y, this scaled has A.B"); struct_size at least the size of the ABI 1.0
 * descriptor; name equal to NAME; every kind with a name, a known role and
 * the callbacks its role needs. Then probe() (a positive answer is "skipped:
 * <why>", returned as -ENOTSUP) and init(host). Any failure undoes everything
 * (dlclose) and says why, naming the file.
 */
#ifndef SCALED_PLUGIN_LOAD_H
#define SCALED_PLUGIN_LOAD_H

#include "scaled/plugin.h"

struct plugin_handle {
	char *name;
	char *path;
	void *dl;
	const struct scaled_plugin *desc;
	size_t desc_size; /* min(desc->struct_size, sizeof *desc) */
};

/* Returns 0 with *out set (caller frees with plugin_unload), or
 * -ENOENT (no NAME.so on the path: the message lists the dirs searched),
 * -ELIBBAD (dlopen/dlsym failed: dlerror()), -EPROTO (ABI mismatch or a bad
 * descriptor), -ENOTSUP (probe declined), or init's error. */
int plugin_load(const char *name, const char *search_path, const struct scaled_host *host,
		struct plugin_handle **out, char **errmsg);
/* Calls fini, dlclose, frees. NULL is fine. */
void plugin_unload(struct plugin_handle *p);

/* The kind of that name, or NULL. */
const struct scaled_kind *plugin_find_kind(const struct plugin_handle *p, const char *kind);

/* The compiled-in default path (build tree dir:install dir) joined after
 * `dirs` and $SCALED_PLUGIN_PATH; malloc'd. */
char *plugin_search_path(const char *dirs);

#endif
