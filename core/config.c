/*
 * config.c - farm.lua's declarations of plugins, sources and targets, and
 * running the farm file.
 *
 *   plugin "cpu"
 *   source "cpu"  { kind = "cpu", every = "10s" }
 *   target "pool" { kind = "procpool", command = "..." }
 *   group "workers" { target = "pool", min = 0, max = 8, policy = {...} }
 *   simulate { map = { asg = "capacity" }, on_demand = 0.42 }  (config_simulate.c)
 *
 * Each declaration is checked when it runs, so its errors carry the line
 * that made it: "farm.lua:12: source "cpu": unknown key "evry" (did you
 * mean "every"?)". Errors are Lua errors raised from the declaration
 * function; config_run turns them into the message the CLI prints. What a
 * declaration declares goes to the builder (config.h), which makes it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "alloc.h"
#include "config_int.h"
#include "config_limits.h"
#include "duration.h"
#include "log.h"
#include "sandbox.h"

/* ---------------------------------------------------------------- plugin -- */

static int l_plugin(lua_State *L)
{
	struct config *c = config_get(L, "plugin");
	char buf[CONFIG_ERR_MAX];
	char *err = NULL;
	const char *name;
	int rc;

	config_check_name(L, "plugin", 1);
	name = lua_tostring(L, 1);
	if (c->b->scan) { /* reading the simulate table only */
		lua_pushboolean(L, 1);
		return 1;
	}
	rc = c->b->plugin(c->b->arg, name, &err);
	snprintf(buf, sizeof buf, "%s", err ? err : strerror(-rc));
	alloc_free(err);
	if (rc == -ENOTSUP) {
		/* probe() said it cannot run here (DESIGN: log and skip). The
		 * farm learns it from the return value and can do without:
		 *   if plugin "infer" then target "gpu" { ... } end */
		LOG_WARN("plugin \"%s\": %s", name, buf);
		lua_pushboolean(L, 0);
		lua_pushstring(L, buf);
		return 2;
	}
	if (rc < 0)
		return luaL_error(L, "plugin \"%s\": %s", name, buf);
	lua_pushboolean(L, 1);
	return 1;
}

/* ------------------------------------------------------ source / target -- */

static const struct scaled_key config_source_keys[] = {
	{ "kind", SCALED_KEY_STRING, NULL, 1, "the kind of source (from a plugin)" },
	{ "every", SCALED_KEY_DURATION, "10s", 0, "how often to collect" },
	{ "stale", SCALED_KEY_DURATION, NULL, 0, "a series older than this is stale (default 3 x every)" },
};

static const struct scaled_key config_target_keys[] = {
	{ "kind", SCALED_KEY_STRING, NULL, 1, "the kind of target (from a plugin)" },
	{ "poll", SCALED_KEY_DURATION, "5s", 0, "how often to ask the target for its state" },
};

/* The core's keys follow the kind's: kind, every or poll, stale. */
enum { CONFIG_KEY_KIND, CONFIG_KEY_EVERY, CONFIG_KEY_STALE };

#define CONFIG_MAX_KEYS 64

/* Check every and stale of d; 0, or -EINVAL with the message in err. */
static int config_instance_times(const struct config_instance_decl *d, char *err, size_t errlen)
{
	char a[32], b[32];

	if (d->every_ms <= 0) {
		snprintf(err, errlen, "%s", d->role == SCALED_ROLE_SOURCE
			 ? "key \"every\" must be more than 0" : "key \"poll\" must be more than 0");
		return -EINVAL;
	}
	if (d->stale_ms < d->every_ms) {
		/* Its series would be stale between any two samples. */
		snprintf(err, errlen, "key \"stale\" (%s) must be at least \"every\" (%s)",
			 duration_format(d->stale_ms, a, sizeof a),
			 duration_format(d->every_ms, b, sizeof b));
		return -EINVAL;
	}
	return 0;
}

/* A kind map entry m for a declaration of kind `kind`: refused (m->kind
 * NULL), or its plugin loaded. 0, or -EINVAL with the reason in err. */
static int config_map_kind(lua_State *L, struct config *c, const struct scaled_kind_map *m,
			   const char *kind, char *err, size_t errlen)
{
	char *msg = NULL;
	int rc;

	(void)L;
	if (!m->kind) {
		snprintf(err, errlen, "kind \"%s\" has no mapping (%s)", kind,
			 m->keys && m->keys[0] ? m->keys[0] : "the kind map refuses it");
		return -EINVAL;
	}
	if (!m->plugin)
		return 0;
	rc = c->b->plugin(c->b->arg, m->plugin, &msg);
	if (rc < 0) {
		snprintf(err, errlen, "kind \"%s\" mapped to \"%s\": plugin \"%s\": %s", kind,
			 m->kind, m->plugin, msg ? msg : strerror(-rc));
		alloc_free(msg);
		return -EINVAL;
	}
	alloc_free(msg);
	return 0;
}

static int config_declare_instance(lua_State *L, enum scaled_role role)
{
	const char *what = role == SCALED_ROLE_SOURCE ? "source" : "target";
	struct config *c = config_get(L, what);
	const char *name = lua_tostring(L, lua_upvalueindex(2));
	const struct scaled_key *core_keys = role == SCALED_ROLE_SOURCE ? config_source_keys
									  : config_target_keys;
	size_t n_core = role == SCALED_ROLE_SOURCE ? 3 : 2;
	struct scaled_key keys[CONFIG_MAX_KEYS];
	struct scaled_value values[CONFIG_MAX_KEYS];
	const struct scaled_value *own;
	struct config_instance_decl d = { .name = name, .role = role };
	const struct scaled_kind_map *m = NULL;
	char err[CONFIG_ERR_MAX] = "";
	size_t n_kind = 0;
	const char *kind_name;
	int rc, tidx = 1;

	luaL_checktype(L, 1, LUA_TTABLE);
	if (c->b->scan)
		return 0;
	if (config_find(c, name, false))
		return config_fail(L, what, name, "a source or target of that name exists already");

	lua_getfield(L, 1, "kind");
	if (lua_type(L, -1) != LUA_TSTRING)
		return config_fail(L, what, name, "missing key \"kind\" (a string naming the kind)");
	kind_name = lua_tostring(L, -1);
	if (c->b->map && (m = c->b->map(c->b->arg, name, kind_name))) {
		if ((rc = config_map_kind(L, c, m, kind_name, err, sizeof err)) < 0)
			return config_fail(L, what, name, err);
		kind_name = m->kind;
	}
	d.kind = c->b->kind(c->b->arg, kind_name);
	if (!d.kind) {
		snprintf(err, sizeof err, "unknown kind \"%s\": no loaded plugin provides it "
			 "(load one first with plugin \"NAME\")", kind_name);
		return config_fail(L, what, name, err);
	}
	if (d.kind->role != role) {
		snprintf(err, sizeof err, "kind \"%s\" is a %s, not a %s", kind_name,
			 d.kind->role == SCALED_ROLE_SOURCE ? "source" : "target", what);
		return config_fail(L, what, name, err);
	}
	lua_pop(L, 1);

	for (; d.kind->keys && d.kind->keys[n_kind].name; n_kind++)
		if (n_kind + n_core >= CONFIG_MAX_KEYS)
			return config_fail(L, what, name, "the plugin declares too many keys");
	if (n_kind) /* a kind without keys has none to copy (memcpy of NULL is undefined) */
		memcpy(keys, d.kind->keys, n_kind * sizeof *keys);
	memcpy(keys + n_kind, core_keys, n_core * sizeof *keys);
	if (m) {
		/* The mapped kind's values: the map's, then the farm's. */
		if (config_map_table(L, 1, keys, n_kind + n_core, m, err, sizeof err) < 0)
			return config_fail(L, what, name, err);
		tidx = lua_gettop(L);
	}
	rc = config_values_read(L, tidx, keys, n_kind + n_core, values, err, sizeof err);
	if (m)
		lua_remove(L, tidx);
	/* ABI 1.1: the kind's limits (choices, bounds), before create(). */
	if (rc == 0 && (rc = config_limit_values(d.kind, values, err, sizeof err)) < 0)
		config_values_free(keys, n_kind + n_core, values);
	if (rc < 0)
		return config_fail(L, what, name, err);

	/* The kind's values go to the builder; the core's are read here. */
	own = values + n_kind;
	d.values = values;
	d.n_values = n_kind;
	d.line = config_line(L);
	d.every_ms = own[CONFIG_KEY_EVERY].u.ms;
	d.stale_ms = role == SCALED_ROLE_SOURCE && own[CONFIG_KEY_STALE].set
			     ? own[CONFIG_KEY_STALE].u.ms : 3 * d.every_ms;
	config_values_free(keys + n_kind, n_core, values + n_kind);
	if (!config_add_name(c, name, false, role)) {
		config_values_free(keys, n_kind, values);
		return luaL_error(L, "out of memory");
	}
	if (config_instance_times(&d, err, sizeof err) < 0) {
		config_values_free(keys, n_kind, values);
		return config_fail(L, what, name, err);
	}
	err[0] = '\0';
	rc = c->b->instance(c->b->arg, &d, err, sizeof err);
	err[sizeof err - 1] = '\0';
	if (rc < 0)
		return *err ? config_fail(L, what, name, err) : luaL_error(L, "out of memory");
	return 0;
}

static int l_source_body(lua_State *L)
{
	return config_declare_instance(L, SCALED_ROLE_SOURCE);
}

static int l_target_body(lua_State *L)
{
	return config_declare_instance(L, SCALED_ROLE_TARGET);
}

static int l_source(lua_State *L)
{
	return config_curry(L, "source", l_source_body);
}

static int l_target(lua_State *L)
{
	return config_curry(L, "target", l_target_body);
}

/* ------------------------------------------------------------------- run -- */

int config_run(struct sandbox *sb, const struct config_builder *b, const char *chunkname,
	       int64_t deadline_ms, char **errmsg)
{
	static const luaL_Reg decls[] = {
		{ "plugin", l_plugin },
		{ "source", l_source },
		{ "target", l_target },
		{ "group", config_group_declare },
		{ "simulate", config_simulate_declare },
		{ NULL, NULL },
	};
	struct config c = { .sb = sb, .b = b };
	lua_State *L = sandbox_state(sb);
	const luaL_Reg *r;
	char *msg = NULL, *tb;
	int rc;

	/* The chunk is on the stack; the declarations become globals. */
	for (r = decls; r->name; r++) {
		lua_pushlightuserdata(L, &c);
		lua_pushcclosure(L, r->func, 1);
		lua_setglobal(L, r->name);
	}
	sandbox_set_deadline_ms(sb, CONFIG_DEADLINE_MS);
	sandbox_set_declaring(sb, &c);
	rc = sandbox_pcall(sb, 0, 0, &msg);
	sandbox_set_declaring(sb, NULL);
	sandbox_set_deadline_ms(sb, deadline_ms);
	/* Declarations exist only while the farm runs. */
	for (r = decls; r->name; r++) {
		lua_pushnil(L);
		lua_setglobal(L, r->name);
	}
	config_group_decl_free(L, &c.group);
	config_names_free(&c);
	if (rc == -ENOMEM && sandbox_load_where(sb)) {
		/* Lua's memory error has no position: say where it came from. */
		free(msg);
		msg = alloc_printf("%s: not enough memory (the farm's Lua memory cap is %zu MiB)",
				   sandbox_load_where(sb), sandbox_mem_limit(sb) >> 20);
	}
	if (rc < 0) {
		/* A configuration error is for a person: drop the traceback. */
		if (msg && (tb = strstr(msg, "\nstack traceback:")))
			*tb = '\0';
		if (errmsg)
			*errmsg = msg ? msg : alloc_printf("%s: %s", chunkname, strerror(-rc));
		else
			free(msg);
		return -EINVAL;
	}
	if (c.n_groups == 0 && !b->scan)
		LOG_WARN("%s: the farm declares no group; nothing will be scaled", chunkname);
	/* From here on, a global set by a policy is its group's own. */
	return sandbox_env_freeze(sb, errmsg);
}
