plugin "sim"
target "t" { kind = "sim" }
group "g" { target = "t", max = 2, on_demand_base = 1, on_demand_percent = 101 }
