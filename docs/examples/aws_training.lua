-- The seed's training farm on AWS: ten training instances, started when a
-- training run is asked for and stopped (not terminated: their disks and
-- data stay) once the work has gone idle.
--
-- The instances are found by their tag farm=training (or list them with
-- instance_ids). An event "train" (the embedding API's
-- scaled_engine_event(e, "training", "train", "{\"units\": 10}", &err),
-- later the HTTP webhook) starts ten of them; once no training job has
-- been in flight for 15 minutes, the group goes back to 0.
--
-- aws.ec2 stops the most recently started instances first and never one
-- that carries the tag scaled:busy. Have each worker mark itself while it
-- trains and unmark itself when done, e.g.
--   aws ec2 create-tags --resources "$ID" --tags Key=scaled:busy,Value="$JOB"
--   aws ec2 delete-tags --resources "$ID" --tags Key=scaled:busy
-- An instance still busy when the group wants it stopped keeps running,
-- and the target stops it at a later poll, once its tag is gone.
--
-- Before you run it: tag the instances, give scaled credentials that may
-- call sqs:GetQueueAttributes, ec2:DescribeInstances, ec2:StartInstances
-- and ec2:StopInstances (plugins/aws/docs/aws.ec2.md has the policy documents),
-- and try it without acting: scaled --once -c aws_training.lua
--
-- Check it: scaled --check -c docs/examples/aws_training.lua
local policy = require "policy"

plugin "aws"

-- The training jobs' queue: "jobs" waiting, "jobs.in_flight" being
-- trained (received by a worker, not yet deleted).
source "jobs" {
  kind = "aws.sqs", region = "us-east-1", every = "1m",
  queue_url = "https://sqs.us-east-1.amazonaws.com/123456789012/training-jobs",
}

-- The ten instances: current = running, starting = pending, desired = the
-- count the target holds.
target "trainers" {
  kind = "aws.ec2", region = "us-east-1", poll = "30s",
  tag = "farm=training",           -- or instance_ids = "i-0123...,i-0456..."
  protect_tag = "scaled:busy",     -- the default, written out
}

group "training" {
  target = "trainers", min = 0, max = 10, every = "30s",
  stabilization = { down = "0s" },   -- idle_stop already waits its 15 minutes
  policy = policy.idle_stop { event = "train", units = 10, idle = "15m",
                              series = "jobs.in_flight", below = 1 },
}
