plugin "cpu"
source "cpu" { kind = "cpu", evry = "5s" }
