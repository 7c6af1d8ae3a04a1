plugin "cpu"
plugin "procpool"
target "pool" { kind = "procpool", command = "true" }
group "g" { target = "pool", min = 5, max = 2 }
