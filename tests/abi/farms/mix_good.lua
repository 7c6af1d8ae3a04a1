-- The same with a plugin built for this minor: its target applies a mix.
plugin "good"
target "pool" { kind = "mock_target", size = 2 }
group "g" { target = "pool", max = 4, on_demand_percent = 0 }
