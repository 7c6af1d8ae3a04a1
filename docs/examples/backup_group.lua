-- The seed's alternative to failover: the spot group stays on spot, and a
-- second, on-demand group covers what it fails to deliver (desired minus
-- running, after a grace period), giving it back before the spot group
-- shrinks. Simulated: spot launches wait while the price is above the
-- group's maximum, so the spot group falls short and the backup covers it.
local policy = require "policy"

plugin "sim"

source "cpu"  { kind = "wave", value = 55, amplitude = 40, period = "40m", every = "10s" }
source "spot" { kind = "wave", value = 0.40, amplitude = 0.15, period = "3h", every = "1m" }

target "spot_asg" {
  kind = "sim", start = 4, on_demand_percent = 0, spot_delay = "90s",
  spot_price = "spot", max_spot_price = 0.48,
}
target "od_asg" { kind = "sim", start = 0, on_demand_delay = "60s" }

group "spot" {
  target = "spot_asg", min = 2, max = 20, every = "30s",
  cooldown = { up = "2m", down = "5m" },
  policy = policy.percent { series = "cpu", out_at = 80, out_percent = 50,
                            in_at = 20, in_change = -1 },
}

group "backup" {
  target = "od_asg", min = 0, max = 20, every = "30s",
  stabilization = { down = "0s" },   -- give capacity back as soon as spot has it
  policy = policy.backup_group { primary = "spot", grace = "2m" },
}
