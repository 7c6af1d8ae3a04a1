-- util_test.lua - policy.util's numbers in reasons (U.num): the same text
-- as format("%.3f") with its trailing zeros cut, whichever way it is made
-- (run by tests/lua/run_policy_tests.c; see there for the `t` table).

local t = ...
local U = require "policy.util"

local num, ref = U.num, U.num_printf

t.test("num: integers, thousandths, trailing zeros", function()
	local cases = {
		{ 0, "0" }, { -0.0, "0" }, { 3, "3" }, { 3.0, "3" }, { -7, "-7" }, { 1e14, "100000000000000" },
		{ 0.5, "0.5" }, { 2.25, "2.25" }, { 66.6666, "66.667" }, { 1.1, "1.1" }, { 0.001, "0.001" },
		{ 0.0004, "0" }, { 0.0006, "0.001" }, { -0.0004, "-0" }, { -0.25, "-0.25" },
		{ 999.9996, "1000" }, { 999999.5, "999999.5" }, { 1234567.125, "1234567.125" },
		{ 1.7, "1.7" }, { 13.75, "13.75" }, { 48.155, "48.155" },
		-- exact ties of x * 1000 (x = k / 2000 with 125 | k): printf rounds them to even
		{ 0.0625, "0.062" }, { 0.1875, "0.188" }, { -0.0625, "-0.062" }, { 2.3125, "2.312" },
	}
	for _, c in ipairs(cases) do
		t.eq(num(c[1]), c[2], string.format("num(%.17g)", c[1]))
		if c[1] ~= math.floor(c[1]) then -- printf's way, which integers do not take
			t.eq(ref(c[1]), c[2], string.format("printf(%.17g)", c[1]))
		end
	end
	-- around 1e15 (integers' way below, printf's from there), the integer
	-- limits (math.maxinteger printf's as a float; math.mininteger the
	-- integers' way, as math.abs leaves it negative)
	for _, c in ipairs({ { 1e15 - 1, "999999999999999" }, { -(1e15 - 1), "-999999999999999" },
		{ 999999999999999, "999999999999999" }, { 1e15, "1000000000000000" },
		{ -1e15, "-1000000000000000" }, { 1e15 + 0.5, "1000000000000000.5" },
		{ math.maxinteger, "9223372036854775808" }, { math.mininteger, "-9223372036854775808" },
		{ -2 ^ 63, "-9223372036854775808" }, { 2 ^ 53 + 1, "9007199254740992" }, { (1 << 53) + 1, "9007199254740992" } }) do
		t.eq(num(c[1]), c[2], string.format("num(%.17g, %s)", c[1], math.type(c[1])))
	end
	t.eq(num(1 / 0), ref(1 / 0), "inf")
	t.eq(num(-1 / 0), ref(-1 / 0), "-inf")
	t.eq(num(0 / 0), ref(0 / 0), "nan")
end)

t.test("num: the same text as printf for every magnitude", function()
	-- a fixed sequence (a 32-bit LCG), so a failure repeats
	local seed = 12345
	local function rand()
		seed = (seed * 1103515245 + 12345) % 2147483648
		return seed / 2147483648
	end
	local n = 0
	for _ = 1, 20000 do
		local x = (rand() - 0.3) * 10 ^ math.floor(rand() * 16 - 6)
		t.eq(num(x), ref(x), string.format("num(%.17g)", x))
		-- near a rounding boundary: k.xxx5 and its neighbours
		local b = math.floor(rand() * 2e6) / 2000 + 0.0005
		for _, y in ipairs({ b, b + 1e-12, b - 1e-12, -b }) do
			t.eq(num(y), ref(y), string.format("num(%.17g)", y))
			n = n + 1
		end
	end
	t.eq(n, 80000)
end)

t.test("int_text: the same text as format(\"%d\") on both sides of each table's edge", function()
	local cases = { 0, 1, 9, 10, 999, 1000, 1001, 9999, 10000, 100010, 999999, 1000000, 1000001,
		1002003, 999999999, 1000000000, 1000000001, math.maxinteger, math.mininteger }
	for _, i in ipairs(cases) do
		t.eq(U.int_text(i), string.format("%d", i), string.format("int_text(%d)", i))
		t.eq(U.int_text(-i), string.format("%d", -i), string.format("int_text(%d)", -i))
	end
	t.eq(U.int_text(1e9), "1000000000", "int_text(1e9), a float")
	for i = -2000, 2000000, 7 do
		t.eq(U.int_text(i), string.format("%d", i), string.format("int_text(%d)", i))
	end
end)
