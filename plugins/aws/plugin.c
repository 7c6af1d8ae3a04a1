/*
 * plugin.c - the aws plugin's descriptor (README.md; each kind's page in
 * docs/): the sources aws.spot_price, aws.sqs, aws.on_demand_price,
 * aws.cloudwatch and aws.interruptions, and the targets aws.asg,
 * aws.spot_fleet, aws.ecs and aws.ec2, each in its own file. Needs HTTP for
 * plugins (ABI 1.3), checked in init (aws.interruptions checks for ABI 1.4
 * itself). test_aws_docs reads aws_kinds to check the pages against it.
 */
#include <errno.h>
#include <stdio.h>

#include "aws_plugin.h"

static int aws_init(const struct scaled_host *h, char *err, size_t errlen)
{
	if (!SCALED_HOST_HAS(h, http_cancel)) {
		snprintf(err, errlen, "the aws plugin needs HTTP for plugins (ABI 1.3); "
			 "this scaled offers ABI %u.%u", h->abi_major, h->abi_minor);
		return -ENOTSUP;
	}
	aws_host = h;
	return 0;
}

/* Sources first, then targets; one a line. */
static const struct scaled_kind *const aws_kinds[] = {
	&aws_spot_price_kind,
	&aws_sqs_kind,
	&aws_on_demand_price_kind,
	&aws_cloudwatch_kind,
	&aws_interruptions_kind,
	&aws_asg_kind,
	&aws_spot_fleet_kind,
	&aws_ecs_kind,
	&aws_ec2_kind,
	NULL,
};

static const struct scaled_plugin aws_plugin = {
	.abi_major = SCALED_PLUGIN_ABI_MAJOR,
	.abi_minor = SCALED_PLUGIN_ABI_MINOR,
	.struct_size = sizeof(struct scaled_plugin),
	.name = "aws",
	.version = "0.2",
	.help = "Amazon Web Services: SQS depth, spot and on-demand prices, CloudWatch metrics, "
		"spot interruptions; Auto Scaling groups, Spot Fleets, ECS services, EC2 instances",
	.init = aws_init,
	.kinds = aws_kinds,
};

SCALED_EXPORT const struct scaled_plugin *scaled_plugin_entry(void)
{
	return &aws_plugin;
}
