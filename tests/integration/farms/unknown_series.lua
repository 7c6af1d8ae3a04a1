local policy = require "policy"
plugin "procpool"
target "pool" { kind = "procpool", command = "true" }
group "g" { target = "pool", max = 2,
  policy = policy.queue_step { series = "nope", steps = { {0, 0} } } }
