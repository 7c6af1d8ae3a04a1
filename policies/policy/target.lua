-- policy/target.lua - target tracking as Kubernetes' HPA replica calculator,
-- and policy.target.behavior, HPA's `behavior` written as the group's own
-- pipeline keys (docs/policies/target.md is the reference).

local U = require "policy.util"

local floor, ceil, mtype = math.floor, math.ceil, math.type
local format, concat = string.format, table.concat
local seconds, stat_of, num = U.seconds, U.stat_of, U.num
local need_number, need_series = U.need_number, U.need_series
local check_keys, constructor, duration_text = U.check_keys, U.constructor, U.duration_text

-- Keeps float noise from crossing a boundary: 66 / 60 is 1.1000000000000001
-- (inside a 10% band), 15 * 124 / 60 is 31.000000000000004 (31, not 32).
local EPS = 1e-9
local MAX_WANT = 1e9

local TYPES = { Utilization = true, Value = true, AverageValue = true }

local function shown(v)
	return type(v) == "string" and format("\"%s\"", v) or type(v)
end

-- One metric: { series, target, type, stat, window }, stat and window
-- defaulting to the policy's own.
local function metric_of(m, stat, window)
	local series = need_series(m)
	local target = need_number(m, "target")
	if target <= 0 then
		error(format("target must be more than 0, got %s", num(target)), 0)
	end
	local kind = m.type == nil and "Utilization" or m.type
	if not TYPES[kind] then
		error(format("type must be \"Utilization\", \"Value\" or \"AverageValue\", got %s",
			shown(kind)), 0)
	end
	local wsrc = m.window or window
	return { series = series, target = target, kind = kind,
		stat = stat_of(m.stat or stat), window = seconds(wsrc, "window"),
		wtext = duration_text(wsrc) }
end

local function one_tolerance(v, what)
	if not mtype(v) then
		error(format("%s must be a number, got %s", what, type(v)), 0)
	end
	if not (v >= 0 and v < 1) then
		error(format("%s must be in [0, 1), got %s", what, num(v)), 0)
	end
	return v
end

-- tolerance = 0.1, or { up = , down = } (HPA 1.33's per-direction
-- tolerance); returns up, down and how a reason names the band.
local function tolerance_of(v)
	if v == nil then
		return 0.1, 0.1, "10%"
	end
	if type(v) ~= "table" then
		local t = one_tolerance(v, "tolerance")
		return t, t, num(t * 100) .. "%"
	end
	for k in pairs(v) do
		if k ~= "up" and k ~= "down" then
			error(format("tolerance: unknown key \"%s\" (up, down)", tostring(k)), 0)
		end
	end
	local up = v.up == nil and 0.1 or one_tolerance(v.up, "tolerance.up")
	local down = v.down == nil and 0.1 or one_tolerance(v.down, "tolerance.down")
	if up == down then
		return up, down, num(up * 100) .. "%"
	end
	return up, down, format("-%s%%/+%s%%", num(down * 100), num(up * 100))
end

local function clamp_want(x)
	x = ceil(x - EPS)
	if x < 0 then
		return 0
	end
	return x > MAX_WANT and MAX_WANT or x
end

-- One metric's recommendation from its read x, as HPA's replica calculator
-- makes it: want, whether it holds (want is then desired), and, when
-- `explain` is set, its text (every tick's path needs only the numbers:
-- the winner's text is made, or found again, afterwards). `count` is the
-- units measured (g.current, or g.desired while unknown).
local function recommend(m, x, desired, count, tol, explain)
	-- the texts: the numbers made once each, the fixed parts at construction
	local xt = explain and num(x)
	local head, tt = explain and m.head .. xt, m.ttext
	local avg, want = m.kind == "AverageValue", nil
	if count == 0 then
		-- From zero HPA proposes ceil(ratio), without the tolerance.
		want = clamp_want(x / m.target)
		if not explain then
			return want, false
		end
		if avg then
			return want, false, format("%s at 0 units vs target %s: %s / %s -> %d",
				head, tt, xt, tt, want)
		end
		return want, false, format("%s vs target %s: 1 x %s -> %d", head,
			tt, num(x / m.target), want)
	end
	local ratio, text
	if avg then
		head = explain and format("%s / %d units = %s", head, count, num(x / count))
		ratio = x / (m.target * count)
	else
		ratio = x / m.target
	end
	if ratio >= 1 - tol.down - EPS and ratio <= 1 + tol.up + EPS then
		return desired, true, explain and head .. m.within
	end
	if avg then
		want = clamp_want(x / m.target)
		text = explain and format("%s vs target %s: %s / %s -> %d", head, tt, xt, tt, want)
	else
		want = clamp_want(count * ratio)
		text = explain and format("%s vs target %s: %d x %s -> %d", head, tt, count,
			num(ratio), want)
	end
	-- Never against the metric: with units still starting (or stopping)
	-- the count measured can put the result on the other side of desired
	-- (HPA holds then too).
	if ratio > 1 and want < desired then
		return desired, true, explain and format("%s; desired %d is already higher", text,
			desired)
	elseif ratio < 1 and want > desired then
		return desired, true, explain and format("%s; desired %d is already lower", text,
			desired)
	end
	return want, false, text
end

local function build(args)
	check_keys(args, { series = true, target = true, type = true, stat = true, window = true,
		tolerance = true, metrics = true })
	local stat = args.stat or "avg"
	local window = args.window or "60s"
	stat_of(stat) -- checked here too when every metric has its own
	seconds(window, "window")
	local up, down, ttext = tolerance_of(args.tolerance)
	local tol = { up = up, down = down, text = ttext }
	local metrics = {}
	if args.metrics ~= nil then
		if args.series ~= nil or args.target ~= nil or args.type ~= nil then
			error("give series and target, or metrics, not both", 0)
		end
		local list = args.metrics
		if type(list) ~= "table" or #list == 0 then
			error(format("metrics must be a list of at least one { series = , target = }, got %s",
				type(list) == "table" and "an empty table" or type(list)), 0)
		end
		for k in pairs(list) do
			if mtype(k) ~= "integer" or k < 1 or k > #list then
				error(format("metrics must be a list, it has key %s", tostring(k)), 0)
			end
		end
		for i, m in ipairs(list) do
			if type(m) ~= "table" then
				error(format("metrics[%d] must be a table, got %s", i, type(m)), 0)
			end
			local ok, res = pcall(function()
				check_keys(m, { series = true, target = true, type = true, stat = true,
					window = true })
				return metric_of(m, stat, window)
			end)
			if not ok then
				error(format("metrics[%d]: %s", i, res), 0)
			end
			metrics[i] = res
		end
	else
		metrics[1] = metric_of(args, stat, window)
	end
	local names, seen = {}, {}
	for _, m in ipairs(metrics) do
		if not seen[m.series] then
			seen[m.series] = true
			names[#names + 1] = m.series
		end
	end
	local n = #metrics
	for _, m in ipairs(metrics) do
		m.sname, m.pct = m.stat.name, m.stat.pct -- U.read, inline
		m.head, m.ttext = format("%s %s ", m.series, m.stat.name), num(m.target)
		m.within = format(" within %s of target %s", tol.text, m.ttext)
		m.no_data = format("no data in series '%s' for the last %s", m.series, m.wtext)
	end
	local largest = format(" (largest of %d)", n)
	-- Every tick's path: the numbers first, the winner's text after, the
	-- last one kept (on the policy, not per group: a group costs no memory
	-- for it) while its metric, read, count and desired do not move.
	local absent = {} -- the series without data this tick, 1 .. nabsent
	local last = {}

	return {
		name = "target",
		series = names,
		evaluate = function(self, g, s)
			local current, desired = g.current, g.desired
			local count = current >= 0 and current or desired
			local best, bwant, bhold, bx, missing, nabsent = nil, nil, nil, nil, nil, 0
			for i = 1, n do
				local m = metrics[i]
				local v, x = s[m.series], nil
				if m.pct then
					x = v:pct(m.pct, m.window)
				else
					x = v[m.sname](v, m.window)
				end
				if x == nil then
					missing = missing or m
					nabsent = nabsent + 1
					absent[nabsent] = m.series
				else
					local want, hold = recommend(m, x, desired, count, tol)
					if not best or want > bwant then
						best, bwant, bhold, bx = i, want, hold, x
					end
				end
			end
			-- HPA: the largest recommendation wins; with a metric missing it
			-- may scale up on the others but not down.
			if best and (not missing or bwant > desired) then
				if last.i ~= best or last.x ~= bx or last.count ~= count
					or last.desired ~= desired then
					local _, _, text = recommend(metrics[best], bx, desired, count, tol, true)
					last.i, last.x, last.count, last.desired = best, bx, count, desired
					last.base, last.text = text, n > 1 and text .. largest or text
				end
				local text = last.text
				if missing and n > 1 then
					text = format("%s (largest of %d; no data: %s)", last.base, n,
						concat(absent, ", ", 1, nabsent))
				end
				if bhold then
					return g:hold(text)
				end
				return g:set(bwant, text)
			end
			return g:hold(best and missing.no_data .. ": no scale-in" or missing.no_data)
		end,
	}
end

------------------------------------------------------------------ behavior

-- HPA's defaults (k8s.io/kubernetes pkg/apis/autoscaling/v2/defaults.go).
local DEFAULTS = {
	scaleUp = { window = 0, policies = {
		{ type = "Pods", value = 4, periodSeconds = 15 },
		{ type = "Percent", value = 100, periodSeconds = 15 } } },
	scaleDown = { window = 300, policies = {
		{ type = "Percent", value = 100, periodSeconds = 15 } } },
}

local function whole(v, what, lo, hi)
	if not mtype(v) or v ~= floor(v) then
		error(format("%s must be a whole number, got %s", what,
			mtype(v) and num(v) or type(v)), 0)
	end
	if v < lo or v > hi then
		error(format("%s must be in [%d, %d], got %s", what, lo, hi, num(v)), 0)
	end
	return floor(v)
end

-- One direction's HPAScalingRules, defaults filled in as the API server
-- fills them, as the group's pipeline takes them: a stabilisation window
-- and rate rules (core/group.h, stage 6, the per-direction form).
local MAX_RULES = 4 -- GROUP_RATE_RULES

local function rules_of(dir, r)
	local d = DEFAULTS[dir]
	if r == nil then
		r = {}
	elseif type(r) ~= "table" then
		error(format("%s must be a table, got %s", dir, type(r)), 0)
	end
	for k in pairs(r) do
		if k == "tolerance" then
			error(format("%s.tolerance: give tolerance to policy.target instead "
				.. "(tolerance = { up = , down = })", dir), 0)
		elseif k ~= "stabilizationWindowSeconds" and k ~= "selectPolicy" and k ~= "policies" then
			error(format("%s: unknown field \"%s\" (stabilizationWindowSeconds, selectPolicy, "
				.. "policies)", dir, tostring(k)), 0)
		end
	end
	local window = d.window
	if r.stabilizationWindowSeconds ~= nil then
		window = whole(r.stabilizationWindowSeconds, dir .. ".stabilizationWindowSeconds", 0, 3600)
	end
	local select = r.selectPolicy == nil and "Max" or r.selectPolicy
	if select ~= "Max" and select ~= "Min" and select ~= "Disabled" then
		error(format("%s.selectPolicy must be \"Max\", \"Min\" or \"Disabled\", got %s", dir,
			shown(select)), 0)
	end
	local policies = r.policies == nil and d.policies or r.policies
	if type(policies) ~= "table" or (#policies == 0 and select ~= "Disabled") then
		error(format("%s.policies must be a list of at least one policy", dir), 0)
	end
	if #policies > MAX_RULES then
		error(format("%s.policies: at most %d policies (the group's rate takes %d per "
			.. "direction), got %d", dir, MAX_RULES, MAX_RULES, #policies), 0)
	end
	local rules = { select = select:lower() }
	for i, p in ipairs(policies) do
		local where = format("%s.policies[%d]", dir, i)
		if type(p) ~= "table" then
			error(format("%s must be a table, got %s", where, type(p)), 0)
		end
		for k in pairs(p) do
			if k ~= "type" and k ~= "value" and k ~= "periodSeconds" then
				error(format("%s: unknown field \"%s\" (type, value, periodSeconds)", where,
					tostring(k)), 0)
			end
		end
		if p.type ~= "Pods" and p.type ~= "Percent" then
			error(format("%s.type must be \"Pods\" or \"Percent\", got %s", where, shown(p.type)), 0)
		end
		local value = whole(p.value, where .. ".value", 1, 1000000)
		local ps = whole(p.periodSeconds, where .. ".periodSeconds", 1, 1800)
		rules[i] = p.type == "Pods" and { pods = value, period = ps }
			or { percent = value, period = ps }
	end
	return window, rules
end

-- HPA's behavior as the group keys it maps to exactly:
--   stabilization = { up =, down = }, rate = { up = RULES, down = RULES }.
local behavior = constructor("target.behavior", function(args)
	if args == nil then
		args = {}
	end
	check_keys(args, { scaleUp = true, scaleDown = true })
	local up_window, up = rules_of("scaleUp", args.scaleUp)
	local down_window, down = rules_of("scaleDown", args.scaleDown)
	return { stabilization = { up = up_window, down = down_window },
		rate = { up = up, down = down } }
end)

local target = constructor("target", build)

-- policy.target{...} builds the policy; policy.target.behavior{...} maps a
-- behavior. A tail call keeps the farm's line the one an error names.
return setmetatable({ behavior = behavior }, {
	__call = function(_, args)
		return target(args)
	end,
})
