/*
 * sim_farm.h - the farm's own `simulate { ... }` table (docs/simulate.md):
 * its map and defaults, read before anything is made, and merged into the
 * command line's options, which win.
 */
#ifndef SIM_FARM_H
#define SIM_FARM_H

#include <stddef.h>

#include "sim_cli.h"

/* Read a->farm's simulate table, if it has one, into a: each option the
 * command line did not give, and the map entries after the --map flags (a
 * flag naming the same NAME wins). A relative on_demand table path is the
 * farm's directory's. 0; -EINVAL with "farm.lua:LINE: ..." in err (the
 * farm's own errors too); -ENOMEM. */
int sim_farm_read(struct sim_args *a, const char *plugin_dir, char *err, size_t errlen);

#endif
