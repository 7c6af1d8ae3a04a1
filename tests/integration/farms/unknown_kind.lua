plugin "cpu"
source "cpu" { kind = "cpuu" }
