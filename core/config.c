/*
 * config.c - farm.lua's declarations, turned into engine objects.
 *
 *   plugin "cpu"
 *   source "cpu"  { kind = "cpu", every = "10s" }
 *   target "pool" { kind = "procpool", command = "..." }
 *   group "workers" { target = "pool", min = 0, max = 8, policy = {...} }
 *
 * Each declaration is checked when it runs, so its errors carry the line
 * that made it: "farm.lua:12: source "cpu": unknown key "evry" (did you
 * mean "every"?)". Errors are Lua errors raised from the declaration
 * function; config_run turns them into the message the CLI prints.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "alloc.h"
#include "config.h"
#include "duration.h"
#include "duration.h"
#include "engine.h"
#include "log.h"
#include "sandbox.h"
#include "series.h"

#define CONFIG_DEADLINE_MS 5000
#define CONFIG_ERR_MAX 512

/* ---------------------------------------------------------------- plugin -- */

static int l_plugin(lua_State *L)
{
	struct scaled_engine *e = config_engine(L, "plugin");
	char buf[CONFIG_ERR_MAX];
	char *err = NULL;
	const char *name;
	int rc;

	config_check_name(L, "plugin", 1);
	name = lua_tostring(L, 1);
	rc = engine_add_plugin(e, name, &err);
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

#define CONFIG_MAX_KEYS 64

static int config_declare_instance(lua_State *L, enum scaled_role role)
{
	const char *what = role == SCALED_ROLE_SOURCE ? "source" : "target";
	struct scaled_engine *e = config_engine(L, what);
	const char *name = lua_tostring(L, lua_upvalueindex(2));
	const struct scaled_key *core_keys = role == SCALED_ROLE_SOURCE ? config_source_keys
									  : config_target_keys;
	size_t n_core = role == SCALED_ROLE_SOURCE ? 3 : 2;
	struct scaled_key keys[CONFIG_MAX_KEYS];
	struct scaled_value values[CONFIG_MAX_KEYS];
	const struct scaled_kind *kind = NULL;
	struct plugin_handle *plugin;
	struct scaled_instance *in, **v;
	char err[CONFIG_ERR_MAX] = "";
	size_t n_kind = 0, i;
	const char *kind_name;
	int rc;

	luaL_checktype(L, 1, LUA_TTABLE);
	if (engine_find_instance(e, name))
		return config_fail(L, what, name, "a source or target of that name exists already");

	lua_getfield(L, 1, "kind");
	if (lua_type(L, -1) != LUA_TSTRING)
		return config_fail(L, what, name, "missing key \"kind\" (a string naming the kind)");
	kind_name = lua_tostring(L, -1);
	plugin = engine_find_plugin_of_kind(e, kind_name, &kind);
	if (!plugin) {
		snprintf(err, sizeof err, "unknown kind \"%s\": no loaded plugin provides it "
			 "(load one first with plugin \"NAME\")", kind_name);
		return config_fail(L, what, name, err);
	}
	if (kind->role != role) {
		snprintf(err, sizeof err, "kind \"%s\" is a %s, not a %s", kind_name,
			 kind->role == SCALED_ROLE_SOURCE ? "source" : "target", what);
		return config_fail(L, what, name, err);
	}
	lua_pop(L, 1);

	for (; kind->keys && kind->keys[n_kind].name; n_kind++)
		if (n_kind + n_core >= CONFIG_MAX_KEYS)
			return config_fail(L, what, name, "the plugin declares too many keys");
	memcpy(keys, kind->keys, n_kind * sizeof *keys);
	memcpy(keys + n_kind, core_keys, n_core * sizeof *keys);
	rc = config_values_read(L, 1, keys, n_kind + n_core, values, err, sizeof err);
	if (rc < 0)
		return config_fail(L, what, name, err);

	in = alloc_zero(1, sizeof *in);
	v = alloc_resize(e->instances, (e->n_instances + 1) * sizeof *v);
	if (v)
		e->instances = v;
	if (!in || !v || !(in->name = alloc_strdup(name)) ||
	    !(in->values = alloc_zero(n_kind ? n_kind : 1, sizeof *in->values))) {
		config_values_free(keys, n_kind + n_core, values);
		if (in)
			alloc_free(in->name);
		alloc_free(in);
		return luaL_error(L, "out of memory");
	}
	/* The instance owns the kind's values; the core keys are read here. */
	memcpy(in->values, values, n_kind * sizeof *values);
	config_values_free(keys + n_kind, n_core, values + n_kind);
	in->n_values = n_kind;
	in->e = e;
	in->role = role;
	in->plugin = plugin;
	in->kind = kind;
	in->every_ms = values[n_kind + 1].u.ms;
	in->stale_ms = role == SCALED_ROLE_SOURCE && values[n_kind + 2].set
			       ? values[n_kind + 2].u.ms : 3 * in->every_ms;
	{
		lua_Debug ar;

		if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "l", &ar))
			in->line = ar.currentline;
	}
	e->instances[e->n_instances++] = in;
	if (in->every_ms <= 0)
		return config_fail(L, what, name, role == SCALED_ROLE_SOURCE
				   ? "key \"every\" must be more than 0" : "key \"poll\" must be more than 0");
	if (in->stale_ms < in->every_ms) {
		char a[32], b[32];

		/* Its series would be stale between any two samples. */
		snprintf(err, sizeof err, "key \"stale\" (%s) must be at least \"every\" (%s)",
			 duration_format(in->stale_ms, a, sizeof a),
			 duration_format(in->every_ms, b, sizeof b));
		return config_fail(L, what, name, err);
	}

	in->primary = series_ensure(e->store, name, 0);
	if (!in->primary)
		return luaL_error(L, "out of memory");
	series_set_stale_ms(in->primary, in->stale_ms);

	err[0] = '\0';
	rc = kind->create(in, in->values, &in->state, err, sizeof err);
	err[sizeof err - 1] = '\0';
	if (rc < 0)
		return config_fail(L, what, name, *err ? err : strerror(-rc));
	in->created = true;
	(void)i;
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

int config_run(struct scaled_engine *e, const char *chunkname, char **errmsg)
{
	static const luaL_Reg decls[] = {
		{ "plugin", l_plugin },
		{ "source", l_source },
		{ "target", l_target },
		{ "group", config_group_declare },
		{ NULL, NULL },
	};
	struct sandbox *sb = e->sb;
	lua_State *L = sandbox_state(sb);
	const luaL_Reg *r;
	char *msg = NULL, *tb;
	int rc;

	/* The chunk is on the stack; the declarations become globals. */
	for (r = decls; r->name; r++) {
		lua_pushlightuserdata(L, e);
		lua_pushcclosure(L, r->func, 1);
		lua_setglobal(L, r->name);
	}
	sandbox_set_deadline_ms(sb, CONFIG_DEADLINE_MS);
	sandbox_set_declaring(sb, true);
	rc = sandbox_pcall(sb, 0, 0, &msg);
	sandbox_set_declaring(sb, false);
	sandbox_set_deadline_ms(sb, e->opt.lua_deadline_ms);
	/* Declarations exist only while the farm runs. */
	for (r = decls; r->name; r++) {
		lua_pushnil(L);
		lua_setglobal(L, r->name);
	}
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
	if (e->n_groups == 0)
		LOG_WARN("%s: the farm declares no group; nothing will be scaled", chunkname);
	/* From here on, a global set by a policy is its group's own. */
	return sandbox_env_freeze(sb, errmsg);
}

/* ------------------------------------------------------------- describe -- */

int scaled_engine_describe(struct scaled_engine *e, char **out)
{
	char *buf = NULL;
	size_t len = 0, i, j;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return -ENOMEM;
	fprintf(f, "farm %s: %zu plugin(s), %zu source(s)/target(s), %zu group(s)\n", e->farm_path,
		e->n_plugins, e->n_instances, e->n_groups);
	for (i = 0; i < e->n_plugins; i++)
		fprintf(f, "  plugin %-10s %s (%s)\n", e->plugins[i]->name,
			e->plugins[i]->desc->version ? e->plugins[i]->desc->version : "",
			e->plugins[i]->path);
	for (i = 0; i < e->n_instances; i++) {
		struct scaled_instance *in = e->instances[i];

		char every[32];

		fprintf(f, "  %s %-10s kind %s, every %s, line %d\n",
			in->role == SCALED_ROLE_SOURCE ? "source" : "target", in->name, in->kind->name,
			duration_format(in->every_ms, every, sizeof every), in->line);
	}
	for (i = 0; i < e->n_groups; i++) {
		struct group *g = e->groups[i];
		char every[32];

		fprintf(f, "  group  %-10s target %s, min %d, max %d, every %s, policies:", g->name,
			g->target->name, g->cfg.min, g->cfg.max,
			duration_format(g->every_ms, every, sizeof every));
		for (j = 0; j < g->n_policies; j++)
			fprintf(f, " %s", g->policies[j].name);
		fprintf(f, "%s\n", g->cfg.dry_run ? " (dry run)" : "");
	}
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*out = buf;
	return 0;
}
