plugin "procpool"
target "p" { kind = "procpool", command = "sleep 60", restart_backoff = "0s" }
