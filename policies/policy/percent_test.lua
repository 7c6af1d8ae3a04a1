-- percent_test.lua - policy.percent, against the real policy API
-- (run by tests/lua/run_policy_tests.c; see there for the `t` table).
-- Each test uses its own series names: a series can be made once per file.

local t = ...
local policy = { percent = require "policy.percent" }

local samples = t.samples

local function refuses(fn, text)
	return t.refuses(fn, text)
end


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

t.test("percent: the seed's rule with its defaults (2 x 120s, >= 80: +50%, <= 20: -1)", function()
	-- samples every 10 s from 10 s to 240 s: (0, 120] and (120, 240]
	local hi, lo, mixed = {}, {}, {}
	for i = 1, 24 do
		hi[i] = i % 2 == 0 and 100 or 60 -- 80 on average in each period
		lo[i] = i <= 12 and 20 or 5
		mixed[i] = i <= 12 and 70 or 95
	end
	t.series("pc_seed_hi", samples(hi, 240, 10))
	t.series("pc_seed_lo", samples(lo, 240, 10))
	t.series("pc_seed_mix", samples(mixed, 240, 10))
	local function seed(series)
		return policy.percent{ series = series, out_at = 80, out_percent = 50, in_at = 20,
			in_change = -1 }
	end
	local g = t.group{ name = "seed", current = 4 }
	local kind, value, reason = t.eval(seed("pc_seed_hi"), g, 240)
	t.eq(kind, "percent")
	t.eq(value, 50)
	t.eq(reason, "pc_seed_hi avg >= 80 for 2 x 120s (lowest 80): +50%")
	kind, value, reason = t.eval(seed("pc_seed_lo"), g, 240)
	t.eq(kind, "change")
	t.eq(value, -1)
	t.eq(reason, "pc_seed_lo avg <= 20 for 2 x 120s (highest 20): -1")
	kind, value, reason = t.eval(seed("pc_seed_mix"), g, 240)
	t.eq(kind, "hold")
	t.eq(reason, "pc_seed_mix avg 95 over the last 120s: no alarm")
	-- at 300 the periods are (180, 300], all 95, and (60, 180], six 70s and
	-- six 95s (82.5); at 180 they are (60, 180] and (-60, 60], all 70
	kind, value, reason = t.eval(seed("pc_seed_mix"), g, 300)
	t.eq(kind, "percent")
	t.eq(reason, "pc_seed_mix avg >= 80 for 2 x 120s (lowest 82.5): +50%")
	kind, value, reason = t.eval(seed("pc_seed_mix"), g, 180)
	t.eq(kind, "hold")
	t.eq(reason, "pc_seed_mix avg 82.5 over the last 120s: no alarm")
	-- at 400 the newer period (280, 400] is empty
	kind, value, reason = t.eval(seed("pc_seed_mix"), g, 400)
	t.eq(kind, "hold")
	t.eq(reason, "no data in series 'pc_seed_mix' for the last 2 x 120s")
end)

t.test("percent: an older period without data holds too", function()
	-- (60, 120] high, (0, 60] empty: no older datapoint stands in for it
	t.series("pc_gap", { { -100, 95 }, { 70, 95 }, { 120, 95 } })
	local kind, _, reason = t.eval(cpu_policy("pc_gap"), t.group{ current = 4 }, 120)
	t.eq(kind, "hold")
	t.eq(reason, "no data in series 'pc_gap' for the last 2 x 60s")
end)

t.test("percent: other statistics and periods", function()
	-- the p90 of each 30 s period: (60, 90] 10 10 90, (90, 120] 10 95 95
	t.series("pc_p90", { { 70, 10 }, { 80, 10 }, { 90, 90 }, { 100, 10 }, { 110, 95 },
		{ 120, 95 } })
	local p = cpu_policy("pc_p90", { stat = "p90", period = 30 })
	local kind, value, reason = t.eval(p, t.group{ current = 4 }, 120)
	t.eq(kind, "percent")
	t.eq(reason, "pc_p90 p90 >= 80 for 2 x 30s (lowest 90): +50%")
	p = cpu_policy("pc_p90", { stat = "max", period = "30s", periods = 3, out_at = 95 })
	kind, value, reason = t.eval(p, t.group{ current = 4 }, 150)
	t.eq(kind, "hold")
	t.eq(reason, "no data in series 'pc_p90' for the last 3 x 30s")
	-- rate over (60, 120]: (95 - 10) / 50 s
	p = cpu_policy("pc_p90", { stat = "rate", period = "1m", periods = 1, out_at = 100 })
	kind, value, reason = t.eval(p, t.group{ current = 4 }, 120)
	t.eq(kind, "change")
	t.eq(value, -1)
	t.eq(reason, "pc_p90 rate <= 20 for 1m (highest 1.7): -1")
end)

t.test("percent: a sample pushed between two ticks at one instant is read", function()
	-- (0, 60] holds 90, (60, 120] 50: no alarm
	t.series("pc_push", { { 30, 90 }, { 90, 50 } })
	local p = cpu_policy("pc_push")
	local g = t.group{ current = 4 }
	local kind, value, reason = t.eval(p, g, 120)
	t.eq(kind, "hold")
	t.eq(reason, "pc_push avg 50 over the last 60s: no alarm")
	-- 150 at 110 s: (60, 120] averages 100, both periods >= 80
	t.push("pc_push", { { 110, 150 } })
	kind, value, reason = t.eval(p, g, 120)
	t.eq(kind, "percent")
	t.eq(value, 50)
	t.eq(reason, "pc_push avg >= 80 for 2 x 60s (lowest 90): +50%")
	-- 0 at 120 s: (60, 120] averages 200 / 3, no alarm again
	t.push("pc_push", { { 120, 0 } })
	kind, value, reason = t.eval(p, g, 120)
	t.eq(kind, "hold")
	t.eq(reason, "pc_push avg 66.667 over the last 60s: no alarm")
end)

-- The engine runs percent's every-tick path compiled (core/policy_percent.c,
-- through the table's `native`) and hands a tick where an alarm may fire to
-- evaluate; p:evaluate, which a wrapper calls, is all Lua. Both get the same
-- samples, desired counts and times, each on a group of its own: every
-- proposal must be the same, across quiet ticks, missing data and alarms.
t.test("percent: the compiled form and evaluate agree, tick by tick", function()
	local seed = 777
	local function rand(n) -- 1..n, a fixed sequence
		seed = (seed * 1103515245 + 12345) % 2147483648
		return seed % n + 1
	end
	local values = { 10, 15, 19.5, 20, 21, 35, 50, 50.125, 64.3, 79.999, 80, 81, 95, 100, 0, 1 / 3 }
	local configs = {
		{},
		{ stat = "max", period = "30s", periods = 3 },
		{ stat = "min", period = 45, periods = 1 },
		{ stat = "p90", period = "1m", periods = 2 },
		{ stat = "last", period = 20, periods = 4 },
		{ stat = "count", period = 15, periods = 2, out_at = 3, in_at = 1 },
		{ stat = "avg", period = 12.5, periods = 3, out_at = 70, in_at = nil, in_change = nil },
		{ stat = "sum", period = "40s", periods = 2, out_at = nil, out_percent = nil,
			in_at = 100 },
	}
	for i, c in ipairs(configs) do
		local name = "pn_" .. i
		t.series(name, {}, { stale = "25s" })
		local args = { series = name }
		for k, v in pairs(CPU) do args[k] = v end
		for k, v in pairs(c) do args[k] = v end
		if c.out_at == nil and c.out_percent == nil and c.in_at ~= nil then
			args.out_at, args.out_percent = nil, nil
		end
		if c.in_at == nil and c.in_change == nil and c.out_at ~= nil then
			args.in_at, args.in_change = nil, nil
		end
		local p = policy.percent(args)
		local wrapped = function(g, s) return p:evaluate(g, s) end
		local g, w = t.group{ current = 4 }, t.group{ current = 4 }
		local now, kinds = 1000, {}
		for step = 1, 500 do
			now = now + rand(6) - 1 + (rand(5) == 1 and 0.5 or 0)
			if rand(2) == 1 then
				t.push(name, { { now, values[rand(#values)] } })
			end
			if rand(7) == 1 then
				local d = rand(8)
				t.update(g, { current = d, desired = d })
				t.update(w, { current = d, desired = d })
			end
			local k1, v1, r1, s1, m1 = t.eval(p, g, now)
			local k2, v2, r2, s2, m2 = t.eval(wrapped, w, now)
			local at = string.format("config %d, step %d, t=%s", i, step, now)
			t.eq(k1, k2, "kind, " .. at)
			t.eq(v1, v2, "value, " .. at)
			t.eq(r1, r2, "reason, " .. at)
			t.eq(s1, s2, "stale, " .. at)
			t.eq(m1, m2, "missing, " .. at)
			kinds[k1] = true
		end
		t.ok(kinds.hold, "config " .. i .. " held")
	end
end)

-- Which one ran: a table with percent's `native` and an evaluate of its own
-- gets the compiled hold on a quiet tick and its own evaluate on a tick an
-- alarm may fire on; garbage parameters leave its evaluate to run.
t.test("percent: the engine runs the compiled form, and declines what it cannot run", function()
	two_periods("pn_which", { 50, 50, 50, 50, 50, 50 }, { 50, 50, 50, 50, 50, 55 })
	two_periods("pn_which_hi", { 90, 90, 90, 90, 90, 90 }, { 90, 90, 90, 90, 90, 90 })
	local p = cpu_policy("pn_which")
	local lua = function(self, g) return g:hold("lua ran") end
	local g = t.group{ current = 4 }
	local k, v, r = t.eval({ native = p.native, evaluate = lua }, g, 120)
	t.eq(k .. " " .. v .. " " .. r, "hold 0 pn_which avg 50.833 over the last 60s: no alarm")
	local hi = cpu_policy("pn_which_hi")
	k, v, r = t.eval({ native = hi.native, evaluate = lua }, g, 120)
	t.eq(r, "lua ran", "an alarm may fire: evaluate")
	local function forged(changes, i)
		local n = {}
		for key, val in pairs(p.native) do n[key] = val end
		n.id = 800000 + i
		for key, val in pairs(changes) do n[key] = val end
		return { native = n, evaluate = lua }
	end
	local cases = {
		{ kind = "percent2" }, { stat = "median" }, { stat = 5 }, { pct = 101 },
		{ pct = "9" }, { period = 0 }, { period = -1 }, { period = 0.0001 }, { period = "60s" },
		{ periods = 0 }, { periods = 1.5 }, { periods = 65 }, { out_at = "80" },
		{ out_at = 0 / 0 }, { in_at = math.huge }, { out_at = false },
		{ no_data = 3 }, { quiet_head = false }, { quiet_tail = {} }, { series = 7 },
		{ period = 1e12 },
	}
	for i, c in ipairs(cases) do
		k, v, r = t.eval(forged(c, i), g, 120)
		t.eq(k .. " " .. v .. " " .. r, "hold 0 lua ran", "case " .. i)
	end
	local none = forged({}, 99)
	none.native.out_at, none.native.in_at = nil, nil
	k, v, r = t.eval(none, g, 120)
	t.eq(r, "lua ran", "no threshold at all")
end)
