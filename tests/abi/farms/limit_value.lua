-- A value outside a 1.1 plugin's limits is the core's error, before create().
plugin "good"
source "files" { kind = "mock_source", path = "/tmp", depth = 11 }
