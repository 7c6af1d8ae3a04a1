/*
 * sim_map.h - the kind map a simulation hands the engine (scaled.h, struct
 * scaled_kind_map): the --map flags, then the refusals that make a farm's
 * cloud targets and real-world sources errors unless --map names them.
 */
#ifndef SIM_MAP_H
#define SIM_MAP_H

#include <stddef.h>

#include "scaled/scaled.h"
#include "sim_cli.h"

#define SIM_MAP_KEYS 16

struct sim_map {
	struct scaled_kind_map v[SIM_CLI_MAX_MAPS + 32];
	size_t n;
	char *own[SIM_CLI_MAX_MAPS];                       /* the flags' copies */
	char *texts[SIM_CLI_MAX_MAPS][SIM_MAP_KEYS];       /* key=value made here */
	const char *keys[SIM_CLI_MAX_MAPS][SIM_MAP_KEYS + 1];
};

/* Build the map from a's --map flags. 0, or -EINVAL with "--map: ..." in
 * err (an unknown KIND, too many keys), or -ENOMEM. */
int sim_map_build(const struct sim_args *a, struct sim_map *m, char *err, size_t errlen);
void sim_map_free(struct sim_map *m);

/* Is text ("KIND[,key=value...]", a map's right side) one a map takes? 0,
 * or -EINVAL with the reason in why. */
int sim_map_check(const char *text, char *why, size_t whylen);

#endif
