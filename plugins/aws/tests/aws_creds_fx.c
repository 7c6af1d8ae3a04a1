/*
 * aws_creds_fx.c - a fake environment and the secret check for the tests
 * of aws_creds (aws_creds_fx.h).
 */
#include "aws_creds_fx.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

/* Full secrets used outside the fixtures' marker convention. */
static const char *const fx_known[] = {
	"wJalrXUtnFEMI/K7MDENG+bPxRfiCYS3CR3TKEY",
};

static size_t fx_checked;

static const char *fx_get(void *ctx, const char *name)
{
	struct fx_env *e = ctx;

	for (size_t i = e->n; i-- > 0;)
		if (!strcmp(e->var[i][0], name))
			return e->var[i][1];
	return NULL;
}

struct fx_env fx_files(void)
{
	struct fx_env e = { .n = 0 };

	fx_set(&e, "AWS_SHARED_CREDENTIALS_FILE", CREDS);
	fx_set(&e, "AWS_CONFIG_FILE", CONFIG);
	return e;
}

struct aws_creds_env fx_env_of(struct fx_env *e)
{
	return (struct aws_creds_env){ .get = fx_get, .ctx = e };
}

void fx_set(struct fx_env *e, const char *name, const char *value)
{
	assert_true(e->n < FX_MAX_VARS);
	e->var[e->n][0] = name;
	e->var[e->n][1] = value;
	e->n++;
}

void fx_msg(const char *msg)
{
	size_t n = strlen(msg);

	fx_checked++;
	if (strstr(msg, FX_SECRET_MARK) || strstr(msg, FX_TOKEN_MARK))
		fail_msg("a message shows a secret: %s", msg);
	for (size_t k = 0; k < sizeof fx_known / sizeof *fx_known; k++)
		for (size_t i = 0; i + 8 <= strlen(fx_known[k]); i++)
			if (memmem(msg, n, fx_known[k] + i, 8))
				fail_msg("a message shows a secret: %s", msg);
}

size_t fx_msgs(void)
{
	return fx_checked;
}

int fx_load(struct aws_creds_config *cfg, struct fx_env *e, const char *farm_profile,
	    char *err, size_t errlen)
{
	struct aws_creds_env env = fx_env_of(e);
	int rc;

	err[0] = '\0';
	rc = aws_creds_config_load(cfg, &env, farm_profile, err, errlen);
	fx_msg(err);
	return rc;
}
