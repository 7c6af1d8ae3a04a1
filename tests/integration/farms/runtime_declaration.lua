-- A policy that calls a declaration kept in a local: an error, nothing declared.
plugin "sim"
target "t" { kind = "sim", start = 1 }
local T = target
group "g" { target = "t", max = 4, policy = function(g)
  T "evil" { kind = "sim", start = 1 }
  return g:set(3, "declared a target")
end }
