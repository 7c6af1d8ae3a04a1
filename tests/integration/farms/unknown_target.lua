plugin "procpool"
target "pool" { kind = "procpool", command = "true" }
group "g" { target = "poool", max = 2 }
