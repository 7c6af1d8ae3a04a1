-- policy_test.lua - the shipped policy library, against the real policy API
-- (run by tests/lua/run_policy_tests.c; see there for the `t` table).
-- Each test uses its own series names: a series can be made once per file.

local t = ...
local policy = require "policy"

-- A series with one sample per `step` seconds ending at `last_t`.
local function samples(values, last_t, step)
	local out = {}
	for i, v in ipairs(values) do
		out[i] = { last_t - (#values - i) * step, v }
	end
	return out
end

-- Every check of construction errors also checks that the error names the
-- line of the caller (this file), not a line of policy.lua.
local function refuses(fn, text)
	local msg = t.raises(fn, text)
	t.ok(msg:match("policy_test%.lua:%d+: policy%.") ~= nil, "blames the caller: " .. msg)
end

--------------------------------------------------------------- queue_step

local STEPS = { { 0, 0 }, { 1, 1 }, { 100, 2 }, { 1000, 8 } }

t.test("queue_step: the policy table", function()
	local p = policy.queue_step{ series = "backlog", steps = STEPS }
	t.eq(p.name, "queue_step")
	t.eq(#p.series, 1)
	t.eq(p.series[1], "backlog")
	t.eq(type(p.evaluate), "function")
end)

t.test("queue_step: highest step at or below the value", function()
	local g = t.group{ name = "qs", current = 1 }
	local cases = { { 150, 2, "qs1 last 150 >= step 100: 2" }, { 0, 0, "qs2 last 0 >= step 0: 0" },
		{ 1, 1, "qs3 last 1 >= step 1: 1" }, { 99.5, 1, "qs4 last 99.5 >= step 1: 1" },
		{ 1000, 8, "qs5 last 1000 >= step 1000: 8" }, { 5e6, 8, "qs6 last 5000000 >= step 1000: 8" } }
	for i, c in ipairs(cases) do
		local name = "qs" .. i
		t.series(name, { { 10, 7 }, { 20, c[1] } })
		local kind, value, reason, stale, missing =
			t.eval(policy.queue_step{ series = name, steps = STEPS }, g, 25)
		t.eq(kind, "set", name)
		t.eq(value, c[2], name)
		t.eq(reason, c[3], name)
		t.eq(stale, false)
		t.eq(missing, false)
	end
end)

t.test("queue_step: no data holds and marks the input missing", function()
	t.series("qs_empty", {})
	local g = t.group{ current = 3 }
	local kind, value, reason, stale, missing =
		t.eval(policy.queue_step{ series = "qs_empty", steps = STEPS }, g, 100)
	t.eq(kind, "hold")
	t.eq(value, 0)
	t.eq(reason, "no data in series 'qs_empty'")
	t.eq(stale, false)
	t.eq(missing, true)
end)

t.test("queue_step: below the first step holds", function()
	t.series("qs_low", { { 10, 3 } })
	local kind, _, reason = t.eval(policy.queue_step{ series = "qs_low", steps = { { 10, 2 } } },
		t.group{ current = 2 }, 10)
	t.eq(kind, "hold")
	t.eq(reason, "qs_low last 3 is below the first step (10)")
end)

t.test("queue_step: stat and window", function()
	-- 5 at 10 s, 500 at 20 s, 50 at 30 s, 20 at 40 s; now 45 s
	t.series("qs_w", { { 10, 5 }, { 20, 500 }, { 30, 50 }, { 40, 20 } })
	local g = t.group{ current = 1 }
	local kind, value, reason = t.eval(policy.queue_step{ series = "qs_w", steps = STEPS,
		stat = "max", window = "30s" }, g, 45)
	t.eq(kind, "set")
	t.eq(value, 2)
	t.eq(reason, "qs_w max 500 >= step 100: 2")
	kind, value = t.eval(policy.queue_step{ series = "qs_w", steps = STEPS, stat = "max",
		window = 10 }, g, 45)
	t.eq(value, 1)
	-- nothing in the window: hold
	kind, value, reason = t.eval(policy.queue_step{ series = "qs_w", steps = STEPS,
		stat = "avg", window = "2s" }, g, 45)
	t.eq(kind, "hold")
	t.eq(reason, "no data in series 'qs_w'")
	-- last within a window, and percentiles
	kind, value = t.eval(policy.queue_step{ series = "qs_w", steps = STEPS, window = "1m" }, g, 45)
	t.eq(value, 1)
	kind, value, reason = t.eval(policy.queue_step{ series = "qs_w", steps = STEPS, stat = "p50" },
		g, 45)
	t.eq(value, 1)
	t.eq(reason, "qs_w p50 20 >= step 1: 1")
end)

t.test("queue_step: stale and unknown series", function()
	t.series("qs_stale", { { 10, 150 } }, { stale = "30s" })
	local g = t.group{ current = 1 }
	local kind, value, _, stale = t.eval(policy.queue_step{ series = "qs_stale", steps = STEPS },
		g, 41)
	t.eq(kind, "set")
	t.eq(value, 2)
	t.eq(stale, true)
	_, _, _, stale = t.eval(policy.queue_step{ series = "qs_stale", steps = STEPS }, g, 40)
	t.eq(stale, false)
	local reason
	kind, value, reason = t.eval(policy.queue_step{ series = "qs_nope", steps = STEPS }, g, 40)
	t.eq(kind, "error")
	t.ok(reason:find("unknown series 'qs_nope'", 1, true), reason)
end)

t.test("queue_step: bad arguments", function()
	refuses(function() policy.queue_step{ steps = STEPS } end,
		"policy.queue_step: series must be a series name, got nil")
	refuses(function() policy.queue_step{ series = "b" } end,
		"policy.queue_step: steps must be a list of {threshold, capacity}")
	refuses(function() policy.queue_step{ series = "b", steps = { { 0, 0 }, { 0, 1 } } } end,
		"policy.queue_step: steps[2]: thresholds must increase (0 after 0)")
	refuses(function() policy.queue_step{ series = "b", steps = { { 0, 1.5 } } } end,
		"steps[1]: capacity must be a whole number >= 0, got 1.5")
	refuses(function() policy.queue_step{ series = "b", steps = { { 0, -1 } } } end,
		"steps[1]: capacity must be a whole number >= 0, got -1")
	refuses(function() policy.queue_step{ series = "b", steps = { 5 } } end,
		"steps[1] must be {threshold, capacity}")
	refuses(function() policy.queue_step{ serie = "b", steps = STEPS } end,
		"policy.queue_step: unknown argument \"serie\"")
	refuses(function() policy.queue_step{ series = "b", steps = STEPS, stat = "median" } end,
		"unknown stat \"median\"")
	refuses(function() policy.queue_step{ series = "b", steps = STEPS, window = "2x" } end,
		"window: invalid duration \"2x\"")
	refuses(function() policy.queue_step{ series = "b", steps = STEPS, window = 0 } end,
		"window must be more than 0 seconds, got 0")
	refuses(function() policy.queue_step("b") end, "expects a table of arguments, got string")
end)

------------------------------------------------------------------ percent

local CPU = { stat = "avg", period = "60s", periods = 2, out_at = 80, out_percent = 50,
	in_at = 20, in_change = -1 }

local function cpu_policy(series, over)
	local args = { series = series }
	for k, v in pairs(CPU) do args[k] = v end
	for k, v in pairs(over or {}) do args[k] = v end
	return policy.percent(args)
end

-- Samples every 10 s from 10 s to 120 s: the older period (0, 60] holds
-- `older`, the newer one (60, 120] holds `newer`. now = 120 s.
local function two_periods(name, older, newer)
	local vals = {}
	for i = 1, 12 do vals[i] = i <= 6 and older[i] or newer[i - 6] end
	t.series(name, samples(vals, 120, 10))
end

t.test("percent: high in every period scales out by percent", function()
	two_periods("pc_hi", { 85, 85, 85, 85, 85, 85 }, { 80, 100, 90, 90, 90, 90 })
	local kind, value, reason = t.eval(cpu_policy("pc_hi"), t.group{ current = 4 }, 120)
	t.eq(kind, "percent")
	t.eq(value, 50)
	t.eq(reason, "pc_hi avg >= 80 for 2 x 60s (lowest 85): +50%")
end)

t.test("percent: the condition must hold in each period", function()
	-- older period 79.5 on average, newer 95: no alarm
	two_periods("pc_one", { 79, 80, 79, 80, 79, 80 }, { 95, 95, 95, 95, 95, 95 })
	local kind, value, reason = t.eval(cpu_policy("pc_one"), t.group{ current = 4 }, 120)
	t.eq(kind, "hold")
	t.eq(value, 0)
	t.eq(reason, "pc_one avg 95 over the last 60s: no alarm")
	-- with periods = 1 the newer period alone decides
	kind, value, reason = t.eval(cpu_policy("pc_one", { periods = 1 }), t.group{ current = 4 }, 120)
	t.eq(kind, "percent")
	t.eq(reason, "pc_one avg >= 80 for 60s (lowest 95): +50%")
	-- exactly at the threshold counts
	two_periods("pc_edge", { 80, 80, 80, 80, 80, 80 }, { 80, 80, 80, 80, 80, 80 })
	kind = t.eval(cpu_policy("pc_edge"), t.group{ current = 4 }, 120)
	t.eq(kind, "percent")
end)

t.test("percent: low in every period scales in by a step", function()
	two_periods("pc_lo", { 10, 10, 10, 10, 10, 10 }, { 20, 10, 15, 15, 15, 15 })
	local kind, value, reason = t.eval(cpu_policy("pc_lo"), t.group{ current = 4 }, 120)
	t.eq(kind, "change")
	t.eq(value, -1)
	t.eq(reason, "pc_lo avg <= 20 for 2 x 60s (highest 15): -1")
	-- one period above in_at: hold
	two_periods("pc_mid", { 10, 10, 10, 10, 10, 10 }, { 21, 21, 21, 21, 21, 21 })
	kind, value, reason = t.eval(cpu_policy("pc_mid"), t.group{ current = 4 }, 120)
	t.eq(kind, "hold")
	t.eq(reason, "pc_mid avg 21 over the last 60s: no alarm")
end)

t.test("percent: a period without data holds", function()
	t.series("pc_short", samples({ 95, 95, 95 }, 120, 10)) -- only (90, 120]
	local kind, _, reason, _, missing = t.eval(cpu_policy("pc_short"), t.group{ current = 4 }, 120)
	t.eq(kind, "hold")
	t.eq(reason, "no data in series 'pc_short' for the last 2 x 60s")
	t.eq(missing, false)
end)

t.test("percent: one direction only", function()
	two_periods("pc_dir", { 10, 10, 10, 10, 10, 10 }, { 10, 10, 10, 10, 10, 10 })
	local p = policy.percent{ series = "pc_dir", out_at = 80, out_percent = 25, periods = 1 }
	local kind, _, reason = t.eval(p, t.group{ current = 4 }, 120)
	t.eq(kind, "hold")
	t.eq(reason, "pc_dir avg 10 over the last 120s: no alarm")
	p = policy.percent{ series = "pc_dir", in_at = 10, in_change = -2, period = 60 }
	local value
	kind, value = t.eval(p, t.group{ current = 4 }, 120)
	t.eq(kind, "change")
	t.eq(value, -2)
	t.eq(p.name, "percent")
	t.eq(p.series[1], "pc_dir")
end)

t.test("percent: bad arguments", function()
	refuses(function() cpu_policy("x", { in_at = 80 }) end,
		"policy.percent: in_at (80) must be below out_at (80)")
	refuses(function() cpu_policy("x", { in_change = 1 }) end, "in_change must be negative, got 1")
	refuses(function() cpu_policy("x", { in_change = -1.5 }) end,
		"in_change must be a whole number, got -1.5")
	refuses(function() cpu_policy("x", { periods = 0 }) end, "periods must be at least 1, got 0")
	refuses(function() cpu_policy("x", { out_percent = 0 }) end,
		"out_percent must be more than 0, got 0")
	refuses(function() cpu_policy("x", { period = "2 m" }) end, "period: invalid duration \"2 m\"")
	refuses(function() cpu_policy("x", { period = "30s1m" }) end,
		"period: invalid duration \"30s1m\"")
	refuses(function() policy.percent{ series = "x", out_at = 80 } end,
		"out_percent must be a number, got nil")
	refuses(function() policy.percent{ series = "x" } end,
		"give out_at and out_percent, in_at and in_change, or both pairs")
end)

------------------------------------------------------------------- target

local function target_series(name, value)
	t.series(name, samples({ value, value, value }, 60, 10))
end

t.test("target: desired scales with value / target", function()
	target_series("tg_hi", 90)
	local kind, value, reason = t.eval(policy.target{ series = "tg_hi", target = 60 },
		t.group{ current = 4, desired = 4 }, 60)
	t.eq(kind, "set")
	t.eq(value, 6)
	t.eq(reason, "tg_hi avg 90 vs target 60: 4 x 1.5 -> 6")
	target_series("tg_lo", 30)
	kind, value, reason = t.eval(policy.target{ series = "tg_lo", target = 60 },
		t.group{ current = 4, desired = 4 }, 60)
	t.eq(kind, "set")
	t.eq(value, 2)
	t.eq(reason, "tg_lo avg 30 vs target 60: 4 x 0.5 -> 2")
	-- rounds up: 3 * 70 / 60 = 3.5 -> 4
	target_series("tg_up", 70)
	kind, value = t.eval(policy.target{ series = "tg_up", target = 60 },
		t.group{ current = 3, desired = 3 }, 60)
	t.eq(value, 4)
	-- but not for rounding noise: 15 * 124 / 60 is 31.000000000000004 in floats
	target_series("tg_noise", 124)
	kind, value = t.eval(policy.target{ series = "tg_noise", target = 60 },
		t.group{ current = 15, desired = 15 }, 60)
	t.eq(value, 31)
	-- from zero it acts as if desired were 1
	target_series("tg_zero", 150)
	kind, value, reason = t.eval(policy.target{ series = "tg_zero", target = 60 },
		t.group{ current = 0, desired = 0 }, 60)
	t.eq(value, 3)
	t.eq(reason, "tg_zero avg 150 vs target 60: 1 x 2.5 -> 3")
end)

t.test("target: hold within the tolerance", function()
	target_series("tg_in", 66) -- 66 / 60 is 1.1000000000000001 in floats
	local kind, value, reason = t.eval(policy.target{ series = "tg_in", target = 60 },
		t.group{ current = 10, desired = 10 }, 60)
	t.eq(kind, "hold")
	t.eq(value, 0)
	t.eq(reason, "tg_in avg 66 within 10% of target 60")
	target_series("tg_out", 66.1)
	kind, value = t.eval(policy.target{ series = "tg_out", target = 60 },
		t.group{ current = 10, desired = 10 }, 60)
	t.eq(kind, "set")
	t.eq(value, 12)
	kind, value, reason = t.eval(policy.target{ series = "tg_in", target = 60, tolerance = 0 },
		t.group{ current = 10, desired = 10 }, 60)
	t.eq(kind, "set")
	t.eq(value, 11)
end)

t.test("target: window, stat and no data", function()
	-- 100 at 10 s, 10 at 50 s and 60 s: the 30 s window sees only the 10s
	t.series("tg_w", { { 10, 100 }, { 50, 10 }, { 60, 10 } })
	local kind, value = t.eval(policy.target{ series = "tg_w", target = 10, window = "30s" },
		t.group{ current = 2, desired = 2 }, 60)
	t.eq(kind, "hold")
	kind, value = t.eval(policy.target{ series = "tg_w", target = 10, stat = "max", window = 60 },
		t.group{ current = 2, desired = 2 }, 60)
	t.eq(kind, "set")
	t.eq(value, 20)
	local reason, missing
	kind, value, reason = t.eval(policy.target{ series = "tg_w", target = 10, window = "5s" },
		t.group{ current = 2, desired = 2 }, 100)
	t.eq(kind, "hold")
	t.eq(reason, "no data in series 'tg_w' for the last 5s")
	t.series("tg_empty", {})
	kind, _, _, _, missing = t.eval(policy.target{ series = "tg_empty", target = 10 },
		t.group{ current = 2 }, 100)
	t.eq(kind, "hold")
	t.eq(missing, true)
end)

t.test("target: bad arguments", function()
	refuses(function() policy.target{ series = "x" } end,
		"policy.target: target must be a number, got nil")
	refuses(function() policy.target{ series = "x", target = 0 } end,
		"target must be more than 0, got 0")
	refuses(function() policy.target{ series = "x", target = 1, tolerance = 1 } end,
		"tolerance must be in [0, 1), got 1")
	refuses(function() policy.target{ series = "x", target = 1, stat = "p101" } end,
		"unknown stat \"p101\"")
end)

---------------------------------------------------------------- durations

t.test("durations follow core/duration.c", function()
	local s = policy.seconds
	t.eq(s("30s", "w"), 30)
	t.eq(s("5m", "w"), 300)
	t.eq(s("1h30m", "w"), 5400)
	t.eq(s("1d", "w"), 86400)
	t.eq(s("250ms", "w"), 0.25)
	t.eq(s("1m30s", "w"), 90)
	t.eq(s("1.5", "w"), 1.5)
	t.eq(s("1.5m", "w"), 90)
	t.eq(s(45, "w"), 45)
	t.raises(function() s("", "w") end, "w: invalid duration")
	t.raises(function() s("1s1s", "w") end, "w: invalid duration \"1s1s\"")
	t.raises(function() s("1.s", "w") end, "w: invalid duration")
	t.raises(function() s("-5s", "w") end, "w: invalid duration")
	t.raises(function() s("0s", "w") end, "w must be more than 0 seconds")
	t.raises(function() s({}, "w") end, "w must be seconds or a duration like \"2m\", got table")
end)
