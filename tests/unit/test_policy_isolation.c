/*
 * test_policy_isolation.c - a policy only proposes, and no policy can stall
 * or starve the others: the engine through its public API, on a virtual
 * clock, with the real sim plugin (the reproducers of issue 9, B11-B13).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scaled/scaled.h"

#define T0 1700000000000LL
#define KEPT 64

struct seen {
	int n;
	struct scaled_decision last[KEPT];
};

static void on_decision(void *arg, const struct scaled_decision *d)
{
	struct seen *s = arg;

	if (d->outcome == SCALED_OUTCOME_PENDING)
		return;
	if (s->n < KEPT)
		s->last[s->n] = *d;
	s->n++;
}

static struct scaled_engine *load_with(const char *farm, struct seen *seen, size_t mem)
{
	struct scaled_options o;
	struct scaled_engine *e = NULL;
	char *err = NULL;

	scaled_options_init(&o);
	o.virtual_clock = 1;
	o.start_ms = T0;
	o.log_level = SCALED_LOG_ERROR;
	o.plugin_path = SCALED_BINARY_DIR "/plugins";
	o.policy_dir = SCALED_SOURCE_DIR "/policies";
	o.lua_deadline_ms = 1000; /* no test here is about time: a loaded machine must not fail them */
	o.lua_mem_limit = mem;
	assert_int_equal(scaled_engine_new(&o, &e, &err), 0);
	if (scaled_engine_load_string(e, "iso-farm", farm, &err) < 0)
		fail_msg("load: %s", err ? err : "?");
	memset(seen, 0, sizeof *seen);
	scaled_engine_on_decision(e, on_decision, seen);
	return e;
}

static struct scaled_engine *load(const char *farm, struct seen *seen)
{
	return load_with(farm, seen, 8 << 20);
}

static int desired(struct scaled_engine *e, const char *group)
{
	struct scaled_group_status st;

	assert_int_equal(scaled_engine_group_status(e, group, &st), 0);
	return st.desired;
}

/* The first error proposal recorded for group, or NULL. */
static const struct scaled_proposal *first_error(const struct seen *s, const char *group)
{
	for (int i = 0; i < s->n && i < KEPT; i++) {
		const struct scaled_decision *d = &s->last[i];

		for (size_t j = 0; j < d->n_proposals; j++)
			if (strcmp(d->group, group) == 0 &&
			    d->proposals[j].kind == SCALED_PROPOSAL_ERROR)
				return &d->proposals[j];
	}
	return NULL;
}

/* Whether any error proposal recorded for group contains text. */
static bool any_error_with(const struct seen *s, const char *group, const char *text)
{
	for (int i = 0; i < s->n && i < KEPT; i++) {
		const struct scaled_decision *d = &s->last[i];

		for (size_t j = 0; j < d->n_proposals; j++)
			if (strcmp(d->group, group) == 0 &&
			    d->proposals[j].kind == SCALED_PROPOSAL_ERROR &&
			    strstr(d->proposals[j].reason, text))
				return true;
	}
	return false;
}

/* ------------------------------------------------ B11: declarations -- */

/* A farm keeps the four declarations in locals and calls them from a
 * policy: each raises "... is a declaration", nothing is created. */
static void test_declarations_refused_at_tick_time(void **state)
{
	static const char farm[] =
		"plugin 'sim'\n"
		"target 'fleet' { kind = 'sim', start = 1 }\n"
		"target 'spare' { kind = 'sim', start = 1 }\n"
		"local T, G, P, S = target, group, plugin, source\n"
		"group 'web' { target = 'fleet', max = 10, every = '10s', policy = function(g)\n"
		"  local r = {\n"
		"    { pcall(P, 'sim') },\n"
		"    { pcall(function() T 'evil' { kind = 'sim', start = 1 } end) },\n"
		"    { pcall(function() G 'evilg' { target = 'spare', max = 1,\n"
		"        policy = function(g2) return g2:set(1, 'evil') end } end) },\n"
		"    { pcall(function() S 'evils' { kind = 'wave', every = '1s' } end) },\n"
		"  }\n"
		"  local refused = 0\n"
		"  for _, x in ipairs(r) do\n"
		"    if not x[1] and tostring(x[2]):find('is a declaration', 1, true) then\n"
		"      refused = refused + 1\n"
		"    end\n"
		"  end\n"
		"  return g:set(refused, 'refused ' .. refused)\n"
		"end }\n"
		"group 'direct' { target = 'spare', max = 10, every = '10s', policy = function(g)\n"
		"  G 'late' { target = 'fleet', max = 1 }\n"
		"  return g:set(5, 'declared')\n"
		"end }\n";
	struct seen seen;
	struct scaled_engine *e = load(farm, &seen);
	struct scaled_group_status st;
	const struct scaled_proposal *p;

	(void)state;
	assert_int_equal(scaled_engine_step(e, T0 + 30000), 0);
	assert_int_equal(desired(e, "web"), 4);
	assert_int_equal(scaled_engine_group_status(e, "evilg", &st), -ENOENT);
	assert_int_equal(scaled_engine_group_status(e, "late", &st), -ENOENT);
	assert_int_equal(desired(e, "direct"), 1);
	p = first_error(&seen, "direct");
	assert_non_null(p);
	assert_non_null(strstr(p->reason, "group() is a declaration"));
	scaled_engine_free(e);
}

/* ------------------------------------------------------- B13: memory -- */

/* Group a fills the farm's Lua memory and keeps it in a global every tick;
 * group b must tick all the same: a loses its globals, b loses nothing. */
static void test_memory_hog_loses_its_globals(void **state)
{
	static const char farm[] =
		"plugin 'sim'\n"
		"target 't1' { kind = 'sim', start = 1 }\n"
		"target 't2' { kind = 'sim', start = 1 }\n"
		"local function grow(sz) HOG = { HOG, sz > 0 and string.rep('x', sz) or nil } end\n"
		"group 'a' { target = 't1', max = 10, every = '1s', policy = function(g)\n"
		"  for _, sz in ipairs({ 500000, 10000, 100, 0 }) do\n"
		"    while pcall(grow, sz) do end\n"
		"  end\n"
		"  return g:hold('full')\n"
		"end }\n"
		"group 'b' { target = 't2', max = 1000, every = '1s', stabilization = 0,\n"
		"  policy = function(g)\n"
		"    return g:change(1, string.format('victim %d %s', g.desired, string.rep('y', 1000)))\n"
		"  end }\n";
	struct seen seen;
	struct scaled_engine *e = load(farm, &seen);

	(void)state;
	assert_int_equal(scaled_engine_step(e, T0 + 5500), 0);
	assert_null(first_error(&seen, "b"));
	assert_int_equal(desired(e, "b"), 6);
	assert_true(any_error_with(&seen, "a", "its globals were reset"));
	scaled_engine_free(e);
}

/* Group a keeps 10 KB more in a global every tick, less per call than
 * the 1/256 of the memory a single call may grow it by unnoticed, and
 * once that fails takes whatever is left in small pieces; b makes a
 * little garbage every tick. a must lose its globals before the memory
 * is full (it counts that in a table of the farm, which b proposes), and
 * b must tick every time. */
static void test_slow_hog_loses_its_globals(void **state)
{
	static const char farm[] =
		"plugin 'sim'\n"
		"target 't1' { kind = 'sim', start = 1 }\n"
		"target 't2' { kind = 'sim', start = 1 }\n"
		"local resets, started = { n = 0 }, false\n"
		"local function grow(sz) HOG = { HOG, string.rep('x', sz) } end\n"
		"group 'a' { target = 't1', max = 10, every = '1s', policy = function(g)\n"
		"  if started and HOG == nil then resets.n = resets.n + 1 end\n"
		"  started = true\n"
		"  if not pcall(grow, 10000) then\n"
		"    while pcall(grow, 10) do end\n"
		"  end\n"
		"  return g:hold('slow')\n"
		"end }\n"
		"group 'b' { target = 't2', max = 1000, every = '1s', stabilization = 0,\n"
		"  policy = function(g)\n"
		"    return g:set(resets.n + 1, 'victim ' .. string.rep('y', 1000))\n"
		"  end }\n";
	struct seen seen;
	struct scaled_engine *e = load_with(farm, &seen, 4 << 20);

	(void)state;
	assert_int_equal(scaled_engine_step(e, T0 + 600000), 0);
	assert_null(first_error(&seen, "b"));
	assert_true(desired(e, "b") >= 2);
	scaled_engine_free(e);
}

/* At tick time a global belongs to the group whose policy set it; what
 * the farm file defined is seen by all; rawset/rawget on _G agree. */
static void test_globals_per_group(void **state)
{
	static const char farm[] =
		"plugin 'sim'\n"
		"target 't1' { kind = 'sim', start = 1 }\n"
		"target 't2' { kind = 'sim', start = 1 }\n"
		"BASE = 2\n"
		"group 'x' { target = 't1', max = 100, every = '1s', policy = function(g)\n"
		"  COUNT = (COUNT or 0) + 1\n"
		"  rawset(_G, 'RAW', (rawget(_G, 'RAW') or 0) + 1)\n"
		"  BASE = 50\n"
		"  return g:set(COUNT + RAW, 'count')\n"
		"end }\n"
		"group 'y' { target = 't2', max = 100, every = '1s', policy = function(g)\n"
		"  return g:set(BASE + (COUNT or 0) + (RAW or 0), 'base')\n"
		"end }\n";
	struct seen seen;
	struct scaled_engine *e = load(farm, &seen);

	(void)state;
	assert_int_equal(scaled_engine_step(e, T0 + 3500), 0);
	assert_int_equal(desired(e, "x"), 6);
	assert_int_equal(desired(e, "y"), 2);
	scaled_engine_free(e);
}

/* ---------------------------------------------- B11: shared libraries -- */

/* Group a tries to change the libraries every group uses (overwrite
 * math.floor, hoard in string, rawset into math, reach the string
 * metatable, write through a local taken at load time): each write
 * raises, and b's proposal, made with math.floor and string methods,
 * is what it would be alone. */
static void test_libraries_read_only(void **state)
{
	static const char farm[] =
		"plugin 'sim'\n"
		"target 't1' { kind = 'sim', start = 1 }\n"
		"target 't2' { kind = 'sim', start = 1 }\n"
		"local M = math\n"
		"group 'a' { target = 't1', max = 100, every = '1s', policy = function(g)\n"
		"  local tries = {\n"
		"    function() math.floor = function() return 1e6 end end,\n"
		"    function() string.hoard = { string.rep('x', 1000) } end,\n"
		"    function() rawset(math, 'floor', function() return 1e6 end) end,\n"
		"    function() rawset(string, 'upper', function() return 'EVIL' end) end,\n"
		"    function() getmetatable('').__index = { upper = function() return 'EVIL' end } end,\n"
		"    function() M.ceil = function() return 1e6 end end,\n"
		"    function() table.insert = nil end,\n"
		"    function() utf8.char = nil end,\n"
		"  }\n"
		"  local refused = 0\n"
		"  for _, f in ipairs(tries) do\n"
		"    if not pcall(f) then refused = refused + 1 end\n"
		"  end\n"
		"  local n = 0\n"
		"  for k in pairs(math) do n = n + 1 end\n"
		"  if n < 10 or getmetatable('') ~= false or rawget(math, 'floor') ~= math.floor\n"
		"     or string.hoard ~= nil then refused = 0 end\n"
		"  return g:set(refused, 'refused ' .. refused)\n"
		"end }\n"
		"group 'b' { target = 't2', max = 100, every = '1s', policy = function(g)\n"
		"  local ok = ('abc'):upper() == 'ABC' and string.upper('x') == 'X'\n"
		"  return g:set(math.floor(3.7) + math.ceil(0.2) + (ok and 1 or 0), 'victim')\n"
		"end }\n";
	struct seen seen;
	struct scaled_engine *e = load(farm, &seen);

	(void)state;
	assert_int_equal(scaled_engine_step(e, T0 + 3500), 0);
	assert_int_equal(desired(e, "a"), 8);
	assert_int_equal(desired(e, "b"), 5);
	assert_null(first_error(&seen, "a"));
	assert_null(first_error(&seen, "b"));
	scaled_engine_free(e);
}

/* The engine's reserve covers a group's globals table: a policy that
 * filled what scripts may use (in a local) can still set its first
 * global. */
static void test_first_global_uses_reserve(void **state)
{
	static const char farm[] =
		"plugin 'sim'\n"
		"target 't1' { kind = 'sim', start = 1 }\n"
		"group 'a' { target = 't1', max = 10, every = '10s', policy = function(g)\n"
		"  local hold\n"
		"  local function grow(sz) hold = { hold, sz > 0 and string.rep('x', sz) or nil } end\n"
		"  for _, sz in ipairs({ 100000, 1000, 10, 0 }) do\n"
		"    while pcall(grow, sz) do end\n"
		"  end\n"
		"  FIRST = 1\n"
		"  return g:set(FIRST + 1, 'set a global when full')\n"
		"end }\n";
	struct seen seen;
	struct scaled_engine *e = load_with(farm, &seen, 2 << 20);

	(void)state;
	assert_int_equal(scaled_engine_step(e, T0 + 30000), 0);
	assert_null(first_error(&seen, "a"));
	assert_int_equal(desired(e, "a"), 2);
	scaled_engine_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_declarations_refused_at_tick_time),
		cmocka_unit_test(test_memory_hog_loses_its_globals),
		cmocka_unit_test(test_globals_per_group),
		cmocka_unit_test(test_libraries_read_only),
		cmocka_unit_test(test_first_global_uses_reserve),
		cmocka_unit_test(test_slow_hog_loses_its_globals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
