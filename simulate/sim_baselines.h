/*
 * sim_baselines.h - the seed policies `scaled simulate --baselines` runs in
 * place of every group's policy (scaled_options.group_policy), on the same
 * world: the same load, prices, seed and farm, only the policy changed
 * (docs/simulate.md, "Baselines").
 *
 *   cpu_80_20  policy.percent on the capacity's busy share (TARGET.cpu):
 *              avg >= 80 % in both of the last 2 x 120 s -> +50 %,
 *              <= 20 % in both -> -1 (the seed's CloudWatch alarm pair)
 *   sqs_step   policy.queue_step on the queue's depth (TARGET.backlog):
 *              0 -> 0 instances, >= 1 -> 1, >= 100 -> 2 (the seed's SQS step)
 *
 * Both read series every simulate.capacity publishes under its target's
 * name (sim_kinds.c), so they run on any farm whose targets are mapped to
 * capacity; the group's bounds, mix, cooldown and stabilization stay the
 * farm's.
 */
#ifndef SIM_BASELINES_H
#define SIM_BASELINES_H

#include <stddef.h>

struct sim_baseline {
	const char *name;
	const char *policy; /* a group_policy chunk (scaled.h) */
};

#define SIM_BASELINES 2
extern const struct sim_baseline sim_baselines[SIM_BASELINES];

#endif
