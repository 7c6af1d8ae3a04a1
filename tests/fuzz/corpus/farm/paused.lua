plugin "sim"
target "t" { kind = "sim", start = 5 }
group "g" { target = "t", max = 5, paused = true,
  policy = function(g) return g:set(9, "nine") end }
