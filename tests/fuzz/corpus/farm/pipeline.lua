plugin "sim"
target "a" { kind = "sim", start = 3, poll = "5s" }
target "b" { kind = "sim", start = 0 }
group "a" {
  target = "a", min = 2, max = 20, every = "5s",
  cooldown = { up = "10s", down = "1m" },
  stabilization = { up = "15s", down = "2m" },
  rate = { count = 2, percent = 50, period = "1m" },
  policy = function(g) return g:percent(g.now % 2 == 0 and 40 or -30, "swing") end,
}
group "b" {
  target = "b", max = 4, every = "15s", cooldown = "30s", stabilization = "1m",
  dry_run = true, override = 3,
  policy = function(g, s) return g:set(g:group("a").desired, "follow a") end,
}
