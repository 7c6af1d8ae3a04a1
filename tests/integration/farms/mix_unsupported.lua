plugin "procpool"
target "pool" { kind = "procpool", command = "true" }
local failover = { name = "failover", mix = true, evaluate = function(self, g) end }
group "g" { target = "pool", max = 2, policy = failover }
