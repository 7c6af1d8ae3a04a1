-- target_test.lua - policy.target and policy.target.behavior, against the
-- real policy API (run by tests/lua/run_policy_tests.c; see there for the
-- `t` table). Each test uses its own series names: a series can be made
-- once per file.

local t = ...
local target = require "policy.target"

local samples = t.samples

local function refuses(fn, text)
	return t.refuses(fn, text)
end

local function flat(series, value)
	t.series(series, samples({ value, value, value }, 60, 10))
end

-- kind, value, reason of one evaluation at t = 60 s
local function eval(p, current, desired)
	local kind, value, reason = t.eval(p, t.group{ current = current, desired = desired }, 60)
	return kind, value, reason
end


---------------------------------------------------------- one metric (as before)

t.test("target: desired scales with value / target", function()
	flat("tg_hi", 90)
	local kind, value, reason = eval(target{ series = "tg_hi", target = 60 }, 4, 4)
	t.eq(kind, "set")
	t.eq(value, 6)
	t.eq(reason, "tg_hi avg 90 vs target 60: 4 x 1.5 -> 6")
	flat("tg_lo", 30)
	kind, value, reason = eval(target{ series = "tg_lo", target = 60 }, 4, 4)
	t.eq(kind, "set")
	t.eq(value, 2)
	t.eq(reason, "tg_lo avg 30 vs target 60: 4 x 0.5 -> 2")
	-- rounds up: 3 * 70 / 60 = 3.5 -> 4
	flat("tg_up", 70)
	kind, value = eval(target{ series = "tg_up", target = 60 }, 3, 3)
	t.eq(value, 4)
	-- but not for rounding noise: 15 * 124 / 60 is 31.000000000000004 in floats
	flat("tg_noise", 124)
	kind, value = eval(target{ series = "tg_noise", target = 60 }, 15, 15)
	t.eq(value, 31)
	-- from zero: ceil(ratio)
	flat("tg_zero", 150)
	kind, value, reason = eval(target{ series = "tg_zero", target = 60 }, 0, 0)
	t.eq(value, 3)
	t.eq(reason, "tg_zero avg 150 vs target 60: 1 x 2.5 -> 3")
end)

t.test("target: hold within the tolerance", function()
	flat("tg_in", 66) -- 66 / 60 is 1.1000000000000001 in floats
	local kind, value, reason = eval(target{ series = "tg_in", target = 60 }, 10, 10)
	t.eq(kind, "hold")
	t.eq(value, 0)
	t.eq(reason, "tg_in avg 66 within 10% of target 60")
	flat("tg_out", 66.1)
	kind, value = eval(target{ series = "tg_out", target = 60 }, 10, 10)
	t.eq(kind, "set")
	t.eq(value, 12)
	kind, value = eval(target{ series = "tg_in", target = 60, tolerance = 0 }, 10, 10)
	t.eq(kind, "set")
	t.eq(value, 11)
	-- HPA 1.33's tolerance per direction: none up, 20% down
	local asym = { up = 0, down = 0.2 }
	kind, value, reason = eval(target{ series = "tg_in", target = 60, tolerance = asym }, 10, 10)
	t.eq(kind, "set")
	t.eq(value, 11)
	t.eq(reason, "tg_in avg 66 vs target 60: 10 x 1.1 -> 11")
	flat("tg_in_lo", 48) -- 0.8: just inside 20% down
	kind, value, reason = eval(target{ series = "tg_in_lo", target = 60, tolerance = asym },
		10, 10)
	t.eq(kind, "hold")
	t.eq(reason, "tg_in_lo avg 48 within -20%/+0% of target 60")
	kind, value, reason = eval(target{ series = "tg_in_lo", target = 60,
		tolerance = { down = 0.15 } }, 10, 10)
	t.eq(kind, "set")
	t.eq(value, 8)
end)

t.test("target: window, stat and no data", function()
	-- 100 at 10 s, 10 at 50 s and 60 s: the 30 s window sees only the 10s
	t.series("tg_w", { { 10, 100 }, { 50, 10 }, { 60, 10 } })
	local kind, value = eval(target{ series = "tg_w", target = 10, window = "30s" }, 2, 2)
	t.eq(kind, "hold")
	kind, value = eval(target{ series = "tg_w", target = 10, stat = "max", window = 60 }, 2, 2)
	t.eq(kind, "set")
	t.eq(value, 20)
	local reason, missing
	kind, value, reason = t.eval(target{ series = "tg_w", target = 10, window = "5s" },
		t.group{ current = 2, desired = 2 }, 100)
	t.eq(kind, "hold")
	t.eq(reason, "no data in series 'tg_w' for the last 5s")
	t.series("tg_empty", {})
	kind, _, _, _, missing = t.eval(target{ series = "tg_empty", target = 10 },
		t.group{ current = 2 }, 100)
	t.eq(kind, "hold")
	t.eq(missing, true)
end)


------------------------------------------------------------- HPA's examples

t.test("target: kubernetes.io's examples", function()
	-- kubernetes.io, Horizontal Pod Autoscaling, "Algorithm details": a
	-- metric of 200m for a target of 100m doubles the replicas, 50m halves them
	flat("tg_k8s_200", 200)
	local kind, value, reason = eval(target{ series = "tg_k8s_200", target = 100 }, 3, 3)
	t.eq(kind, "set")
	t.eq(value, 6)
	t.eq(reason, "tg_k8s_200 avg 200 vs target 100: 3 x 2 -> 6")
	flat("tg_k8s_50", 50)
	kind, value, reason = eval(target{ series = "tg_k8s_50", target = 100 }, 4, 4)
	t.eq(value, 2)
	t.eq(reason, "tg_k8s_50 avg 50 vs target 100: 4 x 0.5 -> 2")
	-- kubernetes.io blog "Kubernetes v1.33: HorizontalPodAutoscaler
	-- Configurable Tolerance": 50 replicas at 90% CPU for a target of 75%
	-- gives 60 (the ratio 1.2 is 20% off, past the 10% tolerance)
	flat("tg_k8s_cpu", 90)
	kind, value, reason = eval(target{ series = "tg_k8s_cpu", target = 75 }, 50, 50)
	t.eq(kind, "set")
	t.eq(value, 60)
	t.eq(reason, "tg_k8s_cpu avg 90 vs target 75: 50 x 1.2 -> 60")
	-- the same blog: 5% tolerance down, none up
	kind, value = eval(target{ series = "tg_k8s_cpu", target = 88,
		tolerance = { up = 0, down = 0.05 } }, 50, 50)
	t.eq(value, 52) -- 50 x 90 / 88 = 51.1
end)

t.test("target: Value and AverageValue", function()
	-- a total of 900 (say requests/s for the whole group), target 100
	flat("tg_total", 900)
	local kind, value, reason = eval(target{ series = "tg_total", target = 100, type = "Value" },
		4, 4)
	t.eq(kind, "set")
	t.eq(value, 36)
	t.eq(reason, "tg_total avg 900 vs target 100: 4 x 9 -> 36")
	kind, value, reason = eval(target{ series = "tg_total", target = 100,
		type = "AverageValue" }, 4, 4)
	t.eq(kind, "set")
	t.eq(value, 9)
	t.eq(reason, "tg_total avg 900 / 4 units = 225 vs target 100: 900 / 100 -> 9")
	-- 420 over 4 units is 105 each: within 10% of 100
	flat("tg_total_in", 420)
	kind, value, reason = eval(target{ series = "tg_total_in", target = 100,
		type = "AverageValue" }, 4, 4)
	t.eq(kind, "hold")
	t.eq(reason, "tg_total_in avg 420 / 4 units = 105 within 10% of target 100")
	-- 130 over 4 units: ceil(130 / 100) = 2
	flat("tg_total_lo", 130)
	kind, value, reason = eval(target{ series = "tg_total_lo", target = 100,
		type = "AverageValue" }, 4, 4)
	t.eq(value, 2)
	t.eq(reason, "tg_total_lo avg 130 / 4 units = 32.5 vs target 100: 130 / 100 -> 2")
	-- Utilization (the default) reads a per-unit average, computes as Value
	kind, value = eval(target{ series = "tg_total_lo", target = 100, type = "Utilization" },
		4, 4)
	t.eq(value, 6)
end)

t.test("target: from zero, ceil(ratio) and no tolerance", function()
	-- replica_calculator.go, getUsageRatioReplicaCount: currentReplicas 0
	-- gives ceil(usageRatio), the tolerance not applied
	flat("tg_z_in", 95)
	local kind, value, reason = eval(target{ series = "tg_z_in", target = 100, type = "Value" },
		0, 0)
	t.eq(kind, "set")
	t.eq(value, 1)
	t.eq(reason, "tg_z_in avg 95 vs target 100: 1 x 0.95 -> 1")
	flat("tg_z_none", 0)
	kind, value = eval(target{ series = "tg_z_none", target = 100, type = "Value" }, 0, 0)
	t.eq(kind, "set")
	t.eq(value, 0)
	-- GetObjectPerPodMetricReplicas: ceil(total / target average)
	flat("tg_z_avg", 250)
	kind, value, reason = eval(target{ series = "tg_z_avg", target = 100,
		type = "AverageValue" }, 0, 0)
	t.eq(value, 3)
	t.eq(reason, "tg_z_avg avg 250 at 0 units vs target 100: 250 / 100 -> 3")
	-- nothing measured yet, desired 5 on its way: what the load needs
	kind, value = eval(target{ series = "tg_z_avg", target = 100, type = "AverageValue" }, 0, 5)
	t.eq(kind, "set")
	t.eq(value, 3)
end)

t.test("target: the units counted are g.current", function()
	-- 4 running at 90% of 60 while desired is already 10: 6 is enough, but
	-- the proposal is never against the metric
	flat("tg_cur_hi", 90)
	local p = target{ series = "tg_cur_hi", target = 60 }
	local kind, value, reason = eval(p, 4, 10)
	t.eq(kind, "hold")
	t.eq(reason, "tg_cur_hi avg 90 vs target 60: 4 x 1.5 -> 6; desired 10 is already higher")
	kind, value, reason = eval(p, 6, 4) -- two more running than desired
	t.eq(kind, "set")
	t.eq(value, 9)
	t.eq(reason, "tg_cur_hi avg 90 vs target 60: 6 x 1.5 -> 9")
	kind, value, reason = eval(p, -1, 4) -- current unknown: desired
	t.eq(value, 6)
	t.eq(reason, "tg_cur_hi avg 90 vs target 60: 4 x 1.5 -> 6")
	-- 10 still running at 80% of target while desired is 6: hold
	flat("tg_cur_lo", 48)
	kind, value, reason = eval(target{ series = "tg_cur_lo", target = 60 }, 10, 6)
	t.eq(kind, "hold")
	t.eq(reason, "tg_cur_lo avg 48 vs target 60: 10 x 0.8 -> 8; desired 6 is already lower")
	kind, value = eval(target{ series = "tg_cur_lo", target = 60 }, 10, 10)
	t.eq(kind, "set")
	t.eq(value, 8)
end)


-------------------------------------------------------------- several metrics

t.test("target: several metrics, the largest wins", function()
	flat("tg_m_cpu", 90)   -- 4 x 1.5 -> 6
	flat("tg_m_qps", 900)  -- AverageValue 100: 9
	flat("tg_m_mem", 62)   -- within 10% of 60: hold at desired
	flat("tg_m_low", 15)   -- 4 x 0.25 -> 1
	local p = target{ metrics = {
		{ series = "tg_m_cpu", target = 60 },
		{ series = "tg_m_qps", target = 100, type = "AverageValue" },
	} }
	t.eq(p.name, "target")
	t.eq(#p.series, 2)
	t.eq(p.series[2], "tg_m_qps")
	local kind, value, reason = eval(p, 4, 4)
	t.eq(kind, "set")
	t.eq(value, 9)
	t.eq(reason, "tg_m_qps avg 900 / 4 units = 225 vs target 100: 900 / 100 -> 9 (largest of 2)")
	-- a metric within its tolerance holds desired, which beats a scale-in
	p = target{ metrics = { { series = "tg_m_low", target = 60 },
		{ series = "tg_m_mem", target = 60 } } }
	kind, value, reason = eval(p, 4, 4)
	t.eq(kind, "hold")
	t.eq(reason, "tg_m_mem avg 62 within 10% of target 60 (largest of 2)")
	-- scale-in when every metric wants it; ties go to the first listed
	flat("tg_m_low2", 15)
	p = target{ metrics = { { series = "tg_m_low", target = 60 },
		{ series = "tg_m_low2", target = 60 } } }
	kind, value, reason = eval(p, 4, 4)
	t.eq(value, 1)
	t.eq(reason, "tg_m_low avg 15 vs target 60: 4 x 0.25 -> 1 (largest of 2)")
	-- one series twice (stat and window per metric, defaults from the policy)
	t.series("tg_m_same", { { 30, 40 }, { 50, 60 }, { 60, 80 } })
	p = target{ stat = "max", window = "20s", metrics = {
		{ series = "tg_m_same", target = 20 },
		{ series = "tg_m_same", target = 20, stat = "min", window = 60 } } }
	t.eq(#p.series, 1)
	kind, value, reason = eval(p, 1, 1)
	t.eq(value, 4)
	t.eq(reason, "tg_m_same max 80 vs target 20: 1 x 4 -> 4 (largest of 2)")
end)

t.test("target: a metric without data blocks scale-in only", function()
	flat("tg_n_hi", 90)
	flat("tg_n_lo", 15)
	t.series("tg_n_none", {})
	local p = target{ metrics = { { series = "tg_n_none", target = 60 },
		{ series = "tg_n_hi", target = 60 } } }
	local kind, value, reason = eval(p, 4, 4)
	t.eq(kind, "set")
	t.eq(value, 6)
	t.eq(reason, "tg_n_hi avg 90 vs target 60: 4 x 1.5 -> 6 (largest of 2; no data: tg_n_none)")
	p = target{ metrics = { { series = "tg_n_lo", target = 60 },
		{ series = "tg_n_none", target = 60 } } }
	kind, value, reason = eval(p, 4, 4)
	t.eq(kind, "hold")
	t.eq(reason, "no data in series 'tg_n_none' for the last 60s: no scale-in")
	p = target{ metrics = { { series = "tg_n_none", target = 60 },
		{ series = "tg_n_none", target = 60, window = "5m" } } }
	kind, value, reason = eval(p, 4, 4)
	t.eq(kind, "hold")
	t.eq(reason, "no data in series 'tg_n_none' for the last 60s")
end)

t.test("target: each tick's reason follows the read, the units and desired", function()
	-- the winner's reason is kept per group while none of these moves
	t.series("tg_move", { { 10, 66 } })
	local p = target{ series = "tg_move", target = 60 }
	local g = t.group{ current = 10 }
	local function expect(now, kind, value, reason)
		local k, v, r = t.eval(p, g, now)
		t.eq(k, kind, "kind at " .. now)
		t.eq(v, value, "value at " .. now)
		t.eq(r, reason, "reason at " .. now)
	end
	expect(20, "hold", 0, "tg_move avg 66 within 10% of target 60")
	-- (66 + 90) / 2 = 78: 1.3 x 10
	t.push("tg_move", { { 30, 90 } })
	expect(30, "set", 13, "tg_move avg 78 vs target 60: 10 x 1.3 -> 13")
	t.update(g, { current = 5, desired = 5 })
	expect(30, "set", 7, "tg_move avg 78 vs target 60: 5 x 1.3 -> 7")
	t.update(g, { desired = 8 })
	expect(30, "hold", 0, "tg_move avg 78 vs target 60: 5 x 1.3 -> 7; desired 8 is already higher")
	t.update(g, { desired = 6 })
	expect(30, "set", 7, "tg_move avg 78 vs target 60: 5 x 1.3 -> 7")
	t.update(g, { current = 6 })
	expect(30, "set", 8, "tg_move avg 78 vs target 60: 6 x 1.3 -> 8")
	-- another group on the same policy and read: its own reason
	t.eq(select(3, t.eval(p, t.group{ current = 10 }, 30)),
		"tg_move avg 78 vs target 60: 10 x 1.3 -> 13")
end)

t.test("target: bad arguments", function()
	refuses(function() target{ series = "x" } end,
		"policy.target: target must be a number, got nil")
	refuses(function() target{ series = "x", target = 0 } end,
		"target must be more than 0, got 0")
	refuses(function() target{ series = "x", target = 1, tolerance = 1 } end,
		"tolerance must be in [0, 1), got 1")
	refuses(function() target{ series = "x", target = 1, stat = "p101" } end,
		"unknown stat \"p101\"")
	refuses(function() target{ series = "x", target = 1, type = "value" } end,
		"type must be \"Utilization\", \"Value\" or \"AverageValue\", got \"value\"")
	refuses(function() target{ series = "x", target = 1, tolerance = { up = -0.1 } } end,
		"tolerance.up must be in [0, 1), got -0.1")
	refuses(function() target{ series = "x", target = 1, tolerance = { dn = 0.1 } } end,
		"tolerance: unknown key \"dn\" (up, down)")
	refuses(function() target{ series = "x", target = 1, metrics = { { series = "y" } } } end,
		"give series and target, or metrics, not both")
	refuses(function() target{ metrics = {} } end,
		"metrics must be a list of at least one { series = , target = }, got an empty table")
	refuses(function() target{ metrics = { { series = "y", target = 1 }, x = 1 } } end,
		"metrics must be a list, it has key x")
	refuses(function() target{ metrics = { { series = "y", target = 1 }, "z" } } end,
		"metrics[2] must be a table, got string")
	refuses(function() target{ metrics = { { series = "y", target = -1 } } } end,
		"policy.target: metrics[1]: target must be more than 0, got -1")
	refuses(function() target{ metrics = { { series = "y", target = 1, tolerance = 0 } } } end,
		"metrics[1]: unknown argument \"tolerance\"")
	refuses(function() target{ metrics = { { series = "y", target = 1, window = "1x" } } } end,
		"metrics[1]: window: invalid duration \"1x\"")
	refuses(function() target{ window = 0, metrics = { { series = "y", target = 1,
		window = 5 } } } end, "window must be more than 0 seconds, got 0")
	refuses(function() target{ series = "x", target = 1, targt = 2 } end,
		"unknown argument \"targt\"")
end)


------------------------------------------------------------------ behavior

t.test("target.behavior: HPA's defaults", function()
	-- kubernetes.io, "Default Behavior": scaleDown: 300 s window, 100 percent
	-- per 15 s; scaleUp: no window, 4 pods or 100 percent per 15 s, Max
	local b = target.behavior{}
	t.eq(b.stabilization.up, 0)
	t.eq(b.stabilization.down, 300)
	t.eq(b.rate.up.select, "max")
	t.eq(#b.rate.up, 2)
	t.eq(b.rate.up[1].pods, 4)
	t.eq(b.rate.up[1].period, 15)
	t.eq(b.rate.up[2].percent, 100)
	t.eq(b.rate.up[2].period, 15)
	t.eq(#b.rate.down, 1)
	t.eq(b.rate.down[1].percent, 100)
	t.eq(b.rate.down[1].period, 15)
	b = target.behavior()
	t.eq(b.stabilization.down, 300)
	-- a longer scale-down window; the rest stays HPA's
	b = target.behavior{ scaleDown = { stabilizationWindowSeconds = 600 } }
	t.eq(b.stabilization.up, 0)
	t.eq(b.stabilization.down, 600)
	t.eq(b.rate.up[1].pods, 4)
end)

t.test("target.behavior: every policy, period and select maps as it is", function()
	local b = target.behavior{
		scaleUp = { stabilizationWindowSeconds = 60, selectPolicy = "Min",
			policies = { { type = "Percent", value = 150, periodSeconds = 60 },
				{ type = "Pods", value = 3, periodSeconds = 30 } } },
		scaleDown = { selectPolicy = "Disabled", policies = {} },
	}
	t.eq(b.stabilization.up, 60)
	t.eq(b.rate.up.select, "min")
	t.eq(b.rate.up[1].percent, 150)
	t.eq(b.rate.up[1].period, 60)
	t.eq(b.rate.up[2].pods, 3)
	t.eq(b.rate.up[2].period, 30)
	t.eq(b.rate.down.select, "disabled")
	t.eq(#b.rate.down, 0)
end)

t.test("target.behavior: what the pipeline cannot express", function()
	local five = {}
	for i = 1, 5 do five[i] = { type = "Pods", value = i, periodSeconds = 15 } end
	refuses(function() target.behavior{ scaleUp = { policies = five } } end,
		"policy.target.behavior: scaleUp.policies: at most 4 policies (the group's rate takes "
		.. "4 per direction), got 5")
	refuses(function() target.behavior{ scaleDown = { tolerance = 0.05 } } end,
		"scaleDown.tolerance: give tolerance to policy.target instead")
end)

t.test("target.behavior: bad arguments", function()
	refuses(function() target.behavior{ scaleup = {} } end, "unknown argument \"scaleup\"")
	refuses(function() target.behavior{ scaleUp = 5 } end, "scaleUp must be a table, got number")
	refuses(function() target.behavior{ scaleUp = { window = 5 } } end,
		"scaleUp: unknown field \"window\" (stabilizationWindowSeconds, selectPolicy, policies)")
	refuses(function() target.behavior{ scaleUp = { stabilizationWindowSeconds = 3601 } } end,
		"scaleUp.stabilizationWindowSeconds must be in [0, 3600], got 3601")
	refuses(function() target.behavior{ scaleUp = { stabilizationWindowSeconds = "5m" } } end,
		"scaleUp.stabilizationWindowSeconds must be a whole number, got string")
	refuses(function() target.behavior{ scaleUp = { selectPolicy = "max" } } end,
		"scaleUp.selectPolicy must be \"Max\", \"Min\" or \"Disabled\", got \"max\"")
	refuses(function() target.behavior{ scaleUp = { policies = {} } } end,
		"scaleUp.policies must be a list of at least one policy")
	refuses(function() target.behavior{ scaleUp = { policies = {
		{ type = "pods", value = 1, periodSeconds = 15 } } } } end,
		"scaleUp.policies[1].type must be \"Pods\" or \"Percent\", got \"pods\"")
	refuses(function() target.behavior{ scaleUp = { policies = {
		{ type = "Pods", value = 0, periodSeconds = 15 } } } } end,
		"scaleUp.policies[1].value must be in [1, 1000000], got 0")
	refuses(function() target.behavior{ scaleDown = { policies = {
		{ type = "Pods", value = 1, periodSeconds = 1801 } } } } end,
		"scaleDown.policies[1].periodSeconds must be in [1, 1800], got 1801")
	refuses(function() target.behavior{ scaleDown = { policies = {
		{ type = "Pods", value = 1, period = 15 } } } } end,
		"scaleDown.policies[1]: unknown field \"period\" (type, value, periodSeconds)")
end)
