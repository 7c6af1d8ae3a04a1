-- target_test.lua - policy.target, against the real policy API
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
	t.ok(msg:match("_test%.lua:%d+: policy%.") ~= nil, "blames the caller: " .. msg)
end


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
