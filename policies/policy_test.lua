-- policy_test.lua - the index of the policy library, against the real policy API
-- (run by tests/lua/run_policy_tests.c; see there for the `t` table).
-- Each test uses its own series names: a series can be made once per file.

local t = ...
local policy = require "policy"

local samples = t.samples

local function refuses(fn, text)
	return t.refuses(fn, text)
end


---------------------------------------------------------------- durations

t.test("durations follow core/duration.c", function()
	local s = policy.seconds
	t.eq(s("30s", "w"), 30)
	t.eq(s("5m", "w"), 300)
	t.eq(s("1h30m", "w"), 5400)
	t.eq(s("1d", "w"), 86400)
	t.eq(s("250ms", "w"), 0.25)
	t.eq(s("1m30s", "w"), 90)
	t.eq(s("1.5", "w"), 1.5)
	t.eq(s("1.5m", "w"), 90)
	t.eq(s(45, "w"), 45)
	t.raises(function() s("", "w") end, "w: invalid duration")
	t.raises(function() s("1s1s", "w") end, "w: invalid duration \"1s1s\"")
	t.raises(function() s("1.s", "w") end, "w: invalid duration")
	t.raises(function() s("-5s", "w") end, "w: invalid duration")
	t.raises(function() s("0s", "w") end, "w must be more than 0 seconds")
	t.raises(function() s({}, "w") end, "w must be seconds or a duration like \"2m\", got table")
end)
