/*
 * procpool_fx.c - the fixture the procpool.so tests share (procpool_fx.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "procpool_fx.h"

void pfx_open(struct pfx *p, const char *dir_template)
{
	th_reset();
	th_clock_real();
	th_load("procpool", &p->plugin);
	p->kind = th_kind(&p->plugin, "procpool");
	snprintf(p->inst.name, sizeof(p->inst.name), "pool");
	snprintf(p->dir, sizeof(p->dir), "%s", dir_template);
	assert_non_null(mkdtemp(p->dir));
}

void pfx_destroy(struct pfx *p)
{
	if (p->state)
		p->kind->destroy(p->state);
	p->state = NULL;
}

int pfx_close(struct pfx *p)
{
	char cmd[128];
	int rc;

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", p->dir);
	rc = system(cmd);
	th_unload(&p->plugin);
	th_reset();
	return rc;
}

void pfx_create(struct pfx *p, const char *o1, const char *o2, const char *o3)
{
	char command[1100];
	const char *kv[] = { command, o1, o2, o3, NULL };
	struct scaled_value v[8];
	char err[256] = "";
	int rc;

	snprintf(command, sizeof(command), "command=%s", p->cmd);
	th_values(p->kind, v, 8, kv);
	rc = p->kind->create(&p->inst, v, &p->state, err, sizeof(err));
	if (rc != 0)
		fail_msg("create: %d %s", rc, err);
}

int pfx_apply(struct pfx *p, int desired)
{
	struct scaled_target_want want = {
		.struct_size = sizeof(want),
		.desired = desired,
		.on_demand_base = -1,
		.on_demand_percent = -1,
	};
	const struct th_done *d;
	size_t before = th_dones(&d), n;
	char err[256] = "";
	int rc;

	rc = p->kind->apply(p->state, &want, ++p->token, err, sizeof(err));
	if (rc != 0)
		fail_msg("apply(%d): %d %s", desired, rc, err);
	n = th_dones(&d);
	assert_int_equal(n, before + 1);
	assert_true(d[n - 1].token == p->token);
	assert_ptr_equal(d[n - 1].inst, &p->inst);
	return d[n - 1].status;
}

const struct scaled_target_state *pfx_state(struct pfx *p)
{
	const struct th_report *r = th_last_report(&p->inst);

	assert_non_null(r);
	return &r->state;
}

double pfx_counter(struct pfx *p, const char *name)
{
	double v = -1;

	assert_int_equal(th_last(&p->inst, name, &v), 1);
	return v;
}

void pfx_poll(void *arg)
{
	struct pfx *p = arg;
	char err[256] = "";

	assert_int_equal(p->kind->poll(p->state, err, sizeof(err)), 0);
}

int pfx_no_stopping(void *arg)
{
	return pfx_state(arg)->stopping == 0;
}

int pfx_file_there(void *arg)
{
	return access(arg, F_OK) == 0;
}
