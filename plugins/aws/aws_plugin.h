/*
 * aws_plugin.h - what the aws plugin's files share: the host table (set in
 * init) and each kind's descriptor.
 */
#ifndef AWS_PLUGIN_H
#define AWS_PLUGIN_H

#include "scaled/plugin.h"

extern const struct scaled_host *aws_host; /* aws_host.c */

extern const struct scaled_kind aws_spot_price_kind;   /* spot_price.c */
extern const struct scaled_kind aws_sqs_kind;          /* sqs.c */
extern const struct scaled_kind aws_on_demand_price_kind; /* on_demand_price.c */
extern const struct scaled_kind aws_cloudwatch_kind;   /* cloudwatch.c */
extern const struct scaled_kind aws_interruptions_kind; /* interruptions.c */
extern const struct scaled_kind aws_asg_kind;          /* asg.c */
extern const struct scaled_kind aws_spot_fleet_kind;   /* spot_fleet.c */
extern const struct scaled_kind aws_ecs_kind;          /* ecs.c */
extern const struct scaled_kind aws_ec2_kind;          /* ec2.c */

#endif
