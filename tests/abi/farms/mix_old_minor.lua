-- A target of a plugin built for ABI 1.0 (its kind ends before `flags`) is
-- one that cannot apply a market mix, even if its source sets the flag.
plugin "old_minor"
target "pool" { kind = "mock_target", size = 2 }
group "g" { target = "pool", max = 4, on_demand_percent = 0 }
