/*
 * test_sandbox_bounds.c - one C call cannot stall the loop: the library
 * functions whose cost is not memory are bounded or stopped at the
 * deadline, the deadline counts from the call's start, and the replaced
 * functions still behave as Lua's own.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <lauxlib.h>

#include "sandbox_fx.h"

static struct sandbox *make(int64_t deadline_ms)
{
	struct sandbox_limits lim = { .mem_limit = 16u << 20, .deadline_ms = deadline_ms };
	struct sandbox *sb = sandbox_new(&lim, NULL, NULL, NULL);

	assert_non_null(sb);
	return sb;
}

/* string.rep of an empty result costs nothing however large n is (stock
 * Lua loops n times: hours); a result past the cap fails as memory. */
static void test_rep_bounded(void **state)
{
	struct sandbox *sb = make(2000);

	(void)state;
	sfx_want_string(sb, "return string.rep('', 1e12) .. ('').rep('', 1e12, '') .. 'ok'", "ok");
	sfx_want_string(sb, "return string.rep('ab', 3, ',')", "ab,ab,ab");
	sfx_want_string(sb, "return string.rep('', 3, '-')", "--");
	sfx_want_string(sb, "return ('xyz'):rep(4)", "xyzxyzxyzxyz");
	sfx_want_string(sb, "return string.rep('x', 0) .. string.rep('x', -5) .. string.rep('x', 1)", "x");
	sfx_want_string(sb, "return tostring(#string.rep('abc', 100000, '--'))", "499998");
	sfx_want_error(sb, "return string.rep('x', 1 << 40)", -ENOMEM, "not enough memory");
	sfx_want_error(sb, "return string.rep('xy', math.maxinteger)", -EINVAL,
		       "resulting string too large");
	sfx_want_error(sb, "return string.rep()", -EINVAL, "bad argument #1 to 'rep'");
	sandbox_free(sb);
}

/* Loops over a range or a table's length that cost no memory: a fake
 * __len (or a huge range) used to run for hours; now the deadline stops
 * them. */
static void test_table_loops_stopped(void **state)
{
	struct sandbox *sb = make(50);

	(void)state;
	sfx_want_error(sb, "table.move({}, 1, 1e12, 1)", -ETIMEDOUT, "deadline of 50 ms");
	sfx_want_error(sb, "table.move({}, -1e12, 1e12, 1, {})", -ETIMEDOUT, "deadline");
	sfx_want_error(sb, "local t = setmetatable({}, { __len = function() return 1e12 end })\n"
		       "table.insert(t, 1, 'x')", -ETIMEDOUT, "deadline");
	sfx_want_error(sb, "local t = setmetatable({}, { __len = function() return 1e12 end })\n"
		       "table.remove(t, 1)", -ETIMEDOUT, "deadline");
	/* __newindex drops the writes, so the table never grows: only the
	 * deadline can stop it (with rawset it raced the memory cap) */
	sfx_want_error(sb, "local t = setmetatable({}, { __len = function() return 2^31 - 2 end,\n"
		       "  __index = rawlen, __newindex = function() end })\n"
		       "table.sort(t)", -ETIMEDOUT, "deadline");
	/* and pcall cannot hold the error */
	sfx_want_error(sb, "while true do pcall(table.move, {}, 1, 1e12, 1) end", -ETIMEDOUT,
		       "deadline");
	sfx_want_string(sb, "return 'alive'", "alive");
	sandbox_free(sb);
}

/* A slow C call made first thing, before the count hook ever fires, is
 * charged from the call's start: the call is stopped and its proposal
 * never returned. (The pattern backtracks for ~0.4 s: Lua's matcher cannot
 * be interrupted, so it is stopped when it returns.) */
static void test_deadline_from_call_start(void **state)
{
	struct sandbox *sb = make(10);

	(void)state;
	sfx_want_error(sb, "local r = string.find(string.rep('a', 13), string.rep('a*', 13) .. 'b')\n"
		       "return 'finished'", -ETIMEDOUT, "deadline of 10 ms");
	sfx_want_string(sb, "return 'alive'", "alive");
	sandbox_free(sb);
}

/* What was replaced or wrapped still does what Lua's own does. */
static void test_library_semantics_kept(void **state)
{
	struct sandbox *sb = make(2000);

	(void)state;
	sfx_want_string(sb, "local t = {1, 2, 3, 4, 5} table.move(t, 1, 3, 3)\n"
		       "return table.concat(t, ',')", "1,2,1,2,3");
	sfx_want_string(sb, "local t = {1, 2, 3, 4, 5} table.move(t, 3, 5, 1)\n"
		       "return table.concat(t, ',')", "3,4,5,4,5");
	sfx_want_string(sb, "return table.concat(table.move({1, 2, 3}, 1, 3, 2, {'a'}), ',')", "a,1,2,3");
	sfx_want_string(sb, "local t = {1, 2, 3} table.insert(t, 1, 0) table.insert(t, 9)\n"
		       "local r = table.remove(t, 2)\n"
		       "return table.concat(t, ',') .. '|' .. r .. '|' .. tostring(table.remove({}))",
		       "0,2,3,9|1|nil");
	sfx_want_error(sb, "table.insert({}, 5, 1)", -EINVAL, "position out of bounds");
	sfx_want_error(sb, "table.insert({}, 1, 2, 3)", -EINVAL, "wrong number of arguments");
	sfx_want_string(sb, "local t = {} for i = 1, 1000 do t[i] = math.random(1, 100) end\n"
		       "table.sort(t)\n"
		       "for i = 2, #t do assert(t[i - 1] <= t[i]) end\n"
		       "local u = {'pear', 'apple', 'fig'} table.sort(u)\n"
		       "local d = {3, 1, 2} table.sort(d, function(a, b) return a > b end)\n"
		       "return table.concat(u, ',') .. '|' .. table.concat(d, ',')",
		       "apple,fig,pear|3,2,1");
	sfx_want_error(sb, "table.sort({1, 'x', 2})", -EINVAL, "attempt to compare");
	sfx_want_error(sb, "table.sort({1, 2}, 3)", -EINVAL, "bad argument #2 to 'sort'");
	sfx_want_string(sb, "local n = 0 for w in ('a b c'):gmatch('%a') do n = n + 1 end\n"
		       "return n .. ('hello'):find('l') .. ('k=v'):match('(%w)=') ..\n"
		       "  (('aaa'):gsub('a', 'b')) .. utf8.len('h\\u{e9}') .. utf8.offset('abc', 2) ..\n"
		       "  select('#', table.unpack({1, 2, 3}))", "33kbbb223");
	sfx_want_error(sb, "string.find()", -EINVAL, "bad argument #1 to ");
	sfx_want_string(sb, "collectgarbage() return type(collectgarbage('count'))", "number");
	sfx_want_error(sb, "collectgarbage('bogus')", -EINVAL,
		       "bad argument #1 to 'collectgarbage' (invalid option 'bogus')");
	sandbox_free(sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rep_bounded),
		cmocka_unit_test(test_table_loops_stopped),
		cmocka_unit_test(test_deadline_from_call_start),
		cmocka_unit_test(test_library_semantics_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
