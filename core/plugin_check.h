/*
 * plugin_check.h - private to core/plugin_*.c: check a plugin's descriptor
 * against the ABI and copy it into the handle (plugin_check.c).
 */
#ifndef SCALED_PLUGIN_CHECK_H
#define SCALED_PLUGIN_CHECK_H

#include "plugin_load_int.h"

/* Check the descriptor raw that NAME's entry returned (the file at path)
 * and copy it, and its kinds, into h: never past the struct_size each
 * declares. Returns 0, or a negative errno with *msg set (-EPROTO for a
 * descriptor this scaled refuses, -ENOMEM). */
int plugin_check_copy_desc(struct plugin_load_handle *h, const struct scaled_plugin *raw,
			   const char *name, const char *path, char **msg);

#endif
