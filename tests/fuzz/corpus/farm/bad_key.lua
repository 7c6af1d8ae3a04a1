plugin "sim"
source "cpu" { kind = "wave", evry = "10s" }
