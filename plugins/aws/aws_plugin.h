/*
 * aws_plugin.h - what the aws plugin's files share: the host table (set in
 * init) and each kind's descriptor.
 */
#ifndef AWS_PLUGIN_H
#define AWS_PLUGIN_H

#include "scaled/plugin.h"

extern const struct scaled_host *aws_host; /* aws_host.c */

extern const struct scaled_kind aws_spot_price_kind;
extern const struct scaled_kind aws_sqs_kind;

#endif
