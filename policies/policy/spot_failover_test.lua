-- spot_failover_test.lua - policy.spot_failover, against the real policy API
-- (run by tests/lua/run_policy_tests.c; see there for the `t` table).
-- Each test uses its own series names: a series can be made once per file.
-- Series are filled up front; successive t.eval times walk the virtual clock,
-- and the policy reads the newest price stamped at or before each time.

local t = ...
local spot_failover = require "policy.spot_failover"

-- Every check of construction errors also checks that the error names the
-- line of the caller (this file), not a line of spot_failover.lua.
local function refuses(fn, text)
	local msg = t.raises(fn, text)
	t.ok(msg:match("_test%.lua:%d+: policy%.spot_failover: ") ~= nil,
		"blames the caller: " .. msg)
end

-- A group whose target applies a mix, with the mix given (nil: unknown).
local function group(name, base, pct)
	return t.group{ name = name, current = 4, markets = true, on_demand_base = base,
		on_demand_percent = pct }
end

-- The mix proposed at `now` (nil: it abstained); it never proposes a count.
local function mix_at(p, g, now)
	local kind, value, reason, _, _, mix = t.eval(p, g, now)
	t.eq(kind, "none", "count kind at " .. now)
	t.eq(value, 0, "count at " .. now)
	t.eq(reason, "", "count reason at " .. now)
	return mix
end

-- Every evaluation from `from` to `to`, `step` apart, abstains.
local function quiet(p, g, from, to, step)
	for now = from, to, step do
		t.eq(mix_at(p, g, now), nil, "a switch at " .. now)
	end
end

local function is_mix(m, base, pct, reason, what)
	what = what or "mix"
	t.ok(m, what)
	t.eq(m.on_demand_base, base, what .. " on_demand_base")
	t.eq(m.on_demand_percent, pct, what .. " on_demand_percent")
	t.eq(m.reason, reason, what .. " reason")
end

local TO_OD = "spot %s (%s) >= on-demand %s for %s: to on-demand"
local TO_SPOT = "spot %s (%s) < %s (on-demand %s less %s) for %s: back to spot"


t.test("spot_failover: leaves after exactly leave_after, not a tick before", function()
	-- the reason as the brief writes it (task: "spot 0.9312 (c3.2xlarge_a) >=
	-- on-demand 0.84 for 5m: to on-demand")
	t.series("c3.2xlarge_a", { { 0, 0.5 }, { 60, 0.9312 } })
	local p = spot_failover{ spot = "c3.2xlarge_a", on_demand = 0.84 }
	local g = group("lv", 0, 0)
	quiet(p, g, 0, 300, 60) -- first seen at 60
	t.eq(mix_at(p, g, 359), nil, "299s after")
	is_mix(mix_at(p, g, 360), 0, 100,
		"spot 0.9312 (c3.2xlarge_a) >= on-demand 0.84 for 5m: to on-demand")
	-- not applied yet (mix_dwell, an action in flight): still proposed
	is_mix(mix_at(p, g, 390), 0, 100,
		"spot 0.9312 (c3.2xlarge_a) >= on-demand 0.84 for 5m30s: to on-demand")
	-- applied: on the on-demand side, the high price moves nothing
	t.update(g, { on_demand_percent = 100 })
	quiet(p, g, 420, 3000, 60)
end)

t.test("spot_failover: a tick back below on-demand starts the count again", function()
	t.series("dip_a", { { 0, 0.9 }, { 180, 0.8 }, { 240, 0.9 } })
	local p = spot_failover{ spot = "dip_a", on_demand = 0.84 }
	local g = group("dip", 0, 0)
	quiet(p, g, 0, 480, 60) -- 0.8 at 180 for one tick; again from 240
	is_mix(mix_at(p, g, 540), 0, 100, TO_OD:format("0.9", "dip_a", "0.84", "5m"))
end)

t.test("spot_failover: nothing switches inside the band", function()
	-- spot side: 0.8 is in [0.756, 0.84): never leaves; at 0.84 it does
	t.series("band_s", { { 0, 0.8 }, { 600, 0.84 } })
	local p = spot_failover{ spot = "band_s", on_demand = 0.84 }
	local g = group("band_s", 0, 0)
	quiet(p, g, 0, 840, 60)
	is_mix(mix_at(p, g, 900), 0, 100, TO_OD:format("0.84", "band_s", "0.84", "5m"))
	-- on-demand side: 0.756 = 0.84 x 0.9 is not below the band; 0.7559 is
	t.series("band_o", { { 0, 0.8 }, { 600, 0.756 }, { 1800, 0.7559 } })
	p = spot_failover{ spot = "band_o", on_demand = 0.84 }
	g = group("band_o", 0, 100)
	quiet(p, g, 0, 2640, 60)
	is_mix(mix_at(p, g, 2700), 0, 0,
		TO_SPOT:format("0.7559", "band_o", "0.756", "0.84", "10%", "15m"))
end)

t.test("spot_failover: back to spot after return_after, to the mix from before", function()
	t.series("cy_a", { { 0, 0.95 }, { 600, 0.5 } })
	local p = spot_failover{ spot = "cy_a", on_demand = 0.84 }
	local g = group("cy", 1, 20) -- 20% < 100%: the spot side
	quiet(p, g, 0, 240, 60)
	is_mix(mix_at(p, g, 300), 0, 100, TO_OD:format("0.95", "cy_a", "0.84", "5m"))
	t.update(g, { on_demand_base = 0, on_demand_percent = 100, mix_changed = 300 })
	quiet(p, g, 360, 1440, 60) -- below the band from 600
	t.eq(mix_at(p, g, 1499), nil, "899s after")
	is_mix(mix_at(p, g, 1500), 1, 20,
		TO_SPOT:format("0.5", "cy_a", "0.756", "0.84", "10%", "15m"))
	t.update(g, { on_demand_base = 1, on_demand_percent = 20 })
	quiet(p, g, 1560, 3000, 60)
end)

-- A real afternoon: c3.8xlarge spot in us-west-1a on 2014-03-25, rows
-- 1285-1308 of ../shared/testdata/spot/c3.8xlarge_us-west-1a_2014-02-16_
-- 2014-04-17.csv, against the us-west-1 on-demand price of that type in
-- ../shared/testdata/spot/ondemand_prices_2016-12.csv (1.912); ticks every
-- minute from 12:59 to 21:40 UTC.
t.test("spot_failover: c3.8xlarge us-west-1a, 2014-03-25 (real trace)", function()
	local DAY = 1395705600 -- 2014-03-25T00:00:00Z
	local function at(hms)
		local h, m, sec = hms:match("^(%d+):(%d+):(%d+)$")
		return DAY + tonumber(h) * 3600 + tonumber(m) * 60 + tonumber(sec)
	end
	local rows = {
		{ "12:58:02", 0.4424 }, { "13:02:36", 2.7321 }, { "15:40:47", 9.6 },
		{ "19:32:24", 0.8131 }, { "19:33:52", 0.5514 }, { "19:44:12", 0.585 },
		{ "19:47:08", 0.4477 }, { "19:55:58", 9.6 }, { "19:57:26", 2.7321 },
		{ "20:25:29", 1.2783 }, { "20:26:57", 2.7321 }, { "20:32:53", 0.4933 },
		{ "20:34:22", 0.4219 }, { "20:38:50", 0.4254 }, { "20:40:21", 0.4303 },
		{ "20:52:15", 0.4476 }, { "20:53:44", 0.4372 }, { "20:55:14", 0.4334 },
		{ "21:05:43", 0.4548 }, { "21:10:12", 0.4933 }, { "21:17:39", 0.5168 },
		{ "21:23:36", 0.4933 }, { "21:25:06", 0.5168 }, { "21:32:34", 0.6054 },
	}
	local samples = {}
	for i, r in ipairs(rows) do samples[i] = { at(r[1]), r[2] } end
	t.series("c3.8xlarge_us-west-1a", samples)
	local P = "c3.8xlarge_us-west-1a"
	local want = {
		[at("13:08:00")] = { 100, TO_OD:format("2.7321", P, "1.912", "5m") },
		-- cheap from 19:32:24 (seen at 19:33) until 9.6 at 19:55:58
		[at("19:48:00")] = { 0, TO_SPOT:format("0.4477", P, "1.7208", "1.912", "10%", "15m") },
		[at("20:01:00")] = { 100, TO_OD:format("2.7321", P, "1.912", "5m") },
		-- 1.2783 at 20:25:29 for one tick; cheap again from 20:32:53
		[at("20:48:00")] = { 0, TO_SPOT:format("0.4303", P, "1.7208", "1.912", "10%", "15m") },
	}
	local p = spot_failover{ spot = P, on_demand = 1.912 }
	local g = group("c3", 0, 0)
	local switches = 0
	for now = at("12:59:00"), at("21:40:00"), 60 do
		local m, w = mix_at(p, g, now), want[now]
		if w then
			is_mix(m, 0, w[1], w[2], "at " .. now)
			t.update(g, { on_demand_percent = w[1] }) -- applied at once
			switches = switches + 1
		else
			t.eq(m, nil, "a switch at " .. now)
		end
	end
	t.eq(switches, 4)
end)

t.test("spot_failover: several pools, one staying cheap keeps the group on spot", function()
	t.series("tp_a", { { 0, 0.9 } })
	t.series("tp_b", { { 0, 0.6 }, { 1200, 0.85 } })
	local p = spot_failover{ spot = { "tp_a", "tp_b" }, on_demand = 0.84 }
	local g = group("tp", 0, 0)
	quiet(p, g, 0, 1440, 60) -- tp_b below on-demand until 1200
	is_mix(mix_at(p, g, 1500), 0, 100,
		"cheapest spot 0.85 (tp_b) >= on-demand 0.84 for 5m: to on-demand")
	-- back: the cheapest pool below the band is enough
	t.series("tq_a", { { 0, 0.9 } })
	t.series("tq_b", { { 0, 0.8 }, { 300, 0.7 } })
	p = spot_failover{ spot = { "tq_a", "tq_b" }, on_demand = 0.84 }
	g = group("tq", 0, 100)
	quiet(p, g, 0, 1140, 60)
	is_mix(mix_at(p, g, 1200), 0, 0,
		"cheapest spot 0.7 (tq_b) < 0.756 (on-demand 0.84 less 10%) for 15m: back to spot")
end)

t.test("spot_failover: on_demand as a series", function()
	t.series("od_price", { { 0, 0.84 }, { 300, 1.0 }, { 600, 0.84 } })
	t.series("os_a", { { 0, 0.9 } })
	local p = spot_failover{ spot = "os_a", on_demand = "od_price" }
	t.eq(#p.series, 2)
	t.eq(p.series[1], "os_a")
	t.eq(p.series[2], "od_price")
	local g = group("os", 0, 0)
	quiet(p, g, 0, 840, 60) -- on-demand 1.0 at 300 breaks the run; again from 600
	is_mix(mix_at(p, g, 900), 0, 100, TO_OD:format("0.9", "os_a", "0.84", "5m"))
end)

t.test("spot_failover: mixes with a base, and which side a group is on", function()
	t.series("mb_hi", { { 0, 1.2 } })
	local OD = { on_demand_base = 2, on_demand_percent = 50 }
	local p = spot_failover{ spot = "mb_hi", on_demand = 1, on_demand_mix = OD,
		spot_mix = { on_demand_base = 2 } }
	local reason = TO_OD:format("1.2", "mb_hi", "1", "5m")
	for _, c in ipairs{ { "mb_spot", 2, 0 }, { "mb_n1", 1, 30 }, { "mb_n2", 9, 49 } } do
		local g = group(c[1], c[2], c[3]) -- the spot mix, and two below 50%
		quiet(p, g, 0, 240, 60)
		is_mix(mix_at(p, g, 300), 2, 50, reason, c[1])
	end
	for _, c in ipairs{ { "mb_od", 2, 50 }, { "mb_n3", 0, 60 }, { "mb_n4", 3, 50 } } do
		quiet(p, group(c[1], c[2], c[3]), 0, 1200, 60) -- on-demand side already
	end
	t.series("mb_lo", { { 0, 0.5 } })
	p = spot_failover{ spot = "mb_lo", on_demand = 1, on_demand_mix = OD,
		spot_mix = { on_demand_base = 2 } }
	local g = group("mb_back", 2, 50)
	quiet(p, g, 0, 840, 60)
	is_mix(mix_at(p, g, 900), 2, 0, TO_SPOT:format("0.5", "mb_lo", "0.9", "1", "10%", "15m"))
	-- the same percent, a lower base: spot side
	t.series("mb_b", { { 0, 1.5 } })
	p = spot_failover{ spot = "mb_b", on_demand = 1, on_demand_mix = { on_demand_base = 4,
		on_demand_percent = 0 } }
	g = group("mb_base", 1, 0)
	quiet(p, g, 0, 240, 60)
	is_mix(mix_at(p, g, 300), 4, 0, TO_OD:format("1.5", "mb_b", "1", "5m"))
end)

t.test("spot_failover: other durations and margin", function()
	t.series("cd_a", { { 0, 0.9 }, { 300, 0.6 } })
	local p = spot_failover{ spot = "cd_a", on_demand = 0.84, leave_after = "90s",
		return_after = 600, margin = 0.25 }
	local g = group("cd", 0, 0)
	quiet(p, g, 0, 60, 30)
	is_mix(mix_at(p, g, 90), 0, 100, TO_OD:format("0.9", "cd_a", "0.84", "1m30s"))
	t.update(g, { on_demand_percent = 100 })
	quiet(p, g, 120, 870, 30) -- 0.6 < 0.63 from 300
	is_mix(mix_at(p, g, 900), 0, 0, TO_SPOT:format("0.6", "cd_a", "0.63", "0.84", "25%", "10m"))
	-- margin 0: no band, only the durations
	t.series("cd_z", { { 0, 0.8399 } })
	p = spot_failover{ spot = "cd_z", on_demand = 0.84, margin = 0, return_after = "1m" }
	g = group("cd_z", 0, 100)
	quiet(p, g, 0, 30, 30)
	is_mix(mix_at(p, g, 60), 0, 0, TO_SPOT:format("0.8399", "cd_z", "0.84", "0.84", "0%", "1m"))
end)

t.test("spot_failover: an unknown mix counts as AWS's default, 100% on-demand", function()
	t.series("un_hi", { { 0, 0.9 } })
	t.series("un_lo", { { 0, 0.5 } })
	local g = group("un") -- on_demand_base/percent nil
	t.eq(g.on_demand_percent, nil)
	local p_hi = spot_failover{ spot = "un_hi", on_demand = 0.84 }
	quiet(p_hi, g, 0, 1200, 60) -- already "on-demand"
	local p_lo = spot_failover{ spot = "un_lo", on_demand = 0.84 }
	quiet(p_lo, g, 0, 840, 60)
	is_mix(mix_at(p_lo, g, 900), 0, 0, TO_SPOT:format("0.5", "un_lo", "0.756", "0.84", "10%",
		"15m"))
end)

t.test("spot_failover: no data abstains and breaks the run", function()
	t.series("nd_ok", { { 0, 0.9 } })
	t.series("nd_empty", {})
	t.series("nd_od", {})
	local g = group("nd", 0, 0)
	local p = spot_failover{ spot = { "nd_ok", "nd_empty" }, on_demand = 0.84 }
	for now = 0, 1200, 300 do
		local kind, _, _, stale, missing, mix = t.eval(p, g, now)
		t.eq(kind, "none")
		t.eq(mix, nil)
		t.eq(stale, false)
		t.eq(missing, true) -- the series view marks it: no scale-in (stage 2)
	end
	p = spot_failover{ spot = "nd_ok", on_demand = "nd_od" }
	local kind, _, _, _, missing, mix = t.eval(p, g, 600)
	t.eq(kind, "none")
	t.eq(mix, nil)
	t.eq(missing, true)
	-- a price not yet published at now (first sample at 1000) is no price
	t.series("nd_late", { { 1000, 0.9 } })
	p = spot_failover{ spot = "nd_late", on_demand = 0.84 }
	g = group("nd_late", 0, 0)
	quiet(p, g, 0, 1260, 60) -- first seen at 1020
	is_mix(mix_at(p, g, 1320), 0, 100, TO_OD:format("0.9", "nd_late", "0.84", "5m"))
end)

t.test("spot_failover: a stale price abstains and breaks the run", function()
	-- with `stale`: a price older than 2m is none (2m exactly is fresh, as
	-- the engine's staleness has it)
	t.series("st_a", { { 0, 0.9 }, { 60, 0.9 }, { 120, 0.9 }, { 300, 0.9 }, { 360, 0.9 },
		{ 420, 0.9 }, { 480, 0.9 }, { 540, 0.9 }, { 600, 0.9 } }, { stale = "2m" })
	local p = spot_failover{ spot = "st_a", on_demand = 0.84, stale = "2m" }
	local g = group("st", 0, 0)
	quiet(p, g, 0, 240, 60) -- 240: the sample of 120 is 2m old, still fresh
	t.eq(mix_at(p, g, 241), nil, "stale at 241")
	quiet(p, g, 300, 540, 60) -- the run starts again at 300
	is_mix(mix_at(p, g, 600), 0, 100, TO_OD:format("0.9", "st_a", "0.84", "5m"))
	-- the series view's own mark (stale = "1m" on the series, nothing later)
	t.series("st_b", { { 0, 0.9 } }, { stale = "1m" })
	p = spot_failover{ spot = "st_b", on_demand = 0.84, stale = "1m" }
	g = group("st_b", 0, 0)
	local kind, _, _, stale, _, mix = t.eval(p, g, 61)
	t.eq(kind, "none")
	t.eq(mix, nil)
	t.eq(stale, true)
	-- without `stale` the policy cannot tell: it proposes, the view marks
	-- the call stale, and the pipeline keeps the mix ("read stale data")
	p = spot_failover{ spot = "st_b", on_demand = 0.84 }
	g = group("st_c", 0, 0)
	quiet(p, g, 0, 240, 60)
	kind, _, _, stale, _, mix = t.eval(p, g, 300)
	t.eq(kind, "none")
	t.eq(stale, true)
	is_mix(mix, 0, 100, TO_OD:format("0.9", "st_b", "0.84", "5m"))
end)

t.test("spot_failover: a group whose target applies no mix: the error is the proposal",
	function()
		t.series("mf_a", { { 0, 0.9 } })
		local p = spot_failover{ spot = "mf_a", on_demand = 0.84 }
		local g = t.group{ name = "mf", current = 4, on_demand_percent = 0 }
		t.eq(g.markets, false)
		quiet(p, g, 0, 240, 60) -- nothing to switch: abstains
		local kind, value, reason, _, _, mix = t.eval(p, g, 300)
		t.eq(kind, "error")
		t.eq(value, 0)
		-- the first line of the error, where g:mix was called from
		t.ok(reason:match("/spot_failover%.lua:%d+: group 'mf': its target cannot apply a "
			.. "market mix$"), reason)
		t.eq(mix, nil)
	end)

t.test("spot_failover: one policy for two groups keeps their runs apart", function()
	t.series("two_a", { { 0, 0.9 } })
	local p = spot_failover{ spot = "two_a", on_demand = 0.84 }
	local g1, g2 = group("two_1", 0, 0), group("two_2", 0, 0)
	quiet(p, g1, 0, 240, 60)
	quiet(p, g2, 240, 480, 60)
	is_mix(mix_at(p, g1, 300), 0, 100, TO_OD:format("0.9", "two_a", "0.84", "5m"))
	is_mix(mix_at(p, g2, 540), 0, 100, TO_OD:format("0.9", "two_a", "0.84", "5m"))
end)

-- Spot interruption warnings (aws.interruptions delivers them as events
-- named spot_interruption): `interruptions` of them within
-- `interruption_window` leave spot whatever the price; the way back waits
-- return_after counted from the last warning, and never while they stand.
t.test("spot_failover: interruption warnings leave spot, and delay the return", function()
	t.series("iw_a", { { 0, 0.5 } }) -- cheap all along: only the warnings move it
	local p = spot_failover{ spot = "iw_a", on_demand = 0.84, interruptions = 2,
		interruption_window = "10m" }
	local g = group("iw", 0, 0)
	quiet(p, g, 0, 120, 60)
	t.event(g, "spot_interruption", '{"instance_id": "i-0aaaaaaaaaaaaaaaa"}', 170)
	t.event(g, "rebalance_recommendation", '{"instance_id": "i-0bbbbbbbbbbbbbbbb"}', 170)
	t.eq(mix_at(p, g, 180), nil, "one warning is not two")
	-- the second, more than 10m after the first: still one in the window
	t.event(g, "spot_interruption", nil, 800)
	t.eq(mix_at(p, g, 800), nil, "the first left the window")
	t.event(g, "spot_interruption", nil, 830)
	is_mix(mix_at(p, g, 840), 0, 100, "2 spot interruption warnings in 10m: to on-demand")
	t.update(g, { on_demand_base = 0, on_demand_percent = 100, mix_changed = 840 })
	-- spot is cheap, but back only 15m after the last warning and once the
	-- warnings left the window
	quiet(p, g, 900, 1680, 60)
	t.event(g, "spot_interruption", nil, 1700)
	quiet(p, g, 1740, 2580, 60)
	is_mix(mix_at(p, g, 2640), 0, 0,
		TO_SPOT:format("0.5", "iw_a", "0.756", "0.84", "10%", "15m"))
	-- events are ignored without `interruptions`
	local q = spot_failover{ spot = "iw_a", on_demand = 0.84, interruptions = 1 }
	local h = group("iw2", 0, 0)
	t.event(h, "spot_interruption", nil, 100)
	is_mix(mix_at(q, h, 100), 0, 100, "1 spot interruption warning in 10m: to on-demand")
	local r = spot_failover{ spot = "iw_a", on_demand = 0.84 }
	local k = group("iw3", 0, 0)
	t.event(k, "spot_interruption", nil, 100)
	t.event(k, "spot_interruption", nil, 100)
	t.eq(mix_at(r, k, 100), nil, "warnings ignored")
end)

t.test("spot_failover: a warning with no price yet still counts", function()
	t.series("iw_late", { { 600, 0.5 } })
	local p = spot_failover{ spot = "iw_late", on_demand = 0.84, interruptions = 1 }
	local g = group("iwl", 0, 0)
	t.event(g, "spot_interruption", nil, 60)
	is_mix(mix_at(p, g, 60), 0, 100, "1 spot interruption warning in 10m: to on-demand")
end)

t.test("spot_failover: the policy table", function()
	local p = spot_failover{ spot = { "pa", "pb" }, on_demand = 0.5 }
	t.eq(p.name, "spot_failover")
	t.eq(p.mix, true)
	t.eq(#p.series, 2)
	t.eq(p.series[1], "pa")
	t.eq(p.series[2], "pb")
	t.eq(type(p.evaluate), "function")
end)

t.test("spot_failover: bad arguments", function()
	local function make(over)
		local args = { spot = "a", on_demand = 0.84 }
		for k, v in pairs(over) do args[k] = v end
		return function()
			local p = spot_failover(args) -- not a tail call: the error names this line
			return p
		end
	end
	local function nothing() end
	refuses(function() spot_failover("a") end, "expects a table of arguments, got string")
	refuses(make{ leave = "5m" }, "unknown argument \"leave\"")
	refuses(function() spot_failover{ on_demand = 1 } end,
		"spot must be a series name or a list of them, got nil")
	refuses(make{ spot = "" }, "spot must be a series name, got \"\"")
	refuses(make{ spot = 7 }, "spot must be a series name or a list of them, got number")
	refuses(make{ spot = {} }, "spot must list at least one series")
	refuses(make{ spot = { "a", 3 } }, "spot[2] must be a series name, got number")
	refuses(make{ spot = { "a", "b", "a" } }, "spot lists \"a\" twice")
	refuses(make{ spot = { "a", x = "b" } }, "spot must be a list of series names, it has key \"x\"")
	refuses(function() spot_failover{ spot = "a" } end,
		"on_demand must be a series name or a price, got nil")
	refuses(make{ on_demand = true }, "on_demand must be a series name or a price, got boolean")
	refuses(make{ on_demand = "" }, "on_demand must be a series name, got \"\"")
	refuses(make{ on_demand = 0 }, "on_demand must be more than 0, got 0")
	refuses(make{ on_demand = -0.5 }, "on_demand must be more than 0, got -0.5")
	refuses(make{ on_demand = "a" }, "on_demand series \"a\" is also a spot pool")
	refuses(make{ leave_after = "5 m" }, "leave_after: invalid duration \"5 m\"")
	refuses(make{ leave_after = 0 }, "leave_after must be more than 0 seconds, got 0")
	refuses(make{ leave_after = nothing },
		"leave_after must be seconds or a duration like \"2m\", got function")
	refuses(make{ return_after = "15" .. "x" }, "return_after: invalid duration \"15x\"")
	refuses(make{ return_after = -60 }, "return_after must be more than 0 seconds, got -60")
	refuses(make{ margin = 1 }, "margin must be in [0, 1), got 1")
	refuses(make{ margin = -0.1 }, "margin must be in [0, 1), got -0.1")
	refuses(make{ margin = "10%" }, "margin must be a number, got \"10%\"")
	refuses(make{ on_demand_mix = 100 }, "on_demand_mix must be a table { on_demand_base = n, "
		.. "on_demand_percent = p }, got number")
	refuses(make{ on_demand_mix = {} }, "on_demand_mix: give on_demand_base, on_demand_percent "
		.. "or both")
	refuses(make{ on_demand_mix = { percent = 100 } },
		"on_demand_mix: unknown key \"percent\" (on_demand_base, on_demand_percent)")
	refuses(make{ on_demand_mix = { on_demand_percent = 101 } },
		"on_demand_mix.on_demand_percent must be a whole number from 0 to 100, got 101")
	refuses(make{ on_demand_mix = { on_demand_percent = 50.5 } },
		"on_demand_mix.on_demand_percent must be a whole number from 0 to 100, got 50.5")
	refuses(make{ on_demand_mix = { on_demand_base = -1 } },
		"on_demand_mix.on_demand_base must be a whole number from 0 to 1000000, got -1")
	refuses(make{ on_demand_mix = { on_demand_base = "2" } },
		"on_demand_mix.on_demand_base must be a whole number from 0 to 1000000, got \"2\"")
	refuses(make{ on_demand_mix = { on_demand_percent = 0 } },
		"on_demand_mix (base 0, 0%) leaves no room for a spot mix below it")
	refuses(make{ spot_mix = "spot" }, "spot_mix must be a table { on_demand_base = n, "
		.. "on_demand_percent = p }, got string")
	refuses(make{ spot_mix = { on_demand_percent = 100 } },
		"spot_mix (base 0, 100%) must have less on-demand than on_demand_mix (base 0, 100%): "
		.. "a lower percent, or the same percent and a lower base")
	refuses(make{ spot_mix = { on_demand_base = 3 },
			on_demand_mix = { on_demand_base = 2, on_demand_percent = 0 } },
		"spot_mix (base 3, 0%) must have less on-demand than on_demand_mix (base 2, 0%)")
	refuses(make{ spot_mix = { on_demand_base = 0 },
			on_demand_mix = { on_demand_percent = 0 } },
		"spot_mix (base 0, 0%) must have less on-demand than on_demand_mix (base 0, 0%)")
	refuses(make{ spot_mix = { on_demand_percent = 10, spot = 1 } },
		"spot_mix: unknown key \"spot\" (on_demand_base, on_demand_percent)")
	refuses(make{ stale = "0s" }, "stale must be more than 0 seconds, got \"0s\"")
	refuses(make{ stale = "1 m" }, "stale: invalid duration \"1 m\"")
	refuses(make{ interruptions = 0 }, "interruptions must be from 1 to 1000, got 0")
	refuses(make{ interruptions = 1.5 }, "interruptions must be a whole number of warnings, got 1.5")
	refuses(make{ interruptions = "2" },
		"interruptions must be a whole number of warnings, got \"2\"")
	refuses(make{ interruptions = 2, interruption_window = "10 m" },
		"interruption_window: invalid duration \"10 m\"")
	refuses(make{ interruption_window = "10m" },
		"interruption_window needs interruptions (how many warnings leave spot)")
	-- what it accepts: a spot mix with a base below a full on-demand mix
	t.eq(make{ spot_mix = { on_demand_base = 1 } }().mix, true)
end)

-- The engine runs the compiled form (core/policy_spot_failover.c, through the
-- table's `native`); p:evaluate, which a wrapper calls, is the Lua one. Both get
-- the same prices, mixes and times: every field of every proposal must agree.
t.test("spot_failover: the compiled form and evaluate agree, tick by tick", function()
	local seed = 4242 -- rand(n): 1..n, a fixed sequence
	local function rand(n) seed = (seed * 1103515245 + 12345) % 2147483648 return seed % n + 1 end
	local function mix(b, p) return { on_demand_base = b, on_demand_percent = p } end
	local function flat(k, v, r, stale, missing, m) -- every field, and the mix
		return table.concat({ k, v, r, tostring(stale), tostring(missing), m and m.on_demand_base
			or "-", m and m.on_demand_percent or "-", m and m.reason or "-" }, "|"), m
	end
	local E, U = string.rep("é", 29), string.rep("ü", 29) -- long names, cut reasons
	local configs = { -- n pools, od a price or a series, the rest as spot_failover takes it
		{ n = 1, od = 0.84 }, { n = 3, od = 1, leave_after = 60, return_after = 120 },
		{ n = 2, od = "series", stale = "30s", leave_after = "1m30s" },
		{ n = 1, od = "series", margin = 0, leave_after = 45.5, return_after = "2m" },
		{ n = 1, od = 0.5, margin = 0.25, leave_after = 30, return_after = 60,
			on_demand_mix = mix(2, 50), spot_mix = mix(1, 10) },
		{ n = 2, od = 0.84, stale = 45, leave_after = 90.5, return_after = 120.25, margin = 0.05,
			on_demand_mix = mix(3) },
		{ n = 1, od = 0.84, leave_after = 20, return_after = 40, stale = 12,
			on_demand_mix = mix(5, 100), spot_mix = mix(nil, 20) },
		{ n = 2, od = "series", scale = 123456.123457, leave_after = 30, return_after = 45,
			margin = 0.375, names = { "sf_a" .. E, "sf_b" .. U }, odname = "sf_o" .. E },
		{ n = 1, od = 98765.4321, leave_after = 25, return_after = "3h", names = { "sf_c" .. U } },
		-- sparse: a missing pool stops the reads (no stale mark from the next);
		-- tick: runs of exactly leave_after, whose float differences fall either side
		{ n = 3, od = "series", stale = 10, leave_after = 15, return_after = 20, sparse = true },
		{ n = 1, od = 0.84, leave_after = 0.7, return_after = 1.3, tick = 0.1, phase = 40 },
	}
	-- prices as factors of on-demand; "edge": a hair under the band, inside the EPS
	local high = { 1, 1.01, 1.07, 1.1, 1.2, 1.5, 3.25, 1.0000001, 4 / 3, 1.000003 }
	local low = { 0.1, 0.3, 0.5, 0.6, 0.7, 0.5, 0.3, 0.2, 0.75, 0.899999, 0.9, 1 / 3, 0.146972,
		"edge" }
	local odv, left, back, longest = { 1, 1, 1, 1.07, 0.95, 1.2, 0.6 }, 0, 0, 0
	for i, c in ipairs(configs) do
		local names, od = c.names or {}, c.od == "series" and (c.odname or "sf_od" .. i) or c.od
		for j = 1, c.n do names[j] = names[j] or string.format("sf_n%d_%d", i, j) end
		for _, x in ipairs(names) do t.series(x, {}, { stale = "20s" }) end
		if type(od) == "string" then t.series(od, {}, { stale = "20s" }) end
		local p = spot_failover{ spot = c.n == 1 and names[1] or names, on_demand = od,
			stale = c.stale, leave_after = c.leave_after, return_after = c.return_after,
			margin = c.margin, on_demand_mix = c.on_demand_mix, spot_mix = c.spot_mix }
		local wrapped, known = function(g, s) return p:evaluate(g, s) end, i % 3 ~= 0 and 0 or nil
		local g, w = group("sf_g" .. i, known, known), group("sf_w" .. i, known, known)
		local scale = c.scale or type(c.od) == "number" and c.od or 0.84
		local edge, now = (1 - (c.margin or 0.1)) * (1 - 1e-11), 1000
		for step = 1, 1000 do
			now = now + (c.tick or rand(12) - 1 + ({ 0, 0, 0, 0.25, 0.1, 0.3 })[rand(6)]
				+ (rand(9) == 1 and 0.001 or 0))
			local dear = (step // (c.phase or 250)) % 2 == 0 -- long runs: both switches
			for j = 1, c.n do
				if c.sparse and rand(4) == 1 or not c.sparse and rand(3) ~= 1 then
					local from = (rand(40) == 1) == dear and low or high
					local x = from[rand(#from)]
					t.push(names[j], { { now, (x == "edge" and edge or x) * scale } })
				end
			end
			if type(od) == "string" and rand(3) == 1 then
				t.push(od, { { now, odv[rand(#odv)] * scale } })
			end
			-- the group's mix: moved by someone else, or as the policy asked
			local moved = rand(150) == 1 and mix(rand(4) - 2, ({ -1, 0, 10, 50, 100 })[rand(5)])
			local a, m1 = flat(t.eval(p, g, now))
			t.eq(a, flat(t.eval(wrapped, w, now)), string.format("config %d, t=%s", i, now))
			if m1 then
				t.ok(#m1.reason <= 159 and utf8.len(m1.reason), "cut whole: " .. m1.reason)
				longest = math.max(longest, #m1.reason)
				left = left + (m1.reason:find("to on%-demand$") and 1 or 0)
				back = back + (m1.reason:find("back to spot$") and 1 or 0)
				moved = mix(m1.on_demand_base, m1.on_demand_percent)
			end
			if moved then t.update(g, moved) t.update(w, moved) end
		end
		t.eq(t.eval({ native = p.native, evaluate = function(_, x) return x:hold("lua") end },
			group("sf_p" .. i, 0, 0), now), "none", "compiled, config " .. i) -- what ran
	end
	t.eq(longest, 159, "the longest mix reason, cut")
	t.ok(left >= 10 and back >= 10, string.format("switched %d and %d times", left, back))
end)

-- Which one ran: `native` with an evaluate of its own gets the compiled proposal;
-- what the compiled form does not take (forged or missing parameters, interruptions,
-- a series not made yet, a group g:mix refuses) leaves that evaluate to run.
t.test("spot_failover: the engine runs the compiled form, declines what it cannot", function()
	for name, v in pairs{ sfw_a = 0.9, sfw_b = 0.95 } do t.series(name, { { 0, v } }) end
	local p = spot_failover{ spot = "sfw_a", on_demand = 0.84 }
	local LUA, NONE, NIL, many = "hold 0 lua ran -", "none 0  -", {}, {}
	local function ran(native, g, now)
		local lua = function(_, x) return x:hold("lua ran") end
		local k, v, r, _, _, mix = t.eval({ native = native, evaluate = lua }, g, now)
		return string.format("%s %s %s %s", k, v, r, mix and mix.reason or "-")
	end
	local g = group("sfw", 0, 0)
	t.eq(ran(p.native, g, 10), NONE, "abstains")
	t.eq(ran(p.native, g, 310), "none 0  spot 0.9 (sfw_a) >= on-demand 0.84 for 5m: to "
		.. "on-demand", "the compiled mix")
	for i = 1, 65 do many[i] = "sfw_a" end
	local cases = { { kind = "spot_failover2" }, { kind = 3 }, { kind = NIL }, { id = 1.5 },
		{ id = "7" }, { pools = NIL }, { pools = {} }, { pools = "sfw_a" }, { pools = { 42 } },
		{ pools = { "sfw_a", 7 } }, { pools = { [2] = "sfw_a" } }, { pools = many },
		{ pools = { "" } }, { od_series = 7 }, { od_price = NIL }, { od_price = 0 },
		{ od_price = 0 / 0 }, { od_price = math.huge }, { od_price = "0.84" },
		{ od_price = 1 << 60 }, { window = 0 }, { window = 1e13 }, { window = 0.0001 },
		{ window = "1m" }, { window = NIL }, { leave_after = 0 }, { leave_after = NIL },
		{ leave_after = "5m" }, { leave_after = 0 / 0 }, { leave_after = math.huge },
		{ return_after = 0 }, { return_after = NIL }, { margin = 1 }, { margin = -0.1 },
		{ margin = "0.1" }, { margin = NIL }, { od_base = -1 }, { od_base = 1000001 },
		{ od_base = 1.5 }, { od_base = "0" }, { od_base = NIL }, { od_percent = 101 },
		{ od_percent = NIL }, { spot_base = 1 }, { spot_percent = 0 }, { what = 7 },
		{ spot_base = 0, spot_percent = 101 }, { spot_base = -1, spot_percent = 0 },
		{ what = NIL }, { pct_text = false }, { interruptions = 2 }, { what = {} } }
	for i, c in ipairs(cases) do
		local n = { id = 900000 + i }
		for k, v in pairs(p.native) do n[k] = k == "id" and n.id or v end
		for k, v in pairs(c) do if v == NIL then n[k] = nil else n[k] = v end end
		t.eq(ran(n, g, 400), LUA, "case " .. i)
	end
	local touched = false -- fields from __index: read raw, no metamethod outside the deadline
	local meta = setmetatable({ id = 900100 }, { __index = function() touched = true end })
	t.eq(ran(meta, g, 400) .. " " .. tostring(touched), LUA .. " false", "__index")
	-- interruptions, a target with no mix, a mix g:mix cannot propose: the Lua runs
	t.eq(ran(spot_failover{ spot = "sfw_a", on_demand = 0.84, interruptions = 1 }.native,
		group("sfw_i", 0, 0), 400), LUA, "interruptions")
	t.eq(ran(p.native, t.group{ name = "sfw_nm", current = 4, on_demand_percent = 0 }, 400),
		LUA, "no markets")
	local big = group("sfw_big", 0, 0)
	t.eq(ran(p.native, big, 400), NONE, "in range")
	t.update(big, { on_demand_base = 1000001 })
	t.eq(ran(p.native, big, 410), LUA, "base out of range")
	local late, lg = spot_failover{ spot = { "sfw_a", "sfw_l" }, on_demand = 0.84 }, group("sfw_l")
	t.eq(ran(late.native, lg, 400), LUA, "series to come") -- (and its error is raised)
	t.series("sfw_l", { { 5, 0.3 } })
	t.eq(ran(late.native, lg, 401), NONE, "series made")
end)
