plugin "sim"
target "t" { kind = "sim" }
group "g" { target = "t", max = 2, mix_override = { on_demand_prcent = 5 } }
