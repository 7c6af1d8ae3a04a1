-- policy/fleet_units.lua - capacity in units with weighted instance types, as
-- an EC2 Spot Fleet or an Auto Scaling group with instance weights fills it
-- (docs/policies/fleet_units.md is the reference).
--
--   local fleet = policy.fleet_units{ types = { {type = "r3.xlarge", weight = 2, price = 0.05},
--                                              {type = "r3.8xlarge", weight = 8, price = 0.10} } }
--   fleet:instances(10)  --> { {type = "r3.8xlarge", count = 2, units = 16} }, 16
--   fleet:describe(10)   --> "2 x r3.8xlarge (16 units)"
--   fleet:wrap(inner)    --> a policy: inner proposes units, the group gets what the fleet provides
--   policy.fleet_units{ types = ..., units = inner }  is  fleet:wrap(inner)

local U = require "policy.util"

local floor, ceil, mtype = math.floor, math.ceil, math.type
local format, concat, sort = string.format, table.concat, table.sort
local num, check_keys, constructor = U.num, U.check_keys, U.constructor

local STRATEGIES = { ["lowest-price"] = true, diversified = true }

-- Rounding that ignores floating-point noise: 2.1 / 0.7 is 3, not 4.
local function up(x) return ceil(x - 1e-9) end
local function down(x) return floor(x + 1e-9) end

local function check_types(list, strategy)
	if type(list) ~= "table" or #list == 0 then
		error("types must be a list of {type = \"name\", weight = N, price = P}", 0)
	end
	local out, seen = {}, {}
	for i, ty in ipairs(list) do
		if type(ty) ~= "table" then
			error(format("types[%d] must be a table, got %s", i, type(ty)), 0)
		end
		for k in pairs(ty) do
			if k ~= "type" and k ~= "weight" and k ~= "price" then
				error(format("types[%d]: unknown field \"%s\"", i, tostring(k)), 0)
			end
		end
		local name, w, p = ty.type, ty.weight, ty.price
		if type(name) ~= "string" or name == "" then
			error(format("types[%d]: type must be a name such as \"c5.large\", got %s", i,
				type(name)), 0)
		end
		if seen[name] then
			error(format("types[%d]: %s is listed twice", i, name), 0)
		end
		seen[name] = true
		if w == nil then
			w = 1
		elseif not mtype(w) or w < 1 or w ~= floor(w) or w > 1e6 then
			error(format("types[%d] (%s): weight must be a whole number >= 1, got %s", i, name,
				mtype(w) and num(w) or type(w)), 0)
		end
		if p ~= nil and (not mtype(p) or p <= 0 or p == math.huge) then
			error(format("types[%d] (%s): price must be a number > 0, got %s", i, name,
				mtype(p) and num(p) or type(p)), 0)
		end
		if p == nil and strategy == "lowest-price" then
			error(format("types[%d] (%s): price is required for strategy \"lowest-price\"", i,
				name), 0)
		end
		out[i] = { type = name, weight = floor(w), price = p, index = i }
	end
	return out
end

-- The fleet's fill of `units` (a number >= 0): a list of {type, count,
-- units} (types with no instance left out) and the units it provides.
local function fill(self, units)
	local types, out, total = self.types, {}, 0
	if units <= 0 then
		return out, 0
	end
	if self.strategy == "lowest-price" then
		-- every unit from the cheapest type per unit hour; when every type
		-- would launch a single instance, per instance hour
		local single = true
		for _, ty in ipairs(types) do
			if ty.weight < units then single = false end
		end
		local best
		for _, ty in ipairs(types) do
			local cost = single and ty.price or ty.price / ty.weight
			if not best or cost < best.cost then
				best = { ty = ty, cost = cost }
			end
		end
		local count = up(units / best.ty.weight)
		out[1] = { type = best.ty.type, count = count, units = count * best.ty.weight }
		return out, out[1].units
	end
	-- diversified: heaviest types first, each takes whole instances within an
	-- equal share of the units left; the last (lightest) rounds up
	local order = {}
	for i, ty in ipairs(types) do order[i] = ty end
	sort(order, function(a, b)
		if a.weight ~= b.weight then return a.weight > b.weight end
		return a.index < b.index
	end)
	local left = units
	for i, ty in ipairs(order) do
		local count
		if i < #order then
			count = down(left / (#order - i + 1) / ty.weight)
		else
			count = left > 0 and up(left / ty.weight) or 0
		end
		if count > 0 then
			out[#out + 1] = { type = ty.type, count = count, units = count * ty.weight }
			left, total = left - count * ty.weight, total + count * ty.weight
		end
	end
	return out, total
end

local function mix_text(list, total)
	if #list == 0 then
		return "no instances"
	end
	local parts = {}
	for i, it in ipairs(list) do
		parts[i] = format("%d x %s", it.count, it.type)
	end
	return format("%s (%s units)", concat(parts, " + "), num(total))
end

local function need_units(units)
	if not mtype(units) or units < 0 or units ~= units or units == math.huge then
		error(format("units must be a number >= 0, got %s",
			mtype(units) and num(units) or type(units)), 0)
	end
	return units
end

-- What the engine does with a percent proposal (core/group.c, group_resolve).
local function resolve_percent(base, p)
	local delta = base * p / 100
	if delta > 1 then delta = floor(delta)
	elseif delta > 0 then delta = 1
	elseif delta >= -1 and delta < 0 then delta = -1
	elseif delta < -1 then delta = ceil(delta) end
	return base + delta
end

local TOKEN = setmetatable({}, { __tostring = function() return "fleet_units proposal" end })

-- A stand-in for the group view that records the inner policy's proposal
-- instead of making it; every field and g:group() read the real view.
local function proxy_of(g, slot)
	local function reason_of(r)
		if type(r) ~= "string" then
			error(format("a reason (string) is required, got %s", type(r)), 3)
		end
		return r
	end
	local methods = {
		set = function(_, n, r)
			if not mtype(n) or n < 0 or n ~= floor(n) then
				error(format("set: capacity must be a whole number >= 0, got %s", tostring(n)), 2)
			end
			slot.kind, slot.value, slot.reason = "set", n, reason_of(r)
			return TOKEN
		end,
		change = function(_, n, r)
			if not mtype(n) or n ~= floor(n) then
				error(format("change: n must be a whole number, got %s", tostring(n)), 2)
			end
			slot.kind, slot.value, slot.reason = "change", n, reason_of(r)
			return TOKEN
		end,
		percent = function(_, p, r)
			if not mtype(p) or p < -100 or p ~= p then
				error(format("percent: p must be a number >= -100, got %s", tostring(p)), 2)
			end
			slot.kind, slot.value, slot.reason = "percent", p, reason_of(r)
			return TOKEN
		end,
		hold = function(_, r)
			slot.kind, slot.value, slot.reason = "hold", 0, reason_of(r)
			return TOKEN
		end,
		group = function(_, name) return g:group(name) end,
	}
	return setmetatable({}, {
		__index = function(_, k)
			local m = methods[k]
			if m then return m end
			return g[k]
		end,
		__newindex = function(_, k)
			error(format("group '%s' is read-only (field '%s')", g.name, tostring(k)), 2)
		end,
	})
end

local function check_inner(inner)
	if type(inner) == "function" then
		return {}
	end
	if type(inner) == "table" and type(inner.evaluate) == "function" then
		local series = {}
		for i, name in ipairs(type(inner.series) == "table" and inner.series or {}) do
			series[i] = name
		end
		return series
	end
	error(format("units must be a policy (a function, or a table with evaluate), got %s",
		type(inner)), 0)
end

local function wrap(fleet, inner)
	local series = check_inner(inner)
	-- One stand-in per group, made on its first tick: the inner policy
	-- keys its per-group state by the view it is given, so a new one each
	-- tick would lose that state (and cost a table and seven closures).
	local proxies = U.per_group() -- group view -> { proxy, slot }
	-- the fleet's last mix and reason, and what they say (on the policy,
	-- not per group)
	local m_units, m_total, m_tail, m_reason, m_text
	return {
		name = "fleet_units",
		series = series,
		strategy = fleet.strategy,
		types = fleet.types,
		instances = fleet.instances,
		describe = fleet.describe,
		evaluate = function(self, g, s)
			local made = proxies[g]
			if not made then
				local fresh = {}
				made = { proxy_of(g, fresh), fresh }
				proxies[g] = made
			end
			local proxy, slot = made[1], made[2]
			slot.kind, slot.value, slot.reason = nil, nil, nil -- this tick's proposal only
			local ret
			if type(inner) == "function" then
				ret = inner(proxy, s)
			else
				ret = inner:evaluate(proxy, s)
			end
			if ret == nil then
				return nil
			end
			if ret ~= TOKEN then
				error(format("policy.fleet_units: the units policy returned a %s, not a proposal",
					type(ret)), 0)
			end
			if slot.kind == "hold" then
				return g:hold(slot.reason)
			end
			local units = slot.value
			if slot.kind == "change" then
				units = g.desired + units
			elseif slot.kind == "percent" then
				units = resolve_percent(g.desired, units)
			end
			units = units < 0 and 0 or units
			-- what the fleet provides is a function of the units: kept while
			-- they do not move; the reason while they and the inner reason
			-- do not
			if m_units ~= units or not m_tail then
				local list, total = fill(fleet, units)
				m_units, m_total, m_reason = units, total, nil
				m_tail = total == 0 and " -> 0 units: no instances"
					or " -> " .. num(units) .. " units as " .. mix_text(list, total)
			end
			if m_reason ~= slot.reason then
				m_reason, m_text = slot.reason, slot.reason .. m_tail
			end
			return g:set(m_total, m_text)
		end,
	}
end

local build = constructor("fleet_units", function(args)
	check_keys(args, { types = true, strategy = true, units = true })
	local strategy = args.strategy == nil and "lowest-price" or args.strategy
	if not STRATEGIES[strategy] then
		error(format("strategy %s is not supported (use \"lowest-price\" or \"diversified\")",
			type(strategy) == "string" and "\"" .. strategy .. "\"" or type(strategy)), 0)
	end
	local fleet = { strategy = strategy, types = check_types(args.types, strategy) }
	function fleet.instances(self, units)
		local ok, res = pcall(need_units, units)
		if not ok then
			error("policy.fleet_units: instances: " .. res, 2)
		end
		return fill(self, res)
	end
	function fleet.describe(self, units)
		local ok, res = pcall(need_units, units)
		if not ok then
			error("policy.fleet_units: describe: " .. res, 2)
		end
		return mix_text(fill(self, res))
	end
	function fleet.wrap(self, inner)
		local ok, res = pcall(wrap, self, inner)
		if not ok then
			error("policy.fleet_units: wrap: " .. res, 2)
		end
		return res
	end
	if args.units ~= nil then
		return wrap(fleet, args.units)
	end
	return fleet
end)

return build
