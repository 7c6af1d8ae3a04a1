-- policy.target.behavior's keys go to the group as they are.
local policy = require "policy"
plugin "sim"
source "cpu" { kind = "wave", value = 60 }
target "t" { kind = "sim" }
local b = policy.target.behavior { scaleDown = { stabilizationWindowSeconds = 600,
  selectPolicy = "Min", policies = { { type = "Pods", value = 1, periodSeconds = 60 },
                                     { type = "Percent", value = 10, periodSeconds = 60 } } } }
group "g" { target = "t", max = 10, stabilization = b.stabilization, rate = b.rate,
            policy = policy.target { series = "cpu", target = 50 } }
