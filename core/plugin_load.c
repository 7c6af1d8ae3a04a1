/*
 * plugin_load.c - find a plugin on the search path, dlopen it, check its
 * descriptor against the ABI, probe and init it.
 *
 * Nothing of the plugin's descriptor is read past the struct_size it
 * declares: the descriptor and each kind are copied into zeroed structs of
 * our size, and the handle keeps and hands out only those copies, with
 * copies of their key tables and limits (plugin_check.c).
 *
 * One process may embed several engines, and they share the host table, so
 * the same plugin may be loaded more than once. dlopen counts references;
 * a small registry here makes sure init() runs once, on the first load, and
 * fini() once, when the last handle goes.
 *
 * The descriptor checks are in plugin_check.c; the message helper in
 * plugin_fail.c.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"
#include "paths.h"
#include "plugin_check.h"
#include "plugin_fail.h"
#include "plugin_load.h"

#ifndef SCALED_BUILD_PLUGIN_DIR
#error "SCALED_BUILD_PLUGIN_DIR must be defined by the build"
#endif
#ifndef SCALED_INSTALL_PLUGIN_DIR
#error "SCALED_INSTALL_PLUGIN_DIR must be defined by the build"
#endif

/* The longest plugin name (plugin_load.h). */
#define PLUGIN_LOAD_MAX_NAME 128

/* Room for the reasons a plugin writes in probe() and init(). */
#define PLUGIN_LOAD_REASON_LEN 256

static pthread_mutex_t plugin_load_lock = PTHREAD_MUTEX_INITIALIZER;
static struct plugin_load_shared *plugin_load_registry;

/* ---------------------------------------------------------- search path -- */

/* Append `part` to the ':'-joined *path. Empty parts are left out. */
static int plugin_load_path_append(char **path, const char *part)
{
	char *joined;

	if (!part || !*part)
		return 0;
	if (*path)
		joined = alloc_printf("%s:%s", *path, part);
	else
		joined = alloc_strdup(part);
	if (!joined)
		return -ENOMEM;
	alloc_free(*path);
	*path = joined;
	return 0;
}

char *plugin_search_path(const char *dirs)
{
	bool built = paths_in_build_tree();
	char *relocated = built ? NULL : paths_relocated(SCALED_PLUGIN_SUBDIR);
	const char *parts[] = {
		dirs,
		secure_getenv("SCALED_PLUGIN_PATH"),
		built ? SCALED_BUILD_PLUGIN_DIR : relocated,
		SCALED_INSTALL_PLUGIN_DIR,
	};
	char *path = NULL;
	size_t i;

	for (i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		if (i == 3 && relocated && strcmp(relocated, SCALED_INSTALL_PLUGIN_DIR) == 0)
			continue;
		if (plugin_load_path_append(&path, parts[i]) < 0)
			goto out;
	}
	alloc_free(relocated);
	return path ? path : alloc_strdup("");
out:
	alloc_free(relocated);
	alloc_free(path);
	return NULL;
}

/* Plugin names become file names: letters, digits, '_' and '-' only, so
 * that no name can reach outside the search path ("../x", "a/b"). */
static int plugin_load_check_name(const char *name, char **msg)
{
	size_t i;

	if (!name || !*name) {
		*msg = alloc_strdup("plugin name is empty");
		return -EINVAL;
	}
	for (i = 0; name[i]; i++) {
		char c = name[i];

		if (i >= PLUGIN_LOAD_MAX_NAME)
			return plugin_fail(msg, -EINVAL, "plugin name",
					   "longer than %d characters",
					   PLUGIN_LOAD_MAX_NAME);
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-')) {
			*msg = alloc_printf("plugin name \"%s\": only letters, digits, '_' "
					    "and '-' are allowed (a plugin is named, not "
					    "given as a path; use --plugin-dir for its "
					    "directory)", name);
			return -EINVAL;
		}
	}
	return 0;
}

/* Find NAME.so in the first directory of `search_path` that has it. */
static int plugin_load_find(const char *name, const char *search_path, char **out,
			    char **msg)
{
	const char *dir = search_path, *end;
	char *path = NULL, *searched = NULL;
	struct stat st;
	int rc = -ENOENT;

	for (; *dir; dir = *end ? end + 1 : end) {
		size_t len;

		end = strchrnul(dir, ':');
		len = (size_t)(end - dir);
		if (len == 0)
			continue;
		while (len > 1 && dir[len - 1] == '/')
			len--;
		path = alloc_printf("%.*s%s%s.so", (int)len, dir,
				    dir[len - 1] == '/' ? "" : "/", name);
		if (!path) {
			rc = -ENOMEM;
			goto out;
		}
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			*out = path;
			path = NULL;
			rc = 0;
			goto out;
		}
		alloc_free(path);
		path = alloc_printf("%s%s%.*s", searched ? searched : "",
				    searched ? ", " : "", (int)len, dir);
		if (!path) {
			rc = -ENOMEM;
			goto out;
		}
		alloc_free(searched);
		searched = path;
		path = NULL;
	}
	if (searched)
		*msg = alloc_printf("plugin \"%s\": no %s.so in %s", name, name, searched);
	else
		*msg = alloc_printf("plugin \"%s\": no %s.so: the plugin search path is empty",
				    name, name);
out:
	alloc_free(path);
	alloc_free(searched);
	return rc;
}


/* ------------------------------------------------------------- registry -- */

/* Call with plugin_load_lock held. */
static struct plugin_load_shared *plugin_load_registry_find(void *dl)
{
	struct plugin_load_shared *s;

	for (s = plugin_load_registry; s; s = s->next)
		if (s->dl == dl)
			return s;
	return NULL;
}

/* Call with plugin_load_lock held. */
static void plugin_load_registry_remove(struct plugin_load_shared *s)
{
	struct plugin_load_shared **pp;

	for (pp = &plugin_load_registry; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			return;
		}
	}
}

/* Probe and init a plugin loaded for the first time, and register it.
 * Call with plugin_load_lock held; `s` is a fresh zeroed entry. */
static int plugin_load_start(struct plugin_load_handle *h, struct plugin_load_shared *s,
			     const struct scaled_host *host, char **msg)
{
	const struct scaled_plugin *d = &h->desc;
	char reason[PLUGIN_LOAD_REASON_LEN];
	int rc;

	if (d->probe) {
		reason[0] = '\0';
		rc = d->probe(reason, sizeof reason);
		reason[sizeof reason - 1] = '\0';
		if (rc > 0)
			return plugin_fail(msg, -ENOTSUP, h->pub.path, "skipped: %s",
					   *reason ? reason : "probe() declined, giving no reason");
		if (rc < 0)
			return plugin_fail(msg, rc, h->pub.path, "probe() failed (%s)%s%s",
					   strerror(-rc), *reason ? ": " : "", reason);
	}
	if (d->init) {
		reason[0] = '\0';
		rc = d->init(host, reason, sizeof reason);
		reason[sizeof reason - 1] = '\0';
		if (rc > 0)
			return plugin_fail(msg, -EPROTO, h->pub.path,
					   "init() failed, returning %d instead of a "
					   "negative errno%s%s", rc, *reason ? ": " : "",
					   reason);
		if (rc < 0)
			return plugin_fail(msg, rc, h->pub.path, "init() failed (%s)%s%s",
					   strerror(-rc), *reason ? ": " : "", reason);
	}
	s->dl = h->pub.dl ? h->pub.dl : (void *)h->raw;
	s->host = host;
	s->fini = d->fini;
	s->refs = 1;
	s->next = plugin_load_registry;
	plugin_load_registry = s;
	return 0;
}

/* ----------------------------------------------------------------- load -- */

/* Frees what plugin_load allocated for h; neither fini nor dlclose. */
static void plugin_load_free(struct plugin_load_handle *h)
{
	size_t i;

	if (!h)
		return;
	for (i = 0; (h->keys || h->limits) && i < h->n_kinds; i++) {
		if (h->keys)
			alloc_free(h->keys[i]);
		if (h->limits)
			alloc_free(h->limits[i]);
	}
	alloc_free(h->keys);
	alloc_free(h->limits);
	alloc_free(h->kind_list);
	alloc_free(h->kinds);
	alloc_free(h->pub.name);
	alloc_free(h->pub.path);
	alloc_free(h);
}

/* h shares the plugin registered under key (its dl handle, or an
 * in-process descriptor) if one is: init() ran already, with this host
 * table (another engine in this process). Else *fresh is started and
 * becomes h's (*fresh NULL after). 0, or a negative errno with *msg. */
static int plugin_load_attach(struct plugin_load_handle *h, void *key,
			      struct plugin_load_shared **fresh, const struct scaled_host *host,
			      char **msg)
{
	struct plugin_load_shared *s = plugin_load_registry_find(key);
	int rc;

	if (s) {
		if (s->host != host)
			return plugin_fail(msg, -EBUSY, h->pub.path,
					   "already loaded in this process with another host table");
		s->refs++;
		h->shared = s;
		return 0;
	}
	rc = plugin_load_start(h, *fresh, host, msg);
	if (rc < 0)
		return rc;
	h->shared = *fresh;
	*fresh = NULL;
	return 0;
}

int plugin_load(const char *name, const char *search_path, const struct scaled_host *host,
		struct plugin_handle **out, char **errmsg)
{
	struct plugin_load_handle *h = NULL;
	struct plugin_load_shared *fresh = NULL;
	scaled_plugin_entry_fn entry;
	char *default_path = NULL, *msg = NULL;
	const char *err;
	int locked = 0;
	void *sym;
	int rc;

	*out = NULL;
	if (errmsg)
		*errmsg = NULL;
	rc = plugin_load_check_name(name, &msg);
	if (rc < 0)
		goto out;
	if (!host) {
		rc = plugin_fail(&msg, -EINVAL, name, "no host table to init the plugin with");
		goto out;
	}
	if (!search_path) {
		default_path = plugin_search_path(NULL);
		if (!default_path) {
			rc = -ENOMEM;
			goto out;
		}
		search_path = default_path;
	}
	h = alloc_zero(1, sizeof *h);
	if (!h) {
		rc = -ENOMEM;
		goto out;
	}
	h->pub.name = alloc_strdup(name);
	if (!h->pub.name) {
		rc = -ENOMEM;
		goto out;
	}
	rc = plugin_load_find(name, search_path, &h->pub.path, &msg);
	if (rc < 0)
		goto out;
	/* Allocated up front, so that nothing can fail after init(). */
	fresh = alloc_zero(1, sizeof *fresh);
	if (!fresh) {
		rc = -ENOMEM;
		goto out;
	}

	pthread_mutex_lock(&plugin_load_lock);
	locked = 1;
	dlerror();
	h->pub.dl = dlopen(h->pub.path, RTLD_NOW | RTLD_LOCAL);
	if (!h->pub.dl) {
		err = dlerror();
		rc = plugin_fail(&msg, -ELIBBAD, h->pub.path, "dlopen failed: %s",
				 err ? err : "unknown error");
		goto out;
	}
	dlerror();
	sym = dlsym(h->pub.dl, SCALED_PLUGIN_ENTRY);
	err = dlerror();
	if (!sym) {
		rc = plugin_fail(&msg, -ELIBBAD, h->pub.path,
				 "not a scaled plugin: no %s symbol (%s)",
				 SCALED_PLUGIN_ENTRY, err ? err : "it is NULL");
		goto out;
	}
	entry = (scaled_plugin_entry_fn)sym;
	rc = plugin_check_copy_desc(h, entry(), name, h->pub.path, &msg);
	if (rc < 0)
		goto out;

	rc = plugin_load_attach(h, h->pub.dl, &fresh, host, &msg);
	if (rc < 0)
		goto out;
	*out = &h->pub;
	h = NULL;
	rc = 0;
out:
	if (h && h->pub.dl)
		dlclose(h->pub.dl);
	if (locked)
		pthread_mutex_unlock(&plugin_load_lock);
	alloc_free(fresh);
	plugin_load_free(h);
	alloc_free(default_path);
	if (rc < 0 && !msg)
		msg = alloc_printf("plugin \"%s\": %s", name ? name : "(null)", strerror(-rc));
	if (errmsg)
		*errmsg = msg;
	else
		alloc_free(msg);
	return rc;
}

int plugin_load_static(const struct scaled_plugin *desc, const struct scaled_host *host,
		       struct plugin_handle **out, char **errmsg)
{
	struct plugin_load_handle *h = NULL;
	struct plugin_load_shared *fresh = NULL;
	char *msg = NULL;
	int locked = 0;
	int rc;

	*out = NULL;
	if (errmsg)
		*errmsg = NULL;
	if (!desc || !host) {
		rc = plugin_fail(&msg, -EINVAL, "in-process plugin", "no descriptor or host table");
		goto out;
	}
	h = alloc_zero(1, sizeof *h);
	fresh = alloc_zero(1, sizeof *fresh);
	if (!h || !fresh) {
		rc = -ENOMEM;
		goto out;
	}
	h->raw = desc;
	/* The three leading fields are checked before the name is read. */
	if (desc->abi_major == SCALED_PLUGIN_ABI_MAJOR && desc->struct_size >= SCALED_PLUGIN_SIZE_1_0 &&
	    desc->name)
		h->pub.name = alloc_strdup(desc->name);
	else
		h->pub.name = alloc_strdup("?");
	h->pub.path = h->pub.name ? alloc_printf("in-process plugin \"%s\"", h->pub.name) : NULL;
	if (!h->pub.path) {
		rc = -ENOMEM;
		goto out;
	}
	rc = plugin_check_copy_desc(h, desc, h->pub.name, h->pub.path, &msg);
	if (rc < 0)
		goto out;
	pthread_mutex_lock(&plugin_load_lock);
	locked = 1;
	rc = plugin_load_attach(h, (void *)desc, &fresh, host, &msg);
	if (rc < 0)
		goto out;
	*out = &h->pub;
	h = NULL;
	rc = 0;
out:
	if (locked)
		pthread_mutex_unlock(&plugin_load_lock);
	alloc_free(fresh);
	plugin_load_free(h);
	if (rc < 0 && !msg)
		msg = alloc_printf("in-process plugin: %s", strerror(-rc));
	if (errmsg)
		*errmsg = msg;
	else
		alloc_free(msg);
	return rc;
}

void plugin_unload(struct plugin_handle *p)
{
	struct plugin_load_handle *h;
	struct plugin_load_shared *s;

	if (!p)
		return;
	h = (struct plugin_load_handle *)((char *)p - offsetof(struct plugin_load_handle, pub));
	s = h->shared;
	pthread_mutex_lock(&plugin_load_lock);
	if (s && --s->refs == 0) {
		plugin_load_registry_remove(s);
		if (s->fini)
			s->fini();
		alloc_free(s);
	}
	if (p->dl)
		dlclose(p->dl);
	pthread_mutex_unlock(&plugin_load_lock);
	plugin_load_free(h);
}

const struct scaled_kind *plugin_find_kind(const struct plugin_handle *p, const char *kind)
{
	const struct plugin_load_handle *h;
	size_t i;

	if (!p || !kind)
		return NULL;
	h = (const struct plugin_load_handle *)((const char *)p -
						offsetof(struct plugin_load_handle, pub));
	for (i = 0; i < h->n_kinds; i++)
		if (strcmp(h->kinds[i].name, kind) == 0)
			return &h->kinds[i];
	return NULL;
}
