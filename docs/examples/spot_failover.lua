-- The seed's spot group, done properly: CPU percent scale-out (avg >= 80 %
-- over 2 x 120 s: +50 %; <= 20 %: -1) on spot capacity, moved to on-demand
-- when the spot price reaches the on-demand price and back when spot is
-- cheap again. Simulated: `sim` targets and `wave` sources stand in for the
-- Auto Scaling group, its CPU, the spot price and the on-demand price (the
-- AWS plugin will give the same series names). Try it:
--   scaled --once -c docs/examples/spot_failover.lua
-- No price is written into the policies or the target: both read the
-- series "od", so the same file fits any instance type. Under
-- `scaled simulate` the simulate table below maps the target to simulated
-- capacity, "spot" to the --spot history, "od" to the --on-demand price
-- (docs/simulate.md).
local policy = require "policy"

plugin "sim"

source "cpu"  { kind = "wave", value = 60, amplitude = 35, period = "30m", every = "10s" }
-- stand-ins: spot swings around an on-demand price of 0.42 (c3.2xlarge, us-east-1)
source "spot" { kind = "wave", value = 0.40, amplitude = 0.15, period = "6h", every = "1m" }
source "od"   { kind = "wave", value = 0.42, every = "1m" }   -- a constant: amplitude 0

target "asg" {
  kind = "sim", start = 2,
  spot_delay = "90s", on_demand_delay = "60s",
  -- spot pays up to the on-demand price, as AWS's default: above it, spot
  -- units get a 2-minute notice and are not launched
  spot_price = "spot", on_demand_price = "od",
}

group "workers" {
  target = "asg", min = 2, max = 20, every = "30s",
  on_demand_base = 0, on_demand_percent = 0,   -- all spot to begin with
  mix_dwell = "15m",
  cooldown = { up = "2m", down = "5m" },
  policy = {
    policy.percent { series = "cpu", period = "120s", periods = 2,
                     out_at = 80, out_percent = 50, in_at = 20, in_change = -1 },
    policy.spot_failover { spot = "spot", on_demand = "od",
                           leave_after = "5m", return_after = "20m", margin = 0.1 },
  },
}

-- Read by `scaled simulate` only (a daemon run ignores it).
simulate {
  map = { asg = "capacity", spot = "spot", cpu = "cpu", od = "on_demand" },
}
