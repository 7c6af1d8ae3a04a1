/*
 * replay_fx.h - the fixture the replay.so tests share: the plugin loaded
 * through the test host, a temporary folder for trace files, create() with
 * "key=value" strings, and collect() at a given engine time.
 */
#ifndef REPLAY_FX_H
#define REPLAY_FX_H

#include <stddef.h>
#include <stdint.h>

#include "plugin_test_host.h"

struct replay_fx {
	struct th_plugin plugin;
	const struct scaled_kind *kind;
	struct scaled_instance inst;
	char dir[64];
	char path[128]; /* the last file written */
	void *state;    /* the instance, when create() succeeded */
	char err[512];  /* create()'s message */
};

/* cmocka setup/teardown: *ts is a struct replay_fx. */
int replay_fx_setup(void **ts);
int replay_fx_teardown(void **ts);

/* Write len bytes of text to <dir>/<name>; f->path names it. */
void replay_fx_write(struct replay_fx *f, const char *name, const char *text, size_t len);
/* The same, for a NUL-terminated text. */
void replay_fx_put(struct replay_fx *f, const char *name, const char *text);

/* create() on path with the "key=value" strings in kv (NULL-terminated,
 * at most 7): its return value; f->err holds its message, f->state the
 * instance on success. */
int replay_fx_create(struct replay_fx *f, const char *path, const char *const *kv);

/* Set the virtual clock to t_ms and collect: 1 and *v when a sample was
 * published, 0 when none was. Fails the test if collect fails. */
int replay_fx_at(struct replay_fx *f, int64_t t_ms, double *v);

#endif
