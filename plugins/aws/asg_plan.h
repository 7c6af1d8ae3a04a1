/*
 * asg_plan.h - what the target aws.asg (asg.c) makes of a
 * DescribeAutoScalingGroups answer and of an apply: the state it reports
 * (instances per lifecycle state, units per market) and the one request an
 * apply sends (SetDesiredCapacity, or UpdateAutoScalingGroup when the
 * market mix changes). No I/O here, so that a unit test can feed it odd
 * values. Borrows what it is given; owns nothing.
 */
#ifndef ASG_PLAN_H
#define ASG_PLAN_H

#include <stddef.h>

#include "aws_answers.h"
#include "scaled/plugin.h"

/* The group named name in a (exact match), or NULL. */
struct aws_asg_group *asg_find(const struct aws_asg_answer *a, const char *name);

/* The group's distribution as AWS applies it: an absent
 * OnDemandBaseCapacity is 0, an absent OnDemandPercentageAboveBaseCapacity
 * 100 (the model's defaults). */
int asg_dist_base(const struct aws_asg_distribution *d);
int asg_dist_percent(const struct aws_asg_distribution *d);

/* The state to report: current = instances InService, desired =
 * DesiredCapacity, starting = Pending, Pending:Wait, Pending:Proceed,
 * stopping = Terminating, Terminating:Wait, Terminating:Proceed (other
 * states, Standby say, count in none). DescribeAutoScalingGroups does not
 * say which market an instance runs in, so spot and on_demand are the
 * split the group's distribution gives `current` (scaled_mix_on_demand);
 * -1 both for a group without a MixedInstancesPolicy. */
void asg_state(const struct aws_asg_group *g, struct scaled_target_state *st);

enum asg_action {
	ASG_SET_DESIRED = 1, /* SetDesiredCapacity */
	ASG_UPDATE,          /* UpdateAutoScalingGroup: capacity and distribution */
};

struct asg_plan {
	enum asg_action action;
	int desired;
	int base, percent; /* ASG_UPDATE: the mix to send (both >= 0) */
};

/* What an apply of (desired, base, percent) sends to group g, as last read
 * (NULL: not read yet); base and percent -1 mean "leave as it is". Only the
 * count, or a mix equal to g's: ASG_SET_DESIRED. A mix that differs:
 * ASG_UPDATE, the field left at -1 taken from g. 0 and *out filled, or:
 *   -EINVAL  desired < 0, base < -1, percent < -1 or > 100; or a mix asked
 *            of a group without a MixedInstancesPolicy (the reason says what
 *            to do)
 *   -EAGAIN  a mix asked before the group was read
 * with the reason in err. */
int asg_plan(const struct aws_asg_group *g, const char *name, int desired, int base, int percent,
	     struct asg_plan *out, char *err, size_t errlen);

#endif
