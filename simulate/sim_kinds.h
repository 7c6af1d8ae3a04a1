/*
 * sim_kinds.h - the simulated kinds, an in-process plugin named "simulate"
 * (added with scaled_engine_add_plugin, the same ABI as a .so):
 *
 *   simulate.capacity   target: a pool of the world's instances
 *   simulate.queue      source: queue depth, .in_flight, .oldest_age
 *   simulate.cpu        source: the busy share of running instances, %
 *   simulate.on_demand  source: the constant on-demand price
 *
 * The kinds act on one world per process, bound before the farm loads.
 */
#ifndef SIM_KINDS_H
#define SIM_KINDS_H

#include <stdbool.h>

#include "scaled/plugin.h"

struct sim_world;

extern const struct scaled_plugin sim_kinds_plugin;

/* The world the kinds act on (NULL: none; create() then fails). */
void sim_kinds_bind(struct sim_world *w);
/* Whether capacities publish the series the baselines read,
 * "<target>.backlog" and "<target>.cpu" (sim_baselines.h): on for a
 * baseline's run only, so that the farm's own run has none of them. */
void sim_kinds_baseline_series(bool on);

#endif
