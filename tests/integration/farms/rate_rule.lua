plugin "sim"
target "t" { kind = "sim" }
group "g" { target = "t", max = 4, rate = { down = { { pods = 1, percent = 10, period = "1m" } } } }
