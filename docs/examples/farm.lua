-- The embedded local default: a spool directory as the queue, a local pool
-- of worker processes as the target. `make demo` runs it from the
-- repository root (relative paths are relative to where scaled starts) with
-- tools/demo dropping jobs into the spool.
local policy = require "policy"

plugin "cpu"
plugin "dirqueue"
plugin "procpool"

-- claims: the jobs of a worker that died with one in hand go back to the queue
source "backlog" { kind = "dirqueue", path = "build/demo/spool", every = "1s", claims = ".work" }
source "cpu"     { kind = "cpu", every = "2s" }

target "pool" {
  kind = "procpool",
  command = "build/tools/scaled-worker --spool build/demo/spool --ms 250",
  stop_grace = "10s",   -- a worker finishes the job in hand before it goes
  poll = "1s",
}

group "workers" {
  target = "pool", min = 0, max = 6, every = "2s",
  cooldown = { up = "2s", down = "6s" },
  stabilization = { down = "8s" },       -- scale in on the max of the last 8 s
  policy = {
    -- queue depth to worker count, down to zero when the spool is empty
    policy.queue_step { series = "backlog", steps = { {0, 0}, {1, 1}, {10, 2}, {25, 4}, {50, 6} } },
    -- and a function of our own: never stop while the oldest job is old
    function(g, s)
      local age = s["backlog.oldest_age"]:last()
      if age and age > 20 and g.desired < g.max then
        return g:change(1, string.format("oldest job waited %.0fs", age))
      end
    end,
  },
}
