/*
 * config.h - farm.lua's declarations. Config declares; the engine builds.
 *
 * config_run runs the farm chunk with four declaration functions (plugin,
 * source, target, group). Each checks its declaration when it runs, so that
 * its errors carry the line that made it, and hands the checked declaration
 * to a builder (struct config_builder), which the engine implements and
 * which makes the objects. Config never sees the engine's structs: it keeps
 * only the names declared so far, to refuse duplicates and unknown
 * references.
 *
 * config.c runs the farm and declares plugins, sources and targets;
 * config_simulate.c reads the farm's simulate { ... } table;
 * config_group.c declares groups (the group's key table), config_policy.c
 * their policies, config_updown.c reads an up/down duration; config_common.c
 * holds what the declarations share (config_int.h); config_values.c
 * validates a Lua table against a key table (struct scaled_key) into typed
 * values. Every error names "file:line:", the declaration and the key.
 */
#ifndef SCALED_CONFIG_H
#define SCALED_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lua.h>

#include "scaled/plugin.h"
#include "scaled/scaled.h"

struct sandbox;

/* ----------------------------------------------------------- declarations -- */

/* A per-direction duration: `cooldown = "30s"` (both directions) or
 * `cooldown = { up = "30s", down = "5m" }` (either may be left out). */
struct config_updown {
	int64_t up_ms, down_ms;
	bool up_set, down_set;
};

/* rate = { count = , percent = , period = }; set is false without one. Or
 * per direction (per_direction): rate = { up = DIR, down = DIR }, DIR a list
 * of { pods = n | percent = p, period = d } and select = "max" | "min" |
 * "disabled" (config_rate.c). */
#define CONFIG_RATE_RULES 4

struct config_rate_rule {
	bool percent;
	double value;
	int64_t period_ms;
};

struct config_rate_dir {
	bool set;
	size_t n;
	struct config_rate_rule rules[CONFIG_RATE_RULES];
	int select;                    /* 0 max, 1 min, 2 disabled */
};

struct config_rate {
	bool set;
	int count;                     /* 0: no count limit */
	double percent;                /* 0: no percent limit */
	int64_t period_ms;
	bool per_direction;
	struct config_rate_dir up, down;
};

/* source "name" { ... } or target "name" { ... }, checked. */
struct config_instance_decl {
	const char *name;
	int line;                      /* where farm.lua declared it */
	enum scaled_role role;
	const struct scaled_kind *kind; /* from a loaded plugin (builder->kind) */
	struct scaled_value *values;   /* kind->keys order, n_values; strings owned */
	size_t n_values;
	int64_t every_ms;              /* source: collect; target: poll; > 0 */
	int64_t stale_ms;              /* its series' staleness, >= every_ms */
};

struct config_policy_decl {
	char name[SCALED_NAME_MAX];    /* "queue_step", "function@12", ... */
	int ref;                       /* registry reference: a function or a table */
};

/* group "name" { ... }, checked: min <= max, both and override in
 * 0..1000000, every > 0; target names a declared target that no other group
 * sets; every input names a series of a declared source or target. */
struct config_group_decl {
	const char *name;
	int line;
	char *target;
	int min, max;
	int64_t every_ms;
	bool dry_run, paused;
	int override;                  /* -1: none */
	struct config_updown cooldown, stabilization;
	struct config_rate rate;
	struct config_policy_decl policies[SCALED_MAX_PROPOSALS];
	size_t n_policies;
	char **inputs;                 /* the series its table policies read, in order */
	size_t n_inputs;
	/* the market mix: each -1 when not set; percents 0..100, base and
	 * dwell checked; mix_policy names the first policy table that says it
	 * proposes a mix (`mix = true`), "" none */
	int on_demand_base, on_demand_percent;
	int64_t mix_dwell_ms;
	int mix_override_base, mix_override_percent;
	char mix_policy[SCALED_NAME_MAX];
};

/* What the engine does with each declaration, at the moment it is made
 * (a plugin's kinds and key tables are needed by the declarations after
 * it). Failures with a message become "file:line: what "name": message". */
struct config_builder {
	void *arg;
	/* plugin "name": load it, once. Returns 0; -ENOTSUP when its probe()
	 * declined (the farm goes on, plugin() returns false); another negative
	 * errno. *errmsg may receive a message (the builder's allocator). */
	int (*plugin)(void *arg, const char *name, char **errmsg);
	/* The kind of that name from a loaded plugin, or NULL. */
	const struct scaled_kind *(*kind)(void *arg, const char *name);
	/* Make the source or target and create() it. The builder takes
	 * d->values whatever it returns. Returns 0, or a negative errno with the
	 * reason in err; an empty err means out of memory. */
	int (*instance)(void *arg, struct config_instance_decl *d, char *err, size_t errlen);
	/* Make the group. On success it takes the policies' references (the
	 * rest of d stays the caller's). Returns as instance does. */
	int (*group)(void *arg, const struct config_group_decl *d, char *err, size_t errlen);
	/* The kind map's entry for a source or target of this name and kind
	 * (scaled.h, struct scaled_kind_map), or NULL: made as declared. May be
	 * NULL (no map). */
	const struct scaled_kind_map *(*map)(void *arg, const char *name, const char *kind);
	/* scan: run the farm for its simulate table only: plugin "NAME" loads
	 * nothing (and returns true), source, target and group make nothing.
	 * simulate: the farm's simulate { ... } table, flattened and sorted
	 * (scaled.h, scaled_farm_simulate_table); NULL: checked and ignored.
	 * Returns 0 or -EINVAL with the reason in err. */
	bool scan;
	int (*simulate)(void *arg, const struct scaled_farm_entry *v, size_t n, char *err,
			size_t errlen);
	/* > 0: the registry reference of the function that gives each group
	 * its policy instead of its `policy` key (scaled_options.group_policy);
	 * 0: none. */
	int group_policy;
};

/* What the farm's own Lua (the farm file, an embedder's group_policy
 * chunk) may take, as against a policy call's deadline. */
#define CONFIG_DEADLINE_MS 5000

/* Run the farm chunk on top of sb's stack (a loaded function) under a
 * deadline of CONFIG_DEADLINE_MS, handing each declaration to b; then set the policies'
 * deadline_ms and freeze the farm's globals (sandbox_env_freeze). Returns 0,
 * or -EINVAL (or -ENOMEM) with the message in *errmsg (free()). */
int config_run(struct sandbox *sb, const struct config_builder *b, const char *chunkname,
	       int64_t deadline_ms, char **errmsg);

/* ------------------------------------------------------------ key tables -- */

/* Key types of the core's own keys, beside the ABI's five: they appear only
 * in the group's key table and are read by their own readers, never by
 * config_values_read. */
#define CONFIG_KEY_CORE ((enum scaled_key_type)0x100)
#define CONFIG_KEY_UPDOWN ((enum scaled_key_type)0x101) /* config_updown_read */
#define CONFIG_KEY_RATE ((enum scaled_key_type)0x102)   /* { count, percent, period } */
#define CONFIG_KEY_POLICY ((enum scaled_key_type)0x103) /* a policy or a list of them */
#define CONFIG_KEY_MIX ((enum scaled_key_type)0x104)    /* { on_demand_base, on_demand_percent } */

/* Read the key `key->name` of the table at idx as an up/down duration into
 * out (nil: nothing set). Errors: "key "cooldown": bad duration ..." for a
 * single value, "cooldown: unknown key ..." inside the table. Returns 0 or
 * -EINVAL with the message in err. */
int config_updown_read(lua_State *L, int idx, const struct scaled_key *key,
		       struct config_updown *out, char *err, size_t errlen);

/* No duration (of the core's keys or a plugin's) may be longer than this:
 * a typo such as "100000000d" is an error, not a timer that never fires. */
#define CONFIG_DURATION_MAX "365d"
#define CONFIG_DURATION_MAX_MS (365LL * 86400 * 1000)

/* Validate the table at stack index idx against keys[0..n) into out[0..n):
 * unknown keys (with a "did you mean" hint), wrong types, missing required
 * keys are errors; defaults fill the rest. Strings are copied (free with
 * config_values_free). Returns 0, or -EINVAL/-ENOMEM with a message in err
 * that names the key. */
int config_values_read(lua_State *L, int idx, const struct scaled_key *keys, size_t n,
		       struct scaled_value *out, char *err, size_t errlen);
void config_values_free(const struct scaled_key *keys, size_t n, struct scaled_value *v);

/* Parse a default's text as its type. Returns 0 or -EINVAL. Strings are
 * copied. */
int config_value_parse(const struct scaled_key *key, const char *text, struct scaled_value *out);

/* The closest of keys[0..n) to name (edit distance <= 2), or NULL. */
const char *config_closest_key(const struct scaled_key *keys, size_t n, const char *name);

const char *config_key_type_name(enum scaled_key_type t);

#endif
