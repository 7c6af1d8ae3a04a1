-- The seed's spot group, done properly: CPU percent scale-out (avg >= 80 %
-- over 2 x 120 s: +50 %; <= 20 %: -1) on spot capacity, moved to on-demand
-- when the spot price reaches the on-demand price and back when spot is
-- cheap again. Simulated: `sim` targets and `wave` sources stand in for the
-- Auto Scaling group, its CPU and the spot price (the AWS plugin will give
-- the same series names). Try it: scaled --once -c docs/examples/spot_failover.lua
local policy = require "policy"

plugin "sim"

source "cpu"  { kind = "wave", value = 60, amplitude = 35, period = "30m", every = "10s" }
-- c3.2xlarge spot in us-west-1a swings around its on-demand price of 0.42
source "spot" { kind = "wave", value = 0.40, amplitude = 0.15, period = "6h", every = "1m" }

target "asg" {
  kind = "sim", start = 2,
  spot_delay = "90s", on_demand_delay = "60s",
  spot_price = "spot", max_spot_price = 0.50,   -- above it, spot units get a 2-minute notice
}

group "workers" {
  target = "asg", min = 2, max = 20, every = "30s",
  on_demand_base = 0, on_demand_percent = 0,   -- all spot to begin with
  mix_dwell = "15m",
  cooldown = { up = "2m", down = "5m" },
  policy = {
    policy.percent { series = "cpu", period = "120s", periods = 2,
                     out_at = 80, out_percent = 50, in_at = 20, in_change = -1 },
    policy.spot_failover { spot = "spot", on_demand = 0.42,
                           leave_after = "5m", return_after = "20m", margin = 0.1 },
  },
}
