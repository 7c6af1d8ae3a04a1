-- queue_step_test.lua - policy.queue_step, against the real policy API
-- (run by tests/lua/run_policy_tests.c; see there for the `t` table).
-- Each test uses its own series names: a series can be made once per file.

local t = ...
local policy = require "policy"

local samples = t.samples

local function refuses(fn, text)
	return t.refuses(fn, text)
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

t.test("queue_step: each tick's reason follows its value", function()
	-- a reason is kept per group while its value does not move
	t.series("qs_move", { { 10, 3 } })
	local p = policy.queue_step{ series = "qs_move", steps = { { 10, 2 }, { 20, 3 } } }
	local g, h = t.group{ current = 2 }, t.group{ current = 1 }
	local cases = { -- sample, kind, value, reason
		{ 3, "hold", 0, "qs_move last 3 is below the first step (10)" },
		{ 12, "set", 2, "qs_move last 12 >= step 10: 2" },
		{ 12.5, "set", 2, "qs_move last 12.5 >= step 10: 2" },
		{ 25, "set", 3, "qs_move last 25 >= step 20: 3" },
		{ 25, "set", 3, "qs_move last 25 >= step 20: 3" },
		{ 3, "hold", 0, "qs_move last 3 is below the first step (10)" },
	}
	for i, c in ipairs(cases) do
		local now = 10 * i
		if i > 1 then
			t.push("qs_move", { { now, c[1] } })
		end
		local kind, value, reason = t.eval(p, g, now)
		t.eq(kind, c[2], "kind at " .. now)
		t.eq(value, c[3], "value at " .. now)
		t.eq(reason, c[4], "reason at " .. now)
		if i == 4 then -- another group, the same policy: its own reason
			kind, value, reason = t.eval(p, h, now)
			t.eq(reason, c[4], "the other group at " .. now)
		end
	end
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
