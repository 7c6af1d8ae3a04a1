plugin "sim"
target "t" { kind = "sim", start = 1 }
group "g" { target = "t", max = 5,
  policy = function(g) return g:set(3, "three") end }
