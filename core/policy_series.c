/*
 * policy_series.c - the series views a policy reads (s.NAME, v:avg(w), ...)
 * and the shared `s` that makes them on first use (see policy_api.h, which
 * is the spec). Set up once by policy_api_open through policy_series_setup.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "duration.h"
#include "policy_api.h"
#include "policy_int.h"
#include "series.h"

/* Registry key of the views' metatable: the address is the key. */
static const char series_mt_key = 'v';

/* A series view: marked as group views are (policy_testview). */
#define SERIES_VIEW_MAGIC 0x73657269u /* "seri" */

struct series_view {
	uint32_t magic;
	struct series *s;
};

static struct series *series_check(lua_State *L, int idx)
{
	const struct series_view *v = policy_testview(L, idx, SERIES_VIEW_MAGIC);

	if (!v) {
		luaL_typeerror(L, idx, "series view"); /* does not return */
		return NULL;
	}
	return v->s;
}

/* ----------------------------------------------------------- series view -- */

/* A window or offset argument: seconds as a number, or a duration string.
 * Absent or nil: 0 ("every sample" for a window, "now" for an offset). */
static int64_t policy_series_duration_arg(lua_State *L, int idx, int top, int allow_zero)
{
	int64_t ms;

	if (idx > top) /* absent: the common `ago`, no type lookup */
		return 0;
	switch (lua_type(L, idx)) {
	case LUA_TNONE:
	case LUA_TNIL:
		return 0;
	case LUA_TNUMBER: {
		int whole;
		lua_Integer isec = lua_tointegerx(L, idx, &whole);
		lua_Number sec;

		if (whole) { /* avg(120): whole seconds, no conversion */
			if (isec < 0 || isec >= 1000000000000)
				luaL_argerror(L, idx, "seconds must be a number >= 0");
			ms = (int64_t)isec * 1000;
			break;
		}
		sec = lua_tonumber(L, idx);
		if (!(sec >= 0 && sec < 1e12))
			luaL_argerror(L, idx, "seconds must be a number >= 0");
		ms = (int64_t)(sec * 1000.0 + 0.5); /* llround, for x >= 0 */
		break;
	}
	case LUA_TSTRING:
		if (duration_parse(lua_tostring(L, idx), &ms) < 0)
			luaL_argerror(L, idx, lua_pushfstring(L, "invalid duration '%s'",
							      lua_tostring(L, idx)));
		break;
	default:
		return luaL_typeerror(L, idx, "seconds or duration string");
	}
	if (ms == 0 && !allow_zero)
		luaL_argerror(L, idx, "a window must be longer than 0");
	return ms;
}

/* The bookkeeping the safety pipeline reads: stale or missing inputs. */
static void policy_series_mark(struct policy_env *env, const struct series *s)
{
	if (series_len(s) == 0)
		env->read_missing = true;
	else if (series_is_stale(s, env->now_ms))
		env->read_stale = true;
}

int policy_series_read(struct policy_env *env, struct series *s, int stat, double p,
		       int64_t window, int64_t ago, double *out)
{
	policy_series_mark(env, s);
	/* what this read needs kept: back to its window's start (a window of
	 * 0 is every sample); last() wants only the newest sample at `ago`,
	 * whatever its window (which only says how old that one may be) */
	if (stat == SERIES_LAST)
		series_keep(s, ago);
	else if (window == 0)
		series_keep(s, INT64_MAX);
	else
		series_keep(s, window > INT64_MAX - ago ? INT64_MAX : window + ago);
	return series_stat(s, stat, env->now_ms - ago, window, p, out);
}

int policy_series_newest(struct policy_env *env, const struct series *s, double *out)
{
	int64_t t;

	policy_series_mark(env, s);
	return series_last(s, &t, out) < 0 ? -ENODATA : 0;
}

/* v:avg(w, ago) ... v:pct(p, w, ago), v:last(w, ago). */
static int policy_series_stat(lua_State *L, int stat)
{
	struct policy_env *env = env_of(L);
	struct series *s = series_check(L, 1);
	int arg = 2, top;
	double p = 0, out;
	int64_t window, ago;
	int rc;

	if (stat == SERIES_PCT) {
		p = luaL_checknumber(L, 2);
		luaL_argcheck(L, p >= 0 && p <= 100, 2, "percentile must be in [0, 100]");
		arg = 3;
	}
	top = lua_gettop(L);
	window = policy_series_duration_arg(L, arg, top, 0);
	ago = policy_series_duration_arg(L, arg + 1, top, 1);
	rc = policy_series_read(env, s, stat, p, window, ago, &out);
	if (rc == 0 && stat == SERIES_COUNT)
		lua_pushinteger(L, (lua_Integer)out);
	else if (rc == 0)
		lua_pushnumber(L, out);
	else if (stat == SERIES_COUNT)
		lua_pushinteger(L, 0);
	else if (rc == -ENODATA)
		lua_pushnil(L);
	else
		return luaL_error(L, "series '%s': %s failed (%s)", series_name(s),
				  series_stat_name(stat), strerror(-rc));
	return 1;
}

/* One C function a statistic (an upvalue to say which costs a call). */
#define SERIES_STAT_FN(fn, stat) \
	static int fn(lua_State *L) { return policy_series_stat(L, stat); }
SERIES_STAT_FN(l_series_avg, SERIES_AVG)
SERIES_STAT_FN(l_series_min, SERIES_MIN)
SERIES_STAT_FN(l_series_max, SERIES_MAX)
SERIES_STAT_FN(l_series_sum, SERIES_SUM)
SERIES_STAT_FN(l_series_count, SERIES_COUNT)
SERIES_STAT_FN(l_series_rate, SERIES_RATE)
SERIES_STAT_FN(l_series_pct, SERIES_PCT)

/* v:last(): the newest sample; v:last(w, ago): the newest within a window. */
static int l_series_last(lua_State *L)
{
	struct policy_env *env = env_of(L);
	const struct series *s = series_check(L, 1);
	int top = lua_gettop(L); /* v:last() and v:last(nil): one type read */
	double v;

	if ((top >= 2 && !lua_isnil(L, 2)) || (top >= 3 && !lua_isnil(L, 3)))
		return policy_series_stat(L, SERIES_LAST);
	if (policy_series_newest(env, s, &v) < 0)
		lua_pushnil(L);
	else
		lua_pushnumber(L, v);
	return 1;
}

static int l_series_age(lua_State *L)
{
	struct policy_env *env = env_of(L);
	const struct series *s = series_check(L, 1);
	int64_t age;

	policy_series_mark(env, s);
	age = series_age(s, env->now_ms);
	if (age < 0 && series_len(s) == 0)
		lua_pushnil(L);
	else
		lua_pushnumber(L, (lua_Number)age / 1000.0);
	return 1;
}

/* Unknown series methods: the methods table's own __index. Hits never
 * get here (the VM finds them in the methods table), so it costs nothing
 * on the hot path; the price is that the message cannot name the series. */
static int l_series_nomethod(lua_State *L)
{
	return luaL_error(L, "series views have no method '%s'",
			  lua_isstring(L, 2) ? lua_tostring(L, 2) : luaL_typename(L, 2));
}

static int l_series_newindex(lua_State *L)
{
	return luaL_error(L, "series '%s' is read-only", series_name(series_check(L, 1)));
}

static int l_series_tostring(lua_State *L)
{
	lua_pushfstring(L, "series '%s'", series_name(series_check(L, 1)));
	return 1;
}

/* "backlog.oldest_age" before its source published it: the series of a
 * declared source (or target) that has no sample yet. Create it, empty and
 * as stale as its owner, so the policy sees "no data" (nil), not an error.
 * NULL when the part before the first '.' is no series either. */
static struct series *policy_series_suffix(struct series_store *store, const char *name)
{
	char base[SCALED_NAME_MAX];
	const char *dot = strchr(name, '.');
	const struct series *owner;
	struct series *s;
	size_t n = dot ? (size_t)(dot - name) : 0;

	if (n == 0 || n >= sizeof(base) || dot[1] == '\0')
		return NULL;
	memcpy(base, name, n);
	base[n] = '\0';
	owner = series_find(store, base);
	if (!owner)
		return NULL;
	s = series_ensure(store, name, 0);
	if (s)
		series_set_stale_ms(s, series_stale_ms(owner));
	return s;
}

/* s[name] on a name not in the cache yet: find the series, make its view
 * once and keep it in the cache (argument 1). Hits never get here: `s`'s
 * __index is the cache table itself, so the VM finds them without calling
 * C. `s` is an empty userdata whose metatable is locked, so no assignment
 * (rawset included) can replace a view another policy reads. */
static int l_s_miss(lua_State *L)
{
	struct policy_env *env = env_of(L);
	const char *name = luaL_checkstring(L, 2);
	struct series *s;
	struct series_view *v;

	s = env->store ? series_find(env->store, name) : NULL;
	if (!s && env->store)
		s = policy_series_suffix(env->store, name);
	if (!s)
		return luaL_error(L, "unknown series '%s'", name);
	v = lua_newuserdatauv(L, sizeof(*v), 0);
	v->magic = SERIES_VIEW_MAGIC;
	v->s = s;
	lua_rawgetp(L, LUA_REGISTRYINDEX, &series_mt_key);
	lua_setmetatable(L, -2);
	lua_pushvalue(L, 2);
	lua_pushvalue(L, -2);
	lua_rawset(L, 1);
	return 1;
}

static int l_s_newindex(lua_State *L)
{
	return luaL_error(L, "series are read-only (cannot set s.%s)", luaL_tolstring(L, 2, NULL));
}

/* ----------------------------------------------------------------- setup -- */

void policy_series_setup(lua_State *L, struct policy_env *env)
{
	static const luaL_Reg series_methods[] = {
		{ "avg", l_series_avg }, { "min", l_series_min }, { "max", l_series_max },
		{ "sum", l_series_sum }, { "count", l_series_count }, { "rate", l_series_rate },
		{ "pct", l_series_pct }, { "last", l_series_last }, { "age", l_series_age },
		{ NULL, NULL },
	};

	/* Series view metatable, the same way. */
	lua_newtable(L);
	lua_pushboolean(L, 0);
	lua_setfield(L, -2, "__metatable");
	lua_newtable(L);
	lua_pushlightuserdata(L, env);
	luaL_setfuncs(L, series_methods, 1);
	lua_newtable(L);
	policy_closure(L, "__index", l_series_nomethod, env, 0);
	lua_setmetatable(L, -2);
	lua_setfield(L, -2, "__index");
	policy_closure(L, "__newindex", l_series_newindex, env, 0);
	policy_closure(L, "__tostring", l_series_tostring, env, 0);
	lua_pushliteral(L, "series view");
	lua_setfield(L, -2, "__name");
	lua_rawsetp(L, LUA_REGISTRYINDEX, &series_mt_key);

	/* The shared `s`: a userdata over the cache of views, with a first
	 * word that is no view's mark (policy_testview reads it). */
	*(uint32_t *)lua_newuserdatauv(L, POLICY_UDATA_MIN, 0) = 0;
	lua_newtable(L);
	lua_pushboolean(L, 0);
	lua_setfield(L, -2, "__metatable");
	lua_newtable(L);                  /* the cache of views */
	lua_newtable(L);                  /* its metatable: misses go to C */
	policy_closure(L, "__index", l_s_miss, env, 0);
	lua_setmetatable(L, -2);
	lua_setfield(L, -2, "__index");
	policy_closure(L, "__newindex", l_s_newindex, env, 0);
	lua_pushliteral(L, "series");
	lua_setfield(L, -2, "__name");
	lua_setmetatable(L, -2);
	env->s_ref = luaL_ref(L, LUA_REGISTRYINDEX); /* an integer key: the cheapest get */
}
