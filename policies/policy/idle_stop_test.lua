-- idle_stop_test.lua - policy.idle_stop against the real policy API, events
-- delivered with t.event (run by tests/lua/run_policy_tests.c).

local t = ...
local idle_stop = require "policy.idle_stop"

local function refuses(fn, text)
	return t.refuses(fn, text)
end

t.test("idle_stop: an event starts units, its payload may say how many", function()
	t.series("cpu_a", { { 0, 90 } })
	local p = idle_stop{ event = "train", units = 10, series = "cpu_a", below = 5, idle = "15m" }
	local g = t.group{ name = "ia", current = 0 }
	t.event(g, "train", nil, 100)
	local kind, value, reason = t.eval(p, g, 101)
	t.eq(kind, "set")
	t.eq(value, 10)
	t.eq(reason, "event 'train' at 100: +10 units -> 10")
	t.update(g, { desired = 10, current = 10 })
	t.event(g, "train", '{"units": 4}', 200)
	t.event(g, "other", '{"units": 99}', 200)
	t.event(g, "train", nil, 201)
	kind, value, reason = t.eval(p, g, 202)
	t.eq(value, 24)
	t.eq(reason, "event 'train' at 200: +14 units -> 24")
	-- no event: abstain while busy
	t.eq(t.eval(p, g, 300), "none")
end)

t.test("idle_stop: idle for the whole window stops, not a second before", function()
	-- started at 0; cpu 80 until 600 s, then 2 every 60 s up to 2400 s
	local pts = { { 0, 80 }, { 300, 80 }, { 600, 80 } }
	for ts = 660, 2400, 60 do pts[#pts + 1] = { ts, 2 } end
	t.series("cpu_b", pts)
	local p = idle_stop{ event = "go", series = "cpu_b", below = 5, idle = "15m" }
	local g = t.group{ name = "ib", current = 0 }
	t.event(g, "go", nil, 0)
	t.eq(select(2, t.eval(p, g, 0)), 1)
	t.update(g, { desired = 1, current = 1 })
	-- the window (now - 900, now] still holds the 80 at 600 s until now = 1500
	t.eq(t.eval(p, g, 1499), "none")
	local kind, value, reason = t.eval(p, g, 1500)
	t.eq(kind, "set")
	t.eq(value, 0)
	t.eq(reason, "cpu_b max 2 < 5 for 15m: idle, stop")
end)

t.test("idle_stop: just started or too little data is not idle", function()
	t.series("q_c", { { 1000, 0 }, { 1060, 0 } })
	local p = idle_stop{ event = "go", series = "q_c", below = 1, idle = "5m" }
	local g = t.group{ name = "ic", current = 0 }
	t.event(g, "go", nil, 1000)
	t.eval(p, g, 1000)
	t.update(g, { desired = 1, current = 1 })
	t.eq(t.eval(p, g, 1200), "none") -- started 200 s ago
	-- 5 min after the start, but no sample at or before the window's start
	t.eq(t.eval(p, g, 1361), "none")
	local g2 = t.group{ name = "ic2", current = 2 }
	t.eq(t.eval(p, g2, 1200), "none") -- never started here: data covers 60 s only
	t.eq(t.eval(idle_stop{ event = "go", series = "q_c", below = 1, idle = "1m" }, g2, 1100),
		"set")
end)

t.test("idle_stop: a bad payload is the policy's error", function()
	t.series("cpu_d", { { 0, 1 } })
	local p = idle_stop{ event = "go", series = "cpu_d", below = 5 }
	local g = t.group{ name = "id", current = 0 }
	t.event(g, "go", '{"units": -3}', 10)
	local kind, _, reason = t.eval(p, g, 10)
	t.eq(kind, "error")
	t.eq(reason, "event 'go': units must be a whole number from 1 to 1000000, got -3")
	t.event(g, "go", '{"units": "many"}', 10)
	kind, _, reason = t.eval(p, g, 11)
	t.eq(reason, "event 'go': units must be a whole number from 1 to 1000000, got many")
end)

t.test("idle_stop: bad arguments", function()
	refuses(function() idle_stop{ series = "x", below = 1 } end,
		"policy.idle_stop: event must be an event name, got nil")
	refuses(function() idle_stop{ event = "e", series = "x" } end, "below must be a number, got nil")
	refuses(function() idle_stop{ event = "e", series = "x", below = 1, units = 0 } end,
		"units must be between 1 and 1000000, got 0")
	refuses(function() idle_stop{ event = "e", series = "x", below = 1, idle = "soon" } end,
		"idle: invalid duration \"soon\"")
	refuses(function() idle_stop{ event = "e", series = "x", below = 1, evnt = 1 } end,
		"unknown argument \"evnt\"")
end)
