plugin "procpool"
target "pool" { kind = "procpool", command = "true" }
target "pool" { kind = "procpool", command = "true" }
