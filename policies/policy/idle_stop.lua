-- policy/idle_stop.lua - push-start and idle stop: an event starts units,
-- and they stop once their work has gone idle (docs/policies/idle_stop.md).
--
--   policy.idle_stop{ event = "train", units = 10, idle = "15m",
--                     series = "cpu", below = 5 }
--
-- On each event named `event` the group grows by its units (the payload's
-- `units` field when it has one, else `units`). When the series has stayed
-- below `below` (a queue: at 0, with below = 1) for the whole of `idle`, and
-- the last start is at least `idle` ago, the group goes to 0. Otherwise the
-- policy abstains.

local U = require "policy.util"

local floor, mtype = math.floor, math.type
local format = string.format
local num, seconds = U.num, U.seconds

local MAX_UNITS = 1000000
local COVER = 366 * 86400 -- "any sample before the window"

-- The units an event asks for: its payload's `units`, else the default.
local function units_of(ev, dflt)
	local u = ev.data and ev.data.units
	if u == nil then
		return dflt, nil
	end
	if mtype(u) == nil or u ~= floor(u) or u < 1 or u > MAX_UNITS then
		return nil, format("event '%s': units must be a whole number from 1 to %d, got %s",
			ev.name, MAX_UNITS, tostring(u))
	end
	return floor(u), nil
end

return U.constructor("idle_stop", function(args)
	U.check_keys(args, { event = true, units = true, idle = true, series = true, stat = true,
		below = true })
	if type(args.event) ~= "string" or args.event == "" then
		error(format("event must be an event name, got %s", type(args.event)), 0)
	end
	local event = args.event
	local units = args.units == nil and 1 or U.need_integer(args, "units")
	if units < 1 or units > MAX_UNITS then
		error(format("units must be between 1 and %d, got %d", MAX_UNITS, units), 0)
	end
	local idle = seconds(args.idle or "10m", "idle")
	local itext = U.duration_text(args.idle or "10m")
	local series = U.need_series(args)
	local stat = U.stat_of(args.stat or "max")
	local below = U.need_number(args, "below")

	local sname, pct = stat.name, stat.pct -- U.read, inline
	local state_of = U.per_group()

	return {
		name = "idle_stop",
		series = { series },
		evaluate = function(self, g, s)
			local st = state_of[g]
			if not st then
				st = {}
				state_of[g] = st
			end
			local add, first = 0, nil
			local events = g.events
			for i = 1, #events do
				local ev = events[i]
				if ev.name == event then
					local u, err = units_of(ev, units)
					if not u then
						error(err, 0)
					end
					add = add + u
					first = first or ev.time
					st.started = ev.time
				end
			end
			local desired = g.desired
			if add > 0 then
				local want = desired + add
				want = want > MAX_UNITS and MAX_UNITS or want
				return g:set(want, format("event '%s' at %s: +%d units -> %d", event,
					num(first), add, want))
			end
			if desired <= 0 then
				return nil
			end
			if st.started and g.now - st.started < idle then
				return nil -- just started: give the work time to arrive
			end
			local v = s[series]
			-- idle only when the samples cover the window: some inside it, and
			-- one at or before its start
			if v:count(idle) == 0 or v:last(COVER, idle) == nil then
				return nil
			end
			local x
			if pct then
				x = v:pct(pct, idle)
			else
				x = v[sname](v, idle)
			end
			if x ~= nil and x < below then
				return g:set(0, format("%s %s %s < %s for %s: idle, stop", series, stat.name,
					num(x), num(below), itext))
			end
			return nil
		end,
	}
end)
