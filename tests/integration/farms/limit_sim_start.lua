plugin "sim"
target "t" { kind = "sim", start = -1 }
