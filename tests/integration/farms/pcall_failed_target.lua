-- A target whose create() failed, caught by the farm: it has no state, so
-- it is never polled (it was, and the daemon crashed), and no group may
-- take it.
plugin "procpool"
local ok, why = pcall(target "p", { kind = "procpool", command = "" })
assert(not ok and why:find("must not be empty"))
target "q" { kind = "procpool", command = "sleep 60" }
