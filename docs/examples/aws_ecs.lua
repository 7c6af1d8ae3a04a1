-- An ECS service of GPU inference workers, scaled on the depth of the SQS
-- queue its tasks pull jobs from (down to zero tasks when the queue is
-- empty), and out faster when their CPU runs hot. Each task of the service
-- is one worker; scaled sets the service's desired task count and ECS
-- places the tasks (on a GPU capacity provider, say).
--
-- What it needs: the queue's URL, the cluster and service names, a region,
-- and credentials that may call sqs:GetQueueAttributes,
-- cloudwatch:GetMetricData, ecs:DescribeServices and ecs:UpdateService
-- (plugins/aws/docs/aws.ecs.md has the IAM policy). Try it without acting:
--   scaled --check -c docs/examples/aws_ecs.lua      (loads and checks it)
--   scaled --dry-run -c docs/examples/aws_ecs.lua    (decides, never acts)
local policy = require "policy"

plugin "aws"

-- Jobs waiting in the queue (ApproximateNumberOfMessages) as the series
-- "jobs"; "jobs.in_flight" counts those being worked on.
source "jobs" {
  kind = "aws.sqs", region = "us-east-1",
  queue_url = "https://sqs.us-east-1.amazonaws.com/123456789012/inference-jobs",
  every = "30s",
}

-- The service's CPU, averaged over its tasks per minute: ECS publishes it
-- to CloudWatch as AWS/ECS CPUUtilization by cluster and service. The
-- series "cpu" is the newest minute's average (stamped with the time it
-- was read; "cpu.age" says how old CloudWatch's datapoint is). With no
-- task running there is no datapoint: the series goes stale, and the CPU
-- policy below then holds rather than guesses.
source "cpu" {
  kind = "aws.cloudwatch", region = "us-east-1",
  namespace = "AWS/ECS", metric = "CPUUtilization",
  dimensions = "ClusterName=gpu,ServiceName=inference",
  statistic = "Average", period = "1m", every = "1m",
}

-- The service itself: running tasks are the group's current capacity,
-- pending ones are starting; an action sets desiredCount.
target "inference" {
  kind = "aws.ecs", region = "us-east-1",
  cluster = "gpu", service = "inference",
  poll = "30s",
}

group "gpu_workers" {
  target = "inference", min = 0, max = 8, every = "30s",
  cooldown = { up = "1m", down = "5m" },
  stabilization = { down = "10m" },   -- no dropping workers on a short lull
  policy = {
    -- The backlog decides the size: none waiting, no worker; 1+: 1;
    -- 100+: 2; 1000+: all 8.
    policy.queue_step { series = "jobs", steps = { {0, 0}, {1, 1}, {100, 2}, {1000, 8} } },
    -- Busy workers add half again (CPU >= 80 % over two 2-minute periods)
    -- and, while CPU is over 20 %, they are busy: the group does not shrink
    -- under them (scale-in needs every policy to want less).
    policy.percent { series = "cpu", period = "2m", periods = 2,
                     out_at = 80, out_percent = 50, in_at = 20, in_change = -1 },
  },
}
