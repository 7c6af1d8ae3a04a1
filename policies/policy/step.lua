-- policy/step.lua - AWS step and simple scaling on a policy.alarm
-- (docs/policies/step.md is the reference).
--
--   local step = require "policy.step"
--   step{ alarm = a, adjustment_type = "PercentChangeInCapacity",
--         steps = { { lower = 0, upper = 10, adjustment = 0 }, ... } }
--   step.simple{ alarm = a, adjustment_type = "ChangeInCapacity", adjustment = 2 }
--
-- The module is the step constructor (a callable table); `simple` is the
-- simple-scaling constructor. Both policies act only while their alarm is
-- in ALARM and abstain otherwise. A policy's decide(g, s) gives its plan
-- without proposing (policy.percent reads it): { state, points, text (only
-- in ALARM: the alarm's text costs a tick more than the rest),
-- kind = "change"|"set"|"percent"|"hold"|nil (nil: abstain), value, reason }.

local U = require "policy.util"

local floor, ceil, abs, mtype, huge = math.floor, math.ceil, math.abs, math.type, math.huge
local format = string.format
local num, need_integer = U.num, U.need_integer
local check_keys, constructor = U.check_keys, U.constructor

local TYPES = { ChangeInCapacity = true, ExactCapacity = true, PercentChangeInCapacity = true }

-- AWS's rounding of a PercentChangeInCapacity delta (as core/group.c
-- group_resolve): above 1 down, (0, 1] to 1, [-1, 0) to -1, below -1 up.
local function aws_round(delta)
	if delta > 1 then
		return floor(delta)
	elseif delta > 0 then
		return 1
	elseif delta >= -1 and delta < 0 then
		return -1
	elseif delta < -1 then
		return ceil(delta)
	end
	return 0
end

local function pct_text(p)
	return (p >= 0 and "+" or "") .. num(p) .. "%"
end

-- An adjustment checked for its type: whole numbers for ChangeInCapacity and
-- ExactCapacity (>= 0 there), a percentage >= -100 for the percent type.
local function need_adjustment(v, atype, what)
	if not mtype(v) then
		error(format("%s must be a number, got %s", what, type(v)), 0)
	end
	if atype ~= "PercentChangeInCapacity" and v ~= floor(v) then
		error(format("%s must be a whole number for %s, got %s", what, atype, num(v)), 0)
	end
	if atype == "ExactCapacity" and v < 0 then
		error(format("%s must be >= 0 for ExactCapacity, got %s", what, num(v)), 0)
	end
	if atype == "PercentChangeInCapacity" and v < -100 then
		error(format("%s must be >= -100 for PercentChangeInCapacity, got %s", what, num(v)), 0)
	end
	return atype == "PercentChangeInCapacity" and v or floor(v)
end

-- What both constructors share: the alarm, the adjustment type and
-- min_adjustment_magnitude.
local function common(args)
	local a = args.alarm
	if type(a) ~= "table" or type(a.evaluate_state) ~= "function" or type(a.series) ~= "string"
		or not mtype(a.threshold) then
		error(format("alarm must be a policy.alarm{...}, got %s", type(a)), 0)
	end
	local atype = args.adjustment_type
	if not TYPES[atype] then
		error(format("adjustment_type must be ChangeInCapacity, ExactCapacity or "
			.. "PercentChangeInCapacity, got %s",
			type(atype) == "string" and "\"" .. atype .. "\"" or type(atype)), 0)
	end
	local mag
	if args.min_adjustment_magnitude ~= nil then
		mag = need_integer(args, "min_adjustment_magnitude")
		if atype ~= "PercentChangeInCapacity" then
			error(format("min_adjustment_magnitude needs adjustment_type "
				.. "PercentChangeInCapacity, not %s", atype), 0)
		end
		if mag < 1 then
			error(format("min_adjustment_magnitude must be at least 1, got %d", mag), 0)
		end
	end
	return a, atype, mag
end

-- The proposal for an adjustment: kind, value and its text.
local function adjust(atype, adj, mag, g)
	if atype == "ChangeInCapacity" then
		return "change", adj, format("%+d", adj)
	elseif atype == "ExactCapacity" then
		return "set", adj, format("set %d", adj)
	elseif not mag then
		return "percent", adj, pct_text(adj)
	end
	-- MinAdjustmentMagnitude: the policy computes the delta itself, from
	-- the desired capacity, and scales by at least `mag`
	local base = g.desired
	local d0 = aws_round(base * adj / 100)
	local d = d0
	if adj > 0 and d < mag then
		d = mag
	elseif adj < 0 and d > -mag then
		d = -mag
	end
	local text = format("%s of %d -> %+d", pct_text(adj), base, d0)
	if d ~= d0 then
		text = text .. format(", at least %d: %+d", mag, d)
	end
	return "change", d, text
end

-- The group's plan table, reused on every tick (decide's result is read at
-- once, not kept).
local function new_plan(self, g, state, points, text)
	local st = U.state(self, g)
	local plan = st.plan
	if not plan then
		plan = {}
		st.plan = plan
	end
	plan.state, plan.points, plan.text = state, points, text
	plan.kind, plan.value, plan.reason, plan.step = nil, nil, nil, nil
	return plan
end

local function propose(self, g, s)
	local plan = self:decide(g, s)
	if plan.kind then
		if plan.kind == "hold" then
			return g:hold(plan.reason)
		end
		return g[plan.kind](g, plan.value, plan.reason)
	end
end

------------------------------------------------------------------- simple

local function build_simple(args)
	check_keys(args, { alarm = true, adjustment_type = true, adjustment = true,
		min_adjustment_magnitude = true })
	local a, atype, mag = common(args)
	local adj = need_adjustment(args.adjustment, atype, "adjustment")
	-- without min_adjustment_magnitude the proposal is the same every time
	local kind, value, fixed
	if not mag then
		kind, value, fixed = adjust(atype, adj, nil, nil)
	end
	-- the last reason made, kept (on the policy, not per group) while the
	-- alarm's text (the same string while its datapoints are) and the
	-- action do not move
	local r_text, r_action, r_reason = nil, nil, nil
	return {
		name = "simple",
		series = { a.series },
		alarm = a,
		decide = function(self, g, s)
			local state, points, text = a:evaluate_state(g, s, true)
			local plan = new_plan(self, g, state, points, text)
			if state == "ALARM" then
				local action
				if mag then
					plan.kind, plan.value, action = adjust(atype, adj, mag, g)
				else
					plan.kind, plan.value, action = kind, value, fixed
				end
				if r_text ~= text or r_action ~= action then
					r_text, r_action = text, action
					r_reason = text .. "; in alarm: " .. action
				end
				plan.reason = r_reason
			end
			return plan
		end,
		evaluate = propose,
	}
end

--------------------------------------------------------------------- step

local function step_text(st, above)
	local lo = st.lower == nil and "-inf" or num(st.lower)
	local up = st.upper == nil and "inf" or num(st.upper)
	return above and format("[%s, %s)", lo, up) or format("(%s, %s]", lo, up)
end

-- The steps checked as AWS checks them: each with a bound, lower < upper,
-- no gap and no overlap, at most one open end each side, and an open end
-- on the side where a bound goes past 0.
local function check_steps(list, atype)
	if type(list) ~= "table" or #list == 0 then
		error("steps must be a list of { lower = , upper = , adjustment = }", 0)
	end
	local steps = {}
	for i, st in ipairs(list) do
		local what = format("steps[%d]", i)
		if type(st) ~= "table" then
			error(format("%s must be { lower = , upper = , adjustment = }, got %s", what,
				type(st)), 0)
		end
		for k in pairs(st) do
			if k ~= "lower" and k ~= "upper" and k ~= "adjustment" then
				error(format("%s: unknown key \"%s\"", what, tostring(k)), 0)
			end
		end
		for _, k in ipairs({ "lower", "upper" }) do
			if st[k] ~= nil and (not mtype(st[k]) or st[k] ~= st[k] or abs(st[k]) == huge) then
				error(format("%s: %s must be a number or nil, got %s", what, k,
					mtype(st[k]) and num(st[k]) or type(st[k])), 0)
			end
		end
		if st.lower == nil and st.upper == nil then
			error(format("%s: lower and upper cannot both be nil", what), 0)
		end
		if st.lower and st.upper and st.lower >= st.upper then
			error(format("%s: lower (%s) must be below upper (%s)", what, num(st.lower),
				num(st.upper)), 0)
		end
		steps[i] = { lower = st.lower, upper = st.upper, i = i,
			adjustment = need_adjustment(st.adjustment, atype, what .. ".adjustment") }
	end
	local open_lower, open_upper, neg_lower, pos_upper = 0, 0, nil, nil
	for _, st in ipairs(steps) do
		if st.lower == nil then open_lower = open_lower + 1 end
		if st.upper == nil then open_upper = open_upper + 1 end
		if st.lower and st.lower < 0 then neg_lower = st end
		if st.upper and st.upper > 0 then pos_upper = st end
	end
	if open_lower > 1 then
		error("only one step can have no lower bound", 0)
	end
	if open_upper > 1 then
		error("only one step can have no upper bound", 0)
	end
	table.sort(steps, function(x, y) return (x.lower or -huge) < (y.lower or -huge) end)
	for j = 2, #steps do
		local p, c = steps[j - 1], steps[j]
		if p.upper == nil or p.upper > c.lower then
			error(format("steps[%d] %s and steps[%d] %s overlap", p.i, step_text(p, true),
				c.i, step_text(c, true)), 0)
		elseif p.upper < c.lower then
			error(format("gap between steps[%d] (upper %s) and steps[%d] (lower %s)", p.i,
				num(p.upper), c.i, num(c.lower)), 0)
		end
	end
	if neg_lower and open_lower == 0 then
		error(format("steps[%d] has a negative lower bound (%s), so a step with no lower "
			.. "bound is needed", neg_lower.i, num(neg_lower.lower)), 0)
	end
	if pos_upper and open_upper == 0 then
		error(format("steps[%d] has a positive upper bound (%s), so a step with no upper "
			.. "bound is needed", pos_upper.i, num(pos_upper.upper)), 0)
	end
	return steps
end

local function build_step(args)
	check_keys(args, { alarm = true, adjustment_type = true, steps = true,
		min_adjustment_magnitude = true })
	local a, atype, mag = common(args)
	local steps = check_steps(args.steps, atype)
	-- by step: what a reason says of it, made once: { above's text,
	-- below's text, and without a magnitude kind, value, action }
	local made_of = {}
	for _, st in ipairs(steps) do
		local made = { step_text(st, true), step_text(st, false) }
		if not mag then
			made[3], made[4], made[5] = adjust(atype, st.adjustment, nil, nil)
		end
		made_of[st] = made
	end
	-- the last pick and reason made, kept (on the policy, not per group)
	-- while the alarm's text (the same string while its datapoints are),
	-- the threshold, the step and the action do not move
	local p_metric, p_thr, p_pick = nil, nil, nil
	local r_text, r_pick, r_step, r_above, r_action, r_reason = nil, nil, nil, nil, nil, nil
	return {
		name = "step",
		series = { a.series },
		alarm = a,
		steps = steps,
		decide = function(self, g, s)
			local state, points, text = a:evaluate_state(g, s, true)
			local plan = new_plan(self, g, state, points, text)
			if state ~= "ALARM" then
				return plan
			end
			-- the newest real datapoint the alarm evaluated picks the step
			local metric
			for _, p in ipairs(points) do
				if p.value ~= nil then
					metric = p.value
					break
				end
			end
			if metric == nil then
				plan.kind, plan.reason = "hold", text .. "; no datapoint to pick a step"
				return plan
			end
			-- bounds are relative to the threshold; above it a step is
			-- [lower, upper), below it (lower, upper]; at it, the side the
			-- alarm looks at
			local thr = a.threshold
			local diff = metric - thr
			local above = diff > 0
				or (diff == 0 and (a.comparison == ">=" or a.comparison == ">"))
			local pick = p_pick
			if p_metric ~= metric or p_thr ~= thr then
				pick = num(metric) .. " is " .. (diff >= 0 and "+" or "") .. num(diff) .. " from "
					.. num(thr)
				p_metric, p_thr, p_pick = metric, thr, pick
			end
			for _, st in ipairs(steps) do
				local lo, up = st.lower, st.upper
				local inside
				if above then
					inside = (lo == nil or diff >= lo) and (up == nil or diff < up)
				else
					inside = (lo == nil or diff > lo) and (up == nil or diff <= up)
				end
				if inside then
					local action
					local made = made_of[st]
					if mag then
						plan.kind, plan.value, action = adjust(atype, st.adjustment, mag, g)
					else
						plan.kind, plan.value, action = made[3], made[4], made[5]
					end
					plan.step = st
					if r_text ~= text or r_pick ~= pick or r_step ~= st or r_above ~= above
						or r_action ~= action then
						r_text, r_pick, r_step, r_above, r_action = text, pick, st, above, action
						r_reason = text .. "; " .. pick .. ", step "
							.. (above and made[1] or made[2]) .. ": " .. action
					end
					plan.reason = r_reason
					return plan
				end
			end
			plan.kind, plan.reason = "hold", format("%s; %s: no step covers it", text, pick)
			return plan
		end,
		evaluate = propose,
	}
end

-- The step constructor, callable as the module; errors name the caller's
-- line as U.constructor's do.
local function call_step(_, args)
	local ok, res = pcall(build_step, args)
	if not ok then
		error(format("policy.step: %s", tostring(res)), 2)
	end
	return res
end

return setmetatable({ simple = constructor("simple", build_simple) }, { __call = call_step })
