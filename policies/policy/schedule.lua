-- policy/schedule.lua - windows of the week in a time zone, during which the
-- group keeps at least n or is proposed n (docs/policies/schedule.md is the
-- reference).

local U = require "policy.util"

local format, mtype = string.format, math.type
local check_keys, constructor, need_integer = U.check_keys, U.constructor, U.need_integer
local localtime = tz.localtime

local DAY = 86400
local DAY_NUMBER = { sun = 0, mon = 1, tue = 2, wed = 3, thu = 4, fri = 5, sat = 6 }
local DAY_NAME = { [0] = "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" }

-- Days since 1970-01-01 of a date (H. Hinnant's days_from_civil).
local function days_from_civil(y, m, d)
	if m <= 2 then y = y - 1 end
	local era = y // 400
	local yoe = y - era * 400
	local doy = (153 * ((m + 9) % 12) + 2) // 5 + d - 1
	return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
end

local function weekday(days) -- 0 = Sunday; 1970-01-01 was a Thursday
	return (days + 4) % 7
end

-- A cron day-of-week field: items joined by ',', each "*", a day, or a range
-- "a-b", the last two with an optional step "/n". Days are sun..sat (any
-- case) or 0-7, 0 and 7 both Sunday. A range may wrap: "fri-mon". Returns a
-- set of day numbers 0..6.
local function parse_days(spec)
	if type(spec) ~= "string" then
		error(format("days must be a cron day-of-week field such as \"mon-fri\", got %s",
			type(spec)), 0)
	end
	local set = {}
	local function value(text)
		local v = DAY_NUMBER[text:lower()]
		if v == nil and text:match("^[0-7]$") then
			v = tonumber(text)
		end
		if v == nil then
			error(format("days \"%s\": \"%s\" is not a day (sun to sat, or 0 to 7)", spec,
				text), 0)
		end
		return v
	end
	for item in (spec .. ","):gmatch("([^,]*),") do
		local range, step = item:match("^([^/]*)/(.*)$")
		range = range or item
		if step then
			if not step:match("^%d+$") or tonumber(step) < 1 then
				error(format("days \"%s\": step \"%s\" must be a whole number of at least 1",
					spec, step), 0)
			end
			step = tonumber(step)
			if not range:find("-", 1, true) and range ~= "*" then
				error(format("days \"%s\": a step needs a range (\"*/2\", \"mon-fri/2\")",
					spec), 0)
			end
		end
		local a, b
		if range == "*" then
			a, b = 0, 6
		elseif range:match("^%w+%-%w+$") then
			a, b = range:match("^(%w+)%-(%w+)$")
			a, b = value(a), value(b)
		elseif range:match("^%w+$") then
			a = value(range)
			b = a
		else
			error(format("days \"%s\": \"%s\" is not a day, a range or \"*\"", spec, item), 0)
		end
		if b < a then -- wraps past Saturday: fri-mon is 5, 6, 7, 8
			b = b + 7
		end
		for v = a, b, step or 1 do
			set[v % 7] = true
		end
	end
	return set
end

-- "HH:MM" in seconds after midnight; "24:00" only as an end.
local function parse_clock(v, key, is_end)
	if type(v) ~= "string" then
		error(format("%s must be a time \"HH:MM\", got %s", key, type(v)), 0)
	end
	local h, m = v:match("^(%d%d?):(%d%d)$")
	h, m = tonumber(h), tonumber(m)
	if not h or m > 59 or h > 24 or (h == 24 and (m > 0 or not is_end)) then
		error(format("%s: invalid time \"%s\" (HH:MM from 00:00 to %s)", key, v,
			is_end and "24:00" or "23:59"), 0)
	end
	return h * 3600 + m * 60
end

local function clock_text(secs)
	return format("%02d:%02d", secs // 3600, secs % 3600 // 60)
end

-- The capacity part of a window or of the default: min = n or desired = n.
local NO_MAX = "max is not supported: the largest proposal wins at combine, so a schedule " ..
	"cannot cap what other policies propose (use the group's max, or desired = n to propose n)"

local function parse_amount(args)
	if args.max ~= nil then
		error(NO_MAX, 0)
	end
	if args.min ~= nil and args.desired ~= nil then
		error("give min or desired, not both", 0)
	end
	local key = args.min ~= nil and "min" or args.desired ~= nil and "desired"
	if not key then
		error("give min = n (at least n) or desired = n", 0)
	end
	local n = need_integer(args, key)
	if n < 0 then
		error(format("%s must be at least 0, got %d", key, n), 0)
	end
	return key, n
end

local function parse_window(args)
	check_keys(args, { days = true, from = true, to = true, min = true, max = true,
		desired = true })
	local w = { days = parse_days(args.days or "*") }
	w.from = parse_clock(args.from or "00:00", "from", false)
	w.to = parse_clock(args.to or "24:00", "to", true)
	if w.to == w.from then
		error(format("to equals from (%s): a window needs a length (a whole day is " ..
			"00:00-24:00)", clock_text(w.from)), 0)
	end
	w.key, w.n = parse_amount(args)
	w.label = format("%s %s-%s", args.days or "*", clock_text(w.from), clock_text(w.to))
	return w
end

-- Errors inside a part of the arguments name it ("windows[2]: ...").
local function within(where, fn, arg)
	local ok, res, extra = pcall(fn, arg)
	if not ok then
		error(format("%s: %s", where, tostring(res)), 0)
	end
	return res, extra
end

-- The first instant whose local wall clock reads w (local seconds since the
-- epoch) or later, given offset(t): where the clock is set back and w
-- comes twice, the first time; where it jumps over w, the first instant
-- after the jump. Assumes no two changes of offset within a day of w.
local function first_instant(w, offset)
	local before, after = offset(w - DAY), offset(w + DAY)
	local t1, t2 = w - before, w - after
	local best
	if offset(t1) == before then
		best = t1
	end
	if after ~= before and offset(t2) == after and (best == nil or t2 < best) then
		best = t2
	end
	if best then
		return best
	end
	-- in the gap: wall(lo) < w <= wall(hi)
	local lo, hi = t2, t1
	if lo > hi then lo, hi = hi, lo end
	while hi - lo > 1 do
		local mid = (lo + hi) // 2
		if mid + offset(mid) >= w then hi = mid else lo = mid end
	end
	return hi
end

return constructor("schedule", function(args)
	check_keys(args, { zone = true, windows = true, default = true })
	local zone = args.zone
	if type(zone) ~= "string" then
		error(format("zone must be a time zone name such as \"Europe/Berlin\", got %s",
			type(zone)), 0)
	end
	local ok, msg = pcall(localtime, 0, zone)
	if not ok then
		error((tostring(msg):gsub("^tz: ", "")), 0)
	end
	local list = args.windows
	if type(list) ~= "table" or #list == 0 then
		error(format("windows must be a list of windows such as { { days = \"mon-fri\", " ..
			"from = \"08:00\", to = \"20:00\", min = 2 } }, got %s",
			type(list) == "table" and "an empty table" or type(list)), 0)
	end
	for k in pairs(list) do
		if mtype(k) ~= "integer" or k < 1 or k > #list then
			error(format("windows must be a list: unexpected key %s", tostring(k)), 0)
		end
	end
	local windows = {}
	for i, w in ipairs(list) do
		local where = format("windows[%d]", i)
		if type(w) ~= "table" then
			error(format("%s must be a table, got %s", where, type(w)), 0)
		end
		windows[i] = within(where, parse_window, w)
	end
	local default_key, default_n
	if args.default ~= nil then
		default_key, default_n = within("default", function(d)
			check_keys(d, { min = true, max = true, desired = true })
			return parse_amount(d)
		end, args.default)
	end

	local function say(lt, key, n, where)
		return format("%s %02d:%02d %s (%s) %s: %s %d", DAY_NAME[lt.wday - 1], lt.hour,
			lt.min, lt.zone, zone, where, key == "min" and "at least" or "desired", n)
	end
	for _, w in ipairs(windows) do
		w.where = "in window " .. w.label
	end

	-- Where each window runs, for the days around one day (a window
	-- belongs to the day it starts on: yesterday's may cross midnight, and
	-- where the clock is set back over midnight, tomorrow's may already
	-- have begun): spans[i][d] for day today - 2 + d is false when the
	-- window is not on that day, else its wall-clock start and stop, and
	-- their instants once a tick has needed them. A function of the day
	-- alone: worked out once a day, not every tick, in the order the ticks
	-- ask (so an instant no tick needs is never worked out).
	local spans, spans_day, offset = nil, nil, nil
	local function spans_of(today)
		if spans_day == today then
			return spans
		end
		local seen = {}
		offset = function(t)
			local o = seen[t]
			if o == nil then
				o = localtime(t, zone).offset
				seen[t] = o
			end
			return o
		end
		spans = {}
		for i, w in ipairs(windows) do
			local list = {}
			for d = 1, 3 do
				local day = today - 2 + d
				list[d] = w.days[weekday(day)] and { from = day * DAY + w.from,
					to = w.to > w.from and day * DAY + w.to or (day + 1) * DAY + w.to } or false
			end
			spans[i] = list
		end
		spans_day = today
		return spans
	end

	-- The reason says the local minute: the last one made is kept, as every
	-- tick in that minute (every group on this policy) says the same.
	local said, said_w, said_wday, said_hour, said_min, said_zone = nil, nil, nil, nil, nil, nil
	local function reason(lt, w)
		if said_w ~= w or said_min ~= lt.min or said_hour ~= lt.hour or said_wday ~= lt.wday
			or said_zone ~= lt.zone then
			said_w, said_wday, said_hour, said_min, said_zone = w, lt.wday, lt.hour, lt.min,
				lt.zone
			if w then
				said = say(lt, w.key, w.n, w.where)
			else
				said = say(lt, default_key, default_n, "outside every window, default")
			end
		end
		return said
	end

	return {
		name = "schedule",
		series = {},
		evaluate = function(self, g, s)
			local now = g.now
			local lt = localtime(now, zone)
			local spans = spans_of(days_from_civil(lt.year, lt.month, lt.day))
			local best
			for i = 1, #windows do
				local w, list = windows[i], spans[i]
				for d = 1, 3 do
					local span = list[d]
					if span and (best == nil or w.n > best.n) then
						local start = span.start
						if not start then
							start = first_instant(span.from, offset)
							span.start = start
						end
						if now >= start then
							local stop = span.stop
							if not stop then
								stop = first_instant(span.to, offset)
								span.stop = stop
							end
							if now < stop then
								best = w
								break
							end
						end
					end
				end
			end
			if best then
				return g:set(best.n, reason(lt, best))
			end
			if default_key then
				return g:set(default_n, reason(lt, nil))
			end
		end,
	}
end)
