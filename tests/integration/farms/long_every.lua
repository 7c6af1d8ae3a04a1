plugin "sim"
source "w" { kind = "wave", every = "1d" }
target "t" { kind = "sim", poll = "36h" }
group "g" { target = "t", max = 2, every = "90s", policy = function(g) return g:hold("x") end }
