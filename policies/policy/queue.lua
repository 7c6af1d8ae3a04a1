-- policy/queue.lua - backlog workers, as KEDA scales a queue consumer
-- (docs/policies/queue.md is the reference).

local U = require "policy.util"

local format = string.format
local seconds, stat_of, num = U.seconds, U.stat_of, U.num
local need_number, check_keys, constructor = U.need_number, U.check_keys, U.constructor
local duration_text, int_text = U.duration_text, U.int_text

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

-- The last "empty for" reason made by any queue policy of this sandbox,
-- with what it was made of: the groups of a farm that scale on one queue
-- tick at the same instant and would each make the same text anew.
local e_seen, e_empty, e_tail, e_text

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

	-- Reasons: texts made here once around the numbers, and the last jobs
	-- read with the reasons made from them, kept on the policy (not per
	-- group: a group costs no memory for them) while the reads do not move
	-- (the series get a sample every few ticks).
	local no_backlog = format("no data in series '%s'", backlog)
	local no_in_flight = in_flight and format("no data in series '%s'", in_flight)
	local bhead = format("%s %s ", backlog, stat.name)
	local fhead = in_flight and format(" + %s %s ", in_flight, stat.name)
	local stay = format(", not above activation %s: stay at 0", num(activation))
	local from_zero = format(" > activation %s", num(activation))
	local per_text = format(", %s per worker: ", num(per))
	local idle_text = format("s (idle %s): ", itext)
	local idle_zero, idle_keep = idle_text .. "0", idle_text .. "keep 1"
	local sname, pct = stat.name, stat.pct -- U.read, inline
	local state_of = U.per_group() -- when each group first saw the queue empty
	local c_b, c_f, c_seen, c_stay, c_text, c_want, c_zero
	-- Each series' view and its statistic's method, kept for the `s` they
	-- came from: the engine's `s` gives a name the same view for its life
	-- (its cache is locked), so a tick costs no lookup through `s`'s and the
	-- view's metatables. Read where they were read, so errors stay put.
	local b_s, b_view, b_read, f_s, f_view, f_read
	local plain = not in_flight and not pct -- one series, no percentile
	-- A kept view read with the policy's statistic (the general form).
	local function read(view, stat_read)
		if pct then
			return view:pct(pct, window)
		end
		return stat_read(view, window)
	end

	return {
		name = "queue",
		series = { backlog, in_flight },
		-- desired and now: the engine's arguments (policy_api.h), what
		-- g.desired and g.now read, and the engine takes `return n,
		-- reason` for g:set(n, reason); nil when a wrapper or a test
		-- calls, which gets g:set's proposal
		engine_args = true,
		-- the same rule in C (core/policy_queue.c), which the engine runs
		-- instead of evaluate below: the checked parameters and the texts
		-- made above; evaluate stays the reference (queue_test.lua holds
		-- the two to the same proposals)
		native = {
			kind = "queue", id = U.native_id(),
			backlog = backlog, in_flight = in_flight, stat = sname, pct = pct,
			window = window, per = per, activation = activation, idle = idle,
			no_backlog = no_backlog, no_in_flight = no_in_flight or nil,
			bhead = bhead, fhead = fhead or nil, stay = stay, from_zero = from_zero,
			per_text = per_text, idle_zero = idle_zero, idle_keep = idle_keep,
		},
		evaluate = function(self, g, s, desired, now)
			if s ~= b_s then
				local v = s[backlog]
				b_s, b_view, b_read = s, v, not pct and v[sname] or nil
			end
			local jobs
			if plain then -- the usual form, in the fewest Lua instructions
				jobs = b_read(b_view, window)
				if not jobs then -- a number or nil: a test, no call
					return g:hold(no_backlog)
				end
				if c_b ~= jobs then
					c_b, c_stay, c_text = jobs, nil, nil
					c_seen = bhead .. num(jobs) .. " jobs"
				end
			else
				local b = read(b_view, b_read)
				if b == nil then
					return g:hold(no_backlog)
				end
				local f = 0
				if in_flight then
					if s ~= f_s then
						local v = s[in_flight]
						f_s, f_view, f_read = s, v, not pct and v[sname] or nil
					end
					f = read(f_view, f_read)
					if f == nil then
						return g:hold(no_in_flight)
					end
				end
				jobs = b + f
				if c_b ~= b or c_f ~= f then
					c_b, c_f, c_stay, c_text = b, f, nil, nil
					c_seen = in_flight and bhead .. num(b) .. fhead .. num(f) .. " = "
						.. num(jobs) .. " jobs" or bhead .. num(b) .. " jobs"
				end
			end
			local seen = c_seen
			-- when the group first saw the queue empty (false once jobs
			-- are back), the number itself: no table per group
			local since = state_of[g]
			if jobs > 0 then
				if since then
					state_of[g] = false
				end
			elseif not since then
				since = now or g.now
				state_of[g] = since
			end
			if not now then
				desired = g.desired
			end
			if desired <= 0 and jobs <= activation then
				if not c_stay then
					c_stay = seen .. stay
				end
				if now then
					return 0, c_stay
				end
				return g:set(0, c_stay)
			end
			if jobs <= 0 then
				local empty = (now or g.now) - since
				local want, tail = 1, idle_keep
				if empty >= idle then
					want, tail = 0, idle_zero
				end
				if empty ~= e_empty or seen ~= e_seen or tail ~= e_tail then
					e_seen, e_empty, e_tail = seen, empty, tail
					e_text = seen .. ", empty for " .. num(empty) .. tail
				end
				if now then
					return want, e_text
				end
				return g:set(want, e_text)
			end
			local zero = desired <= 0
			-- the epsilon keeps 2.1 / 0.7 (= 3.0000000000000004) at 3
			local want = jobs / per - 1e-9
			if want > 1e9 then
				want = 1e9
			else -- math.ceil without the call: the floor, one up when not
				-- whole, an integer (| 0) as math.ceil returns it; want is
				-- finite and above -1 here (jobs > 0)
				local w = want // 1
				want = (w < want and w + 1 or w) | 0
			end
			want = want < 1 and 1 or want
			if c_text == nil or c_want ~= want or c_zero ~= zero then
				c_want, c_zero = want, zero
				c_text = seen .. (zero and from_zero or "") .. per_text .. int_text(want)
			end
			if now then
				return want, c_text
			end
			return g:set(want, c_text)
		end,
	}
end)
