/*
 * sim_baselines.c - the seed policies as group_policy chunks
 * (sim_baselines.h).
 */
#include "sim_baselines.h"

const struct sim_baseline sim_baselines[SIM_BASELINES] = {
	{ "cpu_80_20",
	  "local policy = require 'policy'\n"
	  "return function(g)\n"
	  "  return policy.percent { series = g.target .. '.cpu', stat = 'avg',\n"
	  "    period = '120s', periods = 2, out_at = 80, out_percent = 50,\n"
	  "    in_at = 20, in_change = -1 }\n"
	  "end\n" },
	{ "sqs_step",
	  "local policy = require 'policy'\n"
	  "return function(g)\n"
	  "  return policy.queue_step { series = g.target .. '.backlog',\n"
	  "    steps = { {0, 0}, {1, 1}, {100, 2} } }\n"
	  "end\n" },
};
