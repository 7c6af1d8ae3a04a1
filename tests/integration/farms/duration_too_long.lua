plugin "procpool"
target "pool" { kind = "procpool", command = "true", stop_grace = "100000000d" }
