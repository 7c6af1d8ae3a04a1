-- policy/spot_failover.lua - move a group's market mix to on-demand while spot
-- costs as much as on-demand, and back to spot when it is cheaper again
-- (docs/policies/spot_failover.md is the reference).

local U = require "policy.util"

local floor, mtype = math.floor, math.type
local format = string.format
local seconds, num = U.seconds, U.num
local check_keys, constructor = U.check_keys, U.constructor

-- Float noise in od x (1 - margin) must not put a price at the band below
-- it; the clock is in milliseconds, so durations compare to half of one.
local EPS, TICK = 1e-9, 0.0005

-- A window that holds every sample at or before now (the API takes < 1e12 s);
-- an integer, which the API reads without a conversion.
local ALL = 100000000000

local MIX_KEYS = { on_demand_base = true, on_demand_percent = true }
local MIX_MAX = { on_demand_base = 1000000, on_demand_percent = 100 } -- as g:mix takes them

local function shown(v)
	return type(v) == "string" and format("\"%s\"", v) or type(v)
end

local function need_name(v, what)
	if type(v) ~= "string" or v == "" then
		error(format("%s must be a series name, got %s", what, shown(v)), 0)
	end
	return v
end

-- spot = "name" or a non-empty list of distinct names.
local function pools_of(v)
	if type(v) == "string" then
		return { need_name(v, "spot") }
	end
	if type(v) ~= "table" then
		error(format("spot must be a series name or a list of them, got %s", type(v)), 0)
	end
	local n, pools, seen = #v, {}, {}
	if n == 0 then
		error("spot must list at least one series", 0)
	end
	for k in pairs(v) do
		if mtype(k) ~= "integer" or k < 1 or k > n then
			error(format("spot must be a list of series names, it has key %s", shown(k)), 0)
		end
	end
	for i = 1, n do
		local name = need_name(v[i], format("spot[%d]", i))
		if seen[name] then
			error(format("spot lists \"%s\" twice", name), 0)
		end
		seen[name] = true
		pools[i] = name
	end
	return pools
end

-- A mix argument: a table of on_demand_base / on_demand_percent, each a whole
-- number in g:mix's range; a field left out takes dflt's.
local function mix_of(v, what, dflt)
	if type(v) ~= "table" then
		error(format("%s must be a table { on_demand_base = n, on_demand_percent = p }, got %s",
			what, type(v)), 0)
	end
	for k in pairs(v) do
		if not MIX_KEYS[k] then
			error(format("%s: unknown key \"%s\" (on_demand_base, on_demand_percent)", what,
				tostring(k)), 0)
		end
	end
	if next(v) == nil then
		error(format("%s: give on_demand_base, on_demand_percent or both", what), 0)
	end
	local out = {}
	for k, max in pairs(MIX_MAX) do
		local x = v[k]
		if x == nil then
			x = dflt[k]
		elseif not mtype(x) or x ~= floor(x) or x < 0 or x > max then
			error(format("%s.%s must be a whole number from 0 to %d, got %s", what, k, max,
				mtype(x) and num(x) or shown(x)), 0)
		end
		out[k] = floor(x)
	end
	return out
end

-- Is mix a "more on-demand than or as much as" b? Percent first, then base
-- (the pipeline's tie order).
local function at_least(a_pct, a_base, b)
	if a_pct ~= b.on_demand_percent then
		return a_pct > b.on_demand_percent
	end
	return a_base >= b.on_demand_base
end

-- Prices in reasons: up to 6 decimals, trailing zeros dropped.
local function price(x)
	local s = format("%.6f", x):gsub("%.?0+$", "")
	return s == "" and "0" or s
end

-- How long a condition held, as scaled writes durations: 5m, 15m, 5m30s.
local function held(sec)
	sec = floor(sec * 1000 + 0.5) / 1000
	local whole = floor(sec)
	local h, m, s = whole // 3600, whole % 3600 // 60, whole % 60 + (sec - whole)
	local out = ""
	if h > 0 then out = out .. format("%dh", h) end
	if m > 0 then out = out .. format("%dm", m) end
	if s > 0 or out == "" then out = out .. num(s) .. "s" end
	return out
end

-- The group's side: on on-demand when its mix has at least od_mix's
-- percent, or that percent and at least its base. Unknown fields count as
-- AWS's defaults (base 0, 100%), as the pipeline takes them.
local function on_demand_side(g, od_mix)
	local pct = g.on_demand_percent
	local base = 0
	if pct == od_mix.on_demand_percent then
		base = g.on_demand_base or 0
	end
	return at_least(pct or 100, base, od_mix), pct
end

-- The warnings of the window, as st.warns (times in s) once this tick's
-- spot_interruption events are added; whether any came now.
local function warnings(st, g, now, window)
	local kept, fresh = {}, false
	local old = st.warns
	if old then
		for i = 1, #old do
			if now - old[i] < window then kept[#kept + 1] = old[i] end
		end
	end
	local events = g.events
	for i = 1, events and #events or 0 do
		local ev = events[i]
		if ev.name == "spot_interruption" and now - ev.time < window then
			kept[#kept + 1] = ev.time
			fresh = true
		end
	end
	st.warns = kept
	return #kept, fresh
end

return constructor("spot_failover", function(args)
	check_keys(args, { spot = true, on_demand = true, leave_after = true, return_after = true,
		margin = true, on_demand_mix = true, spot_mix = true, stale = true,
		interruptions = true, interruption_window = true })
	local pools = pools_of(args.spot)
	local od_series, od_price
	if type(args.on_demand) == "string" then
		od_series = need_name(args.on_demand, "on_demand")
		for _, p in ipairs(pools) do
			if p == od_series then
				error(format("on_demand series \"%s\" is also a spot pool", p), 0)
			end
		end
	elseif mtype(args.on_demand) then
		od_price = args.on_demand
		if not (od_price > 0 and od_price < math.huge) then
			error(format("on_demand must be more than 0, got %s", num(od_price)), 0)
		end
	else
		error(format("on_demand must be a series name or a price, got %s",
			type(args.on_demand)), 0)
	end
	local leave_after = seconds(args.leave_after or "5m", "leave_after")
	local return_after = seconds(args.return_after or "15m", "return_after")
	local margin = args.margin == nil and 0.1 or args.margin
	if not mtype(margin) then
		error(format("margin must be a number, got %s", shown(margin)), 0)
	end
	if not (margin >= 0 and margin < 1) then
		error(format("margin must be in [0, 1), got %s", num(margin)), 0)
	end
	local od_mix = { on_demand_base = 0, on_demand_percent = 100 }
	if args.on_demand_mix ~= nil then
		od_mix = mix_of(args.on_demand_mix, "on_demand_mix", od_mix)
	end
	local spot_mix -- nil: the group's mix from before it left, else 0/0
	if args.spot_mix ~= nil then
		spot_mix = mix_of(args.spot_mix, "spot_mix", { on_demand_base = 0, on_demand_percent = 0 })
		if at_least(spot_mix.on_demand_percent, spot_mix.on_demand_base, od_mix) then
			error(format("spot_mix (base %d, %d%%) must have less on-demand than on_demand_mix "
				.. "(base %d, %d%%): a lower percent, or the same percent and a lower base",
				spot_mix.on_demand_base, spot_mix.on_demand_percent,
				od_mix.on_demand_base, od_mix.on_demand_percent), 0)
		end
	elseif od_mix.on_demand_base == 0 and od_mix.on_demand_percent == 0 then
		error("on_demand_mix (base 0, 0%) leaves no room for a spot mix below it", 0)
	end
	local stale = args.stale ~= nil and seconds(args.stale, "stale") or nil
	-- spot interruption warnings (aws.interruptions' events): this many in
	-- the window leave spot whatever the prices; nil: events ignored
	local warn_n, warn_window, warn_text = args.interruptions, nil, nil
	if warn_n ~= nil then
		if mtype(warn_n) ~= "integer" and not (mtype(warn_n) and warn_n == floor(warn_n)) then
			error(format("interruptions must be a whole number of warnings, got %s",
				mtype(warn_n) and num(warn_n) or shown(warn_n)), 0)
		end
		if warn_n < 1 or warn_n > 1000 then
			error(format("interruptions must be from 1 to 1000, got %s", num(warn_n)), 0)
		end
		warn_n = floor(warn_n)
		warn_window = seconds(args.interruption_window or "10m", "interruption_window")
		warn_text = U.duration_text(args.interruption_window or "10m")
	elseif args.interruption_window ~= nil then
		error("interruption_window needs interruptions (how many warnings leave spot)", 0)
	end
	local pct_text = num(margin * 100) .. "%"
	local series = {}
	for i, p in ipairs(pools) do series[i] = p end
	if od_series then series[#series + 1] = od_series end
	local what = #pools > 1 and "cheapest spot" or "spot"

	-- A price is the newest sample stamped at or before now; with `stale`,
	-- only one at most that old counts (the window (now - w, now] is one
	-- millisecond longer, so that a sample exactly `stale` old is fresh, as
	-- the engine's staleness has it).
	local window = stale and math.min(stale + 0.001, ALL) or ALL

	local state_of = U.per_group()

	return {
		name = "spot_failover",
		series = series,
		mix = true,
		-- the same rule in C (core/policy_spot_failover.c), which the
		-- engine runs instead of evaluate below: the checked parameters and
		-- the texts made above; evaluate stays the reference
		-- (spot_failover_test.lua holds the two to the same proposals).
		-- interruptions: the C form declines, evaluate runs
		native = {
			kind = "spot_failover", id = U.native_id(),
			pools = table.move(pools, 1, #pools, 1, {}), od_series = od_series,
			od_price = od_price, window = window,
			leave_after = leave_after, return_after = return_after, margin = margin,
			od_base = od_mix.on_demand_base, od_percent = od_mix.on_demand_percent,
			spot_base = spot_mix and spot_mix.on_demand_base or nil,
			spot_percent = spot_mix and spot_mix.on_demand_percent or nil,
			what = what, pct_text = pct_text, interruptions = warn_n,
		},
		evaluate = function(self, g, s)
			-- every tick's path: plain loops, each group field read once
			local st = state_of[g]
			if not st then
				st = {}
				state_of[g] = st
			end
			local now = g.now
			-- interruption warnings first: events last one tick, and a
			-- missing price must not lose them
			local warned = 0
			if warn_n then
				local fresh
				warned, fresh = warnings(st, g, now, warn_window)
				if fresh then
					st.back_since = nil -- the count back to spot starts again
				end
				if warned >= warn_n then
					local on_od, pct = on_demand_side(g, od_mix)
					if not on_od then
						if pct ~= nil then
							st.before = { on_demand_base = g.on_demand_base or 0,
								on_demand_percent = pct }
						end
						st.leave_since = nil
						return g:mix(od_mix, format("%d spot interruption warning%s in %s: "
							.. "to on-demand", warned, warned == 1 and "" or "s", warn_text))
					end
				end
			end
			-- every price, or abstain: a missing or stale price moves nothing
			-- and breaks both conditions' runs
			local od = od_price or s[od_series]:last(window)
			local cheap, pool
			for i = 1, #pools do
				local name = pools[i]
				local x = s[name]:last(window)
				if x == nil then
					od = nil
					break
				elseif cheap == nil or x < cheap then
					cheap, pool = x, name
				end
			end
			if od == nil then
				st.leave_since, st.back_since = nil, nil
				return nil
			end
			if cheap >= od then
				st.leave_since = st.leave_since or now
			else
				st.leave_since = nil
			end
			if cheap < od * (1 - margin) - EPS * od then
				st.back_since = st.back_since or now
			else
				st.back_since = nil
			end
			if st.leave_since == nil and st.back_since == nil then
				return nil -- neither condition runs: nothing can switch
			end
			-- the group's side only when a run is long enough to switch
			local leave_due = st.leave_since and now - st.leave_since >= leave_after - TICK
			-- never back while the warnings that sent it leave still stand
			local back_due = st.back_since and now - st.back_since >= return_after - TICK
				and (not warn_n or warned < warn_n)
			if not leave_due and not back_due then
				return nil
			end
			local on_od, pct = on_demand_side(g, od_mix)
			local band = od * (1 - margin)
			if not on_od and leave_due then
				if pct ~= nil then
					st.before = { on_demand_base = g.on_demand_base or 0, on_demand_percent = pct }
				end
				return g:mix(od_mix, format("%s %s (%s) >= on-demand %s for %s: to on-demand",
					what, price(cheap), pool, price(od), held(now - st.leave_since)))
			end
			if on_od and back_due then
				local to = spot_mix or st.before or { on_demand_base = 0, on_demand_percent = 0 }
				return g:mix(to, format("%s %s (%s) < %s (on-demand %s less %s) for %s: back to "
					.. "spot", what, price(cheap), pool, price(band), price(od), pct_text,
					held(now - st.back_since)))
			end
			return nil
		end,
	}
end)
