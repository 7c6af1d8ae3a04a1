-- A Spot Fleet in weighted units: capacity is counted in units (vCPUs here),
-- each instance type provides its weight, and the fleet fills the target
-- with the cheapest units first. The inner policy proposes units (target
-- tracking on CPU); fleet_units turns that into what whole instances of the
-- weighted types actually provide. Simulated: the `sim` target holds units.
local policy = require "policy"

plugin "sim"

source "cpu" { kind = "wave", value = 60, amplitude = 30, period = "1h", every = "15s" }
target "fleet" { kind = "sim", start = 8, delay = "2m" }

local fleet = policy.fleet_units {
  types = {
    { type = "c5.large",   weight = 2, price = 0.085 },
    { type = "c5.xlarge",  weight = 4, price = 0.17 },
    { type = "c5.2xlarge", weight = 8, price = 0.34 },
  },
  strategy = "lowest-price",
  units = policy.target { series = "cpu", target = 60, window = "2m" },
}

group "fleet" {
  target = "fleet", min = 4, max = 64, every = "30s",
  policy = fleet,
}
