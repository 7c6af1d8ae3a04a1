/*
 * asg_plan.c - the state aws.asg reports and the request an apply sends
 * (asg_plan.h). Reads only what it is given.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "asg_plan.h"

struct aws_asg_group *asg_find(const struct aws_asg_answer *a, const char *name)
{
	size_t i;

	if (!a || !name)
		return NULL;
	for (i = 0; i < a->n_groups; i++)
		if (a->groups[i].name && strcmp(a->groups[i].name, name) == 0)
			return &a->groups[i];
	return NULL;
}

int asg_dist_base(const struct aws_asg_distribution *d)
{
	return d->on_demand_base >= 0 ? d->on_demand_base : 0;
}

int asg_dist_percent(const struct aws_asg_distribution *d)
{
	return d->on_demand_percent >= 0 ? d->on_demand_percent : 100;
}

/* state is s itself or s followed by ':' and more ("Pending:Wait"). */
static int state_is(const char *state, const char *s)
{
	size_t n = strlen(s);

	return state && strncmp(state, s, n) == 0 && (state[n] == '\0' || state[n] == ':');
}

void asg_state(const struct aws_asg_group *g, struct scaled_target_state *st)
{
	size_t i;

	memset(st, 0, sizeof *st);
	st->struct_size = sizeof *st;
	st->desired = g->desired;
	for (i = 0; i < g->n_instances; i++) {
		const char *s = g->instances[i].lifecycle_state;

		if (s && strcmp(s, "InService") == 0)
			st->current++;
		else if (state_is(s, "Pending"))
			st->starting++;
		else if (state_is(s, "Terminating"))
			st->stopping++;
	}
	if (g->has_distribution) {
		st->on_demand = scaled_mix_on_demand(st->current, asg_dist_base(&g->dist),
						     asg_dist_percent(&g->dist));
		st->spot = st->current - st->on_demand;
	} else {
		st->spot = st->on_demand = -1;
	}
}

int asg_plan(const struct aws_asg_group *g, const char *name, int desired, int base, int percent,
	     struct asg_plan *out, char *err, size_t errlen)
{
	int b, p;

	memset(out, 0, sizeof *out);
	if (desired < 0 || base < -1 || percent < -1 || percent > 100) {
		snprintf(err, errlen, "capacity %d, on_demand_base %d, on_demand_percent %d: "
			 "want capacity and base >= 0, percent 0 to 100 (-1: leave the mix)",
			 desired, base, percent);
		return -EINVAL;
	}
	out->desired = desired;
	out->action = ASG_SET_DESIRED;
	if (base < 0 && percent < 0)
		return 0;
	if (!g) {
		snprintf(err, errlen, "a market mix asked before DescribeAutoScalingGroups "
			 "answered: the group's distribution is not known yet");
		return -EAGAIN;
	}
	if (!g->has_distribution) {
		snprintf(err, errlen, "group '%s' has no MixedInstancesPolicy, so it cannot take "
			 "a market mix (on_demand_base %d, on_demand_percent %d): give it one "
			 "(a launch template with instance types), or drop the farm group's "
			 "on_demand_* keys and mix policies", name, base, percent);
		return -EINVAL;
	}
	b = base >= 0 ? base : asg_dist_base(&g->dist);
	p = percent >= 0 ? percent : asg_dist_percent(&g->dist);
	if (b == asg_dist_base(&g->dist) && p == asg_dist_percent(&g->dist))
		return 0;
	out->action = ASG_UPDATE;
	out->base = b;
	out->percent = p;
	return 0;
}
