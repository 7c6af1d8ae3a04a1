/*
 * plugin_load.h - find, dlopen and check plugins.
 *
 * A plugin named NAME is the file NAME.so in the first directory of the
 * search path that has it (as a regular file). NAME is [A-Za-z0-9_-]+, at
 * most 128 characters: a name is never a path ("../x" and "a/b" are
 * refused). Search path, in order: the caller's dirs (--plugin-dir),
 * $SCALED_PLUGIN_PATH (':'-separated), the build tree's plugin dir, the
 * install dir (both compiled in: SCALED_BUILD_PLUGIN_DIR and
 * SCALED_INSTALL_PLUGIN_DIR). Empty parts are skipped.
 *
 * Loading: dlopen(RTLD_NOW | RTLD_LOCAL), dlsym(SCALED_PLUGIN_ENTRY), then
 * checks: descriptor not NULL; abi_major equal to ours (else "built for
 * plugin ABI X.Y, this scaled has A.B"; nothing past the three leading fields
 * is read); struct_size at least the size of the ABI 1.0 descriptor; name
 * equal to NAME; at least one kind; every kind with struct_size at least the
 * ABI 1.0 kind, a name, the role source or target, the callbacks its role
 * needs (create and destroy; source: collect; target: poll and apply), a name
 * no other kind of the plugin has; every key with a name unique in its kind,
 * a known type, not both required and defaulted, and not one the core reads
 * itself ("kind"; "every" and "stale" for sources; "poll" for targets);
 * ABI 1.1 limits (kind->limits, entries kind->limit_size apart, at least
 * the 1.1 size) each naming a key of the kind once and fitting it
 * (config_limit_check: choices for enum keys, every enum key has them;
 * bounds for numeric keys, parsed as the type, min <= max, the default
 * within). Any
 * minor is accepted: an older one is zero-filled past its struct_size, a
 * newer one is read up to our sizeof (it must check host->struct_size
 * itself). Then probe() (a positive answer is "skipped: <why>", returned as
 * -ENOTSUP) and init(host). Any failure undoes everything (dlclose) and says why, naming
 * the file: "<path>: <reason>".
 *
 * The descriptor and the kinds are copied into zeroed structs of our size,
 * never reading past the struct_size the plugin declares; the handle keeps
 * those copies: p->desc, p->desc->kinds and plugin_find_kind() point into
 * them, valid until plugin_unload. A kind's keys and limits are copies too
 * (kind->keys, kind->limits; limit_size is ours): an enum key reads as a
 * string there, so its value is a string the core allocates and frees, and
 * config_limit_values (config_limits.h) holds values to the limits. The
 * strings they point to are the plugin's, valid until plugin_unload.
 *
 * Several engines in one process may load the same plugin: init() runs on
 * the first load only and fini() when the last handle is unloaded; all the
 * loads must pass the same host table (else -EBUSY). Loading and unloading
 * are serialised by a process-wide lock; any thread may call them.
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
 * -EINVAL (a bad name, or host NULL),
 * -ENOENT (no NAME.so on the path: the message lists the dirs searched),
 * -ELIBBAD (dlopen/dlsym failed: dlerror()), -EPROTO (ABI mismatch or a bad
 * descriptor), -ENOTSUP (probe declined: "skipped: <why>"), -EBUSY (loaded
 * already, with another host table), -ENOMEM, or init's error.
 * search_path: ':'-separated, used as it is (build it with
 * plugin_search_path); NULL means plugin_search_path(NULL).
 * errmsg may be NULL; otherwise *errmsg is set to NULL on success and to a
 * malloc'd message (alloc_free) on failure, or NULL if even that failed.
 * *out is NULL on failure. */
int plugin_load(const char *name, const char *search_path, const struct scaled_host *host,
		struct plugin_handle **out, char **errmsg);
/* The same for a plugin living in the calling program (no dlopen): desc is
 * checked and copied as a .so's is (its name is not compared with a file's),
 * probed and init()ed once per process per descriptor, which is its key in
 * the registry. pub.dl is NULL; pub.path is "in-process plugin "NAME"".
 * desc must outlive the handle. Returns as plugin_load does. */
int plugin_load_static(const struct scaled_plugin *desc, const struct scaled_host *host,
		       struct plugin_handle **out, char **errmsg);
/* Calls fini (when this is the plugin's last handle), dlclose (not for an
 * in-process one), frees. Only for handles from plugin_load or
 * plugin_load_static; every instance of its kinds must be gone.
 * NULL is fine. */
void plugin_unload(struct plugin_handle *p);

/* The kind of that name (the handle's copy), or NULL; NULL p or kind: NULL. */
const struct scaled_kind *plugin_find_kind(const struct plugin_handle *p, const char *kind);

/* `dirs` (':'-separated, may be NULL), $SCALED_PLUGIN_PATH, then: from
 * the build tree, its plugin dir; installed, the plugin dir of the prefix
 * the code lies in (paths.h); then the compiled-in install dir. Joined with
 * ':', empty parts left out; malloc'd (alloc_free), NULL when out of memory. */
char *plugin_search_path(const char *dirs);

#endif
