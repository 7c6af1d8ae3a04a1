-- policy/threshold.lua - Nomad Autoscaler's threshold strategy: bands of
-- values, each with an action taken when enough recent samples fall in it
-- (docs/policies/threshold.md is the reference).

local U = require "policy.util"

local ceil, mtype, huge = math.ceil, math.type, math.huge
local format, concat = string.format, table.concat
local seconds, num = U.seconds, U.num
local need_number, need_integer, need_series = U.need_number, U.need_integer, U.need_series
local check_keys, constructor, duration_text = U.check_keys, U.constructor, U.duration_text

local BAND_KEYS = { lower_bound = true, upper_bound = true, delta = true, percentage = true,
	value = true, within_bounds_trigger = true }

-- [lower, upper) as a reason shows it; an open side is left out.
local function range_text(lo, hi)
	if lo == -huge then
		return "< " .. num(hi)
	elseif hi == huge then
		return ">= " .. num(lo)
	end
	return format("[%s, %s)", num(lo), num(hi))
end

local function band_of(b)
	if type(b) ~= "table" then
		error(format("must be a table, got %s", type(b)), 0)
	end
	for k in pairs(b) do
		if not BAND_KEYS[k] then
			error(format("unknown argument \"%s\"", tostring(k)), 0)
		end
	end
	if b.lower_bound == nil and b.upper_bound == nil then
		error("give lower_bound, upper_bound or both", 0)
	end
	local lo = b.lower_bound == nil and -huge or need_number(b, "lower_bound")
	local hi = b.upper_bound == nil and huge or need_number(b, "upper_bound")
	if not (lo < hi) then
		error(format("lower_bound (%s) must be below upper_bound (%s)", num(lo), num(hi)), 0)
	end
	local given = (b.delta ~= nil and 1 or 0) + (b.percentage ~= nil and 1 or 0)
		+ (b.value ~= nil and 1 or 0)
	if given ~= 1 then
		error(given == 0 and "give one of delta, percentage or value"
			or "give only one of delta, percentage or value", 0)
	end
	local band = { lo = lo, hi = hi, range = range_text(lo, hi) }
	if b.delta ~= nil then
		band.delta = need_integer(b, "delta")
	elseif b.percentage ~= nil then
		band.percentage = need_number(b, "percentage")
		if not (band.percentage >= -100 and band.percentage < huge) then
			error(format("percentage must be at least -100, got %s", num(band.percentage)), 0)
		end
	else
		band.value = need_integer(b, "value")
		if band.value < 0 then
			error(format("value must be 0 or more, got %d", band.value), 0)
		end
	end
	band.trigger = b.within_bounds_trigger == nil and 5
		or need_integer(b, "within_bounds_trigger")
	if band.trigger < 1 then
		error(format("within_bounds_trigger must be at least 1, got %d", band.trigger), 0)
	end
	return band
end

-- How many of the window's n samples are below x. The k-th smallest is
-- v:pct(p) with p = 100 (k - 0.5) / n (nearest rank), so a bisection over k
-- finds the count in O(log n) percentile calls. vmin and vmax are the
-- window's min and max.
-- kth (with kth_tick == tick) holds the order statistics this tick has read.
local function below(v, w, n, vmin, vmax, x, kth, kth_tick, tick)
	if x <= vmin then
		return 0
	elseif x > vmax then
		return n
	end
	local lo, hi = 1, n - 1 -- the smallest is below x, the largest is not
	while lo < hi do
		local mid = (lo + hi + 1) // 2
		local y = kth[mid]
		if kth_tick[mid] ~= tick then
			y = v:pct(100 * (mid - 0.5) / n, w)
			kth[mid], kth_tick[mid] = y, tick
		end
		if y < x then
			lo = mid
		else
			hi = mid - 1
		end
	end
	return lo
end

-- Nomad's new count for a band's action (plugin.go: delta adds, percentage
-- is ceil(count * (1 + p / 100)), value sets).
local function action(band, count)
	local want
	if band.delta then
		want = count + band.delta
	elseif band.percentage then
		want = ceil(count * (1 + band.percentage / 100) - 1e-9)
	else
		want = band.value
	end
	return want < 0 and 0 or want
end

-- What a reason says of a band's action.
local function action_text(band)
	if band.delta then
		return format("%s%d", band.delta >= 0 and "+" or "", band.delta)
	elseif band.percentage then
		return format("%s%s%%", band.percentage >= 0 and "+" or "", num(band.percentage))
	end
	return format("value %d", band.value)
end

-- Nomad's choice among the checks of one group: a check that wants no
-- change counts only when every check does; up beats down; in one
-- direction the larger count (the safer) wins; ties go to the first.
local RANK = { [1] = 3, [-1] = 2, [0] = 1 }

return constructor("threshold", function(args)
	check_keys(args, { series = true, window = true, bands = true })
	local series = need_series(args)
	local wsrc = args.window or "1m"
	local window = seconds(wsrc, "window")
	local wtext = duration_text(wsrc)
	local list = args.bands
	if type(list) ~= "table" or #list == 0 then
		error(format("bands must be a list of at least one band, got %s",
			type(list) == "table" and "an empty table" or type(list)), 0)
	end
	for k in pairs(list) do
		if mtype(k) ~= "integer" or k < 1 or k > #list then
			error(format("bands must be a list, it has key %s", tostring(k)), 0)
		end
	end
	local bands = {}
	for i, b in ipairs(list) do
		local ok, res = pcall(band_of, b)
		if not ok then
			error(format("band %d: %s", i, res), 0)
		end
		for j, o in ipairs(bands) do
			if res.lo < o.hi and o.lo < res.hi then
				error(format("bands %d (%s) and %d (%s) overlap", j, o.range, i, res.range), 0)
			end
		end
		bands[i] = res
	end

	for _, b in ipairs(bands) do
		b.action = action_text(b)
	end
	local nb = #bands
	local no_data = format("no data in series '%s' for the last %s", series, wtext)
	-- Scratch for one tick (a policy call runs alone): the order
	-- statistics read, and each band's count.
	local kth, kth_tick, tick, ks = {}, {}, 0, {}
	-- The last reason and what it was made from (on the policy, not per
	-- group: a group costs no memory for it).
	local last = { ks = {} }

	return {
		name = "threshold",
		series = { series },
		evaluate = function(self, g, s)
			local v = s[series]
			local n = v:count(window)
			if n == 0 then
				return g:hold(no_data)
			end
			local vmin, vmax = v:min(window), v:max(window)
			local count = g.desired
			tick = tick + 1
			local win, wwant, wrank
			for i = 1, nb do
				local b = bands[i]
				local k = below(v, window, n, vmin, vmax, b.hi, kth, kth_tick, tick)
					- below(v, window, n, vmin, vmax, b.lo, kth, kth_tick, tick)
				ks[i] = k
				if k >= b.trigger then
					local want = action(b, count)
					local rank = RANK[want > count and 1 or want < count and -1 or 0]
					if not win or rank > wrank or (rank == wrank and want > wwant) then
						win, wwant, wrank = i, want, rank
					end
				end
			end
			if not win then
				-- every band's count is in this reason
				local same = last.win == 0 and last.n == n
				for i = 1, nb do
					if same and last.ks[i] ~= ks[i] then
						same = false
					end
					last.ks[i] = ks[i]
				end
				if not same then
					local seen = {}
					for i = 1, nb do
						seen[i] = format("%s %d/%d", bands[i].range, ks[i], bands[i].trigger)
					end
					last.win, last.n = 0, n
					last.text = format("%s: no band triggered by %d samples in the last %s (%s)",
						series, n, wtext, concat(seen, ", "))
				end
				return g:hold(last.text)
			end
			local k = ks[win]
			if last.win ~= win or last.n ~= n or last.k ~= k or last.count ~= count then
				local b = bands[win]
				last.win, last.n, last.k, last.count = win, n, k, count
				last.text = format("%s: %d of %d samples in the last %s %s (%d needed): "
					.. "%s, %d -> %d", series, k, n, wtext, b.range, b.trigger, b.action,
					count, wwant)
				if wwant == count then
					last.text = last.text .. ", no change"
				end
			end
			if wwant == count then
				return g:hold(last.text)
			end
			return g:set(wwant, last.text)
		end,
	}
end)
