-- policy/queue_step.lua - absolute step scaling on a queue
-- (docs/policies.md is the reference).

local U = require "policy.util"

local floor, ceil, abs, mtype = math.floor, math.ceil, math.abs, math.type
local format = string.format
local seconds, stat_of, num = U.seconds, U.stat_of, U.num
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

	-- Reasons: the value's text between texts made here once; the last
	-- value and step and their reason kept (on the policy, not per group)
	-- while the value does not move (the series gets a sample every few
	-- ticks).
	local head = format("%s %s ", series, stat.name)
	local n, thrs, caps, tails = #steps, {}, {}, {}
	for i, step in ipairs(steps) do
		thrs[i], caps[i] = step[1], step[2]
		tails[i] = format(" >= step %s: %d", num(step[1]), step[2])
	end
	local below = format(" is below the first step (%s)", num(steps[1][1]))
	local no_data = format("no data in series '%s'", series)
	local sname, pct = stat.name, stat.pct -- U.read, inline
	local last_v, last_i, last_text = nil, nil, nil

	return {
		name = "queue_step",
		series = { series },
		steps = steps,
		evaluate = function(self, g, s)
			local v
			if pct then
				v = s[series]:pct(pct, window)
			else
				local view = s[series]
				v = view[sname](view, window)
			end
			if v == nil then
				return g:hold(no_data)
			end
			local i = n
			while i > 0 and not (v >= thrs[i]) do
				i = i - 1
			end
			if last_v ~= v or last_i ~= i or not last_text then
				last_v, last_i = v, i
				last_text = head .. num(v) .. (i > 0 and tails[i] or below)
			end
			if i == 0 then
				return g:hold(last_text)
			end
			return g:set(caps[i], last_text)
		end,
	}
end)
