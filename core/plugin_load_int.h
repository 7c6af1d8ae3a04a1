/*
 * plugin_load_int.h - the handle plugin_load hands out, shared by the files
 * that make up the loader (never included outside core/plugin_*.c):
 *
 *   plugin_load.c   search path, dlopen, the process-wide registry, probe/init
 *   plugin_check.c  the descriptor and its kinds checked against the ABI, copied
 *   plugin_fail.c   the "<where>: <why>" message both of them set
 */
#ifndef SCALED_PLUGIN_LOAD_INT_H
#define SCALED_PLUGIN_LOAD_INT_H

#include <stddef.h>

#include "plugin_load.h"

/* One per dlopen handle that has been through init(). */
struct plugin_load_shared {
	struct plugin_load_shared *next;
	void *dl;
	const struct scaled_host *host;
	void (*fini)(void);
	unsigned refs;
};

/* What plugin_load hands out is the `pub` member of this. */
struct plugin_load_handle {
	struct plugin_handle pub;
	struct scaled_plugin desc;    /* our copy; pub.desc points here */
	struct scaled_kind *kinds;    /* copies of the plugin's kinds */
	/* Per kind, our copies of its key table (enum keys read as strings:
	 * their values are strings the core allocates and frees) and of its
	 * limits (entries of our size); kinds[i].keys and .limits point here.
	 * NULL where the kind has none. */
	struct scaled_key **keys;
	struct scaled_key_limit **limits;
	const struct scaled_kind **kind_list; /* NULL-terminated, into kinds */
	size_t n_kinds;
	struct plugin_load_shared *shared;
	const struct scaled_plugin *raw; /* in-process (plugin_load_static): the
					    caller's descriptor, its registry key */
};

#endif
