plugin "sim"
target "t" { kind = "sim", start = 1 }
group "g" { target = "t", max = 4, override = 1e12 }
