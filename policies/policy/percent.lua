-- policy/percent.lua - percent scale-out, step scale-in on consecutive periods,
-- built on policy.alarm and policy.simple (docs/policies/percent.md is the
-- reference).

local U = require "policy.util"
local alarm = require "policy.alarm"
local simple = require("policy.step").simple

local format = string.format
local seconds, stat_of, num = U.seconds, U.stat_of, U.num
local need_number, need_integer, need_series = U.need_number, U.need_integer, U.need_series
local check_keys, constructor, duration_text = U.check_keys, U.constructor, U.duration_text

-- Two alarms over the same `periods` consecutive periods (period k, k = 0
-- .. periods-1, is the window (now - (k+1)*period, now - k*period]): one
-- when the statistic is >= out_at in every one of them, with a simple
-- PercentChangeInCapacity of out_percent; one when it is <= in_at in every
-- one, with a simple ChangeInCapacity of in_change. Every period must have
-- data (else hold); neither alarm in ALARM: hold.
return constructor("percent", function(args)
	check_keys(args, { series = true, stat = true, period = true, periods = true,
		out_at = true, out_percent = true, in_at = true, in_change = true })
	local series = need_series(args)
	local stat = stat_of(args.stat or "avg")
	local period = args.period or "120s"
	seconds(period, "period")
	local ptext = duration_text(period)
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

	-- every datapoint must breach (M = N), and the alarm reads only the N
	-- periods themselves (no older datapoint stands in for a missing one)
	local share = {} -- the two alarms read the same periods: once between them
	local function rule(comparison, threshold, atype, adjustment)
		local a = alarm{ series = series, statistic = stat.name, period = period,
			evaluation_periods = periods, comparison = comparison, threshold = threshold,
			evaluation_range = periods, share = share }
		return simple{ alarm = a, adjustment_type = atype, adjustment = adjustment }
	end
	local out_rule = has_out and rule(">=", out_at, "PercentChangeInCapacity", out_percent)
	local in_rule = has_in and rule("<=", in_at, "ChangeInCapacity", in_change)
	local psec = seconds(period, "period")
	local counts = stat.name == "count"
	local sname, pct = stat.name, stat.pct -- U.read, inline
	local no_data = format("no data in series '%s' for the last %s", series, span)
	-- "<series> <stat> <x> over the last <period>: no alarm"
	local quiet_head = format("%s %s ", series, stat.name)
	local quiet_tail = format(" over the last %s: no alarm", ptext)
	-- the last quiet reason made, kept (on the policy, not per group) while
	-- the newest period's value does not move
	local quiet_x, quiet_text = nil, nil

	return {
		name = "percent",
		series = { series },
		-- every tick's path in C (core/policy_percent.c), which the engine
		-- runs instead of evaluate below while no alarm can fire (it hands
		-- the other ticks to evaluate); evaluate stays the reference
		-- (percent_test.lua holds the two to the same proposals)
		native = {
			kind = "percent", id = U.native_id(), series = series, stat = sname,
			pct = pct, period = psec, periods = periods, out_at = out_at, in_at = in_at,
			no_data = no_data, quiet_head = quiet_head, quiet_tail = quiet_tail,
		},
		evaluate = function(self, g, s)
			-- The quiet tick, on every tick's path: with M = N over the N
			-- periods, an alarm is in ALARM only when every period breaches,
			-- so when the lowest is below out_at and the highest above in_at
			-- neither can be, and the rules need not run. The periods are
			-- read here as the alarms read them (a period without data, or
			-- with a count of 0, is missing), without their shared memo: a
			-- tick at a new instant reads anyway, and the memo's check
			-- costs two series calls.
			local v = s[series]
			local stat_fn = not pct and v[sname] -- the method found once
			local x1
			if pct then
				x1 = v:pct(pct, psec)
			else
				x1 = stat_fn(v, psec)
			end
			-- every period is read even after a missing one, as the alarms
			-- read them: each read also tells the series how much to keep
			local missing = x1 == nil or (counts and x1 == 0)
			local lo, hi = x1, x1
			for k = 1, periods - 1 do
				local x
				if pct then
					x = v:pct(pct, psec, k * psec)
				else
					x = stat_fn(v, psec, k * psec)
				end
				if x == nil or (counts and x == 0) then
					missing = true
				elseif not missing then
					if x < lo then lo = x end
					if x > hi then hi = x end
				end
			end
			if missing then
				return g:hold(no_data)
			end
			if not (out_at and lo >= out_at) and not (in_at and hi <= in_at) then
				-- the newest period's value moves only as samples come and
				-- go: most ticks reuse the reason
				if quiet_x ~= x1 or not quiet_text then
					quiet_x, quiet_text = x1, quiet_head .. num(x1) .. quiet_tail
				end
				return g:hold(quiet_text)
			end
			local out_plan = out_rule and out_rule:decide(g, s)
			local in_plan = in_rule and in_rule:decide(g, s)
			local points = (out_plan or in_plan).points
			local lo, hi
			for _, p in ipairs(points) do
				local x = p.value
				if x == nil then
					return g:hold(no_data)
				end
				lo = (lo == nil or x < lo) and x or lo
				hi = (hi == nil or x > hi) and x or hi
			end
			if out_plan and out_plan.state == "ALARM" then
				return g[out_plan.kind](g, out_plan.value, format(
					"%s %s >= %s for %s (lowest %s): +%s%%", series, stat.name,
					num(out_at), span, num(lo), num(out_percent)))
			end
			if in_plan and in_plan.state == "ALARM" then
				return g[in_plan.kind](g, in_plan.value, format(
					"%s %s <= %s for %s (highest %s): %d", series, stat.name, num(in_at),
					span, num(hi), in_change))
			end
			return g:hold(format("%s %s %s over the last %s: no alarm", series, stat.name,
				num(points[1].value), ptext))
		end,
	}
end)
