-- alarm_test.lua - policy.alarm, against the real policy API
-- (run by tests/lua/run_policy_tests.c; see there for the `t` table).
-- Each test uses its own series names: a series can be made once per file.

local t = ...
local alarm = require "policy.alarm"

local function refuses(fn, text)
	return t.refuses(fn, text, "alarm")
end

-- An alarm is not a policy: wrap it in one to read its state at a time.
local got = {}
local function probe(a)
	return function(g, s)
		got.state, got.points, got.text = a:evaluate_state(g, s)
		return g:hold(got.text)
	end
end
local function state_at(a, g, now)
	t.eval(probe(a), g, now)
	return got.state, got.text, got.points
end

-- One sample in the middle of each period given; values in `row` oldest
-- first, as the user guide writes them: "X" breaching (90), "0" not
-- breaching (10), "-" missing. The newest period ends at `now`.
local function row_samples(row, now, period, out)
	out = out or {}
	local cells = {}
	for c in row:gmatch("%S") do cells[#cells + 1] = c end
	for i, c in ipairs(cells) do
		local k = #cells - i
		if c ~= "-" then
			out[#out + 1] = { now - k * period - period / 2, c == "X" and 90 or 10 }
		end
	end
	return out
end


------------------------------------------- the user guide's missing-data tables

-- Amazon CloudWatch User Guide, "Configuring how CloudWatch alarms treat
-- missing data", "How alarm state is evaluated when data is missing"
-- (awsdocs/amazon-cloudwatch-user-guide, doc_source/AlarmThatSendsEmail.md,
-- commit 05fd32f63861ca6646c8aa5c94334fd6e0dfdbf5). CloudWatch retrieves the
-- 5 most recent datapoints (our evaluation_range, 5 by default for 3
-- evaluation periods). Columns: datapoints oldest first, how many of the 5
-- are missing, then the state for missing, ignore, breaching, notBreaching.
-- "retain" is the guide's "Retain current state".
local TREATMENTS = { "missing", "ignore", "breaching", "notBreaching" }

-- Datapoints to Alarm 3, Evaluation Periods 3.
local THREE_OF_THREE = {
	{ "0 - X - X", 2, "OK", "OK", "OK", "OK" },
	{ "0 - - - -", 4, "OK", "OK", "OK", "OK" },
	{ "- - - - -", 5, "INSUFFICIENT_DATA", "retain", "ALARM", "OK" },
	{ "0 X X - X", 1, "ALARM", "ALARM", "ALARM", "ALARM" },
	{ "- - - - X", 4, "INSUFFICIENT_DATA", "retain", "ALARM", "OK" },
	{ "X - - - -", 4, "ALARM", "retain", "ALARM", "OK" },
}
-- Datapoints to Alarm 2, Evaluation Periods 3 (an M out of N alarm).
local TWO_OF_THREE = {
	{ "0 - X - X", 2, "ALARM", "ALARM", "ALARM", "ALARM" },
	{ "0 0 X 0 X", 0, "ALARM", "ALARM", "ALARM", "ALARM" },
	{ "0 - X - -", 3, "OK", "OK", "ALARM", "OK" },
	{ "- - - - 0", 4, "OK", "OK", "ALARM", "OK" },
	{ "- - - - X", 4, "INSUFFICIENT_DATA", "retain", "ALARM", "OK" },
}

-- Each row's series: a primer that puts an alarm in ALARM at t=400 (X X X),
-- one that puts it in OK at t=700 (0 0 0), then the row itself, ending at
-- t=1000, every period 60 s. A group evaluated at 400 then 1000 was in
-- ALARM before the row; one evaluated at 700 then 1000 was OK; one
-- evaluated at 1000 only starts there (INSUFFICIENT_DATA, as a new alarm).
local function check_table(tag, rows, m)
	local fresh = t.group{ name = tag .. "_fresh" }
	local was_alarm = t.group{ name = tag .. "_was_alarm" }
	local was_ok = t.group{ name = tag .. "_was_ok" }
	for r, row in ipairs(rows) do
		local missing = select(2, row[1]:gsub("%-", ""))
		t.eq(missing, row[2], row[1] .. ": missing count as the guide gives it")
		local name = string.format("%s_%d", tag, r)
		local samples = row_samples("X X X", 400, 60)
		row_samples("0 0 0", 700, 60, samples)
		row_samples(row[1], 1000, 60, samples)
		t.series(name, samples)
		for i, treat in ipairs(TREATMENTS) do
			local want = row[2 + i]
			local a = alarm{ series = name, comparison = ">=", threshold = 80,
				evaluation_periods = 3, datapoints_to_alarm = m, treat_missing_data = treat }
			t.eq(state_at(a, was_alarm, 400), "ALARM", name .. " primer")
			t.eq(state_at(a, was_ok, 700), "OK", name .. " primer")
			local what = string.format("%s [%s] %s", tag, row[1], treat)
			t.eq(state_at(a, fresh, 1000), want == "retain" and "INSUFFICIENT_DATA" or want,
				what .. ", new alarm")
			t.eq(state_at(a, was_alarm, 1000), want == "retain" and "ALARM" or want,
				what .. ", was ALARM")
			t.eq(state_at(a, was_ok, 1000), want == "retain" and "OK" or want,
				what .. ", was OK")
		end
	end
end

t.test("alarm: the user guide's table, 3 of 3", function()
	check_table("cw33", THREE_OF_THREE, 3)
end)

t.test("alarm: the user guide's table, 2 of 3", function()
	check_table("cw23", TWO_OF_THREE, 2)
end)

t.test("alarm: the guide's second row goes to ALARM one period later (breaching)", function()
	-- "The next time this alarm is evaluated, if the data is still missing it
	-- will go to ALARM, as that non-breaching data point will no longer be
	-- among the 5 most recent data points retrieved."
	t.series("cw_next", row_samples("0 - - - -", 1000, 60))
	local a = alarm{ series = "cw_next", comparison = ">=", threshold = 80,
		evaluation_periods = 3, treat_missing_data = "breaching" }
	local g = t.group{ name = "next" }
	local state, text = state_at(a, g, 1000)
	t.eq(state, "OK")
	t.eq(text, "cw_next avg >= 80 in 2 of 3 x 60s: -, -, 10 (missing as breaching)")
	state, text = state_at(a, g, 1060)
	t.eq(state, "ALARM")
	t.eq(text, "cw_next avg >= 80 in 3 of 3 x 60s: -, -, - (missing as breaching)")
end)


------------------------------------------------------------ states and texts

t.test("alarm: texts and datapoints", function()
	t.series("al_txt", row_samples("0 - X - X", 1000, 60))
	local g = t.group{ name = "txt" }
	-- enough real datapoints: the 3 newest decide, newest first
	local a = alarm{ series = "al_txt", comparison = ">=", threshold = 80,
		evaluation_periods = 3 }
	local state, text, points = state_at(a, g, 1000)
	t.eq(state, "OK")
	t.eq(text, "al_txt avg >= 80 in 2 of 3 x 60s: 90, 90, 10")
	t.eq(#points, 3)
	t.eq(points[1].k, 0)
	t.eq(points[1].value, 90)
	t.eq(points[1].breaching, true)
	t.eq(points[2].k, 2)
	t.eq(points[3].k, 4)
	t.eq(points[3].breaching, false)
end)

t.test("alarm: texts of partial data, no data, M of N and kept state", function()
	t.series("al_part", row_samples("- - - - X", 1000, 60))
	local g = t.group{ name = "part" }
	local a = alarm{ series = "al_part", comparison = ">=", threshold = 80,
		evaluation_periods = 3 }
	local state, text, points = state_at(a, g, 1000)
	t.eq(state, "INSUFFICIENT_DATA")
	t.eq(text, "al_part avg >= 80 in 1 of 3 x 60s: 90, -, - (2 missing)")
	t.eq(points[2].filled, true)
	t.eq(points[2].k, 1)
	t.eq(points[2].value, nil)
	t.eq(points[2].breaching, nil)
	a = alarm{ series = "al_part", comparison = ">=", threshold = 80,
		evaluation_periods = 3, datapoints_to_alarm = 2, treat_missing_data = "notBreaching" }
	state, text = state_at(a, g, 1000)
	t.eq(state, "OK")
	t.eq(text, "al_part avg >= 80 in 1 of 3 x 60s (2 to alarm): 90, -, - "
		.. "(missing as not breaching)")
	a = alarm{ series = "al_part", comparison = ">=", threshold = 80,
		evaluation_periods = 3, treat_missing_data = "ignore" }
	state, text = state_at(a, g, 1000)
	t.eq(state, "INSUFFICIENT_DATA")
	t.eq(text, "al_part avg >= 80 in 1 of 3 x 60s: 90, -, - (2 missing, state kept)")
	-- nothing in the range at all
	state, text = state_at(a, g, 2000)
	t.eq(state, "INSUFFICIENT_DATA")
	t.eq(text, "al_part avg >= 80: no data in the last 5 x 60s, state kept")
	a = alarm{ series = "al_part", comparison = ">=", threshold = 80, period = "1m" }
	state, text = state_at(a, g, 2000)
	t.eq(state, "INSUFFICIENT_DATA")
	t.eq(text, "al_part avg >= 80: no data in the last 3 x 1m")
end)

t.test("alarm: ignore keeps the state per group", function()
	-- 0 0 0 ending at 400, then nothing: a group seen at 400 stays OK, a
	-- group first seen later has no state to keep
	t.series("al_keep", row_samples("0 0 0", 400, 60))
	local a = alarm{ series = "al_keep", comparison = "<", threshold = 5,
		treat_missing_data = "ignore" }
	local g1, g2 = t.group{ name = "keep1" }, t.group{ name = "keep2" }
	t.eq(state_at(a, g1, 400), "OK")
	t.eq(state_at(a, g1, 1000), "OK")
	t.eq(state_at(a, g2, 1000), "INSUFFICIENT_DATA")
	t.eq(state_at(a, g1, 1000), "OK")
end)

t.test("alarm: comparisons, by symbol and by AWS name", function()
	t.series("al_cmp", { { 30, 80 } }) -- one sample: 80 in (0, 60]
	local g = t.group{ name = "cmp" }
	local cases = {
		{ ">=", "ALARM" }, { "GreaterThanOrEqualToThreshold", "ALARM" },
		{ ">", "OK" }, { "GreaterThanThreshold", "OK" },
		{ "<", "OK" }, { "LessThanThreshold", "OK" },
		{ "<=", "ALARM" }, { "LessThanOrEqualToThreshold", "ALARM" },
	}
	for _, c in ipairs(cases) do
		local a = alarm{ series = "al_cmp", comparison = c[1], threshold = 80 }
		t.eq(state_at(a, g, 60), c[2], c[1])
	end
	local a = alarm{ series = "al_cmp", comparison = "LessThanOrEqualToThreshold",
		threshold = 80 }
	t.eq(a.comparison, "<=")
	t.eq(select(2, state_at(a, g, 60)), "al_cmp avg <= 80 in 1 of 1 x 60s: 80")
end)

t.test("alarm: statistics over each period", function()
	-- (0, 60]: 10 20 30 90; (60, 120]: 50
	t.series("al_stat", { { 10, 10 }, { 20, 20 }, { 30, 30 }, { 40, 90 }, { 100, 50 } })
	local g = t.group{ name = "stat" }
	local function text(stat)
		local a = alarm{ series = "al_stat", statistic = stat, comparison = ">", threshold = 0,
			evaluation_periods = 2 }
		return select(2, state_at(a, g, 120))
	end
	t.eq(text("avg"), "al_stat avg > 0 in 2 of 2 x 60s: 50, 37.5")
	t.eq(text("Average"), "al_stat avg > 0 in 2 of 2 x 60s: 50, 37.5")
	t.eq(text("min"), "al_stat min > 0 in 2 of 2 x 60s: 50, 10")
	t.eq(text("Maximum"), "al_stat max > 0 in 2 of 2 x 60s: 50, 90")
	t.eq(text("sum"), "al_stat sum > 0 in 2 of 2 x 60s: 50, 150")
	t.eq(text("SampleCount"), "al_stat count > 0 in 2 of 2 x 60s: 1, 4")
	t.eq(text("p50"), "al_stat p50 > 0 in 2 of 2 x 60s: 50, 20")
	-- a period without samples is missing for count too (not a datapoint of 0)
	local a = alarm{ series = "al_stat", statistic = "count", comparison = "<", threshold = 1 }
	local state, txt = state_at(a, g, 240)
	t.eq(state, "OK")
	t.eq(txt, "al_stat count < 1 in 0 of 1 x 60s: 1")
	state, txt = state_at(a, g, 400)
	t.eq(state, "INSUFFICIENT_DATA")
	t.eq(txt, "al_stat count < 1: no data in the last 3 x 60s")
end)

t.test("alarm: readable from any policy, and not a policy itself", function()
	t.series("al_read", { { 30, 95 } })
	local a = alarm{ series = "al_read", comparison = ">=", threshold = 80 }
	local kind, _, reason = t.eval(function(g, s)
		return g:hold("cpu alarm is " .. a:state(g, s))
	end, t.group{ name = "read" }, 60)
	t.eq(kind, "hold")
	t.eq(reason, "cpu alarm is ALARM")
	t.eq(a.evaluate, nil)
	t.eq(a.series, "al_read")
	t.eq(a.statistic, "avg")
	t.eq(a.period, 60)
	t.eq(a.evaluation_periods, 1)
	t.eq(a.datapoints_to_alarm, 1)
	t.eq(a.threshold, 80)
	t.eq(a.treat_missing_data, "missing")
	t.eq(a.evaluation_range, 3)
end)

t.test("alarm: bad arguments", function()
	local function mk(over)
		local args = { series = "x", comparison = ">=", threshold = 80 }
		for k, v in pairs(over) do args[k] = v end
		return alarm(args)
	end
	refuses(function() mk{ treshold = 1 } end, "unknown argument \"treshold\"")
	refuses(function() alarm{ comparison = ">=", threshold = 80 } end,
		"series must be a series name, got nil")
	refuses(function() mk{ statistic = 5 } end,
		"statistic must be a string such as \"avg\" or \"p95\", got number")
	refuses(function() mk{ statistic = "mean" } end,
		"unknown statistic \"mean\" (avg, min, max, sum, count or pNN)")
	refuses(function() mk{ period = "1 m" } end, "period: invalid duration \"1 m\"")
	refuses(function() mk{ period = 0 } end, "period must be more than 0 seconds, got 0")
	refuses(function() mk{ evaluation_periods = 0 } end,
		"evaluation_periods must be at least 1, got 0")
	refuses(function() mk{ evaluation_periods = 2.5 } end,
		"evaluation_periods must be a whole number, got 2.5")
	refuses(function() mk{ evaluation_periods = 3, datapoints_to_alarm = 4 } end,
		"datapoints_to_alarm must be between 1 and evaluation_periods (3), got 4")
	refuses(function() mk{ datapoints_to_alarm = 0 } end,
		"datapoints_to_alarm must be between 1 and evaluation_periods (1), got 0")
	refuses(function() mk{ comparison = "=>" } end, "comparison must be >=, >, <, <= or "
		.. "GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold, "
		.. "LessThanOrEqualToThreshold, got \"=>\"")
	refuses(function() mk{ comparison = false } end, "LessThanOrEqualToThreshold, got boolean")
	refuses(function() mk{ threshold = "80" } end, "threshold must be a number, got string")
	refuses(function() mk{ treat_missing_data = "notbreaching" } end,
		"treat_missing_data must be missing, ignore, breaching or notBreaching, "
		.. "got \"notbreaching\"")
	refuses(function() mk{ evaluation_periods = 3, evaluation_range = 2 } end,
		"evaluation_range must be at least evaluation_periods (3), got 2")
	refuses(function() alarm("cpu") end, "expects a table of arguments, got string")
end)

t.test("alarm: alarms sharing reads see samples pushed at the same instant", function()
	-- two alarms over the same periods read them once between them (share);
	-- a sample published between two evaluations at one instant is read
	local share = {}
	local hi = alarm{ series = "al_sh", period = 60, comparison = ">=", threshold = 50,
		share = share }
	local lo = alarm{ series = "al_sh", period = 60, comparison = "<", threshold = 50,
		share = share }
	t.series("al_sh", { { 30, 10 } })
	local g = t.group{ current = 1 }
	local state, text = state_at(hi, g, 60)
	t.eq(state, "OK")
	t.eq(text, "al_sh avg >= 50 in 0 of 1 x 60s: 10")
	t.eq((state_at(lo, g, 60)), "ALARM")
	-- a newer sample: (0, 60] averages (10 + 90) / 2 = 50
	t.push("al_sh", { { 50, 90 } })
	state, text = state_at(hi, g, 60)
	t.eq(state, "ALARM")
	t.eq(text, "al_sh avg >= 50 in 1 of 1 x 60s: 50")
	t.eq((state_at(lo, g, 60)), "OK")
	-- one stamped as the newest was: (10 + 90 + 20) / 3 = 40
	t.push("al_sh", { { 50, 20 } })
	state, text = state_at(lo, g, 60)
	t.eq(state, "ALARM")
	t.eq(text, "al_sh avg < 50 in 1 of 1 x 60s: 40")
	t.eq((state_at(hi, g, 60)), "OK")
end)
