/*
 * policy_native.c - finding and running a group's compiled library
 * policies (see policy_native.h): one entry per (group, policy id), made
 * at the group's first call of that policy, kept for the group's life
 * with the rule's state for that group.
 */
#include <stdbool.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "alloc.h"
#include "policy_native.h"
#include "policy_native_int.h"

/* The compiled kinds, by `native.kind`. */
static const struct policy_native_kind *const native_kinds[] = {
	&policy_queue_kind,
	&policy_percent_kind,
	&policy_spot_failover_kind,
};

struct policy_native {
	lua_Integer id;
	const struct policy_native_kind *kind;
	void *rule; /* NULL: declined, the Lua evaluate runs */
};

struct native_build {
	struct policy_env *env;
	const struct policy_native_kind *kind;
	void *rule;
	bool retry;
};

/* Under lua_pcall: (params, build) -> build->rule etc. Raw reads only, so
 * no script runs here, outside the sandbox's deadline. */
static int native_build(lua_State *L)
{
	struct native_build *b = lua_touserdata(L, 2);

	lua_pushliteral(L, "kind");
	if (lua_rawget(L, 1) != LUA_TSTRING)
		return 0;
	for (size_t i = 0; i < sizeof(native_kinds) / sizeof(native_kinds[0]); i++)
		if (strcmp(lua_tostring(L, -1), native_kinds[i]->name) == 0) {
			b->kind = native_kinds[i];
			b->rule = b->kind->build(L, 1, b->env, &b->retry);
			break;
		}
	return 0;
}

static void native_free(const struct policy_native_kind *kind, void *rule)
{
	if (kind && rule)
		kind->free(rule);
}

static struct policy_native *native_find(struct policy_group *g, lua_Integer id)
{
	for (int i = 0; i < g->n_natives; i++)
		if (g->natives[i].id == id)
			return &g->natives[i];
	return NULL;
}

/* The params table at the top: build g's entry for id, or NULL (for this
 * tick only when a series is not there yet, or memory ran out). */
static struct policy_native *native_add(lua_State *L, struct policy_env *env,
					struct policy_group *g, lua_Integer id)
{
	struct native_build b = { .env = env };
	struct policy_native *n;
	int rc;

	lua_pushcfunction(L, native_build);
	lua_pushvalue(L, -2);
	lua_pushlightuserdata(L, &b);
	rc = lua_pcall(L, 2, 0, 0);
	if (rc != LUA_OK) {
		lua_pop(L, 1);
		native_free(b.kind, b.rule);
		return NULL;
	}
	if (b.retry)
		return NULL;
	n = alloc_resize(g->natives, (size_t)(g->n_natives + 1) * sizeof(*n));
	if (!n) {
		native_free(b.kind, b.rule);
		return NULL;
	}
	g->natives = n;
	n = &g->natives[g->n_natives++];
	n->id = id;
	n->kind = b.kind;
	n->rule = b.rule; /* NULL where declined: not asked again */
	return n;
}

/* The entry for the policy table at the top, read from the table (its
 * `native` field and that one's id); NULL: none (for now). */
static struct policy_native *native_lookup(lua_State *L, struct policy_env *env,
					   struct policy_group *g)
{
	struct policy_native *n;
	lua_Integer id = 0;
	int isint = 0;

	lua_rawgeti(L, LUA_REGISTRYINDEX, env->native_ref);
	if (lua_rawget(L, -2) != LUA_TTABLE) {
		lua_pop(L, 1);
		return NULL;
	}
	lua_rawgeti(L, LUA_REGISTRYINDEX, env->id_ref);
	if (lua_rawget(L, -2) == LUA_TNUMBER) /* not "7" */
		id = lua_tointegerx(L, -1, &isint);
	lua_pop(L, 1);
	n = isint ? native_find(g, id) : NULL;
	if (isint && !n)
		n = native_add(L, env, g, id);
	lua_pop(L, 1); /* the params */
	return n;
}

/* g's entry for the policy table at the top, held by fn_ref: from the
 * memo when the table is the one memoed (the fields are read at the
 * group's first call of a table, as engine_args is: policy_api.h). */
static struct policy_native *native_of(lua_State *L, struct policy_env *env,
				       struct policy_group *g, int fn_ref)
{
	const void *table = lua_topointer(L, -1);
	struct policy_native *n;
	int i;

	for (i = 0; i < POLICY_ARGS_MEMO; i++)
		if (g->native_memo[i].ref == fn_ref && g->native_memo[i].table == table)
			return g->native_memo[i].idx > 0 ? &g->natives[g->native_memo[i].idx - 1]
							  : NULL;
	lua_rawgeti(L, LUA_REGISTRYINDEX, env->native_ref);
	i = lua_rawget(L, -2);
	lua_pop(L, 1);
	n = i == LUA_TTABLE ? native_lookup(L, env, g) : NULL;
	if (i == LUA_TTABLE && !n)
		return NULL; /* not built yet (a series to come): ask again */
	for (i = POLICY_ARGS_MEMO - 1; i > 0; i--) /* the oldest goes */
		g->native_memo[i] = g->native_memo[i - 1];
	g->native_memo[0].ref = fn_ref;
	g->native_memo[0].table = table;
	g->native_memo[0].idx = n ? (int)(n - g->natives) + 1 : -1;
	return n;
}

int policy_native_try(lua_State *L, struct policy_env *env, struct policy_group *g,
		      int fn_ref, struct scaled_proposal *out)
{
	struct policy_native *n = native_of(L, env, g, fn_ref);

	if (!n || !n->rule)
		return 0;
	env->read_stale = env->read_missing = false;
	if (n->kind->run(n->rule, env, g, out) < 0)
		return 0;
	out->stale = env->read_stale;
	out->missing = env->read_missing;
	return 1;
}

void policy_group_release(struct policy_group *g)
{
	policy_group_set_error(g, NULL);
	for (int i = 0; i < g->n_natives; i++)
		native_free(g->natives[i].kind, g->natives[i].rule);
	alloc_free(g->natives);
	g->natives = NULL;
	g->n_natives = 0;
}
