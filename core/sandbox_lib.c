/*
 * sandbox_lib.c - string, table and utf8 functions whose cost is not
 * memory, bounded.
 *
 * The deadline hook counts VM instructions, so one C call is one
 * instruction however long it runs. The memory cap bounds what allocates
 * (and the allocator looks at the deadline before each large block, see
 * sandbox.c), which leaves the calls that take time without memory:
 *
 *   string.rep(s, n, sep)  replaced: an empty result costs nothing whatever
 *                          n is (stock Lua loops n times), a result past
 *                          the memory cap fails before anything is copied,
 *                          and the result is built by doubling;
 *   table.move/insert/remove/sort
 *                          replaced: the loop looks at the deadline every
 *                          SANDBOX_LIB_STRIDE elements (a table's length
 *                          and __index can be anything: __len = 1e10 with
 *                          __index = rawlen costs no memory); sort is a
 *                          heapsort (n log n, no invalid-order case);
 *   string.find/match/gmatch/gsub, utf8.len/offset, table.concat/unpack,
 *   collectgarbage         wrapped: the deadline is checked when the call
 *                          returns, so a loop of such calls is stopped after
 *                          one call past the deadline, not a thousand.
 *
 * What remains: a single pattern match that backtracks exponentially
 * cannot be interrupted (Lua's matcher has no step counter); it is charged
 * to the deadline when it returns.
 *
 * The originals and replacements stay findable under the registry's
 * _LOADED table, so their argument errors still name them
 * ("bad argument #1 to 'string.rep'").
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "sandbox_int.h"

#define MAX_SIZE ((size_t)LUA_MAXINTEGER < SIZE_MAX ? (size_t)LUA_MAXINTEGER : SIZE_MAX)

/* Elements between two looks at the stopwatch in the replaced loops. */
#define SANDBOX_LIB_STRIDE 4096

static void sandbox_lib_tick(lua_State *L, lua_Integer i)
{
	if ((i & (SANDBOX_LIB_STRIDE - 1)) == SANDBOX_LIB_STRIDE - 1)
		sandbox_check_deadline(L);
}

/* ---------------------------------------------------------------- string -- */

static int l_rep(lua_State *L)
{
	size_t l, lsep, total, unit, done;
	const char *s = luaL_checklstring(L, 1, &l);
	lua_Integer n = luaL_checkinteger(L, 2);
	const char *sep = luaL_optlstring(L, 3, "", &lsep);
	luaL_Buffer b;
	char *p;

	if (n <= 0 || l + lsep == 0) {
		lua_pushliteral(L, "");
		return 1;
	}
	unit = l + lsep;
	/* A result past the cap fails as memory does, before anything is
	 * copied: the allocator refuses the block. */
	if (unit < l || __builtin_mul_overflow((size_t)n, unit, &total) || total - lsep > MAX_SIZE)
		return luaL_error(L, "resulting string too large");
	total -= lsep; /* no separator after the last copy */
	p = luaL_buffinitsize(L, &b, total);
	/* One copy of s..sep, then double what is there: the result is
	 * periodic, so a prefix of it is always a run of whole copies. */
	memcpy(p, s, l);
	done = l;
	if (total > l) {
		memcpy(p + l, sep, lsep);
		done = unit;
	}
	while (done < total) {
		size_t c = done < total - done ? done : total - done;

		memcpy(p + done, p, c);
		done += c;
	}
	luaL_pushresultsize(&b, total);
	sandbox_check_deadline(L);
	return 1;
}

/* ----------------------------------------------------------------- table -- */

#define TAB_R 1
#define TAB_W 2
#define TAB_L 4

/* A table, or something with the metamethods the function needs (as
 * ltablib.c's checktab). */
static void sandbox_checktab(lua_State *L, int arg, int what)
{
	int n = 1;

	if (lua_type(L, arg) == LUA_TTABLE)
		return;
	if (lua_getmetatable(L, arg) &&
	    (!(what & TAB_R) || (lua_pushliteral(L, "__index"), lua_rawget(L, -++n) != LUA_TNIL)) &&
	    (!(what & TAB_W) || (lua_pushliteral(L, "__newindex"), lua_rawget(L, -++n) != LUA_TNIL)) &&
	    (!(what & TAB_L) || (lua_pushliteral(L, "__len"), lua_rawget(L, -++n) != LUA_TNIL))) {
		lua_pop(L, n);
		return;
	}
	luaL_checktype(L, arg, LUA_TTABLE); /* raises */
}

static lua_Integer sandbox_getn(lua_State *L, int arg, int what)
{
	sandbox_checktab(L, arg, what | TAB_L);
	return luaL_len(L, arg);
}

static int l_tinsert(lua_State *L)
{
	lua_Integer e = sandbox_getn(L, 1, TAB_R | TAB_W), pos, i;

	e = (lua_Integer)((lua_Unsigned)e + 1u); /* first empty element */
	switch (lua_gettop(L)) {
	case 2:
		pos = e;
		break;
	case 3:
		pos = luaL_checkinteger(L, 2);
		luaL_argcheck(L, (lua_Unsigned)pos - 1u < (lua_Unsigned)e, 2, "position out of bounds");
		for (i = e; i > pos; i--) {
			lua_geti(L, 1, i - 1);
			lua_seti(L, 1, i);
			sandbox_lib_tick(L, i);
		}
		break;
	default:
		return luaL_error(L, "wrong number of arguments to 'insert'");
	}
	lua_seti(L, 1, pos);
	return 0;
}

static int l_tremove(lua_State *L)
{
	lua_Integer size = sandbox_getn(L, 1, TAB_R | TAB_W);
	lua_Integer pos = luaL_optinteger(L, 2, size);

	if (pos != size)
		luaL_argcheck(L, (lua_Unsigned)pos - 1u <= (lua_Unsigned)size, 2,
			      "position out of bounds");
	lua_geti(L, 1, pos);
	for (; pos < size; pos++) {
		lua_geti(L, 1, pos + 1);
		lua_seti(L, 1, pos);
		sandbox_lib_tick(L, pos);
	}
	lua_pushnil(L);
	lua_seti(L, 1, pos);
	return 1;
}

static int l_tmove(lua_State *L)
{
	lua_Integer f = luaL_checkinteger(L, 2);
	lua_Integer e = luaL_checkinteger(L, 3);
	lua_Integer t = luaL_checkinteger(L, 4);
	int tt = !lua_isnoneornil(L, 5) ? 5 : 1;

	sandbox_checktab(L, 1, TAB_R);
	sandbox_checktab(L, tt, TAB_W);
	if (e >= f) {
		lua_Integer n, i;

		luaL_argcheck(L, f > 0 || e < LUA_MAXINTEGER + f, 3, "too many elements to move");
		n = e - f + 1;
		luaL_argcheck(L, t <= LUA_MAXINTEGER - n + 1, 4, "destination wrap around");
		if (t > e || t <= f || (tt != 1 && !lua_compare(L, 1, tt, LUA_OPEQ))) {
			for (i = 0; i < n; i++) {
				lua_geti(L, 1, f + i);
				lua_seti(L, tt, t + i);
				sandbox_lib_tick(L, i);
			}
		} else {
			for (i = n - 1; i >= 0; i--) {
				lua_geti(L, 1, f + i);
				lua_seti(L, tt, t + i);
				sandbox_lib_tick(L, i);
			}
		}
	}
	lua_pushvalue(L, tt);
	return 1;
}

/* a < b for the values at stack indices a and b (argument 2 is the order
 * function or nil). */
static int sandbox_sort_less(lua_State *L, int a, int b)
{
	int r;

	a = lua_absindex(L, a);
	b = lua_absindex(L, b);
	if (lua_isnil(L, 2))
		return lua_compare(L, a, b, LUA_OPLT);
	lua_pushvalue(L, 2);
	lua_pushvalue(L, a);
	lua_pushvalue(L, b);
	lua_call(L, 2, 1);
	r = lua_toboolean(L, -1);
	lua_pop(L, 1);
	return r;
}

/* Sift t[i] down the max-heap t[1..n]. */
static void sandbox_sort_sift(lua_State *L, lua_Integer i, lua_Integer n, lua_Integer *steps)
{
	int v;

	sandbox_lib_tick(L, ++*steps);
	lua_geti(L, 1, i);
	v = lua_gettop(L);
	for (;;) {
		lua_Integer c = 2 * i;

		if (c > n)
			break;
		lua_geti(L, 1, c);
		if (c + 1 <= n) {
			lua_geti(L, 1, c + 1);
			if (sandbox_sort_less(L, -2, -1)) {
				lua_remove(L, -2);
				c++;
			} else {
				lua_pop(L, 1);
			}
		}
		if (!sandbox_sort_less(L, v, -1)) {
			lua_pop(L, 1);
			break;
		}
		lua_seti(L, 1, i); /* t[i] = the larger child */
		i = c;
		sandbox_lib_tick(L, ++*steps);
	}
	lua_seti(L, 1, i); /* t[i] = v */
}

static int l_tsort(lua_State *L)
{
	lua_Integer n = sandbox_getn(L, 1, TAB_R | TAB_W), i, steps = 0;

	if (n <= 1)
		return 0;
	luaL_argcheck(L, n < INT_MAX, 1, "array too big");
	if (!lua_isnoneornil(L, 2))
		luaL_checktype(L, 2, LUA_TFUNCTION);
	lua_settop(L, 2);
	for (i = n / 2; i >= 1; i--)
		sandbox_sort_sift(L, i, n, &steps);
	for (i = n; i > 1; i--) {
		lua_geti(L, 1, 1);
		lua_geti(L, 1, i);
		lua_seti(L, 1, 1);
		lua_seti(L, 1, i);
		sandbox_sort_sift(L, 1, i - 1, &steps);
	}
	return 0;
}

/* -------------------------------------------------------------- wrappers -- */

/* The original (upvalue 1), then a look at the deadline. */
static int l_charged(lua_State *L)
{
	int n = lua_gettop(L);

	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, n, LUA_MULTRET);
	sandbox_check_deadline(L);
	return lua_gettop(L);
}

/* gmatch: each call of the iterator is a match, charged like find. */
static int l_gmatch(lua_State *L)
{
	int n = lua_gettop(L);

	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, n, 1);
	lua_pushcclosure(L, l_charged, 1);
	return 1;
}

struct sandbox_lib_fn {
	const char *lib, *name;
	lua_CFunction fn;   /* replacement, or a wrapper with the original as upvalue */
	bool wraps;
};

static const struct sandbox_lib_fn sandbox_lib_fns[] = {
	{ LUA_STRLIBNAME, "rep", l_rep, false },
	{ LUA_TABLIBNAME, "insert", l_tinsert, false },
	{ LUA_TABLIBNAME, "remove", l_tremove, false },
	{ LUA_TABLIBNAME, "move", l_tmove, false },
	{ LUA_TABLIBNAME, "sort", l_tsort, false },
	{ LUA_STRLIBNAME, "find", l_charged, true },
	{ LUA_STRLIBNAME, "match", l_charged, true },
	{ LUA_STRLIBNAME, "gsub", l_charged, true },
	{ LUA_STRLIBNAME, "gmatch", l_gmatch, true },
	{ LUA_TABLIBNAME, "concat", l_charged, true },
	{ LUA_TABLIBNAME, "unpack", l_charged, true },
	{ LUA_UTF8LIBNAME, "len", l_charged, true },
	{ LUA_UTF8LIBNAME, "offset", l_charged, true },
	/* a full collection of a large state: tens of ms in one call */
	{ LUA_GNAME, "collectgarbage", l_charged, true },
	{ NULL, NULL, NULL, false },
};

void sandbox_lib_open(lua_State *L)
{
	static const char *const libs[] = { LUA_STRLIBNAME, LUA_TABLIBNAME, LUA_UTF8LIBNAME, NULL };
	const struct sandbox_lib_fn *f;

	lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
	/* Replacements first; then _LOADED[lib] becomes a copy of the
	 * library (what error messages name); then the wrappers go into the
	 * library the scripts see. */
	for (f = sandbox_lib_fns; f->lib; f++) {
		if (f->wraps)
			continue;
		lua_getglobal(L, f->lib);
		lua_pushcfunction(L, f->fn);
		lua_setfield(L, -2, f->name);
		lua_pop(L, 1);
	}
	for (int i = 0; libs[i]; i++) {
		lua_newtable(L);
		lua_getglobal(L, libs[i]);
		lua_pushnil(L);
		while (lua_next(L, -2)) {
			lua_pushvalue(L, -2);
			lua_insert(L, -2);
			lua_rawset(L, -5);
		}
		lua_pop(L, 1);
		lua_setfield(L, -2, libs[i]);
	}
	for (f = sandbox_lib_fns; f->lib; f++) {
		if (!f->wraps)
			continue;
		lua_getglobal(L, f->lib);
		lua_getfield(L, -1, f->name);
		if (strcmp(f->lib, LUA_GNAME) == 0) {
			/* a base function is named by its own _LOADED entry */
			lua_pushvalue(L, -1);
			lua_setfield(L, -4, f->name);
		}
		lua_pushcclosure(L, f->fn, 1);
		lua_setfield(L, -2, f->name);
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
}
