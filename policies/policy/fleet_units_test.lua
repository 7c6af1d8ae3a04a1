-- fleet_units_test.lua - policy.fleet_units, against the real policy API
-- (run by tests/lua/run_policy_tests.c; see there for the `t` table).
-- Each test uses its own series names: a series can be made once per file.

local t = ...
local fleet_units = require "policy.fleet_units"
local queue = require "policy.queue"

local function refuses(fn, text)
	return t.refuses(fn, text, "fleet_units")
end

-- "2 x r3.8xlarge (16 units)" style, from the list instances() returns
local function mix(list, total)
	local parts, sum = {}, 0
	for i, it in ipairs(list) do
		parts[i] = it.count .. " x " .. it.type
		sum = sum + it.units
	end
	t.eq(sum, total, "the total is the sum of the types' units")
	return (#parts > 0 and table.concat(parts, " + ") or "none") .. " = " .. total
end

local function expect(p, g, now, kind, value, reason)
	local k, v, r = t.eval(p, g, now)
	t.eq(k, kind, "kind")
	t.eq(v, value, "value")
	t.eq(r, reason, "reason")
end

-- EC2 User Guide, "Spot Fleet instance weighting": a request with a target
-- capacity of 10; r3.xlarge (weight 2, $0.05 an instance hour, $.025 a unit
-- hour) launches 5 instances (10 / 2); r3.8xlarge (weight 8, $0.10, $.0125 a
-- unit hour) launches 2 (10 / 8, rounded up).
local R3XL = { type = "r3.xlarge", weight = 2, price = 0.05 }
local R38XL = { type = "r3.8xlarge", weight = 8, price = 0.10 }

t.test("fleet_units: the user guide's weighting table (target capacity 10)", function()
	local list, total = fleet_units{ types = { R3XL } }:instances(10)
	t.eq(mix(list, total), "5 x r3.xlarge = 10")
	list, total = fleet_units{ types = { R38XL } }:instances(10)
	t.eq(mix(list, total), "2 x r3.8xlarge = 16")
	-- both pools, lowest price: $.0125 a unit beats $.025
	local fleet = fleet_units{ types = { R3XL, R38XL } }
	list, total = fleet:instances(10)
	t.eq(mix(list, total), "2 x r3.8xlarge = 16")
	t.eq(list[1].type, "r3.8xlarge")
	t.eq(list[1].count, 2)
	t.eq(list[1].units, 16)
	t.eq(fleet:describe(10), "2 x r3.8xlarge (16 units)")
	t.eq(fleet.strategy, "lowest-price")
	-- the listed order does not matter
	t.eq(mix(fleet_units{ types = { R38XL, R3XL } }:instances(10)), "2 x r3.8xlarge = 16")
end)

t.test("fleet_units: lowest price per unit, per instance when one instance fills it", function()
	-- EC2 API reference, LaunchTemplateOverrides.WeightedCapacity: the price
	-- is per unit hour, but per instance hour when every weight is above the
	-- target capacity (only one instance is launched)
	local fleet = fleet_units{ types = { { type = "a.small", weight = 4, price = 0.10 },
		{ type = "a.large", weight = 8, price = 0.16 } } }
	t.eq(mix(fleet:instances(3)), "1 x a.small = 4")  -- $0.10 < $0.16 an instance
	t.eq(mix(fleet:instances(4)), "1 x a.small = 4")  -- every weight >= 4: still one instance
	t.eq(mix(fleet:instances(5)), "1 x a.large = 8")  -- $0.02 < $0.025 a unit
	t.eq(mix(fleet:instances(17)), "3 x a.large = 24")
	t.eq(mix(fleet:instances(2.5)), "1 x a.small = 4")
	t.eq(mix(fleet:instances(0)), "none = 0")
	t.eq(fleet:describe(0), "no instances")
	-- a tie per unit goes to the type listed first
	local tie = fleet_units{ types = { { type = "b.x", weight = 1, price = 0.01 },
		{ type = "b.y", weight = 2, price = 0.02 } } }
	t.eq(mix(tie:instances(5)), "5 x b.x = 5")
end)

t.test("fleet_units: diversified splits the units in equal shares", function()
	-- EC2 User Guide, "instance weighting for performance management":
	-- m5.large weight 1, m5.2xlarge weight 4, a target of 8 units can be
	-- 8 m5.large, 2 m5.2xlarge, or 4 m5.large and 1 m5.2xlarge; diversified
	-- gives the mix
	local m5 = { { type = "m5.large", weight = 1 }, { type = "m5.2xlarge", weight = 4 } }
	local fleet = fleet_units{ types = m5, strategy = "diversified" }
	t.eq(mix(fleet:instances(8)), "1 x m5.2xlarge + 4 x m5.large = 8")
	t.eq(fleet:describe(8), "1 x m5.2xlarge + 4 x m5.large (8 units)")
	-- one type alone (diversified: no price needed)
	t.eq(mix(fleet_units{ types = { m5[1] }, strategy = "diversified" }:instances(8)),
		"8 x m5.large = 8")
	t.eq(mix(fleet_units{ types = { m5[2] }, strategy = "diversified" }:instances(8)),
		"2 x m5.2xlarge = 8")
	-- the tutorial's Example Corp weights (r3.2xlarge 1, r3.4xlarge 2,
	-- r3.8xlarge 4) and target capacity 20: this module's rule (shares of
	-- 20/3, then 16/2, then the rest) gives 4 + 8 + 8 units
	local corp = fleet_units{ strategy = "diversified", types = {
		{ type = "r3.2xlarge", weight = 1 }, { type = "r3.4xlarge", weight = 2 },
		{ type = "r3.8xlarge", weight = 4 } } }
	t.eq(mix(corp:instances(20)), "1 x r3.8xlarge + 4 x r3.4xlarge + 8 x r3.2xlarge = 20")
	t.eq(mix(corp:instances(1)), "1 x r3.2xlarge = 1")
	t.eq(mix(corp:instances(13)), "1 x r3.8xlarge + 2 x r3.4xlarge + 5 x r3.2xlarge = 13")
	-- a weight above its share gets no instance; only the last rounds up
	local r3 = fleet_units{ types = { R3XL, R38XL }, strategy = "diversified" }
	t.eq(mix(r3:instances(10)), "5 x r3.xlarge = 10")
	t.eq(mix(r3:instances(16)), "1 x r3.8xlarge + 4 x r3.xlarge = 16")
	t.eq(mix(r3:instances(17)), "1 x r3.8xlarge + 5 x r3.xlarge = 18")
	-- equal weights: in the listed order
	local same = fleet_units{ strategy = "diversified", types = { { type = "x", weight = 2 },
		{ type = "y", weight = 2 }, { type = "z", weight = 2 } } }
	t.eq(mix(same:instances(10)), "1 x x + 2 x y + 2 x z = 10")
	t.eq(mix(same:instances(12)), "2 x x + 2 x y + 2 x z = 12")
end)

------------------------------------------------------------- the policy form

local TYPES = { R3XL, R38XL }

t.test("fleet_units: the inner policy's units become what the fleet provides", function()
	local g = t.group{ name = "fu", current = 16 }
	local function inner(kind, n)
		return function(gv) return gv[kind](gv, n, "inner " .. kind .. " " .. n) end
	end
	local p = fleet_units{ types = TYPES, units = inner("set", 10) }
	t.eq(p.name, "fleet_units")
	t.eq(#p.series, 0)
	expect(p, g, 10, "set", 16, "inner set 10 -> 10 units as 2 x r3.8xlarge (16 units)")
	expect(fleet_units{ types = TYPES, units = inner("set", 0) }, g, 10,
		"set", 0, "inner set 0 -> 0 units: no instances")
	-- change and percent count from the group's desired (16), as the engine does
	expect(fleet_units{ types = TYPES, units = inner("change", 1) }, g, 10,
		"set", 24, "inner change 1 -> 17 units as 3 x r3.8xlarge (24 units)")
	expect(fleet_units{ types = TYPES, units = inner("change", -20) }, g, 10,
		"set", 0, "inner change -20 -> 0 units: no instances")
	expect(fleet_units{ types = TYPES, units = inner("percent", 10) }, g, 10,
		"set", 24, "inner percent 10 -> 17 units as 3 x r3.8xlarge (24 units)")
	expect(fleet_units{ types = TYPES, units = inner("percent", -10) }, g, 10,
		"set", 16, "inner percent -10 -> 15 units as 2 x r3.8xlarge (16 units)")
	expect(fleet_units{ types = TYPES, units = inner("percent", 50) }, g, 10,
		"set", 24, "inner percent 50 -> 24 units as 3 x r3.8xlarge (24 units)")
	-- hold and abstain pass through
	expect(fleet_units{ types = TYPES, units = function(gv) return gv:hold("wait") end }, g, 10,
		"hold", 0, "wait")
	expect(fleet_units{ types = TYPES, units = function() end }, g, 10, "none", 0, "")
	-- the same through wrap(), with the fleet's methods on the policy
	local fleet = fleet_units{ types = TYPES, strategy = "diversified" }
	local wrapped = fleet:wrap(inner("set", 17))
	expect(wrapped, g, 10, "set", 18, "inner set 17 -> 17 units as 1 x r3.8xlarge + 5 x "
		.. "r3.xlarge (18 units)")
	t.eq(wrapped:describe(16), "1 x r3.8xlarge + 4 x r3.xlarge (16 units)")
end)

t.test("fleet_units: a library policy inside, with its series and state", function()
	t.series("fu_jobs", { { 10, 9 } })
	local p = fleet_units{ types = TYPES,
		units = queue{ backlog = "fu_jobs", jobs_per_worker = 2 } }
	t.eq(p.series[1], "fu_jobs")
	expect(p, t.group{ name = "fuq", current = 0 }, 20, "set", 8,
		"fu_jobs last 9 jobs > activation 0, 2 per worker: 5 -> 5 units as 1 x r3.8xlarge "
		.. "(8 units)")
	-- the inner policy reads the real group's fields and other groups
	t.group{ name = "fu_other", current = 7 }
	local seen
	local spy = fleet_units{ types = TYPES, units = function(gv)
		seen = string.format("%s %d %d %d", gv.name, gv.current, gv.desired,
			gv:group("fu_other").current)
		return gv:set(gv.desired, "same")
	end }
	expect(spy, t.group{ name = "fus", current = 3, desired = 4 }, 20,
		"set", 8, "same -> 4 units as 1 x r3.8xlarge (8 units)")
	t.eq(seen, "fus 3 4 7")
end)

t.test("fleet_units: the inner policy's state lasts from tick to tick", function()
	-- queue keeps, per group, when it first saw the queue empty: 1 unit
	-- until it has been empty for idle (300 s), then 0
	t.series("fu_idle", { { 0, 6 }, { 100, 0 } })
	local p = fleet_units{ types = TYPES,
		units = queue{ backlog = "fu_idle", jobs_per_worker = 2, window = "10m" } }
	local g = t.group{ current = 3 }
	expect(p, g, 10, "set", 8, "fu_idle last 6 jobs, 2 per worker: 3 -> 3 units as "
		.. "1 x r3.8xlarge (8 units)")
	expect(p, g, 100, "set", 2, "fu_idle last 0 jobs, empty for 0s (idle 300s): keep 1 -> "
		.. "1 units as 1 x r3.xlarge (2 units)")
	expect(p, g, 250, "set", 2, "fu_idle last 0 jobs, empty for 150s (idle 300s): keep 1 -> "
		.. "1 units as 1 x r3.xlarge (2 units)")
	expect(p, g, 400, "set", 0, "fu_idle last 0 jobs, empty for 300s (idle 300s): 0 -> "
		.. "0 units: no instances")
end)

t.test("fleet_units: each tick's mix follows the units, the same reason or not", function()
	local p = fleet_units{ types = TYPES, units = function(gv)
		return gv:set(gv.desired, "as desired")
	end }
	local g = t.group{ current = 16 }
	expect(p, g, 10, "set", 16, "as desired -> 16 units as 2 x r3.8xlarge (16 units)")
	t.update(g, { desired = 1 })
	expect(p, g, 10, "set", 2, "as desired -> 1 units as 1 x r3.xlarge (2 units)")
	t.update(g, { desired = 0 })
	expect(p, g, 10, "set", 0, "as desired -> 0 units: no instances")
	t.update(g, { desired = 16 })
	expect(p, g, 10, "set", 16, "as desired -> 16 units as 2 x r3.8xlarge (16 units)")
end)

t.test("fleet_units: a bad inner policy is the policy's error", function()
	local g = t.group{ current = 1 }
	local function err_of(fn)
		local kind, _, reason = t.eval(fleet_units{ types = TYPES, units = fn }, g, 10)
		t.eq(kind, "error")
		return reason
	end
	t.ok(err_of(function() return 3 end):find(
		"policy.fleet_units: the units policy returned a number, not a proposal", 1, true))
	t.ok(err_of(function(gv) return gv:set(1.5, "x") end):find(
		"set: capacity must be a whole number >= 0, got 1.5", 1, true))
	t.ok(err_of(function(gv) return gv:set(-1, "x") end):find(
		"set: capacity must be a whole number >= 0, got -1", 1, true))
	t.ok(err_of(function(gv) return gv:change(1) end):find(
		"a reason (string) is required, got nil", 1, true))
	t.ok(err_of(function(gv) return gv:percent(-101, "x") end):find(
		"percent: p must be a number >= -100, got -101", 1, true))
	t.ok(err_of(function(gv) gv.desired = 3 end):find("is read-only (field 'desired')", 1, true))
	t.ok(err_of(function(gv) return gv.curent end):find("has no field 'curent'", 1, true))
end)

t.test("fleet_units: bad arguments", function()
	refuses(function() fleet_units{ types = TYPES, strategy = "capacity-optimized" } end,
		"strategy \"capacity-optimized\" is not supported (use \"lowest-price\" or \"diversified\")")
	refuses(function() fleet_units{ types = TYPES, strategy = 1 } end,
		"strategy number is not supported")
	refuses(function() fleet_units{} end, "types must be a list of {type = \"name\"")
	refuses(function() fleet_units{ types = {} } end, "types must be a list")
	refuses(function() fleet_units{ types = { "c5.large" } } end,
		"types[1] must be a table, got string")
	refuses(function() fleet_units{ types = { { weight = 2, price = 1 } } } end,
		"types[1]: type must be a name such as \"c5.large\", got nil")
	refuses(function() fleet_units{ types = { R3XL, R3XL } } end,
		"types[2]: r3.xlarge is listed twice")
	refuses(function() fleet_units{ types = { { type = "a", weight = 0, price = 1 } } } end,
		"types[1] (a): weight must be a whole number >= 1, got 0")
	refuses(function() fleet_units{ types = { { type = "a", weight = 1.5, price = 1 } } } end,
		"types[1] (a): weight must be a whole number >= 1, got 1.5")
	refuses(function() fleet_units{ types = { { type = "a", weight = "2", price = 1 } } } end,
		"types[1] (a): weight must be a whole number >= 1, got string")
	refuses(function() fleet_units{ types = { { type = "a", price = 0 } } } end,
		"types[1] (a): price must be a number > 0, got 0")
	refuses(function() fleet_units{ types = { R3XL, { type = "b", weight = 2 } } } end,
		"types[2] (b): price is required for strategy \"lowest-price\"")
	refuses(function() fleet_units{ types = { { type = "a", wieght = 2 } } } end,
		"types[1]: unknown field \"wieght\"")
	refuses(function() fleet_units{ types = TYPES, units = 5 } end,
		"units must be a policy (a function, or a table with evaluate), got number")
	refuses(function() fleet_units{ types = TYPES, unit = 5 } end, "unknown argument \"unit\"")
	local fleet = fleet_units{ types = TYPES }
	refuses(function() fleet:instances(-1) end, "instances: units must be a number >= 0, got -1")
	refuses(function() fleet:instances("3") end, "instances: units must be a number >= 0, got string")
	refuses(function() fleet:describe() end, "describe: units must be a number >= 0, got nil")
	refuses(function() fleet:wrap({}) end, "wrap: units must be a policy")
	-- no price needed when diversified
	t.eq(fleet_units{ types = { { type = "a" } }, strategy = "diversified" }.types[1].weight, 1)
end)
