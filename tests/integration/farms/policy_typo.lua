plugin "sim"
target "t" { kind = "sim", start = 1 }
group "g" { target = "t", max = 4,
  policy = { evaluat = function(self, g) return g:hold("typo") end } }
