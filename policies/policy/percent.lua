-- policy/percent.lua - percent scale-out, step scale-in on consecutive periods
-- (docs/policies.md is the reference).

local U = require "policy.util"

local floor, ceil, abs, mtype = math.floor, math.ceil, math.abs, math.type
local format = string.format
local seconds, stat_of, read, num = U.seconds, U.stat_of, U.read, U.num
local need_number, need_integer, need_series = U.need_number, U.need_integer, U.need_series
local check_keys, constructor, duration_text = U.check_keys, U.constructor, U.duration_text

-- Percent scale-out when the statistic is at or above out_at in each of the
-- last `periods` consecutive periods; step scale-in when it is at or below
-- in_at in each of them; hold otherwise. Period k (k = 0 .. periods-1) is
-- the window (now - (k+1)*period, now - k*period].
return constructor("percent", function(args)
	check_keys(args, { series = true, stat = true, period = true, periods = true,
		out_at = true, out_percent = true, in_at = true, in_change = true })
	local series = need_series(args)
	local stat = stat_of(args.stat or "avg")
	local period = seconds(args.period or "120s", "period")
	local ptext = duration_text(args.period or "120s")
	local periods = args.periods == nil and 2 or need_integer(args, "periods")
	if periods < 1 then
		error(format("periods must be at least 1, got %d", periods), 0)
	end
	local has_out = args.out_at ~= nil or args.out_percent ~= nil
	local has_in = args.in_at ~= nil or args.in_change ~= nil
	if not has_out and not has_in then
		error("give out_at and out_percent, in_at and in_change, or both pairs", 0)
	end
	local out_at, out_percent, in_at, in_change
	if has_out then
		out_at, out_percent = need_number(args, "out_at"), need_number(args, "out_percent")
		if out_percent <= 0 then
			error(format("out_percent must be more than 0, got %s", num(out_percent)), 0)
		end
	end
	if has_in then
		in_at, in_change = need_number(args, "in_at"), need_integer(args, "in_change")
		if in_change >= 0 then
			error(format("in_change must be negative, got %d", in_change), 0)
		end
	end
	if has_out and has_in and in_at >= out_at then
		error(format("in_at (%s) must be below out_at (%s)", num(in_at), num(out_at)), 0)
	end
	local span = periods == 1 and ptext or format("%d x %s", periods, ptext)

	return {
		name = "percent",
		series = { series },
		evaluate = function(self, g, s)
			local v = s[series]
			local high, low, newest = true, true, nil
			local lo, hi
			for k = 0, periods - 1 do
				local x = read(v, stat, period, k * period)
				if x == nil then
					return g:hold(format("no data in series '%s' for the last %s", series,
						span))
				end
				newest = newest or x
				lo = (lo == nil or x < lo) and x or lo
				hi = (hi == nil or x > hi) and x or hi
				if not out_at or x < out_at then high = false end
				if not in_at or x > in_at then low = false end
			end
			if high then
				return g:percent(out_percent, format("%s %s >= %s for %s (lowest %s): +%s%%",
					series, stat.name, num(out_at), span, num(lo), num(out_percent)))
			end
			if low then
				return g:change(in_change, format("%s %s <= %s for %s (highest %s): %d",
					series, stat.name, num(in_at), span, num(hi), in_change))
			end
			return g:hold(format("%s %s %s over the last %s: no alarm", series, stat.name,
				num(newest), ptext))
		end,
	}
end)
