plugin "sim"
target "t" { kind = "sim" }
group "g" { target = "t", max = 4, rate = { up = { { pods = 4, period = "15s" } }, count = 2 } }
