-- backup_group_test.lua - policy.backup_group
-- (run by tests/lua/run_policy_tests.c; see there for the `t` table).
--
-- t.group cannot set a group's wanted, shortfall or short_for (the runner
-- leaves them 0), so the rule with a short primary is tested on stand-in
-- views with those fields; what t.group can make (a whole primary, one whose
-- current is unknown, an unknown name) runs through the real policy API.

local t = ...
local backup_group = require "policy.backup_group"

local function refuses(fn, text)
	return t.refuses(fn, text, "backup_group")
end

-- A stand-in for the backup group's view: desired `have`, and g:group()
-- finding the primary `spot` with the given fields. Proposals come back as
-- kind, value, reason, as t.eval gives them.
local function stub_eval(p, have, spot)
	local primary = { name = "spot", current = spot.current, wanted = spot.wanted,
		shortfall = spot.current >= 0 and spot.wanted > spot.current
			and spot.wanted - spot.current or 0,
		short_for = spot.short_for or 0, last_action = spot.last_action or "ok",
		last_error = spot.last_error }
	local g = { name = "ondemand", desired = have }
	function g:group(name)
		t.eq(name, "spot", "the primary's name")
		return primary
	end
	function g:set(n, reason) return { "set", n, reason } end
	function g:hold(reason) return { "hold", 0, reason } end
	local out = p:evaluate(g, {})
	return out[1], out[2], out[3]
end

local function expect(p, have, spot, kind, value, reason)
	local k, v, r = stub_eval(p, have, spot)
	t.eq(k, kind, "kind")
	t.eq(v, value, "value")
	t.eq(r, reason, "reason")
end


t.test("backup_group: the policy table", function()
	local p = backup_group{ primary = "spot" }
	t.eq(p.name, "backup_group")
	t.eq(#p.series, 0)
	t.eq(p.primary, "spot")
	t.eq(type(p.evaluate), "function")
end)

t.test("backup_group: covers the shortfall once it lasts the grace", function()
	local p = backup_group{ primary = "spot" }
	expect(p, 0, { wanted = 10, current = 10 }, "set", 0, "spot not short (wanted 10, current 10): 0")
	-- short, but not for long: wait, keeping what the backup has
	expect(p, 0, { wanted = 10, current = 6, short_for = 0 },
		"hold", 0, "spot short 4 (wanted 10, current 6) for 0s (grace 120s): keep 0")
	expect(p, 0, { wanted = 10, current = 6, short_for = 119.5 },
		"hold", 0, "spot short 4 (wanted 10, current 6) for 119.5s (grace 120s): keep 0")
	expect(p, 0, { wanted = 10, current = 6, short_for = 120 },
		"set", 4, "spot short 4 (wanted 10, current 6) for 120s (grace 120s): 4")
	-- the failed action's message is shown
	expect(p, 0, { wanted = 10, current = 6, short_for = 300, last_action = "failed",
		last_error = "InsufficientInstanceCapacity" }, "set", 4,
		"spot short 4 (wanted 10, current 6) for 300s (grace 120s) "
		.. "[InsufficientInstanceCapacity]: 4")
	-- a grace of its own
	expect(backup_group{ primary = "spot", grace = "30s" }, 0,
		{ wanted = 10, current = 6, short_for = 30 },
		"set", 4, "spot short 4 (wanted 10, current 6) for 30s (grace 30s): 4")
	-- grace = 0: cover at once
	expect(backup_group{ primary = "spot", grace = 0 }, 0,
		{ wanted = 10, current = 6, short_for = 0 },
		"set", 4, "spot short 4 (wanted 10, current 6) for 0s (grace 0s): 4")
end)

t.test("backup_group: a larger shortfall counts the grace from when the primary became short", function()
	local p = backup_group{ primary = "spot", grace = 60 }
	-- short 4 covered by 2 for 200 s already: up to 4 at once
	expect(p, 2, { wanted = 10, current = 6, short_for = 200 },
		"set", 4, "spot short 4 (wanted 10, current 6) for 200s (grace 60s): 4")
	-- a new shortfall (short_for starts again) above the cover: keep the cover
	expect(p, 2, { wanted = 10, current = 6, short_for = 10 },
		"hold", 0, "spot short 4 (wanted 10, current 6) for 10s (grace 60s): keep 2")
end)

t.test("backup_group: gives capacity back before the spot group shrinks", function()
	local p = backup_group{ primary = "spot" }
	-- spot caught up 2 of its 4: the backup follows the shortfall down, no grace
	expect(p, 4, { wanted = 10, current = 8, short_for = 400 },
		"set", 2, "spot short 2 (wanted 10, current 8): 2")
	-- spot wants less (10 -> 7) while it has 5 and the backup 5: backup = 7 - 5
	expect(p, 5, { wanted = 7, current = 5, short_for = 400 },
		"set", 2, "spot short 2 (wanted 7, current 5): 2")
	-- spot wants less than it has: the backup is 0 before spot gives any back
	expect(p, 2, { wanted = 4, current = 5 }, "set", 0, "spot not short (wanted 4, current 5): 0")
	-- the same shortfall as the cover: set it again
	expect(p, 3, { wanted = 9, current = 6, short_for = 1 },
		"set", 3, "spot short 3 (wanted 9, current 6): 3")
	-- desired of the backup = max(0, wanted - current) over a table of cases
	local cases = { { 10, 10, 3, 0 }, { 10, 9, 3, 1 }, { 10, 7, 3, 3 }, { 2, 7, 3, 0 },
		{ 0, 0, 1, 0 } }
	for _, c in ipairs(cases) do
		local _, value = stub_eval(p, c[3], { wanted = c[1], current = c[2], short_for = 500 })
		t.eq(value, c[4], string.format("wanted %d current %d backup %d", c[1], c[2], c[3]))
	end
end)

t.test("backup_group: release = when_whole keeps the cover until the primary is whole", function()
	local p = backup_group{ primary = "spot", release = "when_whole" }
	expect(p, 4, { wanted = 10, current = 8, short_for = 400 },
		"hold", 0, "spot short 2 (wanted 10, current 8): keep 4 until spot is whole")
	expect(p, 4, { wanted = 10, current = 10 }, "set", 0, "spot not short (wanted 10, current 10): 0")
	expect(p, 4, { wanted = 10, current = 4, short_for = 400 },
		"set", 6, "spot short 6 (wanted 10, current 4) for 400s (grace 120s): 6")
end)

t.test("backup_group: two groups through the real policy API", function()
	-- a runner group's wanted defaults to its desired: not short
	t.group{ name = "bk_spot", current = 5 }
	local backup = t.group{ name = "bk_od", current = 3 }
	local kind, value, reason, stale, missing =
		t.eval(backup_group{ primary = "bk_spot" }, backup, 100)
	t.eq(kind, "set")
	t.eq(value, 0)
	t.eq(reason, "bk_spot not short (wanted 5, current 5): 0")
	t.eq(stale, false)
	t.eq(missing, false)
	-- short since 0 s, through the real view's shortfall and short_for
	t.group{ name = "bk_short", current = 4, desired = 10, wanted = 10, shortfall = 6,
		short_since = 0 }
	local covering = t.group{ name = "bk_cover", current = 0 }
	local p = backup_group{ primary = "bk_short" }
	kind, value, reason = t.eval(p, covering, 100)
	t.eq(kind, "hold")
	t.eq(reason, "bk_short short 6 (wanted 10, current 4) for 100s (grace 120s): keep 0")
	kind, value, reason = t.eval(p, covering, 400)
	t.eq(kind, "set")
	t.eq(value, 6)
	t.eq(reason, "bk_short short 6 (wanted 10, current 4) for 400s (grace 120s): 6")
	-- a primary whose current is unknown (-1): keep the cover
	t.group{ name = "bk_unknown", current = -1 }
	kind, value, reason = t.eval(backup_group{ primary = "bk_unknown" }, backup, 100)
	t.eq(kind, "hold")
	t.eq(reason, "bk_unknown reports no current capacity: keep 3")
	-- a name no group has, and the group itself, are errors of the policy
	kind, value, reason = t.eval(backup_group{ primary = "bk_nope" }, backup, 100)
	t.eq(kind, "error")
	t.ok(reason:find("unknown group 'bk_nope'", 1, true), reason)
	kind, value, reason = t.eval(backup_group{ primary = "bk_od" }, backup, 100)
	t.eq(kind, "error")
	t.eq(reason, "policy.backup_group: primary 'bk_od' is this group")
end)

-- A spot_interruption event (aws.interruptions) on the backup group: for
-- interruption_window after it, a shortfall is covered without the grace.
t.test("backup_group: an interruption warning waives the grace for a while", function()
	t.group{ name = "iw_spot", current = 4, desired = 10, wanted = 10, shortfall = 6,
		short_since = 100 }
	local backup = t.group{ name = "iw_od", current = 0 }
	local p = backup_group{ primary = "iw_spot", grace = "10m" }
	local kind, value, reason = t.eval(p, backup, 110)
	t.eq(kind, "hold")
	t.eq(reason, "iw_spot short 6 (wanted 10, current 4) for 10s (grace 10m): keep 0")
	t.event(backup, "spot_interruption", '{"instance_id": "i-0aaaaaaaaaaaaaaaa"}', 115)
	t.event(backup, "rebalance_recommendation", nil, 115)
	kind, value, reason = t.eval(p, backup, 120)
	t.eq(kind, "set")
	t.eq(value, 6)
	t.eq(reason, "iw_spot short 6 (wanted 10, current 4) for 20s (grace waived: spot "
		.. "interruption warning 5s ago): 6")
	-- still waived at a later tick (the event is gone, its time kept) ...
	kind, value, reason = t.eval(p, backup, 414)
	t.eq(kind, "set")
	t.eq(reason, "iw_spot short 6 (wanted 10, current 4) for 314s (grace waived: spot "
		.. "interruption warning 299s ago): 6")
	-- ... not once the window (5m) has passed
	kind, value, reason = t.eval(p, backup, 415)
	t.eq(kind, "hold")
	t.eq(reason, "iw_spot short 6 (wanted 10, current 4) for 315s (grace 10m): keep 0")
	-- a rebalance recommendation alone waives nothing
	local b2 = t.group{ name = "iw_od2", current = 0 }
	t.event(b2, "rebalance_recommendation", nil, 200)
	t.eq(t.eval(p, b2, 200), "hold")
	-- interruption_window = 0: events ignored
	local r = backup_group{ primary = "iw_spot", interruption_window = 0 }
	local b3 = t.group{ name = "iw_od3", current = 0 }
	t.event(b3, "spot_interruption", nil, 110)
	t.eq(t.eval(r, b3, 110), "hold")
end)

t.test("backup_group: bad arguments", function()
	refuses(function() backup_group{} end, "primary must be a group name, got nil")
	refuses(function() backup_group{ primary = "" } end, "primary must be a group name, got string")
	refuses(function() backup_group{ primary = "spot", grace = "2 m" } end,
		"grace: invalid duration \"2 m\"")
	refuses(function() backup_group{ primary = "spot", grace = -5 } end,
		"grace must be more than 0 seconds, got -5")
	refuses(function() backup_group{ primary = "spot", release = "after_grace" } end,
		"release \"after_grace\" is not supported (use \"before_shrink\" or \"when_whole\")")
	refuses(function() backup_group{ primary = "spot", release = true } end,
		"release boolean is not supported")
	refuses(function() backup_group{ primary = "spot", primay = "x" } end,
		"unknown argument \"primay\"")
	refuses(function() backup_group{ primary = "spot", interruption_window = "5 m" } end,
		"interruption_window: invalid duration \"5 m\"")
	refuses(function() backup_group{ primary = "spot", interruption_window = -1 } end,
		"interruption_window must be more than 0 seconds, got -1")
end)

t.test("backup_group: each tick's reason follows the primary and desired", function()
	-- one view from tick to tick, as the engine's: texts are kept per group
	-- while their numbers do not move
	local primary = { name = "spot", current = 2, wanted = 4, shortfall = 2, short_for = 0,
		last_action = "ok" }
	local g = { name = "ondemand", desired = 2 }
	function g:group() return primary end
	function g:set(n, reason) return { "set", n, reason } end
	function g:hold(reason) return { "hold", 0, reason } end
	local function expect(p, kind, value, reason)
		local out = p:evaluate(g, {})
		t.eq(out[1], kind, "kind")
		t.eq(out[2], value, "value")
		t.eq(out[3], reason, "reason")
	end
	local whole = backup_group{ primary = "spot", release = "when_whole" }
	expect(whole, "hold", 0, "spot short 2 (wanted 4, current 2): keep 2 until spot is whole")
	g.desired = 3
	expect(whole, "hold", 0, "spot short 2 (wanted 4, current 2): keep 3 until spot is whole")
	primary.current, primary.shortfall = 3, 1
	expect(whole, "hold", 0, "spot short 1 (wanted 4, current 3): keep 3 until spot is whole")
	primary.current, primary.shortfall = 4, 0
	expect(whole, "set", 0, "spot not short (wanted 4, current 4): 0")
	primary.wanted, primary.shortfall = 5, 1
	expect(whole, "hold", 0, "spot short 1 (wanted 5, current 4): keep 3 until spot is whole")
	primary.wanted, primary.shortfall = 6, 2
	expect(whole, "hold", 0, "spot short 2 (wanted 6, current 4): keep 3 until spot is whole")
	primary.current = -1
	expect(whole, "hold", 0, "spot reports no current capacity: keep 3")
	g.desired = 1
	expect(whole, "hold", 0, "spot reports no current capacity: keep 1")
	-- before_shrink gives back what is not needed: need follows the primary
	local give = backup_group{ primary = "spot" }
	g.desired = 3
	primary.current, primary.wanted, primary.shortfall = 2, 3, 1
	expect(give, "set", 1, "spot short 1 (wanted 3, current 2): 1")
	primary.current, primary.shortfall = 1, 2
	expect(give, "set", 2, "spot short 2 (wanted 3, current 1): 2")
	primary.wanted, primary.current = 4, 2
	expect(give, "set", 2, "spot short 2 (wanted 4, current 2): 2")
end)
