/*
 * config_int.h - what the declarations of farm.lua share (config.c,
 * config_group.c, config_policy.c; defined in config_common.c).
 *
 * A declaration's C closure has the struct config of the running farm as
 * upvalue 1 (and, once curried, its name as upvalue 2). The struct lives on
 * config_run's stack while the farm runs; what a failing declaration leaves
 * in it (a group half read) is freed by config_run, since a Lua error does
 * not return.
 */
#ifndef SCALED_CONFIG_INT_H
#define SCALED_CONFIG_INT_H

#include <lua.h>

#include "config.h"
#include "name_index.h"

#define CONFIG_ERR_MAX 512

/* A name the farm declared, to refuse duplicates and unknown references
 * without asking the engine. */
struct config_name {
	char name[SCALED_NAME_MAX];
	bool group;                    /* a group; else a source or target */
	enum scaled_role role;         /* sources and targets */
	char set_by[SCALED_NAME_MAX];  /* targets: the group that sets it, or "" */
};

#define CONFIG_NAME_BLOCK 1024

struct config {
	struct sandbox *sb;
	const struct config_builder *b;
	/* the names in blocks of CONFIG_NAME_BLOCK, which never move (an
	 * index of 200 000 names made anew at each doubling of one array was
	 * a tenth of a large farm's load) */
	struct config_name **name_blocks;
	size_t n_names, n_name_blocks;
	/* name i by name, one index for sources and targets, one for groups
	 * (value: i + 1) */
	struct name_index ix[2];
	size_t n_groups;
	struct config_group_decl group; /* the group being declared */
	int simulate_line;             /* where simulate { ... } was, or 0 */
};

/* config_common.c. config_get raises "what() is a declaration ..." unless
 * the farm file is loading (config_run). */
struct config *config_get(lua_State *L, const char *what);
/* Raise "file:line: what "name": msg" (does not return). */
int config_fail(lua_State *L, const char *what, const char *name, const char *msg);
/* Check the name at idx: 1..SCALED_NAME_MAX-1 of [A-Za-z0-9_-]; raises. */
int config_check_name(lua_State *L, const char *what, int idx);
/* what "name" returns body closed over (config, name). */
int config_curry(lua_State *L, const char *what, lua_CFunction body);
/* The line of farm.lua running the declaration, or 0. */
int config_line(lua_State *L);
/* A declared group (group true) or source/target (false) of that name. */
struct config_name *config_find(struct config *c, const char *name, bool group);
/* Free the names and their indexes. */
void config_names_free(struct config *c);
/* Remember a declared name. Returns it, or NULL when out of memory. */
struct config_name *config_add_name(struct config *c, const char *name, bool group,
				    enum scaled_role role);

/* config_simulate.c: simulate { ... } */
int config_simulate_declare(lua_State *L);

/* config_group.c: the group declaration, group "name" { ... } */
int config_group_declare(lua_State *L);
/* Release what d holds (the policies' references too, unless handed over)
 * and zero it. */
void config_group_decl_free(lua_State *L, struct config_group_decl *d);

/* config_policy.c: read the key "policy" of the table at idx into d
 * (policies, their names and inputs); raises on error. */
/* config_rate.c: the group's rate key (either form) into out. */
int config_rate_read(lua_State *L, int idx, const struct scaled_key *key, struct config_rate *out,
		     char *err, size_t errlen);

void config_policy_read(lua_State *L, struct config *c, int idx, struct config_group_decl *d);

/* config_map.c: push the table a mapped declaration is read from: kind =
 * m->kind, then for each of keys[0..n) (the mapped kind's and the core's),
 * the entry's text for it (as the key's type) or the value of the same key
 * in the farm's table at idx. Returns 0, or -EINVAL with the reason in err
 * (an entry key the kind has not, a text that is not of the key's type)
 * and nothing pushed. */
int config_map_table(lua_State *L, int idx, const struct scaled_key *keys, size_t n,
		     const struct scaled_kind_map *m, char *err, size_t errlen);

#endif
