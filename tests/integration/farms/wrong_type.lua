plugin "procpool"
target "pool" { kind = "procpool", command = 42 }
