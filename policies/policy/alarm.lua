-- policy/alarm.lua - a CloudWatch metric alarm over one series: OK, ALARM or
-- INSUFFICIENT_DATA, with CloudWatch's rules for missing data
-- (docs/policies/alarm.md is the reference). An alarm is not a policy: it
-- is read by policy.step and policy.simple, and by policies of your own
-- through alarm:state(g, s) and alarm:evaluate_state(g, s).

local U = require "policy.util"

local format, concat = string.format, table.concat
local seconds, stat_of, read, num = U.seconds, U.stat_of, U.read, U.num
local need_number, need_integer, need_series = U.need_number, U.need_integer, U.need_series
local check_keys, constructor, duration_text = U.check_keys, U.constructor, U.duration_text

local OK, ALARM, INSUFFICIENT = "OK", "ALARM", "INSUFFICIENT_DATA"

-- The four static-threshold comparisons, by symbol and by their AWS names.
local COMPARISONS = {
	[">="] = ">=", [">"] = ">", ["<"] = "<", ["<="] = "<=",
	GreaterThanOrEqualToThreshold = ">=", GreaterThanThreshold = ">",
	LessThanThreshold = "<", LessThanOrEqualToThreshold = "<=",
}
local COMPARE = {
	[">="] = function(x, t) return x >= t end,
	[">"] = function(x, t) return x > t end,
	["<"] = function(x, t) return x < t end,
	["<="] = function(x, t) return x <= t end,
}
local TREATMENTS = { missing = true, ignore = true, breaching = true, notBreaching = true }
-- CloudWatch's statistic names, for those who copy an alarm from AWS.
local CW_STATS = { Average = "avg", Minimum = "min", Maximum = "max", Sum = "sum",
	SampleCount = "count" }

local function statistic_of(v)
	if v == nil then
		return stat_of("avg")
	end
	if type(v) ~= "string" then
		error(format("statistic must be a string such as \"avg\" or \"p95\", got %s", type(v)), 0)
	end
	local ok, stat = pcall(stat_of, CW_STATS[v] or v)
	if not ok then
		error(format("unknown statistic \"%s\" (avg, min, max, sum, count or pNN)", v), 0)
	end
	return stat
end

local methods = {}
local ALARM_MT = { __index = methods }

local function span(n, ptext)
	return n == 1 and ptext or format("%d x %s", n, ptext)
end

-- The state for group g now, the datapoints that decided it and a short text.
--
-- The alarm reads `evaluation_range` periods, newest first (period k is the
-- window (now - (k+1)*period, now - k*period]); a period without samples is
-- missing. With at least `evaluation_periods` (N) real datapoints, the N
-- newest decide and missing ones do not matter. With fewer, every real one
-- is used and the newest missing periods fill up to N, as treat_missing_data
-- says: breaching, notBreaching, or (missing, ignore) unknown. Then ALARM if
-- at least `datapoints_to_alarm` (M) are breaching, else OK; with unknown
-- fills: ALARM when M real ones breach, OK when a real one does not breach,
-- and otherwise (no real datapoint, or only breaching ones, too few)
-- INSUFFICIENT_DATA for missing, but ALARM when the oldest datapoint
-- evaluated is a real one, and the state kept for ignore. These are the
-- rules of the CloudWatch user guide's tables (alarm_test.lua holds them).
--
-- points: one table per datapoint evaluated, newest first, { k = period,
-- value = number or nil, breaching = true/false/nil, filled = true when a
-- missing period filled in }.
-- quiet (for decide, on every tick): the text only when the state is ALARM,
-- the one case a proposal's reason needs it; nil otherwise. The points
-- table and its entries are the group's own and are reused by the next
-- evaluation (a tick allocates nothing here): read them, do not keep them.
function methods:evaluate_state(g, s, quiet)
	local v = s[self.series]
	local stat, period, thr = self._stat, self._period, self.threshold
	local cmp, treat = self.comparison, self.treat_missing_data
	local n, m, range = self.evaluation_periods, self.datapoints_to_alarm, self.evaluation_range
	local st = U.state(self, g)
	local points, pool = st.points, st.pool
	if not points then
		points, pool = {}, {}
		st.points, st.pool = points, pool
	end
	local values, real = self:_read(g, v, st)

	local fill = nil
	if treat == "breaching" then fill = true elseif treat == "notBreaching" then fill = false end
	local fills, np = real < n and n - real or 0, 0
	local nfill, b, nb = fills, 0, 0
	for k = 0, range - 1 do
		local x = values[k + 1]
		local kind
		if x and (real < n or np < n) then
			kind = 1
		elseif not x and fills > 0 then
			fills, kind = fills - 1, 2
		end
		if kind then
			np = np + 1
			local p = pool[np]
			if not p then
				p = {}
				pool[np] = p
			end
			p.k = k
			if kind == 1 then
				local breach -- cmp(x, thr), without a call
				if cmp == ">=" then
					breach = x >= thr
				elseif cmp == ">" then
					breach = x > thr
				elseif cmp == "<" then
					breach = x < thr
				else
					breach = COMPARE[cmp](x, thr)
				end
				p.value, p.breaching, p.filled = x, breach, nil
			else
				p.value, p.breaching, p.filled = nil, fill, true
			end
			points[np] = p
			if p.breaching == true then b = b + 1 elseif p.breaching == false then nb = nb + 1 end
		end
	end
	for i = np + 1, #points do
		points[i] = nil
	end

	local state, kept
	if nfill == 0 or fill ~= nil or b >= m then
		state = b >= m and ALARM or OK
	elseif nb > 0 then
		state = OK
	elseif treat == "missing" then
		state = (real > 0 and not points[#points].filled) and ALARM or INSUFFICIENT
	else
		state, kept = st.state or INSUFFICIENT, true
	end
	st.state = state
	if quiet and state ~= ALARM then
		return state, points, nil
	end

	-- The text is a function of the values read and `kept`, and of the
	-- alarm's fields: the last one made is kept (in the alarm's _c, not per
	-- group: a group costs no memory for it) while none of them moves, as
	-- an alarm in ALARM is asked for it on every tick.
	local c = self._c
	local tv = c.values
	if tv and c.kept == kept and c.thr == thr and c.cmp == cmp and c.series == self.series
		and c.n == n and c.m == m and c.range == range and c.treat == treat then
		local same = true
		for k = 1, range do
			if tv[k] ~= values[k] then
				same = false
				break
			end
		end
		if same then
			return state, points, c.text
		end
	end
	local text = self:_text(points, real, fill, kept, b, nfill)
	if not tv then
		tv = {}
		c.values = tv
	end
	for k = 1, range do
		tv[k] = values[k]
	end
	c.kept, c.thr, c.cmp, c.series, c.n, c.m, c.range = kept, thr, cmp, self.series, n, m, range
	c.treat, c.text = treat, text
	return state, points, text
end

-- The text for the points evaluated (evaluate_state's numbers).
function methods:_text(points, real, fill, kept, b, nfill)
	local n, m, range = self.evaluation_periods, self.datapoints_to_alarm, self.evaluation_range
	local head = format("%s %s %s %s", self.series, self._stat.name, self.comparison,
		num(self.threshold))
	local text
	if real == 0 and fill == nil then
		text = format("%s: no data in the last %s%s", head, span(range, self._ptext),
			kept and ", state kept" or "")
	else
		local list, np = self._c.list, #points -- a scratch of the alarm's
		if not list then
			list = {}
			self._c.list = list
		end
		for i = 1, np do
			local p = points[i]
			list[i] = p.filled and "-" or num(p.value)
		end
		text = format("%s in %d of %d x %s%s: %s", head, b, n, self._ptext,
			m < n and format(" (%d to alarm)", m) or "", concat(list, ", ", 1, np))
		if nfill > 0 then
			if fill == true then
				text = text .. " (missing as breaching)"
			elseif fill == false then
				text = text .. " (missing as not breaching)"
			else
				text = text .. format(" (%d missing%s)", nfill, kept and ", state kept" or "")
			end
		end
	end
	return text
end

-- The datapoints of periods 0 .. range-1 (false: missing), how many are
-- real, and the group's table they are kept in (a caller may keep more
-- there). Alarms made with the same `share` table and the same series,
-- statistic, period and range read them once between them while nothing
-- changes: the memo holds for the same instant, and only while the
-- series' newest sample (its age) and the number of samples in the
-- periods read are those it was made with, so a sample published between
-- two evaluations at one instant is read (the harness can do that; an
-- engine tick run again at the same time too). A memo hit still reads
-- the series (age), so the stale and missing marks are those of a read.
function methods:_read(g, v, own)
	local stat, period, range = self._stat, self._period, self.evaluation_range
	local memo = self._share and U.state(self._share, g)
	local now, age, count
	if memo then
		now, age, count = g.now, v:age(), v:count(self._span)
		if memo.now == now and memo.key == self._key and memo.age == age
			and memo.count == count then
			return memo.values, memo.real, memo
		end
	end
	local st = memo or own or U.state(self, g)
	local values = st.values
	if not values then
		values = {}
		st.values = values
	end
	local real = 0
	local pct, stat_fn = stat.pct, not stat.pct and v[stat.name] -- U.read, inline
	for k = 0, range - 1 do
		local x
		if pct then
			x = v:pct(pct, period, k * period)
		else
			x = stat_fn(v, period, k * period)
		end
		if x ~= nil and stat.name == "count" and x == 0 then
			x = nil -- no samples: missing, as CloudWatch's SampleCount
		end
		values[k + 1] = x or false
		if x ~= nil then
			real = real + 1
		end
	end
	if memo then
		memo.now, memo.key, memo.real, memo.age, memo.count = now, self._key, real, age, count
	end
	return values, real, st
end

function methods:state(g, s)
	return (self:evaluate_state(g, s))
end

return constructor("alarm", function(args)
	check_keys(args, { series = true, statistic = true, period = true, evaluation_periods = true,
		datapoints_to_alarm = true, comparison = true, threshold = true,
		treat_missing_data = true, evaluation_range = true, share = true })
	if args.share ~= nil and type(args.share) ~= "table" then
		error(format("share must be a table, got %s", type(args.share)), 0)
	end
	local series = need_series(args)
	local stat = statistic_of(args.statistic)
	local period = seconds(args.period or 60, "period")
	local n = args.evaluation_periods == nil and 1 or need_integer(args, "evaluation_periods")
	if n < 1 then
		error(format("evaluation_periods must be at least 1, got %d", n), 0)
	end
	local m = args.datapoints_to_alarm == nil and n or need_integer(args, "datapoints_to_alarm")
	if m < 1 or m > n then
		error(format("datapoints_to_alarm must be between 1 and evaluation_periods (%d), got %d",
			n, m), 0)
	end
	local comparison = COMPARISONS[args.comparison]
	if not comparison then
		error(format("comparison must be >=, >, <, <= or GreaterThanOrEqualToThreshold, "
			.. "GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold, got %s",
			type(args.comparison) == "string" and "\"" .. args.comparison .. "\""
			or type(args.comparison)), 0)
	end
	local threshold = need_number(args, "threshold")
	local treat = args.treat_missing_data or "missing"
	if not TREATMENTS[treat] then
		error(format("treat_missing_data must be missing, ignore, breaching or notBreaching, "
			.. "got %s", type(treat) == "string" and "\"" .. treat .. "\"" or type(treat)), 0)
	end
	local range = args.evaluation_range == nil and n + 2 or need_integer(args, "evaluation_range")
	if range < n then
		error(format("evaluation_range must be at least evaluation_periods (%d), got %d", n,
			range), 0)
	end

	return setmetatable({
		series = series,
		statistic = stat.name,
		period = period,
		evaluation_periods = n,
		datapoints_to_alarm = m,
		comparison = comparison,
		threshold = threshold,
		treat_missing_data = treat,
		evaluation_range = range,
		_stat = stat,
		_period = period,
		_share = args.share,
		_key = format("%s|%s|%s|%d", series, stat.name, tostring(period), range),
		-- the periods read, (now - _span, now] (within what the series API takes)
		_span = math.min(range * period, 1e11),
		_ptext = duration_text(args.period or 60),
		_c = {}, -- the last text made, and what it says (evaluate_state)
	}, ALARM_MT)
end)
