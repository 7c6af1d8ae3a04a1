-- Two Auto Scaling groups for one queue of work: a spot group that does the
-- work, and an on-demand group that covers only what the spot group fails
-- to deliver (spot capacity not to be had, instances interrupted), after a
-- grace period, and gives it back before the spot group shrinks. The seed's
-- alternative to moving one group to on-demand (spot_failover).
--
-- What it needs (plugins/aws/docs/aws.sqs.md and aws.asg.md):
--   * credentials (environment, a profile with `profile = "name"`, or the
--     machine's role) and the IAM policy of aws.sqs and aws.asg, including
--     autoscaling:UpdateAutoScalingGroup (the spot group's market mix);
--   * "workers-spot": a group with a MixedInstancesPolicy (a launch template
--     and several instance types, so that spot has pools to choose from),
--     MinSize 0, MaxSize 20;
--   * "workers-on-demand": a group with a launch template (all on-demand),
--     MinSize 0, MaxSize 20.
-- Try it: scaled --check -c aws_backup_group.lua, then scaled --once -c
-- aws_backup_group.lua (a dry run), then scaled -c aws_backup_group.lua.
local policy = require "policy"

plugin "aws"

source "jobs" {
  kind = "aws.sqs", region = "us-east-1",
  queue_url = "https://sqs.us-east-1.amazonaws.com/123456789012/backfill-jobs",
  every = "30s",
}

target "spot_asg" { kind = "aws.asg", region = "us-east-1", name = "workers-spot", poll = "30s" }
target "od_asg"   { kind = "aws.asg", region = "us-east-1", name = "workers-on-demand",
                    poll = "30s" }

-- The spot group: one worker per 10 jobs (waiting or in flight), to zero
-- after 10 minutes of an empty queue. Its mix is set to all spot at the first
-- decision, whatever the group was created with (base 0, 0 % on-demand).
group "spot" {
  target = "spot_asg", min = 0, max = 20, every = "30s",
  on_demand_base = 0, on_demand_percent = 0,
  cooldown = { up = "2m" },
  policy = policy.queue { backlog = "jobs", in_flight = "jobs.in_flight",
                          jobs_per_worker = 10, idle = "10m" },
}

-- The backup: desired = what the spot group wants but has not got running
-- (its DesiredCapacity minus its instances InService), once it has been
-- short for 3 minutes; back to 0 as the spot group catches up.
group "backup" {
  target = "od_asg", min = 0, max = 20, every = "30s",
  stabilization = { down = "0s" },   -- give capacity back as soon as spot has it
  policy = policy.backup_group { primary = "spot", grace = "3m" },
}
