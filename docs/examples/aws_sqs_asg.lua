-- GPU inference workers in an EC2 Auto Scaling group, scaled on the depth of
-- the SQS queue they read, down to zero when there is nothing to do: the
-- seed's step table (0 jobs: 0 workers; 1+: 1; 100+: 2; 1000+: 8).
--
-- What it needs (plugins/aws/docs/aws.sqs.md and aws.asg.md):
--   * credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a profile
--     (add `profile = "name"` to the source and the target), or the role of
--     the machine scaled runs on;
--   * the IAM policy of both kinds (sqs:GetQueueAttributes on the queue;
--     autoscaling:DescribeAutoScalingGroups and SetDesiredCapacity);
--   * the queue and the group: the group's MinSize 0 and MaxSize at least 8
--     (AWS refuses a capacity outside them), its launch template the
--     workers' image.
-- Try it: scaled --check -c aws_sqs_asg.lua (loads it), scaled --once -c
-- aws_sqs_asg.lua (reads the queue and the group once, says what it would
-- do, changes nothing), then scaled -c aws_sqs_asg.lua.
local policy = require "policy"

plugin "aws"

-- The queue's visible messages as the series "jobs", and those received but
-- not yet deleted (being worked on) as "jobs.in_flight".
source "jobs" {
  kind = "aws.sqs", region = "us-east-1",
  queue_url = "https://sqs.us-east-1.amazonaws.com/123456789012/inference-jobs",
  every = "30s",
}

-- The Auto Scaling group; scaled sets its DesiredCapacity.
target "gpus" {
  kind = "aws.asg", region = "us-east-1", name = "gpu-workers",
  poll = "30s",            -- how often to read the group back
}

group "gpu_workers" {
  target = "gpus", min = 0, max = 8, every = "30s",
  cooldown = { up = "2m" },           -- let new workers boot before adding more
  stabilization = { down = "10m" },   -- do not drop workers on a short lull
  policy = {
    policy.queue_step { series = "jobs", steps = { {0, 0}, {1, 1}, {100, 2}, {1000, 8} } },
    -- A queue with nothing visible may still have messages in flight: keep
    -- one worker until they are done (the group scales in only when every
    -- policy wants less). The group's termination policy picks which
    -- instance goes; protect busy ones with scale-in protection.
    function(g, s)
      local busy = s["jobs.in_flight"]:last()
      if busy and busy > 0 then
        return g:set(1, string.format("%d jobs in flight: keep a worker", busy))
      end
    end,
  },
}
