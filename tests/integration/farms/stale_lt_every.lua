plugin "sim"
source "w" { kind = "wave", every = "5s", stale = "1s" }
