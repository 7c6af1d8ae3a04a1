-- policy/queue.lua - backlog workers, as KEDA scales a queue consumer
-- (docs/policies/queue.md is the reference).

local U = require "policy.util"

local ceil, mtype = math.ceil, math.type
local format = string.format
local seconds, stat_of, read, num = U.seconds, U.stat_of, U.read, U.num
local need_number, check_keys, constructor = U.need_number, U.check_keys, U.constructor
local duration_text = U.duration_text

local function series_arg(args, key, required)
	local v = args[key]
	if v == nil and not required then
		return nil
	end
	if type(v) ~= "string" or v == "" then
		error(format("%s must be a series name, got %s", key, type(v)), 0)
	end
	return v
end

-- jobs = backlog + in_flight (each read with `stat` over `window`).
-- From 0 (the group's desired is 0): start only when jobs > activation
-- (strictly, as KEDA's activation threshold), then ceil(jobs / per worker).
-- From 1 or more: max(1, ceil(jobs / per worker)); once jobs <= 0 the
-- group keeps 1 until jobs have been <= 0 for `idle` (the time they were
-- first seen at 0 is kept per group), then 0. A job resets the timer.
return constructor("queue", function(args)
	check_keys(args, { backlog = true, in_flight = true, jobs_per_worker = true,
		activation = true, idle = true, stat = true, window = true })
	local backlog = series_arg(args, "backlog", true)
	local in_flight = series_arg(args, "in_flight", false)
	local per = need_number(args, "jobs_per_worker")
	if per <= 0 then
		error(format("jobs_per_worker must be more than 0, got %s", num(per)), 0)
	end
	local activation = args.activation == nil and 0 or need_number(args, "activation")
	if activation < 0 then
		error(format("activation must be 0 or more, got %s", num(activation)), 0)
	end
	local idle = seconds(args.idle or 300, "idle")
	local itext = duration_text(args.idle or 300)
	local stat = stat_of(args.stat or "last")
	local window = args.window ~= nil and seconds(args.window, "window") or nil
	if in_flight == backlog then
		error(format("in_flight must be another series than backlog ('%s')", backlog), 0)
	end

	return {
		name = "queue",
		series = { backlog, in_flight },
		evaluate = function(self, g, s)
			local b = read(s[backlog], stat, window)
			if b == nil then
				return g:hold(format("no data in series '%s'", backlog))
			end
			local f, seen = 0, nil
			if in_flight then
				f = read(s[in_flight], stat, window)
				if f == nil then
					return g:hold(format("no data in series '%s'", in_flight))
				end
				seen = format("%s %s %s + %s %s %s = %s jobs", backlog, stat.name, num(b),
					in_flight, stat.name, num(f), num(b + f))
			else
				seen = format("%s %s %s jobs", backlog, stat.name, num(b))
			end
			local jobs = b + f
			local st = U.state(self, g)
			if jobs > 0 then
				st.empty_since = nil
			else
				st.empty_since = st.empty_since or g.now
			end
			if g.desired <= 0 and jobs <= activation then
				return g:set(0, format("%s, not above activation %s: stay at 0", seen,
					num(activation)))
			end
			if jobs <= 0 then
				local empty = g.now - st.empty_since
				if empty >= idle then
					return g:set(0, format("%s, empty for %ss (idle %s): 0", seen, num(empty),
						itext))
				end
				return g:set(1, format("%s, empty for %ss (idle %s): keep 1", seen, num(empty),
					itext))
			end
			-- the epsilon keeps 2.1 / 0.7 (= 3.0000000000000004) at 3
			local want = jobs / per - 1e-9
			want = want > 1e9 and 1e9 or ceil(want)
			want = want < 1 and 1 or want
			local from = g.desired <= 0
				and format(" > activation %s", num(activation)) or ""
			return g:set(want, format("%s%s, %s per worker: %d", seen, from, num(per), want))
		end,
	}
end)
