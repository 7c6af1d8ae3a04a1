/*
 * engine.c - the engine object: lifecycle, loading a farm, and the public
 * calls that are not the loop. The engine is the top of the core: the farm's
 * declarations are built in engine_build.c (config declares, the engine
 * builds), the loops are in engine_loop.c, what runs on the schedule (the
 * collects, polls and ticks) in engine_tick.c, the host table plugins call
 * in engine_host.c, events for policies in engine_event.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <lauxlib.h>

#include "alloc.h"
#include "clock.h"
#include "config.h"
#include "duration.h"
#include "engine.h"
#include "policy_native.h"
#include "log.h"
#include "paths.h"
#include "sandbox.h"
#include "sched.h"
#include "series.h"

void scaled_options_init(struct scaled_options *o)
{
	memset(o, 0, sizeof *o);
	o->struct_size = sizeof *o;
	o->log_level = SCALED_LOG_INFO;
}

/* ------------------------------------------------------------ lifecycle -- */

static struct policy_group *engine_policy_find_group(void *arg, const char *name)
{
	struct group *g = engine_find_group(arg, name);

	return g ? &g->view : NULL;
}

/* The shipped policies: the source tree's when running from the build tree,
 * else the install prefix's (relocated, then as configured; paths.h). */
static char *engine_default_policy_dir(void)
{
	char *dir;

	if (paths_in_build_tree())
		return alloc_strdup(SCALED_BUILD_POLICY_DIR);
	dir = paths_relocated(SCALED_POLICY_SUBDIR);
	if (dir) {
		char *probe = alloc_printf("%s/policy.lua", dir);

		if (probe && access(probe, R_OK) == 0) {
			alloc_free(probe);
			return dir;
		}
		alloc_free(probe);
		alloc_free(dir);
	}
	return alloc_strdup(SCALED_INSTALL_POLICY_DIR);
}

int scaled_engine_new(const struct scaled_options *opts, struct scaled_engine **out,
		      char **errmsg)
{
	struct scaled_options defaults;
	struct scaled_engine *e;
	struct log *prev = log_current();
	const char *env;
	int rc = -ENOMEM;

	if (!opts) {
		scaled_options_init(&defaults);
		opts = &defaults;
	}
	e = alloc_zero(1, sizeof *e);
	if (!e)
		goto fail;
	scaled_options_init(&e->opt);
	memcpy(&e->opt, opts, opts->struct_size < sizeof e->opt ? opts->struct_size : sizeof e->opt);
	e->opt.struct_size = sizeof e->opt;
	e->post_pipe[0] = e->post_pipe[1] = -1;
	pthread_mutex_init(&e->post_lock, NULL);

	/* The engine's own log (log.h): what the core does for it logs there. */
	log_init(&e->log, e->opt.log_level, e->opt.log_fn, e->opt.log_arg);
	prev = log_enter(&e->log);

	if (e->opt.virtual_clock)
		clock_init_virtual(&e->clock, e->opt.start_ms);
	else
		clock_init_real(&e->clock);

	e->plugin_path = plugin_search_path(e->opt.plugin_path);
	env = getenv("SCALED_POLICY_DIR");
	if (e->opt.policy_dir)
		e->policy_dir = alloc_strdup(e->opt.policy_dir);
	else if (env && *env)
		e->policy_dir = alloc_strdup(env);
	else
		e->policy_dir = engine_default_policy_dir();
	e->sched = sched_new();
	e->store = series_store_new();
	if (!e->plugin_path || !e->policy_dir || !e->sched || !e->store)
		goto fail;
	/* a farm's series hold what its policies read (series.h) */
	series_store_keep_by_demand(e->store);
	rc = record_init(&e->record, e->opt.decision_log, errmsg);
	if (rc < 0)
		goto fail;
	e->penv.store = e->store;
	e->penv.find_group = engine_policy_find_group;
	e->penv.find_arg = e;
	*out = e;
	log_leave(prev);
	return 0;
fail:
	if (rc == -ENOMEM && errmsg && !*errmsg)
		*errmsg = alloc_strdup("out of memory creating the engine");
	scaled_engine_free(e);
	log_leave(prev);
	return rc;
}

static void engine_free_instance(struct scaled_instance *in)
{
	size_t i;

	if (in->task)
		sched_cancel(in->e->sched, in->task);
	/* destroy() cancels its own timers (plugin.h says so), so theirs must
	 * still be valid handles when it runs; whatever it left, we cancel. */
	if (in->created && in->kind->destroy)
		in->kind->destroy(in->state);
	engine_instance_cancel_timers(in);
	engine_instance_cancel_https(in); /* its state is gone: no done() */
	for (i = 0; i < in->n_values; i++)
		if (in->kind && in->kind->keys[i].type == SCALED_KEY_STRING)
			alloc_free((char *)in->values[i].u.str);
	alloc_free(in->values);
	alloc_free(in->name);
	alloc_free(in);
}

static void engine_free_group(struct scaled_engine *e, struct group *g)
{
	size_t i;
	lua_State *L = e->sb ? sandbox_state(e->sb) : NULL;

	if (g->task)
		sched_cancel(e->sched, g->task);
	for (i = 0; i < g->n_policies; i++) {
		if (L)
			luaL_unref(L, LUA_REGISTRYINDEX, g->policies[i].ref);
	}
	if (L && g->view.view_ref != LUA_NOREF)
		luaL_unref(L, LUA_REGISTRYINDEX, g->view.view_ref);
	policy_group_release(&g->view);
	group_state_free(&g->st);
	event_queue_free(&g->events);
	alloc_free(g->inputs);
	alloc_free((void *)g->cfg.rate_rules);
	if (g->policies != &g->one_policy)
		alloc_free(g->policies);
	alloc_free(g->name);
	alloc_free(g);
}

void scaled_engine_free(struct scaled_engine *e)
{
	struct post_item *p;
	struct log *prev;
	size_t i;

	if (!e)
		return;
	prev = log_enter(&e->log);
	pthread_mutex_lock(&e->post_lock);
	e->shutting_down = true;
	pthread_mutex_unlock(&e->post_lock);

	for (i = 0; i < e->n_groups; i++)
		engine_free_group(e, e->groups[i]);
	/* Targets first (they own processes and threads), then sources. */
	for (i = e->n_instances; i-- > 0;) {
		if (e->instances[i]->role == SCALED_ROLE_TARGET) {
			engine_free_instance(e->instances[i]);
			e->instances[i] = NULL;
		}
	}
	for (i = e->n_instances; i-- > 0;)
		if (e->instances[i])
			engine_free_instance(e->instances[i]);
	/* Callbacks posted by threads that are now joined: their args may own
	 * memory, but running them after destroy is wrong too. Plugins must not
	 * post once destroy() returned; drop whatever is left. */
	while ((p = e->posts)) {
		e->posts = p->next;
		free(p);
	}
	engine_http_free(e);
	for (i = e->n_plugins; i-- > 0;)
		plugin_unload(e->plugins[i]);
	if (e->sb)
		sandbox_free(e->sb);
	if (e->timer_ev)
		event_free(e->timer_ev);
	if (e->post_ev)
		event_free(e->post_ev);
	if (e->post_pipe[0] >= 0)
		close(e->post_pipe[0]);
	if (e->post_pipe[1] >= 0)
		close(e->post_pipe[1]);
	record_fini(&e->record);
	pthread_mutex_destroy(&e->post_lock);
	sched_free(e->sched);
	series_store_free(e->store);
	alloc_free(e->groups);
	alloc_free(e->instances);
	name_index_free(&e->group_ix);
	name_index_free(&e->instance_ix);
	for (i = 0; i < e->policy_names.cap; i++)
		alloc_free(e->policy_names.slots[i].value); /* empty slots hold NULL */
	name_index_free(&e->policy_names);
	alloc_free(e->plugins);
	alloc_free(e->plugin_path);
	alloc_free(e->policy_dir);
	alloc_free(e->farm_path);
	alloc_free(e->farm_dir);
	log_leave(prev);
	log_fini(&e->log);
	alloc_free(e);
}

/* ----------------------------------------------------------------- load -- */

/* Run opt.group_policy's chunk; keep the function it returns. */
static int engine_group_policy(struct scaled_engine *e, char **errmsg)
{
	lua_State *L = sandbox_state(e->sb);
	char *tb;
	int rc;

	if ((rc = sandbox_load_string(e->sb, "group_policy", e->opt.group_policy, errmsg)) < 0)
		return rc;
	/* the farm's deadline, not a policy call's: the chunk is part of the
	 * farm (it may require the whole library, as a farm file does) */
	sandbox_set_deadline_ms(e->sb, CONFIG_DEADLINE_MS);
	rc = sandbox_pcall(e->sb, 0, 1, errmsg);
	sandbox_set_deadline_ms(e->sb, e->opt.lua_deadline_ms);
	if (rc < 0) {
		/* for a person, as the farm's own errors: no traceback */
		if (errmsg && *errmsg && (tb = strstr(*errmsg, "\nstack traceback:")))
			*tb = '\0';
		return rc;
	}
	if (lua_type(L, -1) != LUA_TFUNCTION) {
		if (errmsg)
			*errmsg = alloc_printf("group_policy: the chunk returned a %s, not a function "
					       "(of { name, target }, giving the group's policy)",
					       luaL_typename(L, -1));
		lua_pop(L, 1);
		return -EINVAL;
	}
	e->group_policy_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	return 0;
}

static int engine_load(struct scaled_engine *e, const char *chunkname, const char *path,
		       const char *text, char **errmsg)
{
	struct sandbox_limits lim = { e->opt.lua_mem_limit, e->opt.lua_deadline_ms,
				       e->opt.deadline_signal };
	const char *slash;
	int rc;

	if (e->loaded || e->sb) {
		if (errmsg)
			*errmsg = alloc_strdup("a farm is already loaded in this engine");
		return -EALREADY;
	}
	e->farm_path = alloc_strdup(path ? path : chunkname);
	slash = path ? strrchr(path, '/') : NULL;
	e->farm_dir = slash ? alloc_strndup(path, (size_t)(slash - path)) : alloc_strdup(".");
	if (!e->farm_path || !e->farm_dir)
		return -ENOMEM;
	e->sb = sandbox_new(&lim, e->policy_dir, e->farm_dir, errmsg);
	if (!e->sb)
		return -ENOMEM;
	rc = policy_api_open(sandbox_state(e->sb), &e->penv);
	if (rc < 0)
		return rc;
	if (e->opt.group_policy && (rc = engine_group_policy(e, errmsg)) < 0)
		return rc;
	rc = path ? sandbox_load_file(e->sb, path, errmsg)
		  : sandbox_load_string(e->sb, chunkname, text, errmsg);
	if (rc < 0)
		return rc;
	rc = engine_build(e, chunkname, errmsg);
	if (rc < 0)
		return rc;
	e->loaded = true;
	return 0;
}

int scaled_engine_load_file(struct scaled_engine *e, const char *path, char **errmsg)
{
	const char *base = strrchr(path, '/');
	struct log *prev = log_enter(&e->log);
	int rc = engine_load(e, base ? base + 1 : path, path, NULL, errmsg);

	log_leave(prev);
	return rc;
}

int scaled_engine_load_string(struct scaled_engine *e, const char *chunkname, const char *text,
			      char **errmsg)
{
	struct log *prev = log_enter(&e->log);
	int rc = engine_load(e, chunkname, NULL, text, errmsg);

	log_leave(prev);
	return rc;
}

int scaled_farm_simulate_table(const struct scaled_options *opts, const char *path,
			       scaled_farm_table_fn fn, void *arg, char **errmsg)
{
	struct scaled_engine *e = NULL;
	int rc;

	if (!fn || !path)
		return -EINVAL;
	if ((rc = scaled_engine_new(opts, &e, errmsg)) < 0)
		return rc;
	e->scan_fn = fn;
	e->scan_arg = arg;
	rc = scaled_engine_load_file(e, path, errmsg);
	scaled_engine_free(e);
	return rc;
}

size_t scaled_engine_decisions(const struct scaled_engine *e, const struct scaled_decision **out,
			       size_t max)
{
	return record_list(&e->record, out, max);
}

void scaled_engine_on_decision(struct scaled_engine *e, scaled_decision_fn fn, void *arg)
{
	record_on_decision(&e->record, fn, arg);
}

int scaled_engine_event(struct scaled_engine *e, const char *group, const char *name,
			const char *payload, char **errmsg)
{
	char err[256] = "";
	int rc = engine_event(e, group, name, payload, err, sizeof err);

	if (errmsg)
		*errmsg = rc < 0 ? strdup(err) : NULL;
	return rc;
}

int scaled_engine_group_status(const struct scaled_engine *e, const char *name,
			       struct scaled_group_status *out)
{
	const struct group *g = engine_find_group(e, name);

	if (!g)
		return -ENOENT;
	out->current = g->st.current;
	out->desired = g->st.desired;
	out->starting = g->st.starting;
	out->stopping = g->st.stopping;
	out->min = g->cfg.min;
	out->max = g->cfg.max;
	out->spot = g->st.spot;
	out->on_demand = g->st.on_demand;
	out->on_demand_base = g->st.mix_base;
	out->on_demand_percent = g->st.mix_percent;
	return 0;
}

int64_t scaled_engine_now(const struct scaled_engine *e)
{
	return clock_now(&e->clock);
}

/* How long tick_all waits for plugins' HTTP, before the ticks and after
 * them: a request with the defaults gives up 30 s after it started, and a
 * fetch of credentials may come first. */
#define ENGINE_SETTLE_MS 40000

/* Run plugins' requests (and what plugin threads post) until none is
 * pending, or ENGINE_SETTLE_MS. */
static void engine_settle(struct scaled_engine *e)
{
	int64_t end = clock_stopwatch_ns() + (int64_t)ENGINE_SETTLE_MS * 1000000;

	engine_drain_posts(e);
	while (engine_http_wait(e, (end - clock_stopwatch_ns()) / 1000000))
		engine_drain_posts(e);
}

int scaled_engine_tick_all(struct scaled_engine *e)
{
	struct log *prev;
	size_t i;

	if (!e->loaded)
		return -EINVAL;
	prev = log_enter(&e->log);
	/* on a real clock outside run(), plugins' HTTP runs on a base of the
	 * engine's own, driven here until their answers are in */
	e->http_settling = !e->opt.virtual_clock && !e->running;
	for (i = 0; i < e->n_instances; i++)
		if (e->instances[i]->created && e->instances[i]->role == SCALED_ROLE_SOURCE)
			engine_instance_run(e->instances[i]);
	for (i = 0; i < e->n_instances; i++)
		if (e->instances[i]->created && e->instances[i]->role == SCALED_ROLE_TARGET)
			engine_instance_run(e->instances[i]);
	if (e->http_settling)
		engine_settle(e);
	engine_drain_posts(e);
	e->record_quiet = true;
	for (i = 0; i < e->n_groups; i++)
		engine_group_tick(e->groups[i]);
	e->record_quiet = false;
	if (e->http_settling) { /* the actions' requests (with --apply) */
		engine_settle(e);
		engine_http_release(e);
		e->http_settling = false;
	}
	log_leave(prev);
	return 0;
}
