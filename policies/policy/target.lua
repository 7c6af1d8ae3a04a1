-- policy/target.lua - target tracking
-- (docs/policies.md is the reference).

local U = require "policy.util"

local floor, ceil, abs, mtype = math.floor, math.ceil, math.abs, math.type
local format = string.format
local seconds, stat_of, read, num = U.seconds, U.stat_of, U.read, U.num
local need_number, need_integer, need_series = U.need_number, U.need_integer, U.need_series
local check_keys, constructor, duration_text = U.check_keys, U.constructor, U.duration_text

-- Target tracking (Kubernetes HPA style): desired = ceil(desired * value /
-- target), hold while value/target is within the tolerance of 1. From zero
-- the policy acts as if desired were 1.
return constructor("target", function(args)
	check_keys(args, { series = true, target = true, stat = true, window = true,
		tolerance = true })
	local series = need_series(args)
	local target = need_number(args, "target")
	if target <= 0 then
		error(format("target must be more than 0, got %s", num(target)), 0)
	end
	local stat = stat_of(args.stat or "avg")
	local window = seconds(args.window or "60s", "window")
	local tolerance = args.tolerance == nil and 0.1 or need_number(args, "tolerance")
	if tolerance < 0 or tolerance >= 1 then
		error(format("tolerance must be in [0, 1), got %s", num(tolerance)), 0)
	end
	local wtext = duration_text(args.window or "60s")

	return {
		name = "target",
		series = { series },
		evaluate = function(self, g, s)
			local x = read(s[series], stat, window)
			if x == nil then
				return g:hold(format("no data in series '%s' for the last %s", series, wtext))
			end
			local ratio = x / target
			-- the epsilon keeps 66 / 60 (= 1.1000000000000001) inside a 10% band
			if abs(ratio - 1) <= tolerance + 1e-9 then
				return g:hold(format("%s %s %s within %s%% of target %s", series, stat.name,
					num(x), num(tolerance * 100), num(target)))
			end
			local base = g.desired > 0 and g.desired or 1
			-- the epsilon keeps 15 * 124 / 60 (= 31.000000000000004) at 31
			local want = base * ratio - 1e-9
			want = want > 1e9 and 1e9 or want
			want = ceil(want)
			want = want < 0 and 0 or want
			return g:set(want, format("%s %s %s vs target %s: %d x %s -> %d", series,
				stat.name, num(x), num(target), base, num(ratio), want))
		end,
	}
end)
