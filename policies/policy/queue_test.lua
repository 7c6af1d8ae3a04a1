-- queue_test.lua - policy.queue, against the real policy API
-- (run by tests/lua/run_policy_tests.c; see there for the `t` table).
-- Each test uses its own series names: a series can be made once per file.

local t = ...
local queue = require "policy.queue"

local function refuses(fn, text)
	return t.refuses(fn, text, "queue")
end

-- eval and check kind, value and reason in one line
local function expect(p, g, now, kind, value, reason)
	local k, v, r = t.eval(p, g, now)
	t.eq(k, kind, "kind at " .. now)
	t.eq(v, value, "value at " .. now)
	t.eq(r, reason, "reason at " .. now)
end


t.test("queue: the policy table", function()
	local p = queue{ backlog = "jobs", in_flight = "running", jobs_per_worker = 4 }
	t.eq(p.name, "queue")
	t.eq(#p.series, 2)
	t.eq(p.series[1], "jobs")
	t.eq(p.series[2], "running")
	t.eq(type(p.evaluate), "function")
	p = queue{ backlog = "jobs", jobs_per_worker = 4 }
	t.eq(#p.series, 1)
end)

t.test("queue: ceil((backlog + in_flight) / jobs_per_worker)", function()
	t.series("qa_b", { { 10, 50 }, { 20, 7 } })
	t.series("qa_f", { { 15, 3 } })
	local p = queue{ backlog = "qa_b", in_flight = "qa_f", jobs_per_worker = 4 }
	local kind, value, reason, stale, missing = t.eval(p, t.group{ current = 1 }, 25)
	t.eq(kind, "set")
	t.eq(value, 3)
	t.eq(reason, "qa_b last 7 + qa_f last 3 = 10 jobs, 4 per worker: 3")
	t.eq(stale, false)
	t.eq(missing, false)
	-- an exact multiple does not round up; the running group may shrink
	t.series("qa_b8", { { 10, 8 } })
	expect(queue{ backlog = "qa_b8", jobs_per_worker = 4 }, t.group{ current = 5 }, 20,
		"set", 2, "qa_b8 last 8 jobs, 4 per worker: 2")
	-- a fractional jobs_per_worker: 2.1 / 0.7 is 3, not 4 (floating-point noise)
	t.series("qa_frac", { { 10, 2.1 } })
	expect(queue{ backlog = "qa_frac", jobs_per_worker = 0.7 }, t.group{ current = 1 }, 20,
		"set", 3, "qa_frac last 2.1 jobs, 0.7 per worker: 3")
	-- fewer jobs than one worker takes still need one worker
	t.series("qa_one", { { 10, 1 } })
	expect(queue{ backlog = "qa_one", jobs_per_worker = 100 }, t.group{ current = 3 }, 20,
		"set", 1, "qa_one last 1 jobs, 100 per worker: 1")
end)

t.test("queue: the count is math.ceil's, an integer, up to 1e9", function()
	local per = { 1, 4, 0.7, 3, 20, 0.1 }
	local jobs = { 0.5, 1, 2.1, 3.999999, 4, 4.000001, 7.5, 19, 20, 21, 399.9, 1e6 + 0.5,
		123456789.1, 1e12 }
	local g = t.group{ current = 1 }
	for i, j in ipairs(jobs) do
		t.series("qceil" .. i, { { 10, j } })
		for _, p in ipairs(per) do
			local want = j / p - 1e-9
			want = want > 1e9 and 1e9 or math.ceil(want)
			want = want < 1 and 1 or want
			local kind, value, reason = t.eval(queue{ backlog = "qceil" .. i,
				jobs_per_worker = p }, g, 20)
			t.eq(kind, "set")
			t.eq(value, want, j .. " / " .. p)
			t.eq(reason:match(": (%d+)$"), string.format("%d", want), j .. " / " .. p)
		end
	end
end)

t.test("queue: activation from 0 is strictly greater than the threshold", function()
	local g = t.group{ name = "qact", current = 0 }
	local cases = { -- backlog, kind, value, reason (activation 5, 4 jobs a worker)
		{ 0, 0, "qact0 last 0 jobs, not above activation 5: stay at 0" },
		{ 4, 0, "qact1 last 4 jobs, not above activation 5: stay at 0" },
		{ 5, 0, "qact2 last 5 jobs, not above activation 5: stay at 0" },
		{ 5.5, 2, "qact3 last 5.5 jobs > activation 5, 4 per worker: 2" },
		{ 6, 2, "qact4 last 6 jobs > activation 5, 4 per worker: 2" },
		{ 13, 4, "qact5 last 13 jobs > activation 5, 4 per worker: 4" },
	}
	for i, c in ipairs(cases) do
		local name = "qact" .. (i - 1)
		t.series(name, { { 10, c[1] } })
		expect(queue{ backlog = name, jobs_per_worker = 4, activation = 5 }, g, 20,
			"set", c[2], c[3])
	end
	-- in-flight jobs count towards activation: 3 + 3 > 5
	t.series("qact_b", { { 10, 3 } })
	t.series("qact_f", { { 10, 3 } })
	expect(queue{ backlog = "qact_b", in_flight = "qact_f", jobs_per_worker = 4, activation = 5 },
		g, 20, "set", 2, "qact_b last 3 + qact_f last 3 = 6 jobs > activation 5, 4 per worker: 2")
end)

t.test("queue: the default activation 0 starts on the first job", function()
	local g = t.group{ current = 0 }
	t.series("qz_0", { { 10, 0 } })
	expect(queue{ backlog = "qz_0", jobs_per_worker = 10 }, g, 20,
		"set", 0, "qz_0 last 0 jobs, not above activation 0: stay at 0")
	t.series("qz_1", { { 10, 1 } })
	expect(queue{ backlog = "qz_1", jobs_per_worker = 10 }, g, 20,
		"set", 1, "qz_1 last 1 jobs > activation 0, 10 per worker: 1")
end)

t.test("queue: activation does not apply to a running group", function()
	-- desired 2, 3 jobs, activation 5: the group is in the scaling phase
	t.series("qrun", { { 10, 3 } })
	expect(queue{ backlog = "qrun", jobs_per_worker = 4, activation = 5 },
		t.group{ current = 2 }, 20, "set", 1, "qrun last 3 jobs, 4 per worker: 1")
	-- desired (not current) decides: a group starting its first worker is running
	expect(queue{ backlog = "qrun", jobs_per_worker = 4, activation = 5 },
		t.group{ current = 0, desired = 1 }, 20, "set", 1, "qrun last 3 jobs, 4 per worker: 1")
end)

t.test("queue: to 0 only after idle, and a job resets the timer", function()
	-- the window keeps each tick from seeing samples after its `now`
	t.series("qi_b", { { 0, 12 }, { 100, 0 }, { 250, 0 }, { 390, 3 }, { 400, 0 }, { 800, 0 } })
	local p = queue{ backlog = "qi_b", jobs_per_worker = 5, window = "10m" }
	local g = t.group{ name = "qi", current = 3 }
	expect(p, g, 0, "set", 3, "qi_b last 12 jobs, 5 per worker: 3")
	expect(p, g, 100, "set", 1, "qi_b last 0 jobs, empty for 0s (idle 300s): keep 1")
	expect(p, g, 250, "set", 1, "qi_b last 0 jobs, empty for 150s (idle 300s): keep 1")
	expect(p, g, 399.5, "set", 1, "qi_b last 3 jobs, 5 per worker: 1")
	-- seen empty again at 400: 300 s from there, not from 100
	expect(p, g, 400, "set", 1, "qi_b last 0 jobs, empty for 0s (idle 300s): keep 1")
	expect(p, g, 650, "set", 1, "qi_b last 0 jobs, empty for 250s (idle 300s): keep 1")
	expect(p, g, 699.75, "set", 1, "qi_b last 0 jobs, empty for 299.75s (idle 300s): keep 1")
	expect(p, g, 700, "set", 0, "qi_b last 0 jobs, empty for 300s (idle 300s): 0")
	expect(p, g, 900, "set", 0, "qi_b last 0 jobs, empty for 500s (idle 300s): 0")
end)

t.test("queue: called as evaluate(self, g, s), it reads g as the engine's arguments say", function()
	-- the engine calls evaluate(self, g, s, desired, now) (engine_args);
	-- a wrapper, with g and s only: the same proposals either way
	t.series("qw_b", { { 0, 12 }, { 100, 0 }, { 390, 3 }, { 400, 0 } })
	local p = queue{ backlog = "qw_b", jobs_per_worker = 5, window = "10m", activation = 2 }
	t.eq(p.engine_args, true)
	local wrapped = function(g, s) return p:evaluate(g, s) end
	local g, w = t.group{ current = 3 }, t.group{ current = 3 }
	for _, c in ipairs({ { 0, 3, "qw_b last 12 jobs, 5 per worker: 3" },
		{ 100, 1, "qw_b last 0 jobs, empty for 0s (idle 300s): keep 1" },
		{ 250, 1, "qw_b last 0 jobs, empty for 150s (idle 300s): keep 1" },
		{ 399.5, 1, "qw_b last 3 jobs, 5 per worker: 1" },
		{ 400, 1, "qw_b last 0 jobs, empty for 0s (idle 300s): keep 1" },
		{ 700, 0, "qw_b last 0 jobs, empty for 300s (idle 300s): 0" } }) do
		expect(p, g, c[1], "set", c[2], c[3])
		expect(wrapped, w, c[1], "set", c[2], c[3])
	end
	-- from 0: desired decides, read from g
	t.update(g, { desired = 0 })
	t.update(w, { desired = 0 })
	expect(p, g, 800, "set", 0, "qw_b last 0 jobs, not above activation 2: stay at 0")
	expect(wrapped, w, 800, "set", 0, "qw_b last 0 jobs, not above activation 2: stay at 0")
	t.push("qw_b", { { 900, 3 } })
	expect(p, g, 900, "set", 1, "qw_b last 3 jobs > activation 2, 5 per worker: 1")
	expect(wrapped, w, 900, "set", 1, "qw_b last 3 jobs > activation 2, 5 per worker: 1")
end)

t.test("queue: in-flight jobs keep the workers, and each group has its own timer", function()
	-- the backlog is empty from 100 on, jobs run until 200
	t.series("qt_b", { { 0, 4 }, { 100, 0 } })
	t.series("qt_f", { { 0, 0 }, { 100, 2 }, { 200, 0 } })
	local p = queue{ backlog = "qt_b", in_flight = "qt_f", jobs_per_worker = 1, idle = "2m",
		window = "10m" }
	local a, b = t.group{ name = "qt_a", current = 4 }, t.group{ name = "qt_b", current = 2 }
	expect(p, a, 100, "set", 2, "qt_b last 0 + qt_f last 2 = 2 jobs, 1 per worker: 2")
	expect(p, a, 200, "set", 1, "qt_b last 0 + qt_f last 0 = 0 jobs, empty for 0s (idle 2m): keep 1")
	expect(p, b, 290, "set", 1, "qt_b last 0 + qt_f last 0 = 0 jobs, empty for 0s (idle 2m): keep 1")
	expect(p, a, 320, "set", 0, "qt_b last 0 + qt_f last 0 = 0 jobs, empty for 120s (idle 2m): 0")
	expect(p, b, 320, "set", 1,
		"qt_b last 0 + qt_f last 0 = 0 jobs, empty for 30s (idle 2m): keep 1")
	expect(p, b, 410, "set", 0, "qt_b last 0 + qt_f last 0 = 0 jobs, empty for 120s (idle 2m): 0")
end)

t.test("queue: groups on one queue at one instant, each policy its own idle", function()
	-- the "empty for" text is made once for all policies while its parts
	-- are the same, and anew when any part is not
	t.series("qs_b", { { 0, 0 } })
	local p = queue{ backlog = "qs_b", jobs_per_worker = 2, window = "1h" }
	local q = queue{ backlog = "qs_b", jobs_per_worker = 3, window = "1h" }
	local r = queue{ backlog = "qs_b", jobs_per_worker = 3, idle = "1m", window = "1h" }
	local a, b, c = t.group{ current = 1 }, t.group{ current = 1 }, t.group{ current = 1 }
	for _, now in ipairs({ 0, 60, 60.5, 300 }) do
		local s = "qs_b last 0 jobs, empty for " .. (now == 60.5 and "60.5" or math.floor(now)) .. "s"
		local five, one = now >= 300 and ": 0" or ": keep 1", now >= 60 and ": 0" or ": keep 1"
		expect(p, a, now, "set", now >= 300 and 0 or 1, s .. " (idle 300s)" .. five)
		expect(q, b, now, "set", now >= 300 and 0 or 1, s .. " (idle 300s)" .. five)
		expect(r, c, now, "set", now >= 60 and 0 or 1, s .. " (idle 1m)" .. one)
		expect(p, a, now, "set", now >= 300 and 0 or 1, s .. " (idle 300s)" .. five)
	end
end)

t.test("queue: each tick's reason follows its reads and the group's desired", function()
	-- reasons are kept per group while the reads do not move
	t.series("qc_b", { { 10, 8 } })
	local p = queue{ backlog = "qc_b", jobs_per_worker = 4, activation = 5 }
	local g = t.group{ current = 0 }
	expect(p, g, 10, "set", 2, "qc_b last 8 jobs > activation 5, 4 per worker: 2")
	t.update(g, { desired = 2 })
	expect(p, g, 10, "set", 2, "qc_b last 8 jobs, 4 per worker: 2")
	t.push("qc_b", { { 20, 9 } })
	expect(p, g, 20, "set", 3, "qc_b last 9 jobs, 4 per worker: 3")
	t.update(g, { desired = 0 })
	t.push("qc_b", { { 30, 4 } })
	expect(p, g, 30, "set", 0, "qc_b last 4 jobs, not above activation 5: stay at 0")
	t.update(g, { desired = 3 })
	expect(p, g, 30, "set", 1, "qc_b last 4 jobs, 4 per worker: 1")
	t.update(g, { desired = 0 })
	expect(p, g, 30, "set", 0, "qc_b last 4 jobs, not above activation 5: stay at 0")
	t.push("qc_b", { { 40, 5 } })
	expect(p, g, 40, "set", 0, "qc_b last 5 jobs, not above activation 5: stay at 0")
	-- another group on the same policy and reads: its own reason
	expect(p, t.group{ current = 1 }, 40, "set", 2, "qc_b last 5 jobs, 4 per worker: 2")
end)

t.test("queue: no data holds and marks the input missing", function()
	t.series("qm_b", {})
	t.series("qm_ok", { { 10, 5 } })
	t.series("qm_f", {})
	local g = t.group{ current = 2 }
	local kind, value, reason, stale, missing = t.eval(queue{ backlog = "qm_b",
		jobs_per_worker = 1 }, g, 20)
	t.eq(kind, "hold")
	t.eq(value, 0)
	t.eq(reason, "no data in series 'qm_b'")
	t.eq(stale, false)
	t.eq(missing, true)
	kind, value, reason, stale, missing = t.eval(queue{ backlog = "qm_ok", in_flight = "qm_f",
		jobs_per_worker = 1 }, g, 20)
	t.eq(kind, "hold")
	t.eq(reason, "no data in series 'qm_f'")
	t.eq(missing, true)
	-- nothing within the window is no data too
	expect(queue{ backlog = "qm_ok", jobs_per_worker = 1, window = "5s" }, g, 20,
		"hold", 0, "no data in series 'qm_ok'")
end)

t.test("queue: stat and window", function()
	t.series("qs_w", { { 10, 5 }, { 20, 40 }, { 30, 8 }, { 40, 2 } })
	local g = t.group{ current = 1 }
	expect(queue{ backlog = "qs_w", jobs_per_worker = 10, stat = "max", window = "20s" }, g, 45,
		"set", 1, "qs_w max 8 jobs, 10 per worker: 1")
	expect(queue{ backlog = "qs_w", jobs_per_worker = 10, stat = "max", window = 30 }, g, 45,
		"set", 4, "qs_w max 40 jobs, 10 per worker: 4")
	expect(queue{ backlog = "qs_w", jobs_per_worker = 10, stat = "avg" }, g, 45,
		"set", 2, "qs_w avg 13.75 jobs, 10 per worker: 2")
end)

t.test("queue: bad arguments", function()
	refuses(function() queue{ jobs_per_worker = 1 } end, "backlog must be a series name, got nil")
	refuses(function() queue{ backlog = "", jobs_per_worker = 1 } end,
		"backlog must be a series name, got string")
	refuses(function() queue{ backlog = "b", in_flight = 3, jobs_per_worker = 1 } end,
		"in_flight must be a series name, got number")
	refuses(function() queue{ backlog = "b", in_flight = "b", jobs_per_worker = 1 } end,
		"in_flight must be another series than backlog ('b')")
	refuses(function() queue{ backlog = "b" } end, "jobs_per_worker must be a number, got nil")
	refuses(function() queue{ backlog = "b", jobs_per_worker = 0 } end,
		"jobs_per_worker must be more than 0, got 0")
	refuses(function() queue{ backlog = "b", jobs_per_worker = "4" } end,
		"jobs_per_worker must be a number, got string")
	refuses(function() queue{ backlog = "b", jobs_per_worker = 1, activation = -1 } end,
		"activation must be 0 or more, got -1")
	refuses(function() queue{ backlog = "b", jobs_per_worker = 1, idle = "5 m" } end,
		"idle: invalid duration \"5 m\"")
	refuses(function() queue{ backlog = "b", jobs_per_worker = 1, idle = 0 } end,
		"idle must be more than 0 seconds, got 0")
	refuses(function() queue{ backlog = "b", jobs_per_worker = 1, window = "0s" } end,
		"window must be more than 0 seconds, got \"0s\"")
	refuses(function() queue{ backlog = "b", jobs_per_worker = 1, stat = "median" } end,
		"unknown stat \"median\"")
	refuses(function() queue{ backlog = "b", jobs_per_worker = 1, cooldown = 60 } end,
		"unknown argument \"cooldown\"")
	refuses(function() queue("b") end, "expects a table of arguments, got string")
end)

-- The engine runs policy.queue's compiled form (core/policy_queue.c, through
-- the table's `native`); p:evaluate, which a wrapper calls, is the Lua one.
-- Both get the same reads, desired counts and times here, each on a group of
-- its own (each keeps its own idle timer): every proposal must be the same,
-- kind, count, reason, stale and missing alike. test_policy_native.c shows
-- that the compiled form is the one that ran.
t.test("queue: the compiled form and evaluate agree, tick by tick", function()
	local seed = 12345
	local function rand(n) -- 1..n, a fixed sequence
		seed = (seed * 1103515245 + 12345) % 2147483648
		return seed % n + 1
	end
	local values = { 0, 0, 0, 1, 2.5, 3, 7, 13, 19.999, 20, 21, 40.25, 100, 1 / 3, 1e6 + 0.5,
		123456789.125, -1, -0.5, 2e9 }
	local configs = {
		{},
		{ stat = "avg", window = 30 },
		{ stat = "p90", window = "1m" },
		{ in_flight = true, stat = "max", window = 20 },
		{ stat = "count", window = 10 },
		{ in_flight = true, activation = 3, idle = 45 },
		{ stat = "last", window = 15, activation = 0.5 },
		{ stat = "sum", window = 7.5, idle = "1m30s" },
		{ stat = "rate", window = 60 },
		{ in_flight = true, stat = "min", window = 25, jobs_per_worker = 0.7 },
		{ stat = "p50", jobs_per_worker = 3 },
		-- names of 2- and 3-byte UTF-8 characters, long enough that the
		-- reasons pass SCALED_REASON_MAX - 1 bytes and are cut, in the
		-- texts' ASCII tail or (the last two) inside the names, at the
		-- offsets the numbers' lengths give: never inside a character
		{ in_flight = true, activation = 123456.789, jobs_per_worker = 0.123,
			b = "qn_b_" .. string.rep("é", 29), f = "qn_f_" .. string.rep("ü", 29) },
		{ in_flight = true, stat = "avg", window = 9,
			b = "qn_bb" .. string.rep("é", 29), f = "qn_ff" .. string.rep("ü", 29) },
		{ stat = "max", window = 5, b = "qn_bbb" .. string.rep("é", 74) },
		{ in_flight = true, b = "qn_bbbb" .. string.rep("é", 40),
			f = "qn_fff" .. string.rep("€", 30) },
	}
	for i, c in ipairs(configs) do
		local b, f = c.b or "qn_b" .. i, c.in_flight and (c.f or "qn_f" .. i) or nil
		t.series(b, {}, { stale = "20s" })
		if f then
			t.series(f, {}, { stale = "20s" })
		end
		local p = queue{ backlog = b, in_flight = f, jobs_per_worker = c.jobs_per_worker or 20,
			stat = c.stat, window = c.window, activation = c.activation, idle = c.idle }
		local wrapped = function(g, s) return p:evaluate(g, s) end
		local g, w = t.group{ current = 1 }, t.group{ current = 1 }
		local now = 1000
		for step = 1, 400 do
			now = now + rand(9) - 1 + (rand(4) == 1 and 0.25 or 0)
			if rand(3) == 1 then
				t.push(b, { { now, values[rand(#values)] } })
			end
			if f and rand(4) == 1 then
				t.push(f, { { now, values[rand(#values)] } })
			end
			if rand(5) == 1 then
				local d = rand(6) - 1
				t.update(g, { desired = d })
				t.update(w, { desired = d })
			end
			local k1, v1, r1, s1, m1 = t.eval(p, g, now)
			local k2, v2, r2, s2, m2 = t.eval(wrapped, w, now)
			local at = string.format("config %d, step %d, t=%s", i, step, now)
			t.eq(k1, k2, "kind, " .. at)
			t.eq(v1, v2, "value, " .. at)
			t.eq(r1, r2, "reason, " .. at)
			t.eq(s1, s2, "stale, " .. at)
			t.eq(m1, m2, "missing, " .. at)
		end
	end
end)

-- Which one ran: a table with queue's `native` and an evaluate of its own
-- gets the compiled proposal; parameters the compiled form does not take
-- (forged, garbage, a series not made yet) leave the table's evaluate to run.
t.test("queue: the engine runs the compiled form, and declines what it cannot run", function()
	t.series("qn_c", { { 0, 9 } })
	local p = queue{ backlog = "qn_c", jobs_per_worker = 4 }
	local lua = function(self, g) return g:hold("lua ran") end
	local g = t.group{ current = 1 }
	expect({ native = p.native, evaluate = lua }, g, 10, "set", 3,
		"qn_c last 9 jobs, 4 per worker: 3")
	local function forged(changes)
		local n = {}
		for k, v in pairs(p.native) do
			n[k] = v
		end
		for k, v in pairs(changes) do
			n[k] = v
		end
		return { native = n, evaluate = lua }
	end
	local touched = false
	local cases = {
		{ kind = "queue2" }, { kind = 3 }, { id = 1.5 }, { id = "7" }, { per = 0 },
		{ per = -1 }, { per = 0 / 0 }, { per = math.huge }, { per = "4" },
		{ activation = -1 }, { idle = 0 }, { stat = "median" }, { stat = 1 },
		{ stat = "pct", pct = 101 }, { window = 0 }, { window = -5 }, { window = 1e13 },
		{ window = 0.0001 }, { window = "1m" }, { bhead = false }, { bhead = 7 },
		{ stay = setmetatable({}, {}) }, { backlog = 42 }, { in_flight = "qn_c" },
	}
	for i, c in ipairs(cases) do
		local pol = forged(c)
		if c.id == nil then
			pol.native.id = 900000 + i
		end
		local k, v, r = t.eval(pol, g, 10)
		t.eq(k .. " " .. v .. " " .. r, "hold 0 lua ran", "case " .. i)
	end
	-- a params table whose fields come from __index: read raw, so none is
	-- found, and the metamethod never runs outside the sandbox's deadline
	local meta = setmetatable({ id = 900100 }, { __index = function(_, k)
		touched = true
		return p.native[k]
	end })
	expect({ native = meta, evaluate = lua }, g, 10, "hold", 0, "lua ran")
	t.eq(touched, false, "__index of native ran")
	-- a series not made yet: evaluate runs (and raises its error) until it is
	local late = queue{ backlog = "qn_late", jobs_per_worker = 2 }
	local lg = t.group{ current = 1 }
	local k, _, r = t.eval({ native = late.native, evaluate = lua }, lg, 10)
	t.eq(k, "hold")
	t.eq(r, "lua ran")
	t.series("qn_late", { { 5, 3 } })
	expect({ native = late.native, evaluate = lua }, lg, 11, "set", 2,
		"qn_late last 3 jobs, 2 per worker: 2")
end)
