/*
 * plugin.c - the aws plugin's descriptor (README.md): the sources
 * aws.spot_price (spot_price.c) and aws.sqs (sqs.c). Needs HTTP for plugins
 * (ABI 1.3), checked in init.
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
	.version = "0.1",
	.help = "Amazon Web Services: EC2 spot prices, SQS depth (more kinds to come)",
	.init = aws_init,
	.kinds = aws_kinds,
};

SCALED_EXPORT const struct scaled_plugin *scaled_plugin_entry(void)
{
	return &aws_plugin;
}
