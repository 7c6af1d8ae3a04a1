plugin "sim"
source "w" { kind = "wave", every = "1s" }
target "t" { kind = "sim", start = 1 }
group "g" { target = "t", max = 4,
  policy = { name = "p", series = "w", evaluate = function(self, g) return g:hold("x") end } }
