-- GPU workers scaled on queue depth, down to zero: the seed's SQS step table
-- (0 jobs: 0 workers; 1+: 1; 100+: 2; 1000+: 8). Simulated: a `wave` stands
-- in for the queue's visible messages (aws.sqs will publish the same).
local policy = require "policy"

plugin "sim"

source "jobs" { kind = "wave", value = 300, amplitude = 900, period = "2h", every = "30s" }
target "gpus" { kind = "sim", start = 0, delay = "2m" }

group "gpu_workers" {
  target = "gpus", min = 0, max = 8, every = "30s",
  stabilization = { down = "10m" },   -- do not drop workers on a short lull
  policy = policy.queue_step { series = "jobs", steps = { {0, 0}, {1, 1}, {100, 2}, {1000, 8} } },
}
