plugin "sim"
target "t" { kind = "sim", start = 1 }
target "u" { kind = "sim", start = 2 }
group "g" { target = "t", max = 5,
  policy = function(g) return g:set(3, "three") end }
group "quiet" { target = "u", max = 5,
  policy = function(g) return g:hold("nothing to do") end }
