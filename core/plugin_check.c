/*
 * plugin_check.c - a plugin's descriptor and its kinds checked against the
 * ABI and copied into the handle (plugin_check.h).
 *
 * Nothing of the descriptor is read past the struct_size it declares: the
 * descriptor and each kind are copied into zeroed structs of our size. A
 * kind's key table (struct scaled_key, the same in every minor) and its
 * limits (ABI 1.1; entries kind->limit_size apart, copied into entries of
 * our size) are copied too, so that the core reads only its own copies.
 */
#include "plugin_check.h"

#include <errno.h>
#include <string.h>

#include "alloc.h"
#include "config_limits.h"
#include "plugin_fail.h"

/* The sizes of the ABI 1.0 structs, from plugin.h. */
#define PLUGIN_CHECK_DESC_SIZE_1_0 SCALED_PLUGIN_SIZE_1_0
#define PLUGIN_CHECK_KIND_SIZE_1_0 SCALED_KIND_SIZE_1_0

/* Defensive bounds for lists that should be NULL-terminated. */
#define PLUGIN_CHECK_MAX_KINDS 256
#define PLUGIN_CHECK_MAX_KEYS 256
/* A limit entry of a later minor may grow, but not past this: a larger
 * limit_size is garbage, and walking the table with it would read wild. */
#define PLUGIN_CHECK_MAX_LIMIT_SIZE 4096

static const char *plugin_check_role_name(int role)
{
	switch (role) {
	case SCALED_ROLE_SOURCE:
		return "source";
	case SCALED_ROLE_TARGET:
		return "target";
	case SCALED_ROLE_NOTIFIER:
		return "notifier";
	default:
		return "unknown";
	}
}

/* Keys the core itself reads from every instance of a role (config.c's
 * config_source_keys and config_target_keys: keep the two in step). */
static int plugin_check_key_reserved(const char *key, int role)
{
	if (strcmp(key, "kind") == 0)
		return 1;
	if (role == SCALED_ROLE_SOURCE &&
	    (strcmp(key, "every") == 0 || strcmp(key, "stale") == 0))
		return 1;
	if (role == SCALED_ROLE_TARGET && strcmp(key, "poll") == 0)
		return 1;
	return 0;
}

/* Check the kind's key table (the plugin's own) and count it. */
static int plugin_check_keys(const struct scaled_kind *k, const char *path, size_t *n,
			     char **msg)
{
	const struct scaled_key *keys = k->keys;
	size_t i, j;

	*n = 0;
	if (!keys)
		return 0;
	for (i = 0; keys[i].name; i++) {
		const struct scaled_key *key = &keys[i];

		if (i >= PLUGIN_CHECK_MAX_KEYS)
			return plugin_fail(msg, -EPROTO, path,
					   "kind \"%s\": more than %d keys (is the key "
					   "table terminated by an entry with a NULL name?)",
					   k->name, PLUGIN_CHECK_MAX_KEYS);
		if (!*key->name)
			return plugin_fail(msg, -EPROTO, path,
					   "kind \"%s\": key #%zu has an empty name",
					   k->name, i + 1);
		for (j = 0; j < i; j++)
			if (strcmp(keys[j].name, key->name) == 0)
				return plugin_fail(msg, -EPROTO, path,
						   "kind \"%s\": key \"%s\" is listed twice",
						   k->name, key->name);
		if ((int)key->type < SCALED_KEY_STRING || (int)key->type > SCALED_KEY_ENUM)
			return plugin_fail(msg, -EPROTO, path,
					   "kind \"%s\": key \"%s\" has unknown type %d",
					   k->name, key->name, (int)key->type);
		if (key->required && key->default_value)
			return plugin_fail(msg, -EPROTO, path,
					   "kind \"%s\": key \"%s\" is required and has a "
					   "default (\"%s\"); it can only be one",
					   k->name, key->name, key->default_value);
		if (plugin_check_key_reserved(key->name, (int)k->role))
			return plugin_fail(msg, -EPROTO, path,
					   "kind \"%s\": key \"%s\" is reserved: scaled "
					   "reads it for every %s",
					   k->name, key->name,
					   plugin_check_role_name((int)k->role));
	}
	*n = i;
	return 0;
}

/* Copy the kind's limits (the plugin's entries are k->limit_size apart) into
 * *out, entries of our size, ended by a zeroed one. Each must name a key of
 * the kind, once. */
static int plugin_check_copy_limits(const struct scaled_kind *k, size_t n_keys,
				    struct scaled_key_limit **out, const char *path, char **msg)
{
	const char *raw = (const char *)k->limits;
	size_t size = k->limit_size, n = 0, i, j;
	struct scaled_key_limit *v;

	*out = NULL;
	if (!raw)
		return 0;
	if (size > PLUGIN_CHECK_MAX_LIMIT_SIZE)
		return plugin_fail(msg, -EPROTO, path,
				   "kind \"%s\": limit_size is %zu, more than the %d a limit "
				   "entry may take", k->name, size, PLUGIN_CHECK_MAX_LIMIT_SIZE);
	if (size < SCALED_KEY_LIMIT_SIZE_1_1)
		return plugin_fail(msg, -EPROTO, path,
				   "kind \"%s\": limit_size is %zu, need at least %zu (set "
				   ".limit_size = sizeof(struct scaled_key_limit) with .limits)",
				   k->name, size, (size_t)SCALED_KEY_LIMIT_SIZE_1_1);
	/* The key member leads every entry in every minor. */
	while (((const struct scaled_key_limit *)(const void *)(raw + n * size))->key)
		if (++n > PLUGIN_CHECK_MAX_KEYS)
			return plugin_fail(msg, -EPROTO, path,
					   "kind \"%s\": more than %d limits (is the table "
					   "terminated by an entry with a NULL key?)",
					   k->name, PLUGIN_CHECK_MAX_KEYS);
	v = alloc_zero(n + 1, sizeof *v);
	if (!v)
		return -ENOMEM;
	*out = v;
	for (i = 0; i < n; i++) {
		memcpy(&v[i], raw + i * size, size < sizeof v[i] ? size : sizeof v[i]);
		for (j = 0; j < n_keys; j++)
			if (strcmp(k->keys[j].name, v[i].key) == 0)
				break;
		if (j == n_keys)
			return plugin_fail(msg, -EPROTO, path,
					   "kind \"%s\": a limit for key \"%s\", which the "
					   "kind does not have", k->name, v[i].key);
		for (j = 0; j < i; j++)
			if (strcmp(v[j].key, v[i].key) == 0)
				return plugin_fail(msg, -EPROTO, path,
						   "kind \"%s\": key \"%s\" is limited twice",
						   k->name, v[i].key);
	}
	return 0;
}

/* Check each key against its limit and copy the key table into *out, with
 * enum keys read as strings (their choices are checked from the limits). */
static int plugin_check_copy_keys(const struct scaled_kind *k, size_t n_keys,
				  const struct scaled_key_limit *limits,
				  struct scaled_key **out, const char *path, char **msg)
{
	const struct scaled_key_limit *lim;
	char why[256];
	size_t i;
	int rc;

	*out = NULL;
	if (!k->keys)
		return 0;
	*out = alloc_zero(n_keys + 1, sizeof **out);
	if (!*out)
		return -ENOMEM;
	for (i = 0; i < n_keys; i++) {
		for (lim = limits; lim && lim->key; lim++)
			if (strcmp(lim->key, k->keys[i].name) == 0)
				break;
		rc = config_limit_check(&k->keys[i], lim && lim->key ? lim : NULL, why, sizeof why);
		if (rc == -ENOMEM)
			return rc;
		if (rc < 0)
			return plugin_fail(msg, -EPROTO, path, "kind \"%s\": %s", k->name, why);
		(*out)[i] = k->keys[i];
		if ((*out)[i].type == SCALED_KEY_ENUM)
			(*out)[i].type = SCALED_KEY_STRING;
	}
	return 0;
}

/* Check one (copied) kind. */
static int plugin_check_kind(const struct scaled_kind *k, size_t idx, const char *path,
			     size_t *n_keys, char **msg)
{
	char missing[64] = "";

	if (!k->name || !*k->name)
		return plugin_fail(msg, -EPROTO, path, "kind #%zu has no name", idx + 1);
	if (k->role != SCALED_ROLE_SOURCE && k->role != SCALED_ROLE_TARGET)
		return plugin_fail(msg, -EPROTO, path,
				   "kind \"%s\": role %d (%s) is not one this scaled "
				   "runs (source or target)",
				   k->name, (int)k->role,
				   plugin_check_role_name((int)k->role));
	if (!k->create)
		strcat(missing, ", create");
	if (!k->destroy)
		strcat(missing, ", destroy");
	if (k->role == SCALED_ROLE_SOURCE && !k->collect)
		strcat(missing, ", collect");
	if (k->role == SCALED_ROLE_TARGET && !k->poll)
		strcat(missing, ", poll");
	if (k->role == SCALED_ROLE_TARGET && !k->apply)
		strcat(missing, ", apply");
	if (*missing)
		return plugin_fail(msg, -EPROTO, path,
				   "kind \"%s\": a %s kind needs %s; it lacks %s",
				   k->name, plugin_check_role_name((int)k->role),
				   k->role == SCALED_ROLE_SOURCE
					   ? "create, destroy and collect"
					   : "create, destroy, poll and apply",
				   missing + 2);
	/* 1.2: only a target applies a mix (a kind of an older minor reads
	 * as flags 0; bits of a later minor are ignored) */
	if (SCALED_KIND_HAS(k, flags) && (k->flags & SCALED_KIND_APPLIES_MIX) &&
	    k->role != SCALED_ROLE_TARGET)
		return plugin_fail(msg, -EPROTO, path,
				   "kind \"%s\": SCALED_KIND_APPLIES_MIX is for targets, and this "
				   "kind is a %s", k->name, plugin_check_role_name((int)k->role));
	return plugin_check_keys(k, path, n_keys, msg);
}

/* Copy the plugin's kinds into h (never past each kind's struct_size) and
 * check them. */
static int plugin_check_copy_kinds(struct plugin_load_handle *h,
				   const struct scaled_kind *const *raw, const char *path,
				   char **msg)
{
	size_t i, j, n = 0;
	int rc;

	if (!raw)
		return plugin_fail(msg, -EPROTO, path, "the descriptor lists no kinds");
	while (raw[n]) {
		if (++n > PLUGIN_CHECK_MAX_KINDS)
			return plugin_fail(msg, -EPROTO, path,
					   "more than %d kinds (is the list "
					   "NULL-terminated?)", PLUGIN_CHECK_MAX_KINDS);
	}
	if (n == 0)
		return plugin_fail(msg, -EPROTO, path, "the descriptor lists no kinds");

	h->kinds = alloc_zero(n, sizeof *h->kinds);
	h->kind_list = alloc_zero(n + 1, sizeof *h->kind_list);
	h->keys = alloc_zero(n, sizeof *h->keys);
	h->limits = alloc_zero(n, sizeof *h->limits);
	if (!h->kinds || !h->kind_list || !h->keys || !h->limits)
		return -ENOMEM;
	h->n_kinds = n;
	for (i = 0; i < n; i++) {
		size_t size = raw[i]->struct_size, n_keys;

		if (size < PLUGIN_CHECK_KIND_SIZE_1_0)
			return plugin_fail(msg, -EPROTO, path,
					   "kind #%zu: struct too short: %zu bytes, "
					   "need at least %zu",
					   i + 1, size, (size_t)PLUGIN_CHECK_KIND_SIZE_1_0);
		memcpy(&h->kinds[i], raw[i], size < sizeof h->kinds[i] ? size : sizeof h->kinds[i]);
		h->kind_list[i] = &h->kinds[i];
		rc = plugin_check_kind(&h->kinds[i], i, path, &n_keys, msg);
		if (rc < 0)
			return rc;
		rc = plugin_check_copy_limits(&h->kinds[i], n_keys, &h->limits[i], path, msg);
		if (rc == 0)
			rc = plugin_check_copy_keys(&h->kinds[i], n_keys, h->limits[i], &h->keys[i],
						    path, msg);
		if (rc < 0)
			return rc;
		/* From here the core reads only its copies. */
		h->kinds[i].keys = h->keys[i];
		h->kinds[i].limits = h->limits[i];
		h->kinds[i].limit_size = h->limits[i] ? sizeof *h->limits[i] : 0;
		for (j = 0; j < i; j++)
			if (strcmp(h->kinds[j].name, h->kinds[i].name) == 0)
				return plugin_fail(msg, -EPROTO, path,
						   "kind \"%s\" is listed twice",
						   h->kinds[i].name);
	}
	h->desc.kinds = (const struct scaled_kind *const *)h->kind_list;
	return 0;
}

/* Check the descriptor the entry returned and copy it into h
 * (plugin_check.h). */
int plugin_check_copy_desc(struct plugin_load_handle *h, const struct scaled_plugin *raw,
				  const char *name, const char *path, char **msg)
{
	size_t size;

	if (!raw)
		return plugin_fail(msg, -EPROTO, path, "%s() returned no descriptor (NULL)",
				   SCALED_PLUGIN_ENTRY);
	/* abi_major, abi_minor and struct_size lead the descriptor in every
	 * major: read them, and nothing else until the major is ours. */
	if (raw->abi_major != SCALED_PLUGIN_ABI_MAJOR)
		return plugin_fail(msg, -EPROTO, path,
				   "built for plugin ABI %u.%u, this scaled has %u.%u",
				   (unsigned)raw->abi_major, (unsigned)raw->abi_minor,
				   (unsigned)SCALED_PLUGIN_ABI_MAJOR,
				   (unsigned)SCALED_PLUGIN_ABI_MINOR);
	size = raw->struct_size;
	if (size < PLUGIN_CHECK_DESC_SIZE_1_0)
		return plugin_fail(msg, -EPROTO, path,
				   "descriptor too short: %zu bytes, need at least %zu",
				   size, (size_t)PLUGIN_CHECK_DESC_SIZE_1_0);
	h->pub.desc_size = size < sizeof h->desc ? size : sizeof h->desc;
	memcpy(&h->desc, raw, h->pub.desc_size);
	h->pub.desc = &h->desc;

	if (!h->desc.name)
		return plugin_fail(msg, -EPROTO, path, "the descriptor has no name");
	if (strcmp(h->desc.name, name) != 0)
		return plugin_fail(msg, -EPROTO, path,
				   "the descriptor is named \"%s\", but the file is %s.so "
				   "(a plugin's name must match its file)",
				   h->desc.name, name);
	return plugin_check_copy_kinds(h, h->desc.kinds, path, msg);
}
