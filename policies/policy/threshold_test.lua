-- threshold_test.lua - policy.threshold, against the real policy API
-- (run by tests/lua/run_policy_tests.c; see there for the `t` table).
-- Each test uses its own series names: a series can be made once per file.

local t = ...
local threshold = require "policy.threshold"

local samples = t.samples

local function refuses(fn, text)
	return t.refuses(fn, text)
end

-- kind, value, reason at t = 60 s for a group at `desired`
local function eval(p, desired)
	local kind, value, reason = t.eval(p, t.group{ current = desired, desired = desired }, 60)
	return kind, value, reason
end

local function one_band(series, band)
	return threshold{ series = series, bands = { band } }
end


t.test("threshold: each tick's reason follows the samples and desired", function()
	-- reasons are kept per group while the counts and desired do not move
	t.series("th_move", { { 30, 10 }, { 40, 10 } })
	local p = threshold{ series = "th_move", bands = {
		{ lower_bound = 5, upper_bound = 20, delta = 1, within_bounds_trigger = 3 },
		{ lower_bound = 20, delta = 2, within_bounds_trigger = 2 } } }
	local g = t.group{ current = 4 }
	local function expect(kind, value, reason)
		local k, v, r = t.eval(p, g, 60)
		t.eq(k, kind, "kind")
		t.eq(v, value, "value")
		t.eq(r, reason, "reason")
	end
	expect("hold", 0, "th_move: no band triggered by 2 samples in the last 1m "
		.. "([5, 20) 2/3, >= 20 0/2)")
	t.push("th_move", { { 50, 30 } })
	expect("hold", 0, "th_move: no band triggered by 3 samples in the last 1m "
		.. "([5, 20) 2/3, >= 20 1/2)")
	t.push("th_move", { { 55, 10 } })
	expect("set", 5, "th_move: 3 of 4 samples in the last 1m [5, 20) (3 needed): +1, 4 -> 5")
	t.update(g, { desired = 6 })
	expect("set", 7, "th_move: 3 of 4 samples in the last 1m [5, 20) (3 needed): +1, 6 -> 7")
	-- up beats up by more: two at >= 20 want 8
	t.push("th_move", { { 58, 40 } })
	expect("set", 8, "th_move: 2 of 5 samples in the last 1m >= 20 (2 needed): +2, 6 -> 8")
	t.push("th_move", { { 59, 50 } })
	expect("set", 8, "th_move: 3 of 6 samples in the last 1m >= 20 (2 needed): +2, 6 -> 8")
end)


-------------------------------------------------------------------- Nomad's

-- The cases of nomad-autoscaler's plugins/builtin/strategy/threshold/plugin/
-- plugin_test.go (TestThresholdPlugin): six points of 10, bounds [5, 20).
t.test("threshold: Nomad's plugin test cases", function()
	t.series("th_ten", samples({ 10, 10, 10, 10, 10, 10 }, 60, 10))
	local B = { lower_bound = 5, upper_bound = 20 }
	local function with(action)
		local b = {}
		for k, v in pairs(B) do b[k] = v end
		for k, v in pairs(action) do b[k] = v end
		return one_band("th_ten", b)
	end
	-- delta scale up: count 1 -> 2
	local kind, value, reason = eval(with{ delta = 1 }, 1)
	t.eq(kind, "set")
	t.eq(value, 2)
	t.eq(reason, "th_ten: 6 of 6 samples in the last 1m [5, 20) (5 needed): +1, 1 -> 2")
	-- delta scale down: 1 -> 0
	kind, value, reason = eval(with{ delta = -1 }, 1)
	t.eq(value, 0)
	t.eq(reason, "th_ten: 6 of 6 samples in the last 1m [5, 20) (5 needed): -1, 1 -> 0")
	-- percentage: 10 -> 13, 10 -> 7, and 0 changes nothing
	kind, value, reason = eval(with{ percentage = 30 }, 10)
	t.eq(value, 13)
	t.eq(reason, "th_ten: 6 of 6 samples in the last 1m [5, 20) (5 needed): +30%, 10 -> 13")
	kind, value = eval(with{ percentage = -30 }, 10)
	t.eq(value, 7)
	kind, value, reason = eval(with{ percentage = 0 }, 10)
	t.eq(kind, "hold")
	t.eq(reason,
		"th_ten: 6 of 6 samples in the last 1m [5, 20) (5 needed): +0%, 10 -> 10, no change")
	-- value: 1 -> 10, 20 -> 10, 10 stays
	kind, value, reason = eval(with{ value = 10 }, 1)
	t.eq(value, 10)
	t.eq(reason, "th_ten: 6 of 6 samples in the last 1m [5, 20) (5 needed): value 10, 1 -> 10")
	kind, value = eval(with{ value = 10 }, 20)
	t.eq(kind, "set")
	t.eq(value, 10)
	kind = eval(with{ value = 10 }, 10)
	t.eq(kind, "hold")
	-- not enough points within bounds (1 of the default 5), then a trigger of 1
	t.series("th_one", samples({ 10, 0, 0, 0, 0, 0 }, 60, 10))
	local p = one_band("th_one", { lower_bound = 5, upper_bound = 20, delta = 1 })
	kind, value, reason = eval(p, 1)
	t.eq(kind, "hold")
	t.eq(reason, "th_one: no band triggered by 6 samples in the last 1m ([5, 20) 1/5)")
	p = one_band("th_one", { lower_bound = 5, upper_bound = 20, delta = 1,
		within_bounds_trigger = 1 })
	kind, value = eval(p, 1)
	t.eq(kind, "set")
	t.eq(value, 2)
end)

-- The example of Nomad's threshold strategy page: memory 70-100 adds one,
-- 0-30 removes one, as two bands of one policy.
t.test("threshold: Nomad's two-tier example", function()
	local function memory(series)
		return threshold{ series = series, bands = {
			{ upper_bound = 100, lower_bound = 70, delta = 1 },
			{ upper_bound = 30, lower_bound = 0, delta = -1 },
		} }
	end
	t.series("th_mem_hi", samples({ 75, 80, 90, 95, 72, 20 }, 60, 10))
	local kind, value, reason = eval(memory("th_mem_hi"), 3)
	t.eq(kind, "set")
	t.eq(value, 4)
	t.eq(reason, "th_mem_hi: 5 of 6 samples in the last 1m [70, 100) (5 needed): +1, 3 -> 4")
	t.series("th_mem_lo", samples({ 10, 12, 29, 0, 5, 50 }, 60, 10))
	kind, value, reason = eval(memory("th_mem_lo"), 3)
	t.eq(value, 2)
	t.eq(reason, "th_mem_lo: 5 of 6 samples in the last 1m [0, 30) (5 needed): -1, 3 -> 2")
	t.series("th_mem_mid", samples({ 10, 50, 80, 90, 60, 20 }, 60, 10))
	kind, value, reason = eval(memory("th_mem_mid"), 3)
	t.eq(kind, "hold")
	t.eq(reason, "th_mem_mid: no band triggered by 6 samples in the last 1m "
		.. "([70, 100) 2/5, [0, 30) 2/5)")
end)


---------------------------------------------------------------------- rules

t.test("threshold: lower bound inclusive, upper exclusive, open sides", function()
	t.series("th_edge", samples({ 70, 70, 100, 100, 100, 70 }, 60, 10))
	local p = one_band("th_edge", { lower_bound = 70, upper_bound = 100, delta = 1,
		within_bounds_trigger = 3 })
	local kind, value, reason = eval(p, 2)
	t.eq(value, 3)
	t.eq(reason, "th_edge: 3 of 6 samples in the last 1m [70, 100) (3 needed): +1, 2 -> 3")
	p = one_band("th_edge", { lower_bound = 70, upper_bound = 100, delta = 1,
		within_bounds_trigger = 4 })
	kind = eval(p, 2)
	t.eq(kind, "hold")
	-- no upper bound: >= 100; no lower bound: < 70 (none: 70 is not below)
	p = one_band("th_edge", { lower_bound = 100, percentage = 50, within_bounds_trigger = 3 })
	kind, value, reason = eval(p, 4)
	t.eq(value, 6)
	t.eq(reason, "th_edge: 3 of 6 samples in the last 1m >= 100 (3 needed): +50%, 4 -> 6")
	p = one_band("th_edge", { upper_bound = 70, value = 0, within_bounds_trigger = 1 })
	kind, value, reason = eval(p, 4)
	t.eq(kind, "hold")
	t.eq(reason, "th_edge: no band triggered by 6 samples in the last 1m (< 70 0/1)")
end)

t.test("threshold: several bands trigger, Nomad's safest wins", function()
	-- three low, three high
	t.series("th_split", samples({ 10, 90, 10, 95, 10, 99 }, 60, 10))
	local low = { upper_bound = 30, delta = -2, within_bounds_trigger = 3 }
	local high = { lower_bound = 80, delta = 1, within_bounds_trigger = 3 }
	local kind, value, reason = eval(threshold{ series = "th_split", bands = { low, high } }, 5)
	t.eq(kind, "set")
	t.eq(value, 6) -- up beats down
	t.eq(reason, "th_split: 3 of 6 samples in the last 1m >= 80 (3 needed): +1, 5 -> 6")
	-- two ups: the larger count wins
	local high_a = { lower_bound = 80, upper_bound = 96, delta = 1, within_bounds_trigger = 2 }
	local high_b = { lower_bound = 96, percentage = 100, within_bounds_trigger = 1 }
	kind, value, reason = eval(threshold{ series = "th_split", bands = { high_a, low, high_b } },
		5)
	t.eq(value, 10)
	t.eq(reason, "th_split: 1 of 6 samples in the last 1m >= 96 (1 needed): +100%, 5 -> 10")
	-- two downs: the larger count (the smaller step) wins
	local mid = { lower_bound = 80, value = 4, within_bounds_trigger = 3 }
	kind, value, reason = eval(threshold{ series = "th_split", bands = { low, mid } }, 5)
	t.eq(value, 4)
	t.eq(reason, "th_split: 3 of 6 samples in the last 1m >= 80 (3 needed): value 4, 5 -> 4")
	-- a band that triggers without a change does not stop a scale-in
	kind, value, reason = eval(threshold{ series = "th_split", bands = { low, mid } }, 4)
	t.eq(kind, "set")
	t.eq(value, 2)
	t.eq(reason, "th_split: 3 of 6 samples in the last 1m < 30 (3 needed): -2, 4 -> 2")
	-- ties go to the band listed first
	local same = { lower_bound = 30, upper_bound = 80, value = 3, within_bounds_trigger = 1 }
	t.series("th_tie", samples({ 10, 10, 10, 50, 50, 50 }, 60, 10))
	kind, value, reason = eval(threshold{ series = "th_tie", bands = {
		{ upper_bound = 30, value = 3, within_bounds_trigger = 3 }, same } }, 5)
	t.eq(value, 3)
	t.eq(reason, "th_tie: 3 of 6 samples in the last 1m < 30 (3 needed): value 3, 5 -> 3")
end)

t.test("threshold: the window, and no data", function()
	-- 90 at 10-30 s, 10 at 40-60 s
	t.series("th_win", samples({ 90, 90, 90, 10, 10, 10 }, 60, 10))
	local band = { lower_bound = 80, delta = 1, within_bounds_trigger = 3 }
	local p = threshold{ series = "th_win", window = "30s", bands = { band } }
	local kind, value, reason = eval(p, 2)
	t.eq(kind, "hold")
	t.eq(reason, "th_win: no band triggered by 3 samples in the last 30s (>= 80 0/3)")
	p = threshold{ series = "th_win", window = 60, bands = { band } }
	kind, value, reason = eval(p, 2)
	t.eq(value, 3)
	t.eq(reason, "th_win: 3 of 6 samples in the last 60s >= 80 (3 needed): +1, 2 -> 3")
	kind, value, reason = t.eval(p, t.group{ current = 2 }, 200)
	t.eq(kind, "hold")
	t.eq(reason, "no data in series 'th_win' for the last 60s")
	t.series("th_none", {})
	local missing
	kind, _, reason, _, missing = t.eval(one_band("th_none", band), t.group{ current = 2 }, 60)
	t.eq(kind, "hold")
	t.eq(reason, "no data in series 'th_none' for the last 1m")
	t.eq(missing, true)
	t.eq(p.name, "threshold")
	t.eq(p.series[1], "th_win")
end)

t.test("threshold: counting in a long window", function()
	-- 1 .. 100, out of order, one a second: [25, 50) holds 25 of them
	local vals = {}
	for i = 1, 100 do vals[i] = (i * 37) % 100 + 1 end
	t.series("th_long", samples(vals, 100, 1))
	local function at(band)
		local _, _, reason = t.eval(threshold{ series = "th_long", window = "100s",
			bands = { band } }, t.group{ current = 4 }, 100)
		return reason
	end
	t.eq(at{ lower_bound = 25, upper_bound = 50, delta = 1, within_bounds_trigger = 26 },
		"th_long: no band triggered by 100 samples in the last 100s ([25, 50) 25/26)")
	t.eq(at{ lower_bound = 25, upper_bound = 50, delta = 1, within_bounds_trigger = 25 },
		"th_long: 25 of 100 samples in the last 100s [25, 50) (25 needed): +1, 4 -> 5")
	t.eq(at{ lower_bound = 100, delta = 1, within_bounds_trigger = 2 },
		"th_long: no band triggered by 100 samples in the last 100s (>= 100 1/2)")
	t.eq(at{ upper_bound = 1.5, delta = 1, within_bounds_trigger = 2 },
		"th_long: no band triggered by 100 samples in the last 100s (< 1.5 1/2)")
	t.eq(at{ lower_bound = 0.5, upper_bound = 100.5, delta = 1, within_bounds_trigger = 101 },
		"th_long: no band triggered by 100 samples in the last 100s ([0.5, 100.5) 100/101)")
	-- many equal values
	t.series("th_same", samples({ 7, 7, 7, 7, 7, 8, 6 }, 60, 5))
	local _, _, reason = t.eval(threshold{ series = "th_same", bands = {
		{ lower_bound = 7, upper_bound = 8, delta = 1, within_bounds_trigger = 9 },
		{ lower_bound = 6, upper_bound = 7, delta = 1, within_bounds_trigger = 9 },
		{ lower_bound = 8, delta = 1, within_bounds_trigger = 9 } } },
		t.group{ current = 1 }, 60)
	t.eq(reason, "th_same: no band triggered by 7 samples in the last 1m "
		.. "([7, 8) 5/9, [6, 7) 1/9, >= 8 1/9)")
end)

t.test("threshold: bad arguments", function()
	local function band(b) return function() one_band("x", b) end end
	refuses(function() threshold{ bands = { { lower_bound = 1, delta = 1 } } } end,
		"policy.threshold: series must be a series name, got nil")
	refuses(function() threshold{ series = "x" } end,
		"bands must be a list of at least one band, got nil")
	refuses(function() threshold{ series = "x", bands = {} } end,
		"bands must be a list of at least one band, got an empty table")
	refuses(function() threshold{ series = "x", bands = { { lower_bound = 1, delta = 1 },
		low = {} } } end, "bands must be a list, it has key low")
	refuses(function() threshold{ series = "x", within = 5,
		bands = { { lower_bound = 1, delta = 1 } } } end, "unknown argument \"within\"")
	refuses(function() threshold{ series = "x", window = "1x",
		bands = { { lower_bound = 1, delta = 1 } } } end, "window: invalid duration \"1x\"")
	refuses(band(5), "band 1: must be a table, got number")
	refuses(band{ lower = 1, delta = 1 }, "band 1: unknown argument \"lower\"")
	refuses(band{ delta = 1 }, "band 1: give lower_bound, upper_bound or both")
	refuses(band{ lower_bound = "5", delta = 1 }, "band 1: lower_bound must be a number, got string")
	refuses(band{ lower_bound = 5, upper_bound = 5, delta = 1 },
		"band 1: lower_bound (5) must be below upper_bound (5)")
	refuses(band{ lower_bound = 5 }, "band 1: give one of delta, percentage or value")
	refuses(band{ lower_bound = 5, delta = 1, value = 3 },
		"band 1: give only one of delta, percentage or value")
	refuses(band{ lower_bound = 5, delta = 1.5 }, "band 1: delta must be a whole number, got 1.5")
	refuses(band{ lower_bound = 5, percentage = -101 },
		"band 1: percentage must be at least -100, got -101")
	refuses(band{ lower_bound = 5, value = -1 }, "band 1: value must be 0 or more, got -1")
	refuses(band{ lower_bound = 5, value = 1, within_bounds_trigger = 0 },
		"band 1: within_bounds_trigger must be at least 1, got 0")
	refuses(function() threshold{ series = "x", bands = {
		{ lower_bound = 70, upper_bound = 100, delta = 1 },
		{ upper_bound = 30, delta = -1 },
		{ lower_bound = 90, delta = 2 } } } end,
		"bands 1 ([70, 100)) and 3 (>= 90) overlap")
	refuses(function() threshold{ series = "x", bands = {
		{ upper_bound = 30, delta = -1 }, { upper_bound = 10, value = 0 } } } end,
		"bands 1 (< 30) and 2 (< 10) overlap")
	-- touching is not overlapping: [0, 30) and [30, 70)
	local p = threshold{ series = "x", bands = { { lower_bound = 0, upper_bound = 30, delta = -1 },
		{ lower_bound = 30, upper_bound = 70, delta = 0 } } }
	t.eq(p.name, "threshold")
end)
