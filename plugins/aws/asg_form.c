/*
 * asg_form.c - the Auto Scaling Query API forms of aws.asg (asg_form.h):
 * the name's check and the three request bodies. Owns nothing past a call.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "asg_form.h"

#define DIST "MixedInstancesPolicy.InstancesDistribution."

int asg_name_check(const char *name, char *err, size_t errlen)
{
	size_t i;

	if (!name || !*name) {
		snprintf(err, errlen, "name: empty; want the Auto Scaling group's name");
		return -EINVAL;
	}
	for (i = 0; name[i] && i <= ASG_MAX_NAME; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c < 33 || c > 126 || c == ':') {
			snprintf(err, errlen, "name: byte %zu is %s; an Auto Scaling group's name is "
				 "1 to %d of the ASCII characters '!' to '~' without ':'", i + 1,
				 c == ':' ? "':'" : c == ' ' ? "a space" : "not printable ASCII",
				 ASG_MAX_NAME);
			return -EINVAL;
		}
	}
	if (i > ASG_MAX_NAME) {
		snprintf(err, errlen, "name: longer than %d bytes", ASG_MAX_NAME);
		return -EINVAL;
	}
	return 0;
}

/* Action and Version, then the group's name under `key`. */
static int form_start(struct aws_form *f, const char *action, const char *key, const char *name,
		      char *err, size_t errlen)
{
	memset(f, 0, sizeof *f);
	if (asg_name_check(name, err, errlen) < 0)
		return -EINVAL;
	aws_form_add(f, "Action", action);
	aws_form_add(f, "Version", ASG_API_VERSION);
	aws_form_add(f, key, name);
	return 0;
}

static int form_int(struct aws_form *f, const char *key, int v)
{
	char s[16];

	snprintf(s, sizeof s, "%d", v);
	return aws_form_add(f, key, s);
}

/* 0, or -ENOMEM when an add failed (then f is freed). */
static int form_end(struct aws_form *f, char *err, size_t errlen)
{
	if (!f->failed)
		return 0;
	aws_form_free(f);
	snprintf(err, errlen, "out of memory");
	return -ENOMEM;
}

int asg_form_describe(struct aws_form *f, const char *name, char *err, size_t errlen)
{
	if (form_start(f, "DescribeAutoScalingGroups", "AutoScalingGroupNames.member.1", name, err,
		       errlen) < 0)
		return -EINVAL;
	return form_end(f, err, errlen);
}

int asg_form_set_desired(struct aws_form *f, const char *name, int desired, int honor_cooldown,
			 char *err, size_t errlen)
{
	if (desired < 0) {
		memset(f, 0, sizeof *f);
		snprintf(err, errlen, "SetDesiredCapacity: capacity %d is negative", desired);
		return -EINVAL;
	}
	if (form_start(f, "SetDesiredCapacity", "AutoScalingGroupName", name, err, errlen) < 0)
		return -EINVAL;
	form_int(f, "DesiredCapacity", desired);
	if (honor_cooldown)
		aws_form_add(f, "HonorCooldown", "true");
	return form_end(f, err, errlen);
}

int asg_form_update(struct aws_form *f, const char *name, int desired,
		    const struct aws_asg_distribution *d, int base, int percent, char *err,
		    size_t errlen)
{
	if (!d || desired < 0 || base < 0 || percent < 0 || percent > 100) {
		memset(f, 0, sizeof *f);
		snprintf(err, errlen, "UpdateAutoScalingGroup: capacity %d, on_demand_base %d, "
			 "on_demand_percent %d%s: want capacity and base >= 0, percent 0 to 100",
			 desired, base, percent, d ? "" : ", no distribution read");
		return -EINVAL;
	}
	if (form_start(f, "UpdateAutoScalingGroup", "AutoScalingGroupName", name, err, errlen) < 0)
		return -EINVAL;
	form_int(f, "DesiredCapacity", desired);
	/* every field the group has, in the model's order; the two of the mix
	 * always (AWS's defaults, 0 and 100, are what an absent one means) */
	if (d->on_demand_allocation_strategy)
		aws_form_add(f, DIST "OnDemandAllocationStrategy", d->on_demand_allocation_strategy);
	form_int(f, DIST "OnDemandBaseCapacity", base);
	form_int(f, DIST "OnDemandPercentageAboveBaseCapacity", percent);
	if (d->spot_allocation_strategy)
		aws_form_add(f, DIST "SpotAllocationStrategy", d->spot_allocation_strategy);
	if (d->spot_instance_pools >= 0)
		form_int(f, DIST "SpotInstancePools", d->spot_instance_pools);
	if (d->spot_max_price)
		aws_form_add(f, DIST "SpotMaxPrice", d->spot_max_price);
	return form_end(f, err, errlen);
}
