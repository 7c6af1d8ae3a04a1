plugin "cpu"
source "cpu" { kind = "cpu" }
source "x" = { }
