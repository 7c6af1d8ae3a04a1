/*
 * asg_form.h - the Auto Scaling Query API forms of the target aws.asg
 * (asg.c): the group's name checked, and the bodies of
 * DescribeAutoScalingGroups, SetDesiredCapacity and UpdateAutoScalingGroup
 * (Version 2011-01-01; names from botocore's autoscaling model). No I/O
 * here, so that a unit test can feed it odd values.
 *
 * Every builder starts *f afresh (the caller's; aws_form_free) and returns
 * 0, or -EINVAL / -ENOMEM with the reason in err and *f freed.
 */
#ifndef ASG_FORM_H
#define ASG_FORM_H

#include <stddef.h>

#include "aws_answers.h"
#include "aws_query.h"

#define ASG_API_VERSION "2011-01-01"
#define ASG_MAX_NAME 255 /* AutoScalingGroupName: 1 to 255 */

/* An Auto Scaling group's name as AWS allows it at creation: 1 to 255 of
 * the ASCII characters 33 to 126, no ':' (CreateAutoScalingGroup). 0, or
 * -EINVAL with a reason that names the key "name". */
int asg_name_check(const char *name, char *err, size_t errlen);

/* Action=DescribeAutoScalingGroups, AutoScalingGroupNames.member.1=name. */
int asg_form_describe(struct aws_form *f, const char *name, char *err, size_t errlen);

/* Action=SetDesiredCapacity, DesiredCapacity=desired (>= 0), and
 * HonorCooldown=true when honor_cooldown (absent otherwise: AWS's default,
 * false). */
int asg_form_set_desired(struct aws_form *f, const char *name, int desired, int honor_cooldown,
			 char *err, size_t errlen);

/* Action=UpdateAutoScalingGroup with DesiredCapacity=desired and the whole
 * MixedInstancesPolicy.InstancesDistribution of d (as DescribeAutoScalingGroups
 * read it: each field d has, as it was, absent ones left out, SpotMaxPrice
 * "" sent as "") but OnDemandBaseCapacity=base and
 * OnDemandPercentageAboveBaseCapacity=percent. desired, base >= 0;
 * percent 0..100. Nothing of the policy's LaunchTemplate is sent: AWS
 * keeps what an update does not name (docs/aws.asg.md). */
int asg_form_update(struct aws_form *f, const char *name, int desired,
		    const struct aws_asg_distribution *d, int base, int percent, char *err,
		    size_t errlen);

#endif
