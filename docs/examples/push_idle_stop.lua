-- The seed's training farm: an event starts ten instances (the embedding
-- API's scaled_engine_event(e, "training", "train", "{\"units\": 10}", &err),
-- later the HTTP webhook); they stop once their CPU has been idle for 15
-- minutes. Simulated: a `wave` stands in for the instances' CPU.
local policy = require "policy"

plugin "sim"

source "cpu" { kind = "wave", value = 40, amplitude = 45, period = "2h", every = "30s" }
target "trainers" { kind = "sim", start = 0, delay = "3m" }

group "training" {
  target = "trainers", min = 0, max = 10, every = "30s",
  stabilization = { down = "0s" },
  policy = policy.idle_stop { event = "train", units = 10, idle = "15m",
                              series = "cpu", below = 5 },
}
