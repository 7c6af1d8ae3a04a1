/*
 * engine_build.c - the engine turns farm.lua's declarations into objects.
 *
 * config_run (config.h) runs the farm and hands each checked declaration to
 * the builder below: a plugin is loaded, a source or target is made and
 * created, a group is made with its settings, policies and inputs. Config
 * never writes the engine's structs; this file is the only one that fills
 * them from a farm. The lookups by name live here too.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "alloc.h"
#include "config.h"
#include "engine.h"
#include "log.h"
#include "sandbox.h"
#include "series.h"

/* ---------------------------------------------------------------- lookup -- */

struct group *engine_find_group(const struct scaled_engine *e, const char *name)
{
	return name_index_get(&e->group_ix, name);
}

static struct scaled_instance *engine_find_instance(const struct scaled_engine *e,
						     const char *name)
{
	return name_index_get(&e->instance_ix, name);
}

/* Room for one more pointer in *v (n used of *cap), doubling. 0 or -ENOMEM. */
static int engine_build_room(void *v, size_t n, size_t *cap)
{
	void **p = *(void ***)v;
	size_t c = *cap ? *cap * 2 : 16;

	if (n < *cap)
		return 0;
	p = alloc_resize(p, c * sizeof *p);
	if (!p)
		return -ENOMEM;
	*(void ***)v = p;
	*cap = c;
	return 0;
}

static struct plugin_handle *engine_find_plugin_of_kind(const struct scaled_engine *e,
							const char *kind,
							const struct scaled_kind **out)
{
	size_t i;

	for (i = 0; i < e->n_plugins; i++) {
		const struct scaled_kind *k = plugin_find_kind(e->plugins[i], kind);

		if (k) {
			*out = k;
			return e->plugins[i];
		}
	}
	return NULL;
}

/* The source or target owning series `name` ("x" or "x.suffix"), or NULL. */
static struct scaled_instance *engine_build_series_owner(struct scaled_engine *e,
							 const char *name)
{
	char base[SCALED_NAME_MAX];
	const char *dot = strchr(name, '.');
	size_t n = dot ? (size_t)(dot - name) : strlen(name);

	if (n == 0 || n >= sizeof base)
		return NULL;
	memcpy(base, name, n);
	base[n] = '\0';
	return engine_find_instance(e, base);
}

/* --------------------------------------------------------------- builder -- */

/* Add the loaded plugin p to the engine's list (unloaded on failure). */
static int engine_build_keep_plugin(struct scaled_engine *e, struct plugin_handle *p,
				    char **errmsg)
{
	struct plugin_handle **v = alloc_resize(e->plugins, (e->n_plugins + 1) * sizeof *v);

	if (!v) {
		plugin_unload(p);
		if (errmsg)
			*errmsg = alloc_strdup("out of memory adding the plugin");
		return -ENOMEM;
	}
	v[e->n_plugins++] = p;
	e->plugins = v;
	return 0;
}

static int engine_build_plugin(void *arg, const char *name, char **errmsg)
{
	struct scaled_engine *e = arg;
	struct plugin_handle *p;
	size_t i;
	int rc;

	for (i = 0; i < e->n_plugins; i++)
		if (strcmp(e->plugins[i]->name, name) == 0)
			return 0;
	rc = plugin_load(name, e->plugin_path, &engine_host, &p, errmsg);
	if (rc < 0)
		return rc;
	if ((rc = engine_build_keep_plugin(e, p, errmsg)) < 0)
		return rc;
	LOG_DEBUG("plugin %s loaded from %s", p->name, p->path);
	return 0;
}

/* Add the in-process plugin desc (scaled.h). */
int scaled_engine_add_plugin(struct scaled_engine *e, const struct scaled_plugin *desc,
			     char **errmsg)
{
	struct plugin_handle *p;
	size_t i;
	int rc;

	if (e->loaded || e->sb) {
		if (errmsg)
			*errmsg = alloc_strdup("plugins are added before the farm is loaded");
		return -EALREADY;
	}
	for (i = 0; desc && desc->name && i < e->n_plugins; i++) {
		if (strcmp(e->plugins[i]->name, desc->name) == 0) {
			if (errmsg)
				*errmsg = alloc_printf("a plugin named \"%s\" is loaded already",
						       desc->name);
			return -EEXIST;
		}
	}
	rc = plugin_load_static(desc, &engine_host, &p, errmsg);
	if (rc < 0)
		return rc;
	return engine_build_keep_plugin(e, p, errmsg);
}

/* The kind map's entry for an instance: by its name first, then its kind. */
static const struct scaled_kind_map *engine_build_map(void *arg, const char *name,
						      const char *kind)
{
	const struct scaled_engine *e = arg;
	const struct scaled_kind_map *m;
	size_t i;

	for (i = 0; i < e->opt.n_kind_map; i++) {
		m = &e->opt.kind_map[i];
		if (m->match && m->by != SCALED_MATCH_KIND && strcmp(m->match, name) == 0)
			return m;
	}
	for (i = 0; i < e->opt.n_kind_map; i++) {
		m = &e->opt.kind_map[i];
		if (m->match && m->by != SCALED_MATCH_NAME && strcmp(m->match, kind) == 0)
			return m;
	}
	return NULL;
}

static const struct scaled_kind *engine_build_kind(void *arg, const char *name)
{
	const struct scaled_kind *kind = NULL;

	return engine_find_plugin_of_kind(arg, name, &kind) ? kind : NULL;
}

static int engine_build_instance(void *arg, struct config_instance_decl *d, char *err,
				 size_t errlen)
{
	struct scaled_engine *e = arg;
	const struct scaled_kind *kind = NULL;
	struct plugin_handle *plugin = engine_find_plugin_of_kind(e, d->kind->name, &kind);
	struct scaled_instance *in;
	int rc, room;

	in = alloc_zero(1, sizeof *in);
	room = engine_build_room(&e->instances, e->n_instances, &e->cap_instances);
	if (!plugin || kind != d->kind || !in || room < 0 || !(in->name = alloc_strdup(d->name)) ||
	    !(in->values = alloc_zero(d->n_values ? d->n_values : 1, sizeof *in->values))) {
		config_values_free(d->kind->keys, d->n_values, d->values);
		if (in)
			alloc_free(in->name);
		alloc_free(in);
		return -ENOMEM;
	}
	/* The instance owns the kind's values from here. */
	memcpy(in->values, d->values, d->n_values * sizeof *d->values);
	in->n_values = d->n_values;
	in->e = e;
	in->line = d->line;
	in->role = d->role;
	in->plugin = plugin;
	in->kind = d->kind;
	in->every_ms = d->every_ms;
	in->stale_ms = d->stale_ms;
	e->instances[e->n_instances++] = in;
	if (name_index_put(&e->instance_ix, in->name, in) < 0)
		return -ENOMEM;

	in->primary = series_ensure(e->store, in->name, 0);
	if (!in->primary)
		return -ENOMEM;
	series_set_stale_ms(in->primary, in->stale_ms);

	err[0] = '\0';
	rc = in->kind->create(in, in->values, &in->state, err, errlen);
	err[errlen - 1] = '\0';
	if (rc < 0) {
		/* A farm may catch this and run: what create left must not fire. */
		engine_instance_cancel_timers(in);
		engine_instance_cancel_https(in);
		if (!*err)
			snprintf(err, errlen, "%s", strerror(-rc));
		return rc;
	}
	in->created = true;
	return 0;
}

static void engine_build_rate_dir(struct group_rate_dir *to, const struct config_rate_dir *from)
{
	size_t i;

	to->n = from->n;
	to->select = from->select == 2 ? GROUP_RATE_DISABLED
		     : from->select == 1 ? GROUP_RATE_MIN : GROUP_RATE_MAX;
	for (i = 0; i < from->n && i < GROUP_RATE_RULES; i++) {
		to->rules[i].percent = from->rules[i].percent;
		to->rules[i].value = from->rules[i].value;
		to->rules[i].period_ms = from->rules[i].period_ms;
	}
}

/* The group's settings: the pipeline's defaults, then what the farm set.
 * 0, or -ENOMEM. */
static int engine_build_settings(struct scaled_engine *e, struct group_settings *cfg,
				  const struct config_group_decl *d)
{
	group_settings_default(cfg);
	cfg->min = d->min;
	cfg->max = d->max;
	cfg->dry_run = d->dry_run || e->opt.dry_run;
	cfg->paused = d->paused;
	cfg->override = d->override;
	if (d->cooldown.up_set)
		cfg->cooldown_up_ms = d->cooldown.up_ms;
	if (d->cooldown.down_set)
		cfg->cooldown_down_ms = d->cooldown.down_ms;
	if (d->stabilization.up_set)
		cfg->stab_up_ms = d->stabilization.up_ms;
	if (d->stabilization.down_set)
		cfg->stab_down_ms = d->stabilization.down_ms;
	if (d->rate.set && !d->rate.per_direction) {
		cfg->rate_count = d->rate.count;
		cfg->rate_percent = d->rate.percent;
		cfg->rate_period_ms = d->rate.period_ms;
	} else if (d->rate.set) {
		struct group_rate_rules *r = alloc_zero(1, sizeof *r);

		if (!r)
			return -ENOMEM;
		engine_build_rate_dir(&r->up, &d->rate.up);
		engine_build_rate_dir(&r->down, &d->rate.down);
		cfg->rate_rules = r;
	}
	cfg->mix_base = d->on_demand_base;
	cfg->mix_percent = d->on_demand_percent;
	cfg->mix_dwell_ms = d->mix_dwell_ms;
	cfg->mix_override_base = d->mix_override_base;
	cfg->mix_override_percent = d->mix_override_percent;
	return 0;
}

/* Does the target's kind apply a market mix (ABI 1.2)? */
static bool engine_build_markets(const struct scaled_instance *t)
{
	return SCALED_KIND_HAS(t->kind, flags) && (t->kind->flags & SCALED_KIND_APPLIES_MIX);
}

/* A group that may propose a mix needs a target that can apply one. */
static int engine_build_check_mix(const struct scaled_instance *t,
				  const struct config_group_decl *d, char *err, size_t errlen)
{
	if (engine_build_markets(t))
		return 0;
	if (d->mix_policy[0])
		snprintf(err, errlen, "target \"%s\" (kind \"%s\") cannot apply a market mix, which "
			 "its policy \"%s\" may propose", t->name, t->kind->name, d->mix_policy);
	else if (d->on_demand_base >= 0)
		snprintf(err, errlen, "target \"%s\" (kind \"%s\") cannot apply a market mix, which "
			 "the group's on_demand_base/on_demand_percent set", t->name, t->kind->name);
	else if (d->mix_override_base >= 0 || d->mix_override_percent >= 0)
		snprintf(err, errlen, "target \"%s\" (kind \"%s\") cannot apply a market mix, which "
			 "the group's mix_override sets", t->name, t->kind->name);
	else
		return 0;
	return -EINVAL;
}

/* The series g's table policies declared; each gets its owner's staleness
 * unless it has one. */
static int engine_build_inputs(struct scaled_engine *e, struct group *g,
			       const struct config_group_decl *d, char *err, size_t errlen)
{
	size_t i;

	if (!d->n_inputs)
		return 0; /* none: no block (a plain-function policy declares none) */
	g->inputs = alloc_zero(d->n_inputs, sizeof *g->inputs);
	if (!g->inputs)
		return -ENOMEM;
	for (i = 0; i < d->n_inputs; i++) {
		struct scaled_instance *owner = engine_build_series_owner(e, d->inputs[i]);
		struct series *s;

		if (!owner || !owner->created) {
			/* Only after a failed declaration of it that the farm caught. */
			snprintf(err, errlen, "series \"%s\": its source was not made", d->inputs[i]);
			return -ENOENT;
		}
		if (!(s = series_ensure(e->store, d->inputs[i], 0)))
			return -ENOMEM;
		if (!series_stale_ms(s))
			series_set_stale_ms(s, owner->stale_ms);
		g->inputs[g->n_inputs++] = s;
	}
	return 0;
}

/* name, interned: the engine's one copy (freed with the engine). */
static const char *engine_build_policy_name(struct scaled_engine *e, const char *name)
{
	char *own = name_index_get(&e->policy_names, name);

	if (own)
		return own;
	own = alloc_strdup(name);
	if (own && name_index_put(&e->policy_names, own, own) < 0) {
		alloc_free(own);
		own = NULL;
	}
	return own;
}

static int engine_build_group(void *arg, const struct config_group_decl *d, char *err,
			      size_t errlen)
{
	struct scaled_engine *e = arg;
	struct scaled_instance *t = engine_find_instance(e, d->target);
	struct group *g;
	size_t i;
	int rc;

	if (!t || !t->created || t->role != SCALED_ROLE_TARGET || t->group) {
		/* Only after a failed declaration of it that the farm caught. */
		snprintf(err, errlen, "target \"%s\" was not made", d->target);
		return -ENOENT;
	}
	if ((rc = engine_build_check_mix(t, d, err, errlen)) < 0)
		return rc;
	g = alloc_zero(1, sizeof *g);
	if (!g || engine_build_room(&e->groups, e->n_groups, &e->cap_groups) < 0 ||
	    !(g->name = alloc_strdup(d->name))) {
		alloc_free(g);
		return -ENOMEM;
	}
	e->groups[e->n_groups++] = g;
	if (name_index_put(&e->group_ix, g->name, g) < 0)
		return -ENOMEM;
	g->e = e;
	g->line = d->line;
	g->target = t;
	t->group = g;
	if (engine_build_settings(e, &g->cfg, d) < 0)
		return -ENOMEM;
	g->cfg.markets = engine_build_markets(t);
	group_state_init(&g->st);
	g->view.markets = g->cfg.markets;
	g->view.name = g->name;
	g->view.view_ref = LUA_NOREF;
	g->view.min = g->cfg.min;
	g->view.max = g->cfg.max;
	g->every_ms = d->every_ms;
	if ((rc = engine_build_inputs(e, g, d, err, errlen)) < 0)
		return rc;
	g->policies = d->n_policies <= 1 ? &g->one_policy
					 : alloc_zero(d->n_policies, sizeof *g->policies);
	if (!g->policies)
		return -ENOMEM;
	for (i = 0; i < d->n_policies; i++) {
		g->policies[i].ref = LUA_NOREF;
		g->policies[i].name = engine_build_policy_name(e, d->policies[i].name);
		if (!g->policies[i].name)
			return -ENOMEM;
		g->n_policies++;
	}
	/* Taken only on success: on failure config_run releases them. */
	for (i = 0; i < d->n_policies; i++)
		g->policies[i].ref = d->policies[i].ref;
	return 0;
}

/* The farm's simulate table, to scaled_farm_simulate_table's caller. */
static int engine_build_simulate(void *arg, const struct scaled_farm_entry *v, size_t n,
				 char *err, size_t errlen)
{
	const struct scaled_engine *e = arg;

	return e->scan_fn(e->scan_arg, v, n, err, errlen);
}

/* Run the farm chunk on top of the sandbox's stack, building as it goes
 * (or, for scaled_farm_simulate_table, only reading its simulate table). */
int engine_build(struct scaled_engine *e, const char *chunkname, char **errmsg)
{
	const struct config_builder b = {
		.arg = e,
		.plugin = engine_build_plugin,
		.kind = engine_build_kind,
		.instance = engine_build_instance,
		.group = engine_build_group,
		.map = e->opt.kind_map ? engine_build_map : NULL,
		.scan = e->scan_fn != NULL,
		.simulate = e->scan_fn ? engine_build_simulate : NULL,
		.group_policy = e->group_policy_ref,
	};

	return config_run(e->sb, &b, chunkname, e->opt.lua_deadline_ms, errmsg);
}
