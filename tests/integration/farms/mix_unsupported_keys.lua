plugin "procpool"
target "pool" { kind = "procpool", command = "true" }
group "g" { target = "pool", max = 2, on_demand_percent = 0 }
