-- policy/util.lua - what the library's modules share: durations, statistics,
-- argument checks, reasons, per-group state. Not a policy; farms use
-- `require "policy"`.

local U = {}

local floor, mtype = math.floor, math.type
local format = string.format

-- Durations as scaled writes them ("250ms", "30s", "5m", "1h", "1d",
-- compounds "1m30s" with units in decreasing order, or a plain number of
-- seconds), in seconds. Kept in step with core/duration.c.
local UNIT_SECONDS = { d = 86400, h = 3600, m = 60, s = 1, ms = 0.001 }
local UNIT_RANK = { d = 1, h = 2, m = 3, s = 4, ms = 5 }

function U.seconds(v, what)
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

function U.stat_of(name)
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
function U.read(view, stat, w, ago)
	if stat.pct then
		return view:pct(stat.pct, w, ago)
	end
	return view[stat.name](view, w, ago)
end

-- Numbers in reasons: integers as such, others with at most 3 decimals and
-- no trailing zeros: format("%.3f", x) with its trailing zeros (and then
-- its point) cut. On every tick's path (a hold's reason), so most numbers
-- take a shorter way to the same text: |x| below 1e6 is rounded to
-- thousandths in integers, and only a product x * 1000 within 1e-6 of a
-- rounding boundary (where its float error, under 3e-7 there, could
-- matter, or an exact tie that printf rounds to even) goes to printf.
local byte, sub = string.byte, string.sub

local THOUSANDTHS = { [0] = "" } -- [f]: ".f" for f / 1000, trailing zeros cut
for f = 1, 999 do
	local s = format(".%03d", f)
	local n = #s
	while byte(s, n) == 48 do -- '0'
		n = n - 1
	end
	THOUSANDTHS[f] = sub(s, 1, n)
end

local function num_printf(x)
	local s = format("%.3f", x)
	local n = #s
	while byte(s, n) == 48 do -- '0'
		n = n - 1
	end
	if byte(s, n) == 46 then -- '.'
		n = n - 1
	end
	return sub(s, 1, n)
end

-- Integers as format("%d", i) writes them, without printf (a format call
-- is some 1 500 machine instructions, a tick's largest single cost in a
-- policy that writes a count into its reason): below 1e9 in magnitude from
-- two tables of up to 1 000 texts, each made the first time it is needed,
-- joined by thousands.
local function memo(form)
	return setmetatable({}, { __index = function(t, i)
		local s = format(form, i)
		t[i] = s
		return s
	end })
end
local DIGITS, DIGITS3 = memo("%d"), memo("%03d") -- [i] for 0 <= i <= 999

local function int_text(i)
	if i < 0 then
		if i > -1000000000 then
			return "-" .. int_text(-i)
		end
	elseif i < 1000 then
		return DIGITS[i]
	elseif i < 1000000 then
		return DIGITS[i // 1000] .. DIGITS3[i % 1000]
	elseif i < 1000000000 then
		return DIGITS[i // 1000000] .. DIGITS3[i // 1000 % 1000] .. DIGITS3[i % 1000]
	end
	return format("%d", i)
end
U.int_text = int_text -- i an integer (math.type), for util_test.lua and policies

-- No C call on the way (a call costs more than the rest): x // 1 is
-- math.floor's value (a float for a float), | 0 its integer; abs(x) < 1e15
-- as comparisons, math.mininteger (which abs leaves negative) included.
local mininteger = math.mininteger

function U.num(x)
	local f = x // 1
	if x == f and (x < 1e15 and x > -1e15 or x == mininteger and mtype(x) == "integer") then
		return int_text(f | 0)
	end
	local a = x < 0 and -x or x
	if a < 1e6 then -- not NaN, not inf
		local y = a * 1000 + 0.5
		local r = y // 1 | 0 -- y in [0.5, 1e9]: floor(y), an integer
		local d = y - r
		if d > 1e-6 and d < 1 - 1e-6 then
			return (x < 0 and "-" or "") .. int_text(r // 1000) .. THOUSANDTHS[r % 1000]
		end
	end
	return num_printf(x)
end
U.num_printf = num_printf -- the reference, for util_test.lua

function U.need_number(args, key)
	local v = args[key]
	if not mtype(v) then
		error(format("%s must be a number, got %s", key, type(v)), 0)
	end
	return v
end

function U.need_integer(args, key)
	local v = U.need_number(args, key)
	if mtype(v) ~= "integer" and v ~= floor(v) then
		error(format("%s must be a whole number, got %s", key, U.num(v)), 0)
	end
	return floor(v)
end

function U.need_series(args)
	local v = args.series
	if type(v) ~= "string" or v == "" then
		error(format("series must be a series name, got %s", type(v)), 0)
	end
	return v
end

-- Unknown keys are typos: refuse them.
function U.check_keys(args, known)
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
function U.constructor(name, build)
	return function(args)
		local ok, res = pcall(build, args)
		if not ok then
			error(format("policy.%s: %s", name, tostring(res)), 2)
		end
		return res
	end
end

-- An id for a library policy's compiled form (`native`, core/policy_native.h):
-- unique in this sandbox, so the engine keeps each group's state for it apart.
local native_ids = 0

function U.native_id()
	native_ids = native_ids + 1
	return native_ids
end

function U.duration_text(v)
	return type(v) == "string" and v or U.num(v) .. "s"
end

-- State a policy keeps between ticks, one table per group, so that one policy
-- table given to several groups keeps their histories apart. Keyed by the
-- policy table, then by the group's view (one per group for the engine's
-- life, which costs no string as g.name would); plain indexing on every
-- tick's path, no rawget (a C call in the sandbox).
local STATES = setmetatable({}, { __mode = "k" })

function U.state(self, g)
	local all = STATES[self]
	if not all then
		all = {}
		STATES[self] = all
	end
	local st = all[g]
	if not st then
		st = {}
		all[g] = st
	end
	return st
end

-- A table keyed by group view that does not keep the view alive, for a
-- policy's own per-group state (one table per policy, so a group's entry
-- is one table lookup; U.state's form costs a call and two).
local WEAK_KEYS = { __mode = "k" }

function U.per_group()
	return setmetatable({}, WEAK_KEYS)
end

return U
