/*
 * policy_spot_failover.c - policy.spot_failover's rule in C
 * (policies/policy/spot_failover.lua is the reference and
 * docs/policies/spot_failover.md the spec; policy_native.h says how the two
 * are kept one): a group's mix goes to on-demand once the cheapest spot
 * price has been at or above on-demand for leave_after, and back to spot
 * once it has been below on-demand less the margin for return_after.
 * Interruption warnings (events) are the Lua evaluate's only: a policy
 * with `interruptions` is not compiled.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "alloc.h"
#include "policy_int.h"
#include "policy_native_int.h"
#include "policy_text.h"
#include "series.h"

/* As spot_failover.lua has them: float noise in od x (1 - margin), and
 * half of the clock's millisecond. */
#define SF_EPS 1e-9
#define SF_TICK 0.0005

/* More pools than this is no farm's: refused, the Lua evaluate runs. */
#define SF_POOLS_MAX 64

/* g:mix's ranges (policy_api.c) */
#define SF_BASE_MAX 1000000
#define SF_PERCENT_MAX 100

struct sf_mix {
	int base, percent;
};

struct sf_pool {
	struct series *s;
	char *name;
	size_t len;
};

struct policy_spot_failover {
	struct sf_pool pool[SF_POOLS_MAX];
	int n_pools;
	struct series *od_series; /* NULL: od_price */
	double od_price, leave_after, return_after, margin;
	int64_t window_ms;
	struct sf_mix od_mix, spot_mix;
	bool has_spot_mix;
	char *what, *pct_text;
	size_t what_len, pct_len;
	/* the group's runs (st.leave_since, st.back_since), and its mix from
	 * before it left spot (st.before) */
	bool has_leave, has_back, has_before;
	double leave_since, back_since;
	struct sf_mix before;
};

/* params[key] without metamethods; pushes it, returns its type. */
static int sf_raw(lua_State *L, int idx, const char *key)
{
	lua_pushstring(L, key);
	return lua_rawget(L, idx);
}

static bool sf_number(lua_State *L, int idx, const char *key, double *out)
{
	bool ok = sf_raw(L, idx, key) == LUA_TNUMBER;

	*out = ok ? lua_tonumber(L, -1) : 0;
	lua_pop(L, 1);
	return ok && isfinite(*out);
}

/* An integer in [0, max]; absent: *present false (when allowed). */
static bool sf_int(lua_State *L, int idx, const char *key, int max, bool *present, int *out)
{
	int t = sf_raw(L, idx, key), isint = 0;
	lua_Integer v = t == LUA_TNUMBER ? lua_tointegerx(L, -1, &isint) : 0;

	lua_pop(L, 1);
	*out = isint && v >= 0 && v <= max ? (int)v : -1;
	if (present)
		*present = t != LUA_TNIL;
	return t == LUA_TNIL ? present != NULL : *out >= 0;
}

/* A string field, copied; false for anything else. */
static bool sf_string(lua_State *L, int idx, const char *key, char **out, size_t *len)
{
	bool ok = sf_raw(L, idx, key) == LUA_TSTRING;
	const char *s = ok ? lua_tolstring(L, -1, len) : NULL;

	*out = s ? alloc_strndup(s, *len) : NULL;
	lua_pop(L, 1);
	return *out != NULL;
}

/* The window as v:last(window) takes it (policy_series.c): whole seconds
 * exactly, else rounded to ms; what the view would refuse is refused. */
static bool sf_window(lua_State *L, int idx, int64_t *ms)
{
	int whole = 0;
	bool ok = sf_raw(L, idx, "window") == LUA_TNUMBER;

	*ms = 0;
	if (ok) {
		lua_Integer isec = lua_tointegerx(L, -1, &whole);
		double sec = lua_tonumber(L, -1);

		if (whole)
			ok = isec > 0 && isec < 1000000000000;
		else
			ok = sec >= 0 && sec < 1e12;
		if (ok)
			*ms = whole ? (int64_t)isec * 1000 : (int64_t)(sec * 1000.0 + 0.5);
		ok = ok && *ms > 0;
	}
	lua_pop(L, 1);
	return ok;
}

/* The series a name (at the top) gives; *retry when it is a name but no
 * series yet. Pops the name. */
static struct series *sf_series(lua_State *L, struct policy_env *env, char **name,
				size_t *len, bool *retry)
{
	const char *n = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, len) : NULL;
	struct series *s = n && env->store ? series_find(env->store, n) : NULL;

	if (n && !s)
		*retry = true;
	if (s && name && !(*name = alloc_strndup(n, *len)))
		s = NULL;
	lua_pop(L, 1);
	return s;
}

/* pools: a list of 1 to SF_POOLS_MAX series names (raw reads to the
 * first nil). */
static bool sf_pools(lua_State *L, int idx, struct policy_env *env,
		     struct policy_spot_failover *f, bool *retry)
{
	int top = lua_gettop(L);
	bool ok = sf_raw(L, idx, "pools") == LUA_TTABLE;

	while (ok && lua_rawgeti(L, -1, f->n_pools + 1) != LUA_TNIL) {
		struct sf_pool *p = &f->pool[f->n_pools];

		ok = f->n_pools < SF_POOLS_MAX &&
		     (p->s = sf_series(L, env, &p->name, &p->len, retry)) != NULL;
		if (ok)
			f->n_pools++;
	}
	lua_settop(L, top);
	return ok && f->n_pools > 0;
}

/* od_price: a price above 0; an integer one the Lua compares exactly, so
 * a double must hold it exactly too. */
static bool sf_price(lua_State *L, int idx, double *out)
{
	bool ok = sf_raw(L, idx, "od_price") == LUA_TNUMBER;
	bool big = ok && lua_isinteger(L, -1) && lua_tointeger(L, -1) > ((lua_Integer)1 << 53);

	*out = ok ? lua_tonumber(L, -1) : 0;
	lua_pop(L, 1);
	return ok && !big && *out > 0 && isfinite(*out);
}

static void policy_spot_failover_free(void *rule)
{
	struct policy_spot_failover *f = rule;

	if (!f)
		return;
	for (int i = 0; i < f->n_pools; i++)
		alloc_free(f->pool[i].name);
	alloc_free(f->what);
	alloc_free(f->pct_text);
	alloc_free(f);
}

static void *policy_spot_failover_build(lua_State *L, int idx, struct policy_env *env,
					bool *retry)
{
	struct policy_spot_failover *f = alloc_zero(1, sizeof(*f));
	bool spot_base, spot_percent;
	int t;

	*retry = false;
	if (!f)
		return NULL;
	/* warnings are events: the Lua evaluate keeps them */
	t = sf_raw(L, idx, "interruptions");
	lua_pop(L, 1);
	if (t != LUA_TNIL)
		goto no;
	if (!sf_window(L, idx, &f->window_ms) ||
	    !sf_number(L, idx, "leave_after", &f->leave_after) || !(f->leave_after > 0) ||
	    !sf_number(L, idx, "return_after", &f->return_after) || !(f->return_after > 0) ||
	    !sf_number(L, idx, "margin", &f->margin) || !(f->margin >= 0 && f->margin < 1) ||
	    !sf_int(L, idx, "od_base", SF_BASE_MAX, NULL, &f->od_mix.base) ||
	    !sf_int(L, idx, "od_percent", SF_PERCENT_MAX, NULL, &f->od_mix.percent) ||
	    !sf_int(L, idx, "spot_base", SF_BASE_MAX, &spot_base, &f->spot_mix.base) ||
	    !sf_int(L, idx, "spot_percent", SF_PERCENT_MAX, &spot_percent,
		    &f->spot_mix.percent) || spot_base != spot_percent ||
	    !sf_string(L, idx, "what", &f->what, &f->what_len) ||
	    !sf_string(L, idx, "pct_text", &f->pct_text, &f->pct_len))
		goto no;
	f->has_spot_mix = spot_base;
	/* od first: the Lua evaluate reads it first */
	if (sf_raw(L, idx, "od_series") != LUA_TNIL) {
		size_t len;

		if (!(f->od_series = sf_series(L, env, NULL, &len, retry)))
			goto no;
	} else {
		lua_pop(L, 1);
		if (!sf_price(L, idx, &f->od_price))
			goto no;
	}
	if (!sf_pools(L, idx, env, f, retry))
		goto no;
	return f;
no:
	policy_spot_failover_free(f);
	return NULL;
}

/* A price's newest sample in the window: 0 with *v, 1 for none (nil), -1
 * for an error (the Lua evaluate raises it). */
static int sf_read(const struct policy_spot_failover *f, struct policy_env *env,
		   struct series *s, double *v)
{
	int rc = policy_series_read(env, s, SERIES_LAST, 0, f->window_ms, 0, v);

	return rc == 0 ? 0 : rc == -ENODATA ? 1 : -1;
}

/* price(x): "%.6f" with its trailing zeros, then its point, cut, as the
 * Lua's gsub("%.?0+$", "") cuts them. */
static void sf_add_price(struct policy_text *t, double x)
{
	char buf[512];
	int n = snprintf(buf, sizeof buf, "%.6f", x);
	size_t len = n > 0 ? (size_t)n : 0, end = len;

	if (len >= sizeof buf)
		len = end = sizeof buf - 1;
	while (end > 0 && buf[end - 1] == '0')
		end--;
	if (end < len && end > 0 && buf[end - 1] == '.')
		end--;
	if (end == 0) {
		buf[0] = '0';
		end = 1;
	}
	policy_text_add(t, buf, end);
}

/* Lua's float // and % (floor division, the remainder with the divisor's
 * sign). */
static double sf_idiv(double a, double b)
{
	return floor(a / b);
}

static double sf_mod(double a, double b)
{
	double m = fmod(a, b);

	if ((m > 0) ? b < 0 : (m < 0 && b != m))
		m += b;
	return m;
}

/* held(sec): how long a run held, as scaled writes durations: 5m, 15m,
 * 5m30s. */
static void sf_add_held(struct policy_text *t, double sec)
{
	double whole, h, m, s;
	size_t start = t->len;

	sec = floor(sec * 1000 + 0.5) / 1000;
	whole = floor(sec);
	h = sf_idiv(whole, 3600);
	m = sf_idiv(sf_mod(whole, 3600), 60);
	s = sf_mod(whole, 60) + (sec - whole);
	if (h > 0) {
		policy_text_add_int(t, (long long)h);
		policy_text_add(t, "h", 1);
	}
	if (m > 0) {
		policy_text_add_int(t, (long long)m);
		policy_text_add(t, "m", 1);
	}
	if (s > 0 || t->len == start) {
		policy_text_add_num(t, s);
		policy_text_add(t, "s", 1);
	}
}

/* at_least: is mix a as much on-demand as b or more? Percent first, then
 * base (the pipeline's tie order). */
static bool sf_at_least(int a_pct, int a_base, struct sf_mix b)
{
	if (a_pct != b.percent)
		return a_pct > b.percent;
	return a_base >= b.base;
}

/* on_demand_side: the group's mix at or above od_mix; an unknown percent
 * counts as AWS's 100%, an unknown base as 0. */
static bool sf_on_demand(const struct policy_spot_failover *f, const struct policy_group *g)
{
	int base = 0;

	if (g->mix_percent >= 0 && g->mix_percent == f->od_mix.percent)
		base = g->mix_base >= 0 ? g->mix_base : 0;
	return sf_at_least(g->mix_percent >= 0 ? g->mix_percent : 100, base, f->od_mix);
}

/* `return nil`: what policy_api_result leaves. */
static int sf_abstain(struct scaled_proposal *out)
{
	policy_api_no_proposal(out);
	return 0;
}

/* g:mix(to, reason) alone: a mix, no count; the reason was written in
 * place (t over out->mix_reason). */
static int sf_mix(struct scaled_proposal *out, struct sf_mix to, struct policy_text *t)
{
	out->kind = SCALED_PROPOSAL_NONE;
	out->value = 0;
	out->reason[0] = '\0';
	out->mix = 1;
	out->mix_base = to.base;
	out->mix_percent = to.percent;
	policy_text_end(t);
	return 0;
}

/* "spot 0.9 (pool) " */
static void sf_head(struct policy_text *t, const struct policy_spot_failover *f,
		    double cheap, const struct sf_pool *pool)
{
	policy_text_add(t, f->what, f->what_len);
	policy_text_add(t, " ", 1);
	sf_add_price(t, cheap);
	policy_text_add(t, " (", 2);
	policy_text_add(t, pool->name, pool->len);
	policy_text_add(t, ") ", 2);
}

static int policy_spot_failover_run(void *rule, struct policy_env *env,
				    const struct policy_group *g, struct scaled_proposal *out)
{
	struct policy_spot_failover *f = rule;
	double now = (double)env->now_ms / 1000.0, od = f->od_price, cheap = 0, x;
	const struct sf_pool *pool = NULL;
	bool priced = true, leave_due, back_due, on_od;
	struct policy_text t;
	int rc;

	/* g:mix raises these, after the Lua's state moved: a target with no
	 * mix is the group's for its life (engine_build.c), so the Lua
	 * evaluate runs for it every tick; a mix out of g:mix's range is
	 * none the engine keeps */
	if (!g->markets || g->mix_base > SF_BASE_MAX || g->mix_percent > SF_PERCENT_MAX)
		return -1;
	/* every price, or abstain, read in the Lua's order: od first, then
	 * each pool to the first missing */
	if (f->od_series) {
		rc = sf_read(f, env, f->od_series, &od);
		if (rc < 0)
			return -1;
		priced = rc == 0;
	}
	for (int i = 0; i < f->n_pools; i++) {
		rc = sf_read(f, env, f->pool[i].s, &x);
		if (rc < 0)
			return -1;
		if (rc > 0) {
			priced = false;
			break;
		}
		if (!pool || x < cheap) {
			cheap = x;
			pool = &f->pool[i];
		}
	}
	if (!priced) {
		f->has_leave = f->has_back = false;
		return sf_abstain(out);
	}
	if (cheap >= od) {
		if (!f->has_leave) {
			f->has_leave = true;
			f->leave_since = now;
		}
	} else {
		f->has_leave = false;
	}
	if (cheap < od * (1 - f->margin) - SF_EPS * od) {
		if (!f->has_back) {
			f->has_back = true;
			f->back_since = now;
		}
	} else {
		f->has_back = false;
	}
	/* the group's side only when a run is long enough to switch */
	leave_due = f->has_leave && now - f->leave_since >= f->leave_after - SF_TICK;
	back_due = f->has_back && now - f->back_since >= f->return_after - SF_TICK;
	if (!leave_due && !back_due)
		return sf_abstain(out);
	on_od = sf_on_demand(f, g);
	/* the reason, straight where the proposal keeps it */
	policy_text_init(&t, out->mix_reason, SCALED_REASON_MAX - 1);
	if (!on_od && leave_due) {
		if (g->mix_percent >= 0) {
			f->has_before = true;
			f->before.base = g->mix_base >= 0 ? g->mix_base : 0;
			f->before.percent = g->mix_percent;
		}
		sf_head(&t, f, cheap, pool);
		policy_text_add(&t, ">= on-demand ", 13);
		sf_add_price(&t, od);
		policy_text_add(&t, " for ", 5);
		sf_add_held(&t, now - f->leave_since);
		policy_text_add(&t, ": to on-demand", 14);
		return sf_mix(out, f->od_mix, &t);
	}
	if (on_od && back_due) {
		struct sf_mix to = f->has_spot_mix ? f->spot_mix
				   : f->has_before ? f->before : (struct sf_mix){ 0, 0 };

		sf_head(&t, f, cheap, pool);
		policy_text_add(&t, "< ", 2);
		sf_add_price(&t, od * (1 - f->margin));
		policy_text_add(&t, " (on-demand ", 12);
		sf_add_price(&t, od);
		policy_text_add(&t, " less ", 6);
		policy_text_add(&t, f->pct_text, f->pct_len);
		policy_text_add(&t, ") for ", 6);
		sf_add_held(&t, now - f->back_since);
		policy_text_add(&t, ": back to spot", 14);
		return sf_mix(out, to, &t);
	}
	return sf_abstain(out);
}

const struct policy_native_kind policy_spot_failover_kind = {
	.name = "spot_failover", .build = policy_spot_failover_build,
	.run = policy_spot_failover_run, .free = policy_spot_failover_free,
};
