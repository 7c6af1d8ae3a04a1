-- A plugin whose probe declines is skipped, not fatal: plugin() returns
-- false and the reason, and the farm can do without it.
local ok, why = plugin "probe_declines"
assert(ok == false, "plugin() should return false for a declined probe")
assert(why:find("no GPU"), "the reason should be the probe's: " .. tostring(why))
if ok then
  source "never" { kind = "mock_source" }
end
plugin "good"
source "files" { kind = "mock_source", path = "/tmp" }
