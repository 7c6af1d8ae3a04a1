-- policy/queue_step.lua - absolute step scaling on a queue
-- (docs/policies.md is the reference).

local U = require "policy.util"

local floor, ceil, abs, mtype = math.floor, math.ceil, math.abs, math.type
local format = string.format
local seconds, stat_of, read, num = U.seconds, U.stat_of, U.read, U.num
local need_number, need_integer, need_series = U.need_number, U.need_integer, U.need_series
local check_keys, constructor, duration_text = U.check_keys, U.constructor, U.duration_text

-- Absolute step scaling on a queue: the capacity of the highest step whose
-- threshold is <= the value. Scales to zero with a {0, 0} step.
return constructor("queue_step", function(args)
	check_keys(args, { series = true, steps = true, stat = true, window = true })
	local series = need_series(args)
	local stat = stat_of(args.stat or "last")
	local window = args.window ~= nil and seconds(args.window, "window") or nil
	if type(args.steps) ~= "table" or #args.steps == 0 then
		error("steps must be a list of {threshold, capacity}", 0)
	end
	local steps = {}
	for i, step in ipairs(args.steps) do
		if type(step) ~= "table" or not mtype(step[1]) or not mtype(step[2]) then
			error(format("steps[%d] must be {threshold, capacity}", i), 0)
		end
		local thr, cap = step[1], step[2]
		if cap < 0 or cap ~= floor(cap) then
			error(format("steps[%d]: capacity must be a whole number >= 0, got %s", i,
				num(cap)), 0)
		end
		if i > 1 and thr <= steps[i - 1][1] then
			error(format("steps[%d]: thresholds must increase (%s after %s)", i, num(thr),
				num(steps[i - 1][1])), 0)
		end
		steps[i] = { thr, floor(cap) }
	end

	return {
		name = "queue_step",
		series = { series },
		steps = steps,
		evaluate = function(self, g, s)
			local v = read(s[series], stat, window)
			if v == nil then
				return g:hold(format("no data in series '%s'", series))
			end
			for i = #steps, 1, -1 do
				local thr, cap = steps[i][1], steps[i][2]
				if v >= thr then
					return g:set(cap, format("%s %s %s >= step %s: %d", series, stat.name,
						num(v), num(thr), cap))
				end
			end
			return g:hold(format("%s %s %s is below the first step (%s)", series, stat.name,
				num(v), num(steps[1][1])))
		end,
	}
end)
