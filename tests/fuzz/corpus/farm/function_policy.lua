plugin "sim"
source "load" { kind = "wave", value = 50, amplitude = 40, period = "2m", every = "5s" }
target "pool" { kind = "sim", start = 2, delay = "10s" }
group "workers" {
  target = "pool", min = 1, max = 10, every = "10s",
  policy = function(g, s)
    local v = s.load:avg("30s")
    if v == nil then return g:hold("no data") end
    if v > 60 then return g:change(1, "busy") end
    if v < 20 then return g:set(g.min, "idle") end
  end,
}
