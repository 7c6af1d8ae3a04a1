-- A source whose declaration failed, caught by the farm: a policy that
-- reads its series is refused with the reason, not "out of memory".
plugin "sim"
target "t" { kind = "sim" }
local ok = pcall(source "s", { kind = "wave", every = 0 })
assert(not ok)
group "g" { target = "t", max = 2,
  policy = { name = "p", series = { "s" }, evaluate = function() end } }
