/*
 * sim_idle.h - a pool's stack of idle instances (sim_idle.c), private to
 * sim_world.c.
 */
#ifndef SIM_IDLE_H
#define SIM_IDLE_H

#include <stdint.h>

#include "sim_world.h"

/* slot went idle: on the stack. 0, or -ENOMEM (the stack as it was). */
int sim_idle_push(struct sim_pool *p, uint32_t slot);
/* The newest idle instance that may take a job (taken off the stack), or -1. */
long sim_idle_pop(struct sim_pool *p);

#endif
