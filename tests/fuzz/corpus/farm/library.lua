local policy = require "policy"

plugin "sim"
source "backlog" { kind = "wave", value = 30, amplitude = 30, period = "90s", every = "5s" }
source "cpu" { kind = "wave", value = 60, amplitude = 30, period = "3m", every = "10s", stale = "1m" }
target "pool" { kind = "sim", start = 1, fail_above = 8 }
group "workers" {
  target = "pool", min = 0, max = 6, every = "10s",
  policy = {
    policy.queue_step { series = "backlog", steps = { {0, 0}, {1, 1}, {10, 2}, {40, 4} } },
    policy.percent { series = "cpu", period = "30s", periods = 2,
                     out_at = 80, out_percent = 50, in_at = 20, in_change = -1 },
    policy.target { series = "cpu", target = 60, stat = "p95", window = "1m" },
  },
}
