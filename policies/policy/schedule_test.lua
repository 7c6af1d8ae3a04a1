-- schedule_test.lua - policy.schedule and the sandbox's tz library, on the
-- virtual clock (run by tests/lua/run_policy_tests.c; see there for `t`).
--
-- Times are UTC epoch seconds worked out by hand from 2026-01-01T00:00:00Z
-- = 1767225600 (20454 days since 1970), plus days and hours; Berlin is
-- UTC+1 (CET) in winter and UTC+2 (CEST) from 29 March 01:00Z to 25 October
-- 01:00Z 2026. Each was checked with `TZ=Europe/Berlin date -d @T` and
-- `date -u -d @T`.

local t = ...
local schedule = require "policy.schedule"

local function refuses(fn, text)
	return t.refuses(fn, text, "schedule")
end

-- kind, value and reason of one evaluation at `now`
local function at(p, now, desired)
	local kind, value, reason = t.eval(p, t.group{ current = desired or 1 }, now)
	return kind, value, reason
end

local function expect(p, now, kind, value, reason, desired)
	local k, v, r = at(p, now, desired)
	t.eq(k, kind, "kind at " .. now)
	if kind ~= "none" then
		t.eq(v, value, "value at " .. now)
		t.eq(r, reason, "reason at " .. now)
	end
end

------------------------------------------------------------------------ tz

t.test("tz.localtime: the fields, as os.date('*t') names them", function()
	-- 2026-03-29 01:00:00Z = 1767225600 + 87 days + 1 h: the first second of CEST
	local lt = tz.localtime(1774746000, "Europe/Berlin")
	t.eq(lt.year, 2026) t.eq(lt.month, 3) t.eq(lt.day, 29)
	t.eq(lt.hour, 3) t.eq(lt.min, 0) t.eq(lt.sec, 0)
	t.eq(lt.wday, 1, "wday (1 = Sunday)") t.eq(lt.yday, 88)
	t.eq(lt.isdst, true) t.eq(lt.offset, 7200) t.eq(lt.zone, "CEST")
	lt = tz.localtime(1774745999.75, "Europe/Berlin") -- a fraction is cut
	t.eq(lt.hour, 1) t.eq(lt.min, 59) t.eq(lt.sec, 59) t.eq(lt.zone, "CET")
	t.eq(lt.isdst, false) t.eq(lt.offset, 3600)
	lt = tz.localtime(1775314800, "Australia/Lord_Howe") -- 2026-04-04 15:00Z
	t.eq(lt.hour, 1) t.eq(lt.min, 30) t.eq(lt.offset, 37800) t.eq(lt.zone, "+1030")
	lt = tz.localtime(1768478400, "Asia/Kolkata") -- 2026-01-15 12:00Z, a Thursday
	t.eq(lt.hour, 17) t.eq(lt.min, 30) t.eq(lt.wday, 5) t.eq(lt.zone, "IST")
	lt = tz.localtime(0, "UTC")
	t.eq(lt.year, 1970) t.eq(lt.wday, 5) t.eq(lt.yday, 1) t.eq(lt.zone, "UTC")
end)

t.test("tz.localtime: errors", function()
	t.raises(function() tz.localtime(0, "Mars/Base") end, "tz: unknown time zone 'Mars/Base'")
	t.raises(function() tz.localtime(0, "Europe") end,
		"tz: unknown time zone 'Europe' (a directory of zones)")
	t.raises(function() tz.localtime(0, "../etc/passwd") end,
		"tz: invalid time zone name '../etc/passwd'")
	t.raises(function() tz.localtime(0, "/etc/localtime") end, "tz: invalid time zone name")
	t.raises(function() tz.localtime(1e300, "UTC") end,
		"tz: time 1e+300 is outside the years 1 to 9999")
	t.raises(function() tz.localtime(0 / 0, "UTC") end, "is outside the years 1 to 9999")
	t.raises(function() tz.localtime(253402300800, "UTC") end,
		"tz: time 253402300800 is outside the years 1 to 9999")
	t.raises(function() tz.localtime("soon", "UTC") end, "bad argument #1 to 'localtime'")
	t.raises(function() tz.localtime(0) end, "bad argument #2 to 'localtime'")
end)

t.test("tz: the library is read-only", function()
	t.raises(function() tz.localtime = nil end, "tz is read-only")
	t.raises(function() tz.now = 1 end, "tz is read-only")
	-- (rawset(tz, ...) is refused once the farm has loaded: sandbox_env.c's
	-- rawset, which this runner does not install)
	t.eq(getmetatable(tz), false)
	local names = {}
	for k in pairs(tz) do names[#names + 1] = k end
	t.eq(#names, 1) t.eq(names[1], "localtime")
	t.eq(type(os), "nil") t.eq(type(io), "nil")
end)

------------------------------------------------------------------ windows

local WORKDAY = { zone = "Europe/Berlin",
	windows = { { days = "mon-fri", from = "08:00", to = "20:00", min = 2 } } }

t.test("schedule: a weekday window keeps at least min; outside it abstains", function()
	local p = schedule(WORKDAY)
	t.eq(p.name, "schedule")
	t.eq(#p.series, 0)
	-- Monday 2026-01-12 08:00 CET = 07:00Z = 1767225600 + 11 d + 7 h
	expect(p, 1768201199, "none")
	expect(p, 1768201200, "set", 2,
		"Mon 08:00 CET (Europe/Berlin) in window mon-fri 08:00-20:00: at least 2")
	-- a larger desired is left to the other policies: the proposal stays 2
	expect(p, 1768204800, "set", 2,
		"Mon 09:00 CET (Europe/Berlin) in window mon-fri 08:00-20:00: at least 2", 5)
	-- 20:00 CET = 19:00Z ends it
	expect(p, 1768244399, "set", 2,
		"Mon 19:59 CET (Europe/Berlin) in window mon-fri 08:00-20:00: at least 2")
	expect(p, 1768244400, "none")
	-- Saturday 2026-01-17 10:00 CET = 09:00Z
	expect(p, 1768640400, "none")
	-- the same instant as wall clock in New York is Saturday 04:00 too
	local ny = schedule{ zone = "America/New_York",
		windows = { { days = "sat,sun", from = "04:00", to = "05:00", desired = 3 } } }
	expect(ny, 1768640400, "set", 3,
		"Sat 04:00 EST (America/New_York) in window sat,sun 04:00-05:00: desired 3")
end)

t.test("schedule: the largest active window wins; default outside all", function()
	local p = schedule{ zone = "Europe/Berlin", default = { desired = 1 }, windows = {
		{ days = "mon-fri", from = "08:00", to = "20:00", min = 2 },
		{ days = "1-5", from = "12:00", to = "14:00", min = 5 },
		{ days = "mon", from = "12:30", to = "13:30", desired = 5 },
	} }
	-- Monday 2026-01-12 13:00 CET = 12:00Z: windows 2 and 3 say 5, the first wins
	expect(p, 1768219200, "set", 5,
		"Mon 13:00 CET (Europe/Berlin) in window 1-5 12:00-14:00: at least 5")
	expect(p, 1768204800, "set", 2,
		"Mon 09:00 CET (Europe/Berlin) in window mon-fri 08:00-20:00: at least 2")
	expect(p, 1768640400, "set", 1,
		"Sat 10:00 CET (Europe/Berlin) outside every window, default: desired 1")
	local q = schedule{ zone = "UTC", default = { min = 0 },
		windows = { { days = "sun", min = 1 } } }
	expect(q, 1768640400, "set", 0, "Sat 09:00 UTC (UTC) outside every window, default: at least 0")
end)

t.test("schedule: a window that crosses midnight belongs to its first day", function()
	local p = schedule{ zone = "Europe/Berlin",
		windows = { { days = "fri", from = "22:00", to = "06:00", desired = 1 } } }
	-- Friday 2026-01-16 22:00 CET = 21:00Z = 1767225600 + 15 d + 21 h
	expect(p, 1768597199, "none")
	expect(p, 1768597200, "set", 1,
		"Fri 22:00 CET (Europe/Berlin) in window fri 22:00-06:00: desired 1")
	-- Saturday 06:00 CET = 05:00Z ends it
	expect(p, 1768625999, "set", 1,
		"Sat 05:59 CET (Europe/Berlin) in window fri 22:00-06:00: desired 1")
	expect(p, 1768626000, "none")
	-- Thursday night and Saturday night are not Friday's
	expect(p, 1768510800, "none") -- Thu 2026-01-15 22:00 CET
	expect(p, 1768683600, "none") -- Sat 2026-01-17 22:00 CET
	expect(p, 1768604400, "set", 1, -- Sat 00:00 CET: still Friday's window
		"Sat 00:00 CET (Europe/Berlin) in window fri 22:00-06:00: desired 1")
	-- across the spring change: Sat 2026-03-28 22:00 CET (21:00Z) to
	-- Sun 06:00 CEST (04:00Z), seven hours
	local s = schedule{ zone = "Europe/Berlin",
		windows = { { days = "sat", from = "22:00", to = "06:00", min = 3 } } }
	expect(s, 1774731599, "none")
	expect(s, 1774731600, "set", 3,
		"Sat 22:00 CET (Europe/Berlin) in window sat 22:00-06:00: at least 3")
	expect(s, 1774756799, "set", 3,
		"Sun 05:59 CEST (Europe/Berlin) in window sat 22:00-06:00: at least 3")
	expect(s, 1774756800, "none")
end)

t.test("schedule: spring forward 2026-03-29, a start in the skipped hour", function()
	-- 02:00 CET (01:00Z) becomes 03:00 CEST: 02:00-02:59 never shows
	local p = schedule{ zone = "Europe/Berlin",
		windows = { { days = "sun", from = "02:30", to = "04:00", min = 3 } } }
	expect(p, 1774745999, "none") -- 01:59:59 CET
	-- the first instant after the gap: 03:00 CEST = 01:00Z
	expect(p, 1774746000, "set", 3,
		"Sun 03:00 CEST (Europe/Berlin) in window sun 02:30-04:00: at least 3")
	expect(p, 1774749599, "set", 3,
		"Sun 03:59 CEST (Europe/Berlin) in window sun 02:30-04:00: at least 3")
	expect(p, 1774749600, "none") -- 04:00 CEST = 02:00Z
	-- a window wholly inside the gap never opens
	local gap = schedule{ zone = "Europe/Berlin",
		windows = { { days = "sun", from = "02:00", to = "02:30", min = 3 } } }
	expect(gap, 1774745999, "none")
	expect(gap, 1774746000, "none")
	-- 01:00-04:00 is two hours of real time that day: 00:00Z to 02:00Z
	local short = schedule{ zone = "Europe/Berlin",
		windows = { { days = "sun", from = "01:00", to = "04:00", min = 3 } } }
	expect(short, 1774742399, "none")
	expect(short, 1774742400, "set", 3,
		"Sun 01:00 CET (Europe/Berlin) in window sun 01:00-04:00: at least 3")
	expect(short, 1774749599, "set", 3,
		"Sun 03:59 CEST (Europe/Berlin) in window sun 01:00-04:00: at least 3")
	expect(short, 1774749600, "none")
end)

t.test("schedule: Lord Howe's half-hour change, 2026-10-04", function()
	-- 02:00 +1030 becomes 02:30 +11 at 2026-10-03 15:30Z = 1791041400
	local p = schedule{ zone = "Australia/Lord_Howe",
		windows = { { days = "sun", from = "02:10", to = "03:00", min = 2 } } }
	expect(p, 1791041399, "none") -- 01:59:59 +1030
	expect(p, 1791041400, "set", 2,
		"Sun 02:30 +11 (Australia/Lord_Howe) in window sun 02:10-03:00: at least 2")
	expect(p, 1791043199, "set", 2, -- 02:59:59 +11
		"Sun 02:59 +11 (Australia/Lord_Howe) in window sun 02:10-03:00: at least 2")
	expect(p, 1791043200, "none")
end)

t.test("schedule: fall back 2026-10-25, a start in the repeated hour", function()
	-- 03:00 CEST (01:00Z) becomes 02:00 CET: 02:00-02:59 shows twice,
	-- 00:00Z-01:00Z (CEST) and 01:00Z-02:00Z (CET). 2026-10-25 00:00Z =
	-- 1767225600 + 297 d = 1792886400.
	local p = schedule{ zone = "Europe/Berlin",
		windows = { { days = "sun", from = "02:30", to = "05:00", min = 4 } } }
	expect(p, 1792888199, "none") -- 02:29:59 CEST
	expect(p, 1792888200, "set", 4, -- the first 02:30 starts it
		"Sun 02:30 CEST (Europe/Berlin) in window sun 02:30-05:00: at least 4")
	-- back to 02:00 (CET): still open, not closed and opened again
	expect(p, 1792890000, "set", 4,
		"Sun 02:00 CET (Europe/Berlin) in window sun 02:30-05:00: at least 4")
	expect(p, 1792891800, "set", 4,
		"Sun 02:30 CET (Europe/Berlin) in window sun 02:30-05:00: at least 4")
	expect(p, 1792900799, "set", 4, -- 04:59:59 CET
		"Sun 04:59 CET (Europe/Berlin) in window sun 02:30-05:00: at least 4")
	expect(p, 1792900800, "none") -- 05:00 CET = 04:00Z
	-- a window ending in the repeated hour ends at the first 02:30 and
	-- does not open again when the clock shows 01:xx-02:29 once more
	local q = schedule{ zone = "Europe/Berlin",
		windows = { { days = "sun", from = "01:00", to = "02:30", desired = 2 } } }
	expect(q, 1792882799, "none") -- Sat 23:00Z - 1 s
	expect(q, 1792882800, "set", 2, -- 01:00 CEST = Sat 23:00Z
		"Sun 01:00 CEST (Europe/Berlin) in window sun 01:00-02:30: desired 2")
	expect(q, 1792888199, "set", 2,
		"Sun 02:29 CEST (Europe/Berlin) in window sun 01:00-02:30: desired 2")
	expect(q, 1792888200, "none")
	expect(q, 1792890000, "none") -- 02:00 CET, the second time round
end)

t.test("schedule: cron day-of-week fields", function()
	-- which days of the week 2026-01-11 (Sunday) .. 01-17 a whole-day window
	-- covers, at 12:00 CET each day (11:00Z, 1768129200 + k days)
	local function days_of(spec)
		local p = schedule{ zone = "Europe/Berlin", windows = { { days = spec, min = 1 } } }
		local out = {}
		for k = 0, 6 do
			out[#out + 1] = at(p, 1768129200 + k * 86400) == "set" and "x" or "."
		end
		return table.concat(out)
	end
	--       "SMTWTFS"
	t.eq(days_of("*"), "xxxxxxx")
	t.eq(days_of("mon-fri"), ".xxxxx.")
	t.eq(days_of("MON-Fri"), ".xxxxx.")
	t.eq(days_of("sat,sun"), "x.....x")
	t.eq(days_of("fri-mon"), "xx...xx") -- wraps
	t.eq(days_of("0"), "x......")
	t.eq(days_of("7"), "x......")
	t.eq(days_of("0-7"), "xxxxxxx")
	t.eq(days_of("5-7"), "x....xx")
	t.eq(days_of("1-5/2"), ".x.x.x.")
	t.eq(days_of("*/3"), "x..x..x")
	t.eq(days_of("tue,thu,6"), "..x.x.x")
	t.eq(days_of("wed-wed"), "...x...")
end)

----------------------------------------------------------------- refusals

local function with(window, over)
	local args = { zone = "Europe/Berlin", windows = { window } }
	for k, v in pairs(over or {}) do args[k] = v end
	return function()
		local p = schedule(args) -- not a tail call: the error names this line
		return p
	end
end

t.test("schedule: bad zones", function()
	refuses(with({ min = 1 }, { zone = "Mars/Base" }),
		"policy.schedule: unknown time zone 'Mars/Base'")
	refuses(with({ min = 1 }, { zone = "../../etc/passwd" }),
		"policy.schedule: invalid time zone name '../../etc/passwd' (parts of letters, digits, "
		.. "'_', '+' and '-' joined by '/', like 'Europe/Berlin')")
	refuses(with({ min = 1 }, { zone = "Europe/" }), "invalid time zone name 'Europe/'")
	refuses(function() schedule{ windows = { { min = 1 } } } end,
		"policy.schedule: zone must be a time zone name such as \"Europe/Berlin\", got nil")
end)

t.test("schedule: bad day fields", function()
	refuses(with{ days = "mon-funday", min = 1 },
		"policy.schedule: windows[1]: days \"mon-funday\": \"funday\" is not a day (sun to sat, "
		.. "or 0 to 7)")
	refuses(with{ days = "8", min = 1 }, "days \"8\": \"8\" is not a day (sun to sat, or 0 to 7)")
	refuses(with{ days = "monday", min = 1 }, "\"monday\" is not a day")
	refuses(with{ days = "", min = 1 }, "windows[1]: days \"\": \"\" is not a day, a range or \"*\"")
	refuses(with{ days = "mon,,fri", min = 1 }, "days \"mon,,fri\": \"\" is not a day, a range")
	refuses(with{ days = "mon-", min = 1 }, "days \"mon-\": \"mon-\" is not a day, a range or \"*\"")
	refuses(with{ days = "*/0", min = 1 },
		"days \"*/0\": step \"0\" must be a whole number of at least 1")
	refuses(with{ days = "*/x", min = 1 }, "days \"*/x\": step \"x\" must be a whole number")
	refuses(with{ days = "5/2", min = 1 },
		"days \"5/2\": a step needs a range (\"*/2\", \"mon-fri/2\")")
	refuses(with{ days = 1, min = 1 },
		"windows[1]: days must be a cron day-of-week field such as \"mon-fri\", got number")
end)

t.test("schedule: bad times", function()
	refuses(with{ from = "8am", min = 1 },
		"policy.schedule: windows[1]: from: invalid time \"8am\" (HH:MM from 00:00 to 23:59)")
	refuses(with{ from = "24:00", to = "06:00", min = 1 },
		"from: invalid time \"24:00\" (HH:MM from 00:00 to 23:59)")
	refuses(with{ to = "25:00", min = 1 }, "to: invalid time \"25:00\" (HH:MM from 00:00 to 24:00)")
	refuses(with{ to = "24:01", min = 1 }, "to: invalid time \"24:01\"")
	refuses(with{ from = "12:60", min = 1 }, "from: invalid time \"12:60\"")
	refuses(with{ from = "123:00", min = 1 }, "from: invalid time \"123:00\"")
	refuses(with{ from = 8, min = 1 }, "windows[1]: from must be a time \"HH:MM\", got number")
	refuses(with{ from = "08:00", to = "08:00", min = 1 },
		"windows[1]: to equals from (08:00): a window needs a length (a whole day is "
		.. "00:00-24:00)")
	refuses(with{ from = "00:00", to = "0:00", min = 1 }, "to equals from (00:00)")
	-- 8:00 is fine, and is shown as 08:00
	local p = schedule{ zone = "Europe/Berlin", windows = { { from = "8:00", to = "9:30", min = 1 } } }
	expect(p, 1768204800, "set", 1, "Mon 09:00 CET (Europe/Berlin) in window * 08:00-09:30: at least 1")
end)

t.test("schedule: bad amounts and arguments", function()
	refuses(with{ min = 1, max = 3 },
		"policy.schedule: windows[1]: max is not supported: the largest proposal wins at combine, "
		.. "so a schedule cannot cap what other policies propose (use the group's max, or "
		.. "desired = n to propose n)")
	refuses(with({ min = 1 }, { default = { max = 2 } }), "default: max is not supported")
	refuses(with{ min = 1, desired = 2 }, "windows[1]: give min or desired, not both")
	refuses(with{ days = "mon" }, "windows[1]: give min = n (at least n) or desired = n")
	refuses(with({ min = 1 }, { default = {} }), "default: give min = n (at least n) or desired = n")
	refuses(with{ min = -1 }, "windows[1]: min must be at least 0, got -1")
	refuses(with{ desired = 1.5 }, "windows[1]: desired must be a whole number, got 1.5")
	refuses(with{ min = "2" }, "windows[1]: min must be a number, got string")
	refuses(with{ min = 1, form = "08:00" }, "windows[1]: unknown argument \"form\"")
	refuses(with({ min = 1 }, { default = { min = 1, days = "mon" } }),
		"default: unknown argument \"days\"")
	refuses(with({ min = 1 }, { default = 3 }), "default: expects a table of arguments, got number")
	refuses(with({ min = 1 }, { window = {} }), "policy.schedule: unknown argument \"window\"")
	refuses(function() schedule{ zone = "UTC" } end,
		"policy.schedule: windows must be a list of windows such as { { days = \"mon-fri\", "
		.. "from = \"08:00\", to = \"20:00\", min = 2 } }, got nil")
	refuses(function() schedule{ zone = "UTC", windows = {} } end, "got an empty table")
	refuses(function() schedule{ zone = "UTC", windows = { { min = 1 }, x = 1 } } end,
		"windows must be a list: unexpected key x")
	refuses(function() schedule{ zone = "UTC", windows = { "mon-fri" } } end,
		"windows[1] must be a table, got string")
	refuses(function() schedule("UTC") end, "policy.schedule: expects a table of arguments, got string")
end)
