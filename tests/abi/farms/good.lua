-- A good plugin with one source and one target of its kinds.
plugin "good"
source "files" { kind = "mock_source", path = "/tmp" }
target "pool" { kind = "mock_target", size = 2 }
