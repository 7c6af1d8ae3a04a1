/*
 * policy_queue.c - policy.queue's rule in C (policies/policy/queue.lua is
 * the reference and docs/policies/queue.md the spec; policy_native.h says
 * how the two are kept one): desired = ceil((backlog + in_flight) / jobs
 * per worker), the activation threshold from 0, one worker kept until the
 * queue has been empty for `idle`. Its texts come made from the Lua side,
 * so only the numbers are written here, as U.num writes them.
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

/* The texts queue.lua makes once around the numbers. */
enum queue_text {
	QT_NO_BACKLOG,   /* "no data in series 'jobs'" */
	QT_NO_IN_FLIGHT,
	QT_BHEAD,        /* "jobs last " */
	QT_FHEAD,        /* " + running last " */
	QT_STAY,         /* ", not above activation 0: stay at 0" */
	QT_FROM_ZERO,    /* " > activation 0" */
	QT_PER,          /* ", 20 per worker: " */
	QT_IDLE_ZERO,    /* "s (idle 5m): 0" */
	QT_IDLE_KEEP,    /* "s (idle 5m): keep 1" */
	QT_N
};

static const char *const queue_text_keys[QT_N] = {
	"no_backlog", "no_in_flight", "bhead", "fhead", "stay", "from_zero", "per_text",
	"idle_zero", "idle_keep",
};

struct series_read {
	struct series *s;
	int stat;          /* enum series_stat */
	double pct;        /* for SERIES_PCT */
	int64_t window_ms; /* 0: none given */
};

struct policy_queue {
	struct series_read backlog, in_flight; /* in_flight.s NULL: none */
	double per, activation, idle;
	char *text[QT_N];
	size_t text_len[QT_N];
	/* when this group first saw the queue empty; false once jobs are back */
	bool has_since;
	double since;
	/* the reason's head for the last backlog and in-flight read (a
	 * series gets a sample every few ticks): "jobs last 7 jobs" */
	bool seen_ok;
	double seen_b, seen_f;
	size_t seen_len;
	char seen[SCALED_REASON_MAX];
};

/* params[key] without metamethods; pushes it, returns its type. */
static int queue_raw(lua_State *L, int idx, const char *key)
{
	lua_pushstring(L, key);
	return lua_rawget(L, idx);
}

static bool queue_number(lua_State *L, int idx, const char *key, double *out)
{
	bool ok = queue_raw(L, idx, key) == LUA_TNUMBER;

	*out = ok ? lua_tonumber(L, -1) : 0;
	lua_pop(L, 1);
	return ok && isfinite(*out);
}

/* A window in seconds as a view's statistic takes it (policy_series.c):
 * whole seconds exactly, else rounded to ms; anything the view would
 * refuse is refused here, and the Lua evaluate raises the error. */
static bool queue_window(lua_State *L, int idx, int64_t *ms)
{
	int t = queue_raw(L, idx, "window"), whole = 0;
	bool ok = true;

	*ms = 0;
	if (t == LUA_TNUMBER) {
		lua_Integer isec = lua_tointegerx(L, -1, &whole);
		double sec = lua_tonumber(L, -1);

		if (whole)
			ok = isec > 0 && isec < 1000000000000;
		else
			ok = sec >= 0 && sec < 1e12;
		if (ok)
			*ms = whole ? (int64_t)isec * 1000 : (int64_t)(sec * 1000.0 + 0.5);
		ok = ok && *ms > 0;
	} else if (t != LUA_TNIL) {
		ok = false;
	}
	lua_pop(L, 1);
	return ok;
}

/* The read of series `key` names; *retry when the name is no series yet. */
static bool queue_series(lua_State *L, int idx, struct policy_env *env, const char *key,
			 const struct series_read *like, struct series_read *out, bool *retry)
{
	const char *name;

	*out = *like;
	out->s = NULL;
	if (queue_raw(L, idx, key) == LUA_TNIL) {
		lua_pop(L, 1);
		return true; /* absent: no such read */
	}
	name = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
	out->s = name && env->store ? series_find(env->store, name) : NULL;
	lua_pop(L, 1);
	if (!out->s)
		*retry = name != NULL;
	return out->s != NULL;
}

static void policy_queue_free(void *rule)
{
	struct policy_queue *q = rule;

	if (!q)
		return;
	for (int i = 0; i < QT_N; i++)
		alloc_free(q->text[i]);
	alloc_free(q);
}

static void *policy_queue_build(lua_State *L, int idx, struct policy_env *env, bool *retry)
{
	struct policy_queue *q = alloc_zero(1, sizeof(*q));
	struct series_read how = { 0 };
	const char *stat;
	size_t len;
	int i;

	*retry = false;
	if (!q)
		return NULL;
	if (queue_raw(L, idx, "stat") != LUA_TSTRING)
		goto no;
	stat = lua_tostring(L, -1);
	how.stat = series_stat_parse(stat);
	lua_pop(L, 1);
	if (queue_number(L, idx, "pct", &how.pct)) {
		if (!(how.pct >= 0 && how.pct <= 100))
			goto no;
		how.stat = SERIES_PCT;
	} else if (how.stat < 0 || how.stat == SERIES_PCT) {
		goto no;
	}
	if (!queue_window(L, idx, &how.window_ms))
		goto no;
	if (!queue_number(L, idx, "per", &q->per) || !(q->per > 0) ||
	    !queue_number(L, idx, "activation", &q->activation) || !(q->activation >= 0) ||
	    !queue_number(L, idx, "idle", &q->idle) || !(q->idle > 0))
		goto no;
	for (i = 0; i < QT_N; i++) {
		int t = queue_raw(L, idx, queue_text_keys[i]);
		const char *s = t == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;

		if (s && !(q->text[i] = alloc_strndup(s, len))) {
			lua_pop(L, 1);
			goto no;
		}
		q->text_len[i] = s ? len : 0;
		lua_pop(L, 1);
		if (!s && t != LUA_TNIL)
			goto no;
	}
	if (!q->text[QT_NO_BACKLOG] || !q->text[QT_BHEAD] || !q->text[QT_STAY] ||
	    !q->text[QT_FROM_ZERO] || !q->text[QT_PER] || !q->text[QT_IDLE_ZERO] ||
	    !q->text[QT_IDLE_KEEP])
		goto no;
	/* backlog first: the Lua evaluate reads it first, and raises the
	 * error for the first series missing */
	if (!queue_series(L, idx, env, "backlog", &how, &q->backlog, retry) || !q->backlog.s)
		goto no;
	if (!queue_series(L, idx, env, "in_flight", &how, &q->in_flight, retry))
		goto no;
	if (q->in_flight.s && (!q->text[QT_NO_IN_FLIGHT] || !q->text[QT_FHEAD] ||
			       q->in_flight.s == q->backlog.s))
		goto no;
	return q;
no:
	policy_queue_free(q);
	return NULL;
}

/* What the view's statistic returns: 0 with *v, 1 for nil, -1 for an
 * error (the Lua evaluate raises it). count is 0, never nil. */
static int queue_read(const struct series_read *r, struct policy_env *env, double *v)
{
	int rc;

	if (r->stat == SERIES_LAST && r->window_ms == 0)
		rc = policy_series_newest(env, r->s, v);
	else
		rc = policy_series_read(env, r->s, r->stat, r->pct, r->window_ms, 0, v);
	if (r->stat == SERIES_COUNT) {
		if (rc != 0)
			*v = 0;
		return 0;
	}
	return rc == 0 ? 0 : rc == -ENODATA ? 1 : -1;
}

static void queue_add(struct policy_text *t, const struct policy_queue *q, enum queue_text k)
{
	policy_text_add(t, q->text[k], q->text_len[k]);
}

/* The reason was written in place (t over out->reason). */
static int queue_propose(struct scaled_proposal *out, enum scaled_proposal_kind kind,
			 double value, struct policy_text *t)
{
	out->kind = kind;
	out->value = value;
	policy_text_end(t);
	return 0;
}

static int policy_queue_run(void *rule, struct policy_env *env, const struct policy_group *g,
			    struct scaled_proposal *out)
{
	struct policy_queue *q = rule;
	struct policy_text t;
	double b, f = 0, jobs, now = (double)env->now_ms / 1000.0, want;
	long long n;
	int rc;

	/* the reason, straight where the proposal keeps it (a copy would
	 * read narrow stores back in wide loads) */
	policy_text_init(&t, out->reason, SCALED_REASON_MAX - 1);
	rc = queue_read(&q->backlog, env, &b);
	if (rc < 0)
		return -1;
	if (rc > 0) {
		queue_add(&t, q, QT_NO_BACKLOG);
		return queue_propose(out, SCALED_PROPOSAL_HOLD, 0, &t);
	}
	if (q->in_flight.s) {
		rc = queue_read(&q->in_flight, env, &f);
		if (rc < 0)
			return -1;
		if (rc > 0) {
			queue_add(&t, q, QT_NO_IN_FLIGHT);
			return queue_propose(out, SCALED_PROPOSAL_HOLD, 0, &t);
		}
	}
	jobs = b + f;
	if (isnan(jobs))
		return -1; /* the Lua evaluate fails on it, and says where */
	if (!q->seen_ok || q->seen_b != b || q->seen_f != f) {
		struct policy_text st, *s = &st;

		/* one byte over what a reason keeps: the cut is made at the end */
		policy_text_init(s, q->seen, sizeof q->seen);
		queue_add(s, q, QT_BHEAD);
		policy_text_add_num(s, b);
		if (q->in_flight.s) {
			queue_add(s, q, QT_FHEAD);
			policy_text_add_num(s, f);
			policy_text_add(s, " = ", 3);
			policy_text_add_num(s, jobs);
		}
		policy_text_add(s, " jobs", 5);
		q->seen_len = s->len;
		q->seen_ok = true;
		q->seen_b = b;
		q->seen_f = f;
	}
	policy_text_add(&t, q->seen, q->seen_len);
	if (jobs > 0) {
		q->has_since = false;
	} else if (!q->has_since) {
		q->has_since = true;
		q->since = now;
	}
	if (g->desired <= 0 && jobs <= q->activation) {
		queue_add(&t, q, QT_STAY);
		return queue_propose(out, SCALED_PROPOSAL_SET, 0, &t);
	}
	if (jobs <= 0) {
		double empty = now - q->since;
		bool gone = empty >= q->idle;

		policy_text_add(&t, ", empty for ", 12);
		policy_text_add_num(&t, empty);
		queue_add(&t, q, gone ? QT_IDLE_ZERO : QT_IDLE_KEEP);
		return queue_propose(out, SCALED_PROPOSAL_SET, gone ? 0 : 1, &t);
	}
	if (g->desired <= 0)
		queue_add(&t, q, QT_FROM_ZERO);
	queue_add(&t, q, QT_PER);
	/* the epsilon keeps 2.1 / 0.7 (= 3.0000000000000004) at 3 */
	want = jobs / q->per - 1e-9;
	if (want > 1e9) {
		n = 1000000000;
	} else {
		double w = floor(want);

		n = (long long)(w < want ? w + 1 : w);
	}
	if (n < 1)
		n = 1;
	policy_text_add_int(&t, n);
	return queue_propose(out, SCALED_PROPOSAL_SET, (double)n, &t);
}

const struct policy_native_kind policy_queue_kind = {
	.name = "queue", .build = policy_queue_build, .run = policy_queue_run,
	.free = policy_queue_free,
};
