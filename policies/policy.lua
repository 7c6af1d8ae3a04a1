-- policy.lua - the policy library shipped with scaled.
--
--   local policy = require "policy"
--   policy.queue_step{ series = "backlog", steps = { {0, 0}, {1, 1}, {100, 4} } }
--   policy.percent{ series = "cpu", out_at = 80, out_percent = 50, in_at = 20, in_change = -1 }
--   policy.target{ series = "cpu", target = 60 }
--
-- Each constructor checks its arguments when the farm is loaded (an error
-- names the farm's line) and returns a policy table:
--   { name = "queue_step", series = { "backlog" }, evaluate = function(self, g, s) ... end }
-- `series` lists every series the policy reads, so the engine can check the
-- names before the first tick. docs/policies.md is the reference.

local M = {}

local floor, ceil, abs, mtype = math.floor, math.ceil, math.abs, math.type
local format = string.format

-- Durations as scaled writes them ("250ms", "30s", "5m", "1h", "1d",
-- compounds "1m30s" with units in decreasing order, or a plain number of
-- seconds), in seconds. Kept in step with core/duration.c.
local UNIT_SECONDS = { d = 86400, h = 3600, m = 60, s = 1, ms = 0.001 }
local UNIT_RANK = { d = 1, h = 2, m = 3, s = 4, ms = 5 }

local function seconds(v, what)
	if mtype(v) then
		if v > 0 and v < math.huge then
			return v
		end
		error(format("%s must be more than 0 seconds, got %s", what, tostring(v)), 0)
	end
	if type(v) ~= "string" then
		error(format("%s must be seconds or a duration like \"2m\", got %s", what, type(v)), 0)
	end
	local bad = format("%s: invalid duration \"%s\" (use 30s, 5m, 1h30m, 250ms)", what, v)
	local total
	if v == "" then
		error(bad, 0)
	elseif v:match("^%d+$") or v:match("^%d+%.%d+$") then
		total = tonumber(v)
	else
		local pos, last = 1, 0
		total = 0
		while pos <= #v do
			local num, unit, nxt = v:match("^(%d+%.?%d*)(%a+)()", pos)
			local rank = unit and UNIT_RANK[unit]
			if not rank or rank <= last or num:sub(-1) == "." then
				error(bad, 0)
			end
			total, last, pos = total + tonumber(num) * UNIT_SECONDS[unit], rank, nxt
		end
	end
	if not total or total <= 0 then
		error(format("%s must be more than 0 seconds, got \"%s\"", what, v), 0)
	end
	return total
end

-- A statistic by name: last avg min max sum count rate, or pNN (p95, p99.9).
local STATS = { last = true, avg = true, min = true, max = true, sum = true, count = true,
	rate = true }

local function stat_of(name)
	if type(name) ~= "string" then
		error(format("stat must be a string such as \"avg\" or \"p95\", got %s", type(name)), 0)
	end
	if STATS[name] then
		return { name = name }
	end
	local p = name:match("^p(%d+%.?%d*)$")
	p = p and tonumber(p)
	if p and p >= 0 and p <= 100 then
		return { name = name, pct = p }
	end
	error(format("unknown stat \"%s\" (last, avg, min, max, sum, count, rate or pNN)", name), 0)
end

-- Read a statistic; w and ago are seconds or nil.
local function read(view, stat, w, ago)
	if stat.pct then
		return view:pct(stat.pct, w, ago)
	end
	return view[stat.name](view, w, ago)
end

-- Numbers in reasons: integers as such, others with at most 3 decimals.
local function num(x)
	if x == floor(x) and abs(x) < 1e15 then
		return format("%d", floor(x))
	end
	return (format("%.3f", x):gsub("%.?0+$", ""))
end

local function need_number(args, key)
	local v = args[key]
	if not mtype(v) then
		error(format("%s must be a number, got %s", key, type(v)), 0)
	end
	return v
end

local function need_integer(args, key)
	local v = need_number(args, key)
	if mtype(v) ~= "integer" and v ~= floor(v) then
		error(format("%s must be a whole number, got %s", key, num(v)), 0)
	end
	return floor(v)
end

local function need_series(args)
	local v = args.series
	if type(v) ~= "string" or v == "" then
		error(format("series must be a series name, got %s", type(v)), 0)
	end
	return v
end

-- Unknown keys are typos: refuse them.
local function check_keys(args, known)
	if type(args) ~= "table" then
		error(format("expects a table of arguments, got %s", type(args)), 0)
	end
	for k in pairs(args) do
		if not known[k] then
			error(format("unknown argument \"%s\"", tostring(k)), 0)
		end
	end
end

-- Wrap a builder so that its errors name the caller's line (the farm's),
-- not a line of this file.
local function constructor(name, build)
	return function(args)
		local ok, res = pcall(build, args)
		if not ok then
			error(format("policy.%s: %s", name, tostring(res)), 2)
		end
		return res
	end
end

local function duration_text(v)
	return type(v) == "string" and v or num(v) .. "s"
end

----------------------------------------------------------------- queue_step

-- Absolute step scaling on a queue: the capacity of the highest step whose
-- threshold is <= the value. Scales to zero with a {0, 0} step.
M.queue_step = constructor("queue_step", function(args)
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

-------------------------------------------------------------------- percent

-- Percent scale-out when the statistic is at or above out_at in each of the
-- last `periods` consecutive periods; step scale-in when it is at or below
-- in_at in each of them; hold otherwise. Period k (k = 0 .. periods-1) is
-- the window (now - (k+1)*period, now - k*period].
M.percent = constructor("percent", function(args)
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

--------------------------------------------------------------------- target

-- Target tracking (Kubernetes HPA style): desired = ceil(desired * value /
-- target), hold while value/target is within the tolerance of 1. From zero
-- the policy acts as if desired were 1.
M.target = constructor("target", function(args)
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

-- For farms and tests: the same duration rules, with errors that name the
-- caller's line (and a subject when none is given) like the constructors'.
M.seconds = function(v, what)
	local ok, res = pcall(seconds, v, what or "duration")
	if not ok then
		error(res, 2)
	end
	return res
end

return M
