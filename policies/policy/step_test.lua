-- step_test.lua - policy.step and policy.simple, against the real policy API
-- (run by tests/lua/run_policy_tests.c; see there for the `t` table).
-- Each test uses its own series names: a series can be made once per file.

local t = ...
local alarm = require "policy.alarm"
local step = require "policy.step"
local simple = step.simple

local function refuses(fn, text)
	return t.refuses(fn, text)
end

-- One sample in the middle of each 60 s period: values[i] in (60(i-1), 60i].
local function per_minute(name, values)
	local out = {}
	for i, v in ipairs(values) do out[i] = { 60 * i - 30, v } end
	t.series(name, out)
end


------------------------------------------------ the user guide's step example

-- Amazon EC2 Auto Scaling User Guide, "Step and simple scaling policies",
-- "Step adjustments" (awsdocs/amazon-ec2-auto-scaling-user-guide,
-- doc_source/as-scaling-simple-step.md, commit
-- 0987d768bba2b0e3abbcef92064414bbf708c6bb): a group of 10, an alarm with a
-- breach threshold of 50, PercentChangeInCapacity steps relative to it.
local OUT_STEPS = {
	{ lower = 0, upper = 10, adjustment = 0 },
	{ lower = 10, upper = 20, adjustment = 10 },
	{ lower = 20, upper = nil, adjustment = 30 },
}
local IN_STEPS = {
	{ lower = -10, upper = 0, adjustment = 0 },
	{ lower = -20, upper = -10, adjustment = -10 },
	{ lower = nil, upper = -20, adjustment = -30 },
}

local function guide_policies(series, mag)
	local out = step{ alarm = alarm{ series = series, comparison = ">=", threshold = 50 },
		adjustment_type = "PercentChangeInCapacity", steps = OUT_STEPS,
		min_adjustment_magnitude = mag }
	local inn = step{ alarm = alarm{ series = series, comparison = "<=", threshold = 50 },
		adjustment_type = "PercentChangeInCapacity", steps = IN_STEPS,
		min_adjustment_magnitude = mag }
	return out, inn
end

t.test("step: the guide's example, 10 -> 11 -> 14 -> 13 -> 10", function()
	-- "If the metric value gets to 60, the desired capacity of the group
	-- increases by 1 instance, to 11 instances ... If the metric value rises
	-- to 70 ... increases by another 3 instances, to 14 instances ... If the
	-- metric value gets to 40, ... decreases by 1 instance, to 13 instances.
	-- If the metric value falls to 30 ... decreases by another 3 instances,
	-- to 10 instances."
	per_minute("st_guide", { 60, 70, 40, 30 })
	local out, inn = guide_policies("st_guide")
	local cases = { -- now, desired, metric, policy that acts, percent, delta, desired after
		{ 60, 10, out, 10, 1, 11, "st_guide avg >= 50 in 1 of 1 x 60s: 60; "
			.. "60 is +10 from 50, step [10, 20): +10%" },
		{ 120, 11, out, 30, 3, 14, "st_guide avg >= 50 in 1 of 1 x 60s: 70; "
			.. "70 is +20 from 50, step [20, inf): +30%" },
		{ 180, 14, inn, -10, -1, 13, "st_guide avg <= 50 in 1 of 1 x 60s: 40; "
			.. "40 is -10 from 50, step (-20, -10]: -10%" },
		{ 240, 13, inn, -30, -3, 10, "st_guide avg <= 50 in 1 of 1 x 60s: 30; "
			.. "30 is -20 from 50, step (-inf, -20]: -30%" },
	}
	local mout, minn = guide_policies("st_guide", 1)
	for _, c in ipairs(cases) do
		local now, desired, acting, pct, delta, after, reason = table.unpack(c)
		local g = t.group{ name = "guide" .. desired, current = desired }
		local other = acting == out and inn or out
		local kind, value, why = t.eval(acting, g, now)
		t.eq(kind, "percent")
		t.eq(value, pct)
		t.eq(why, reason)
		-- the other policy's alarm is OK: it abstains
		t.eq((t.eval(other, g, now)), "none")
		-- the same policy computing the AWS-rounded delta itself
		-- (min_adjustment_magnitude 1 never raises a delta of 1 or more)
		kind, value = t.eval(acting == out and mout or minn, g, now)
		t.eq(kind, "change")
		t.eq(value, delta)
		t.eq(desired + value, after)
	end
end)

t.test("step: the guide's example, the band where capacity is kept", function()
	-- "The desired and current capacity is maintained while the aggregated
	-- metric value is greater than 40 and less than 60." The bounds: lower
	-- inclusive and upper exclusive above the threshold, lower exclusive and
	-- upper inclusive below it.
	per_minute("st_band", { 59.9, 40.1, 50, 60, 40 })
	local out, inn = guide_policies("st_band")
	local g = t.group{ name = "band", current = 10 }
	local function both(now)
		local k1, v1, r1 = t.eval(out, g, now)
		local k2, v2, r2 = t.eval(inn, g, now)
		return k1, v1, k2, v2, r1, r2
	end
	local k1, v1, k2, v2, r1 = both(60)
	t.eq(k1, "percent")
	t.eq(v1, 0)
	t.eq(r1, "st_band avg >= 50 in 1 of 1 x 60s: 59.9; 59.9 is +9.9 from 50, step [0, 10): +0%")
	t.eq(k2, "none")
	k1, v1, k2, v2 = both(120)
	t.eq(k1, "none")
	t.eq(k2, "percent")
	t.eq(v2, 0)
	-- at the threshold both alarms are in ALARM (>= and <=): each takes
	-- the step on its own side, both of 0
	local r2
	k1, v1, k2, v2, r1, r2 = both(180)
	t.eq(v1, 0)
	t.eq(v2, 0)
	t.eq(r1, "st_band avg >= 50 in 1 of 1 x 60s: 50; 50 is +0 from 50, step [0, 10): +0%")
	t.eq(r2, "st_band avg <= 50 in 1 of 1 x 60s: 50; 50 is +0 from 50, step (-10, 0]: +0%")
	k1, v1 = both(240)
	t.eq(v1, 10)
	k1, v1, k2, v2 = both(300)
	t.eq(v2, -10)
end)


-------------------------------------------------- the guide's adjustment types

t.test("simple: the guide's adjustment type examples", function()
	-- "Scaling adjustment types" (same page): ChangeInCapacity "If the
	-- current capacity of the group is 3 and the adjustment is 5 ... a total
	-- of 8"; ExactCapacity "current capacity ... 3 and the adjustment is 5
	-- ... change the capacity to 5"; PercentChangeInCapacity "If the current
	-- capacity is 10 and the adjustment is 10 percent ... add 1 ... for a
	-- total of 11".
	per_minute("st_types", { 90 })
	local a = alarm{ series = "st_types", comparison = ">", threshold = 80 }
	local g3 = t.group{ name = "types3", current = 3 }
	local kind, value, reason = t.eval(simple{ alarm = a, adjustment_type = "ChangeInCapacity",
		adjustment = 5 }, g3, 60)
	t.eq(kind, "change")
	t.eq(value, 5)
	t.eq(g3.desired + value, 8)
	t.eq(reason, "st_types avg > 80 in 1 of 1 x 60s: 90; in alarm: +5")
	kind, value, reason = t.eval(simple{ alarm = a, adjustment_type = "ExactCapacity",
		adjustment = 5 }, g3, 60)
	t.eq(kind, "set")
	t.eq(value, 5)
	t.eq(reason, "st_types avg > 80 in 1 of 1 x 60s: 90; in alarm: set 5")
	local g10 = t.group{ name = "types10", current = 10 }
	kind, value, reason = t.eval(simple{ alarm = a, adjustment_type = "PercentChangeInCapacity",
		adjustment = 10 }, g10, 60)
	t.eq(kind, "percent")
	t.eq(value, 10)
	t.eq(reason, "st_types avg > 80 in 1 of 1 x 60s: 90; in alarm: +10%")
	kind, value, reason = t.eval(simple{ alarm = a, adjustment_type = "PercentChangeInCapacity",
		adjustment = 10, min_adjustment_magnitude = 1 }, g10, 60)
	t.eq(kind, "change")
	t.eq(value, 1)
	t.eq(g10.desired + value, 11)
	t.eq(reason, "st_types avg > 80 in 1 of 1 x 60s: 90; in alarm: +10% of 10 -> +1")
end)

t.test("simple: the guide's rounding and MinAdjustmentMagnitude examples", function()
	-- "Values greater than 1 are rounded down. For example, 12.7 is rounded
	-- to 12. Values between 0 and 1 are rounded to 1. For example, .67 is
	-- rounded to 1. Values between 0 and -1 are rounded to -1. For example,
	-- -.58 is rounded to -1. Values less than -1 are rounded up. For
	-- example, -6.67 is rounded to -6." The deltas come from desired x
	-- percent / 100 (10 x 127%, 1 x 67%, 1 x -58%, 667 x -1%).
	per_minute("st_round", { 90 })
	local a = alarm{ series = "st_round", comparison = ">=", threshold = 80 }
	local cases = { { 10, 127, 12 }, { 1, 67, 1 }, { 1, -58, -1 }, { 667, -1, -6 } }
	for _, c in ipairs(cases) do
		local p = simple{ alarm = a, adjustment_type = "PercentChangeInCapacity",
			adjustment = c[2], min_adjustment_magnitude = 1 }
		local kind, value = t.eval(p, t.group{ name = "round" .. c[1] .. "_" .. c[2],
			current = c[1] }, 60)
		t.eq(kind, "change")
		t.eq(value, c[3], string.format("%d x %d%%", c[1], c[2]))
	end
	-- "suppose that you create a policy that adds 25 percent and you
	-- specify a minimum increment of 2 instances. If you have an Auto
	-- Scaling group with 4 instances ... 25 percent of 4 is 1 instance.
	-- However, because you specified a minimum increment of 2, there are 2
	-- instances added."
	local p = simple{ alarm = a, adjustment_type = "PercentChangeInCapacity", adjustment = 25,
		min_adjustment_magnitude = 2 }
	local kind, value, reason = t.eval(p, t.group{ name = "mag4", current = 4 }, 60)
	t.eq(kind, "change")
	t.eq(value, 2)
	t.eq(reason, "st_round avg >= 80 in 1 of 1 x 60s: 90; in alarm: +25% of 4 -> +1, "
		.. "at least 2: +2")
	-- a delta already past the magnitude is kept; scale-in by at least 2 too;
	-- a group at 0 gets the magnitude (a percent of 0 alone is 0)
	kind, value = t.eval(p, t.group{ name = "mag20", current = 20 }, 60)
	t.eq(value, 5)
	local pin = simple{ alarm = a, adjustment_type = "PercentChangeInCapacity",
		adjustment = -10, min_adjustment_magnitude = 2 }
	kind, value, reason = t.eval(pin, t.group{ name = "mag5", current = 5 }, 60)
	t.eq(value, -2)
	t.eq(reason, "st_round avg >= 80 in 1 of 1 x 60s: 90; in alarm: -10% of 5 -> -1, "
		.. "at least 2: -2")
	kind, value = t.eval(p, t.group{ name = "mag0", current = 0 }, 60)
	t.eq(value, 2)
end)


t.test("step and simple: in ALARM tick after tick, each reason follows its datapoints", function()
	-- the alarm's text and the reasons are kept per group while nothing
	-- they say moves: a new sample, another desired (with a magnitude) or
	-- another step must each show
	t.series("st_tick", { { 30, 60 } })
	local a = alarm{ series = "st_tick", comparison = ">=", threshold = 50 }
	local out = step{ alarm = a, adjustment_type = "PercentChangeInCapacity", steps = OUT_STEPS }
	local mag = simple{ alarm = a, adjustment_type = "PercentChangeInCapacity", adjustment = 25,
		min_adjustment_magnitude = 2 }
	local add = simple{ alarm = a, adjustment_type = "ChangeInCapacity", adjustment = 1 }
	local g = t.group{ current = 10 }
	local function expect(p, now, kind, value, reason)
		local k, v, r = t.eval(p, g, now)
		t.eq(k, kind, "kind at " .. now)
		t.eq(v, value, "value at " .. now)
		t.eq(r, reason, "reason at " .. now)
	end
	local head = "st_tick avg >= 50 in 1 of 1 x 60s: "
	expect(out, 60, "percent", 10, head .. "60; 60 is +10 from 50, step [10, 20): +10%")
	expect(out, 60, "percent", 10, head .. "60; 60 is +10 from 50, step [10, 20): +10%")
	expect(add, 60, "change", 1, head .. "60; in alarm: +1")
	expect(mag, 60, "change", 2, head .. "60; in alarm: +25% of 10 -> +2")
	-- (60 + 64) / 2 = 62: the same step
	t.push("st_tick", { { 50, 64 } })
	expect(out, 60, "percent", 10, head .. "62; 62 is +12 from 50, step [10, 20): +10%")
	expect(add, 60, "change", 1, head .. "62; in alarm: +1")
	t.update(g, { desired = 4 })
	expect(mag, 60, "change", 2, head .. "62; in alarm: +25% of 4 -> +1, at least 2: +2")
	t.update(g, { desired = 20 })
	expect(mag, 60, "change", 5, head .. "62; in alarm: +25% of 20 -> +5")
	-- (60 + 64 + 92) / 3 = 72: the next step
	t.push("st_tick", { { 55, 92 } })
	expect(out, 60, "percent", 30, head .. "72; 72 is +22 from 50, step [20, inf): +30%")
	expect(add, 60, "change", 1, head .. "72; in alarm: +1")
end)


---------------------------------------------------------- alarm states

t.test("simple and step: they act only in ALARM, and abstain otherwise", function()
	per_minute("st_quiet", { 10, 90 })
	local a = alarm{ series = "st_quiet", comparison = ">=", threshold = 80 }
	local s1 = simple{ alarm = a, adjustment_type = "ChangeInCapacity", adjustment = 1 }
	local s2 = step{ alarm = a, adjustment_type = "ChangeInCapacity",
		steps = { { lower = 0, adjustment = 1 } } }
	local g = t.group{ name = "quiet", current = 2 }
	t.eq((t.eval(s1, g, 60)), "none") -- OK
	t.eq((t.eval(s2, g, 60)), "none")
	t.eq((t.eval(s1, g, 120)), "change") -- ALARM
	t.eq((t.eval(s2, g, 120)), "change")
	t.eq((t.eval(s1, g, 1000)), "none") -- INSUFFICIENT_DATA
	t.eq((t.eval(s2, g, 1000)), "none")
end)

t.test("step: the newest datapoint picks the step; none covering it holds", function()
	-- 2 of 3: 90, 95 breach, the newest (70) does not; it picks the step,
	-- and the scale-out steps start at the threshold
	per_minute("st_mofn", { 90, 95, 70 })
	local a = alarm{ series = "st_mofn", comparison = ">=", threshold = 80,
		evaluation_periods = 3, datapoints_to_alarm = 2 }
	local p = step{ alarm = a, adjustment_type = "ChangeInCapacity",
		steps = { { lower = 0, upper = 10, adjustment = 1 }, { lower = 10, adjustment = 3 } } }
	local kind, value, reason = t.eval(p, t.group{ name = "mofn", current = 4 }, 180)
	t.eq(kind, "hold")
	t.eq(value, 0)
	t.eq(reason, "st_mofn avg >= 80 in 2 of 3 x 60s (2 to alarm): 70, 95, 90; "
		.. "70 is -10 from 80: no step covers it")
	-- one period earlier the newest is 95, 15 over: step [10, inf)
	kind, value, reason = t.eval(p, t.group{ name = "mofn2", current = 4 }, 120)
	t.eq(kind, "change")
	t.eq(value, 3)
	t.eq(reason, "st_mofn avg >= 80 in 2 of 3 x 60s (2 to alarm): 95, 90, - (1 missing); "
		.. "95 is +15 from 80, step [10, inf): +3")
end)

t.test("step: ALARM on missing data alone has no datapoint to pick a step", function()
	per_minute("st_void", { 50 })
	local a = alarm{ series = "st_void", comparison = ">=", threshold = 80,
		treat_missing_data = "breaching" }
	local p = step{ alarm = a, adjustment_type = "ChangeInCapacity",
		steps = { { lower = 0, adjustment = 1 } } }
	local g = t.group{ name = "void", current = 4 }
	local kind, _, reason = t.eval(p, g, 1000)
	t.eq(kind, "hold")
	t.eq(reason, "st_void avg >= 80 in 1 of 1 x 60s: - (missing as breaching); "
		.. "no datapoint to pick a step")
	-- simple scaling needs no metric value
	kind, _, reason = t.eval(simple{ alarm = a, adjustment_type = "ChangeInCapacity",
		adjustment = 1 }, g, 1000)
	t.eq(kind, "change")
	t.eq(reason, "st_void avg >= 80 in 1 of 1 x 60s: - (missing as breaching); in alarm: +1")
end)

t.test("step: decide gives the plan without proposing", function()
	per_minute("st_plan", { 75 })
	local a = alarm{ series = "st_plan", comparison = "<", threshold = 80 }
	local p = step{ alarm = a, adjustment_type = "ExactCapacity",
		steps = { { upper = -10, adjustment = 1 }, { lower = -10, upper = 0, adjustment = 2 } } }
	t.eq(p.name, "step")
	t.eq(p.series[1], "st_plan")
	t.eq(p.alarm, a)
	local plan
	local kind = t.eval(function(g, s) plan = p:decide(g, s) end, t.group{ name = "plan" }, 60)
	t.eq(kind, "none")
	t.eq(plan.state, "ALARM")
	t.eq(plan.kind, "set")
	t.eq(plan.value, 2)
	t.eq(plan.step.lower, -10)
	t.eq(plan.points[1].value, 75)
	t.eq(plan.text, "st_plan avg < 80 in 1 of 1 x 60s: 75")
	t.eq(plan.reason, "st_plan avg < 80 in 1 of 1 x 60s: 75; 75 is -5 from 80, step (-10, 0]: set 2")
	local s = simple{ alarm = a, adjustment_type = "ChangeInCapacity", adjustment = -1 }
	t.eq(s.name, "simple")
	t.eq(s.series[1], "st_plan")
	t.eval(function(g, sv) plan = s:decide(g, sv) end, t.group{ name = "plan2" }, 1000)
	t.eq(plan.state, "INSUFFICIENT_DATA")
	t.eq(plan.kind, nil)
end)


------------------------------------------------------------ bad arguments

t.test("step: the step sets AWS accepts and refuses", function()
	local a = alarm{ series = "x", comparison = ">=", threshold = 50 }
	local function mk(steps, atype)
		return step{ alarm = a, adjustment_type = atype or "ChangeInCapacity", steps = steps }
	end
	-- the guide's two sets, in any order
	t.eq(#mk(OUT_STEPS, "PercentChangeInCapacity").steps, 3)
	t.eq(#mk({ IN_STEPS[3], IN_STEPS[1], IN_STEPS[2] }, "PercentChangeInCapacity").steps, 3)
	t.eq(mk({ IN_STEPS[3], IN_STEPS[1], IN_STEPS[2] }).steps[1].upper, -20)
	-- both sides in one set
	t.eq(#mk{ { upper = 0, adjustment = -1 }, { lower = 0, adjustment = 1 } }.steps, 2)
	refuses(function() mk(nil) end,
		"policy.step: steps must be a list of { lower = , upper = , adjustment = }")
	refuses(function() mk{} end, "steps must be a list of")
	refuses(function() mk{ 5 } end,
		"steps[1] must be { lower = , upper = , adjustment = }, got number")
	refuses(function() mk{ { lowr = 0, adjustment = 1 } } end, "steps[1]: unknown key \"lowr\"")
	refuses(function() mk{ { lower = "0", adjustment = 1 } } end,
		"steps[1]: lower must be a number or nil, got string")
	refuses(function() mk{ { lower = 0, upper = math.huge, adjustment = 1 } } end,
		"steps[1]: upper must be a number or nil, got inf")
	refuses(function() mk{ { adjustment = 1 } } end,
		"steps[1]: lower and upper cannot both be nil")
	refuses(function() mk{ { lower = 10, upper = 10, adjustment = 1 } } end,
		"steps[1]: lower (10) must be below upper (10)")
	refuses(function() mk{ { lower = 0, adjustment = 1.5 } } end,
		"steps[1].adjustment must be a whole number for ChangeInCapacity, got 1.5")
	refuses(function() mk{ { lower = 0 } } end, "steps[1].adjustment must be a number, got nil")
	refuses(function() mk({ { lower = 0, adjustment = -1 } }, "ExactCapacity") end,
		"steps[1].adjustment must be >= 0 for ExactCapacity, got -1")
	refuses(function() mk({ { lower = 0, adjustment = -101 } }, "PercentChangeInCapacity") end,
		"steps[1].adjustment must be >= -100 for PercentChangeInCapacity, got -101")
	refuses(function() mk{ { upper = -5, adjustment = -1 }, { upper = 0, adjustment = 0 } } end,
		"only one step can have no lower bound")
	refuses(function() mk{ { lower = 0, adjustment = 1 }, { lower = 5, adjustment = 2 } } end,
		"only one step can have no upper bound")
	refuses(function()
		mk{ { lower = 0, upper = 10, adjustment = 1 }, { lower = 5, adjustment = 2 } }
	end, "steps[1] [0, 10) and steps[2] [5, inf) overlap")
	refuses(function()
		mk{ { lower = 10, adjustment = 2 }, { lower = 0, upper = 10, adjustment = 1 },
			{ lower = 0, upper = 5, adjustment = 1 } }
	end, "overlap")
	refuses(function()
		mk{ { lower = 0, upper = 10, adjustment = 1 }, { lower = 20, adjustment = 2 } }
	end, "gap between steps[1] (upper 10) and steps[2] (lower 20)")
	refuses(function()
		mk{ { lower = -10, upper = 0, adjustment = 0 }, { lower = 0, adjustment = 1 } }
	end, "steps[1] has a negative lower bound (-10), so a step with no lower bound is needed")
	refuses(function()
		mk{ { upper = 0, adjustment = -1 }, { lower = 0, upper = 10, adjustment = 1 } }
	end, "steps[2] has a positive upper bound (10), so a step with no upper bound is needed")
end)

t.test("step and simple: bad arguments", function()
	local a = alarm{ series = "x", comparison = ">=", threshold = 50 }
	refuses(function() simple{ alarm = a, adjustment_type = "ChangeInCapacity" } end,
		"policy.simple: adjustment must be a number, got nil")
	refuses(function() simple{ alarm = { series = "x" }, adjustment_type = "ChangeInCapacity",
		adjustment = 1 } end, "policy.simple: alarm must be a policy.alarm{...}, got table")
	refuses(function() step{ adjustment_type = "ChangeInCapacity", steps = OUT_STEPS } end,
		"policy.step: alarm must be a policy.alarm{...}, got nil")
	refuses(function() simple{ alarm = a, adjustment_type = "Percent", adjustment = 1 } end,
		"adjustment_type must be ChangeInCapacity, ExactCapacity or PercentChangeInCapacity, "
		.. "got \"Percent\"")
	refuses(function() simple{ alarm = a, adjustment = 1 } end,
		"adjustment_type must be ChangeInCapacity, ExactCapacity or PercentChangeInCapacity, "
		.. "got nil")
	refuses(function() simple{ alarm = a, adjustment_type = "ChangeInCapacity", adjustment = 1,
		min_adjustment_magnitude = 2 } end,
		"min_adjustment_magnitude needs adjustment_type PercentChangeInCapacity, "
		.. "not ChangeInCapacity")
	refuses(function() simple{ alarm = a, adjustment_type = "PercentChangeInCapacity",
		adjustment = 10, min_adjustment_magnitude = 0 } end,
		"min_adjustment_magnitude must be at least 1, got 0")
	refuses(function() simple{ alarm = a, adjustment_type = "PercentChangeInCapacity",
		adjustment = 10, min_adjustment_magnitude = 1.5 } end,
		"min_adjustment_magnitude must be a whole number, got 1.5")
	refuses(function() simple{ alarm = a, adjustment_type = "ExactCapacity",
		adjustment = -2 } end, "adjustment must be >= 0 for ExactCapacity, got -2")
	refuses(function() simple{ alarm = a, adjustment_type = "ChangeInCapacity",
		adjustment = 1, steps = {} } end, "policy.simple: unknown argument \"steps\"")
	refuses(function() step{ alarm = a, adjustment_type = "ChangeInCapacity",
		adjustment = 1 } end, "policy.step: unknown argument \"adjustment\"")
	refuses(function() step("x") end, "policy.step: expects a table of arguments, got string")
	-- a percent adjustment need not be whole (AWS's is)
	t.eq(simple{ alarm = a, adjustment_type = "PercentChangeInCapacity",
		adjustment = 12.5 }.name, "simple")
end)
