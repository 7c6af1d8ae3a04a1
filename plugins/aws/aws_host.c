/*
 * aws_host.c - the host table the aws plugin's files share (set by init in
 * plugin.c): a file of its own, so that the kinds reading it and the
 * descriptor naming the kinds do not call each other in a circle.
 */
#include "aws_plugin.h"

const struct scaled_host *aws_host;
