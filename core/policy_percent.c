/*
 * policy_percent.c - policy.percent's every-tick path in C
 * (policies/policy/percent.lua is the reference, docs/policies/percent.md
 * the spec; policy_native.h says how the two are kept one): the statistic
 * over each of the last `periods` periods, a hold with "no data" when one
 * is missing, and a hold with "... no alarm" while no period crosses a
 * threshold. A tick where one does goes to the Lua evaluate (declined here
 * before anything changed): the alarms and their state are Lua's alone,
 * and the Lua evaluate reaches them only on such ticks.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "alloc.h"
#include "policy_int.h"
#include "policy_native_int.h"
#include "policy_text.h"
#include "series.h"

/* The texts percent.lua makes once. */
enum percent_text { PT_NO_DATA, PT_QUIET_HEAD, PT_QUIET_TAIL, PT_N };

static const char *const percent_text_keys[PT_N] = { "no_data", "quiet_head", "quiet_tail" };

#define PERCENT_MAX_PERIODS 64

struct policy_percent {
	struct series *s;
	int stat;          /* enum series_stat */
	double pct;        /* for SERIES_PCT */
	bool counts;       /* count: 0 is no data */
	int periods;
	int64_t period_ms; /* the window, and the step back of each period */
	int64_t ago_ms[PERCENT_MAX_PERIODS]; /* [k]: k periods back */
	bool has_out, has_in;
	double out_at, in_at;
	char *text[PT_N];
	size_t text_len[PT_N];
};

static int percent_raw(lua_State *L, int idx, const char *key)
{
	lua_pushstring(L, key);
	return lua_rawget(L, idx);
}

/* params[key], a finite number; *present false when nil. */
static bool percent_number(lua_State *L, int idx, const char *key, double *out, bool *present)
{
	int t = percent_raw(L, idx, key);
	bool ok = t == LUA_TNUMBER || (present && t == LUA_TNIL);

	*out = t == LUA_TNUMBER ? lua_tonumber(L, -1) : 0;
	if (present)
		*present = t == LUA_TNUMBER;
	lua_pop(L, 1);
	return ok && isfinite(*out);
}

/* Seconds as a view's statistic takes them (policy_series.c): whole
 * seconds exactly, else rounded to ms; false where the view would raise
 * an error (the Lua evaluate then raises it). */
static bool percent_ms(double sec, bool allow_zero, int64_t *ms)
{
	if (!(sec >= 0 && sec < 1e12))
		return false;
	*ms = sec == floor(sec) ? (int64_t)sec * 1000 : (int64_t)(sec * 1000.0 + 0.5);
	return allow_zero || *ms > 0;
}

static void percent_free(void *rule)
{
	struct policy_percent *p = rule;

	if (!p)
		return;
	for (int i = 0; i < PT_N; i++)
		alloc_free(p->text[i]);
	alloc_free(p);
}

static void *percent_build(lua_State *L, int idx, struct policy_env *env, bool *retry)
{
	struct policy_percent *p = alloc_zero(1, sizeof(*p));
	const char *name;
	double psec, periods;
	bool given;
	size_t len;
	int i;

	*retry = false;
	if (!p)
		return NULL;
	if (percent_raw(L, idx, "stat") != LUA_TSTRING) {
		lua_pop(L, 1);
		goto no;
	}
	p->stat = series_stat_parse(lua_tostring(L, -1));
	p->counts = p->stat == SERIES_COUNT;
	lua_pop(L, 1);
	if (!percent_number(L, idx, "pct", &p->pct, &given))
		goto no;
	if (given) { /* "p95": the percentile's number */
		if (!(p->pct >= 0 && p->pct <= 100))
			goto no;
		p->stat = SERIES_PCT;
		p->counts = false;
	} else if (p->stat < 0 || p->stat == SERIES_PCT) {
		goto no;
	}
	if (!percent_number(L, idx, "period", &psec, NULL) || !percent_ms(psec, false, &p->period_ms))
		goto no;
	if (!percent_number(L, idx, "periods", &periods, NULL) || periods != floor(periods) ||
	    periods < 1 || periods > PERCENT_MAX_PERIODS)
		goto no;
	p->periods = (int)periods;
	for (i = 1; i < p->periods; i++) /* k * psec, as the Lua multiplies it */
		if (!percent_ms((double)i * psec, true, &p->ago_ms[i]))
			goto no;
	if (!percent_number(L, idx, "out_at", &p->out_at, &p->has_out) ||
	    !percent_number(L, idx, "in_at", &p->in_at, &p->has_in) || (!p->has_out && !p->has_in))
		goto no;
	for (i = 0; i < PT_N; i++) {
		const char *s = percent_raw(L, idx, percent_text_keys[i]) == LUA_TSTRING
					? lua_tolstring(L, -1, &len) : NULL;

		if (!s || !(p->text[i] = alloc_strndup(s, len))) {
			lua_pop(L, 1);
			goto no;
		}
		p->text_len[i] = len;
		lua_pop(L, 1);
	}
	if (percent_raw(L, idx, "series") != LUA_TSTRING) {
		lua_pop(L, 1);
		goto no;
	}
	name = lua_tostring(L, -1);
	p->s = env->store ? series_find(env->store, name) : NULL;
	lua_pop(L, 1);
	if (!p->s) {
		*retry = true; /* the Lua evaluate says so; the next tick looks again */
		goto no;
	}
	return p;
no:
	percent_free(p);
	return NULL;
}

/* One period's statistic, k periods back: 0 with *v, 1 for no data (nil,
 * or a count of 0), -1 for an error (the Lua evaluate raises it). */
static int percent_read(const struct policy_percent *p, struct policy_env *env, int k, double *v)
{
	int rc = policy_series_read(env, p->s, p->stat, p->pct, p->period_ms,
				    k ? p->ago_ms[k] : 0, v);

	if (p->counts) {
		if (rc != 0)
			*v = 0;
		return *v == 0;
	}
	return rc == 0 ? 0 : rc == -ENODATA ? 1 : -1;
}

static int percent_hold(const struct policy_percent *p, struct scaled_proposal *out,
			const double *x1)
{
	struct policy_text t;

	policy_text_init(&t, out->reason, SCALED_REASON_MAX - 1);
	if (!x1) {
		policy_text_add(&t, p->text[PT_NO_DATA], p->text_len[PT_NO_DATA]);
	} else {
		policy_text_add(&t, p->text[PT_QUIET_HEAD], p->text_len[PT_QUIET_HEAD]);
		policy_text_add_num(&t, *x1);
		policy_text_add(&t, p->text[PT_QUIET_TAIL], p->text_len[PT_QUIET_TAIL]);
	}
	policy_text_end(&t);
	out->kind = SCALED_PROPOSAL_HOLD;
	out->value = 0;
	return 0;
}

static int percent_run(void *rule, struct policy_env *env, const struct policy_group *g,
		       struct scaled_proposal *out)
{
	const struct policy_percent *p = rule;
	double x1, x, lo, hi;
	bool missing;
	int rc, k;

	(void)g;
	rc = percent_read(p, env, 0, &x1);
	if (rc < 0)
		return -1;
	missing = rc > 0;
	lo = hi = x1;
	for (k = 1; k < p->periods; k++) {
		rc = percent_read(p, env, k, &x);
		if (rc < 0)
			return -1;
		if (rc > 0) {
			missing = true;
		} else if (!missing) {
			if (x < lo)
				lo = x;
			if (x > hi)
				hi = x;
		}
	}
	if (missing)
		return percent_hold(p, out, NULL);
	if (!(p->has_out && lo >= p->out_at) && !(p->has_in && hi <= p->in_at))
		return percent_hold(p, out, &x1);
	return -1; /* an alarm may fire: the Lua evaluate and its alarms */
}

const struct policy_native_kind policy_percent_kind = {
	.name = "percent", .build = percent_build, .run = percent_run, .free = percent_free,
};
