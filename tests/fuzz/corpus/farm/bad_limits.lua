plugin "sim"
target "t" { kind = "sim" }
group "g" { target = "t", min = 5, max = 2 }
