local policy = require "policy"
plugin "sim"
target "t" { kind = "sim" }
group "g" { target = "t", max = 3,
  policy = policy.queue_step { series = "nope", steps = { {0, 0} } } }
