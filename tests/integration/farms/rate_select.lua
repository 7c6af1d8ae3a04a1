plugin "sim"
target "t" { kind = "sim" }
group "g" { target = "t", max = 4, rate = { up = { { pods = 1, period = "1m" }, select = "least" } } }
