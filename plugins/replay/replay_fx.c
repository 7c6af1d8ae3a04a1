/*
 * replay_fx.c - the fixture the replay.so tests share (replay_fx.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "replay_fx.h"

int replay_fx_setup(void **ts)
{
	struct replay_fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	th_reset();
	th_load("replay", &f->plugin);
	f->kind = th_kind(&f->plugin, "replay");
	assert_int_equal(f->kind->role, SCALED_ROLE_SOURCE);
	snprintf(f->inst.name, sizeof(f->inst.name), "price");
	snprintf(f->dir, sizeof(f->dir), "/tmp/scaled-test-replay-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	*ts = f;
	return 0;
}

int replay_fx_teardown(void **ts)
{
	struct replay_fx *f = *ts;
	char cmd[128];

	if (f->state)
		f->kind->destroy(f->state);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	th_unload(&f->plugin);
	th_reset();
	free(f);
	return 0;
}

void replay_fx_write(struct replay_fx *f, const char *name, const char *text, size_t len)
{
	FILE *o;

	snprintf(f->path, sizeof(f->path), "%s/%s", f->dir, name);
	o = fopen(f->path, "w");
	assert_non_null(o);
	assert_int_equal(fwrite(text, 1, len, o), len);
	assert_int_equal(fclose(o), 0);
}

void replay_fx_put(struct replay_fx *f, const char *name, const char *text)
{
	replay_fx_write(f, name, text, strlen(text));
}

int replay_fx_create(struct replay_fx *f, const char *path, const char *const *kv)
{
	const char *all[9] = { NULL };
	char opt[600];
	struct scaled_value v[16];
	size_t n = 0;
	int rc;

	snprintf(opt, sizeof(opt), "path=%s", path);
	all[n++] = opt;
	for (; kv && *kv; kv++) {
		assert_true(n < 8);
		all[n++] = *kv;
	}
	th_values(f->kind, v, 16, all);
	assert_null(th_limits_broken(f->kind, v));
	f->err[0] = '\0';
	f->state = NULL;
	rc = f->kind->create(&f->inst, v, &f->state, f->err, sizeof(f->err));
	if (rc < 0)
		assert_null(f->state);
	return rc;
}

int replay_fx_at(struct replay_fx *f, int64_t t_ms, double *v)
{
	size_t before = th_sample_count(&f->inst, NULL);
	const struct th_sample *s;
	char err[256] = "";

	th_clock_set(t_ms);
	assert_int_equal(f->kind->collect(f->state, err, sizeof(err)), 0);
	if (th_sample_count(&f->inst, NULL) == before)
		return 0;
	assert_int_equal(th_sample_count(&f->inst, NULL), before + 1);
	assert_true(th_last(&f->inst, NULL, v));
	/* Stamped with the engine's now, not the row's time. */
	assert_true(th_samples(&s) > 0);
	assert_int_equal(s[th_samples(&s) - 1].t_ms, t_ms);
	return 1;
}
