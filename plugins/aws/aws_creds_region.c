/*
 * aws_creds_region.c - the region and a service's endpoint (aws_creds.h):
 * the farm's, then the environment's, then the profile's.
 */
#include "aws_creds.h"
#include "aws_creds_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAIL(...) aws_creds_config_fail(err, errlen, __VA_ARGS__)

static int region_ok(const char *r)
{
	size_t n = strnlen(r, 64);

	if (!n || n > 63)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((r[i] >= 'a' && r[i] <= 'z') || (r[i] >= '0' && r[i] <= '9') || r[i] == '-'))
			return 0;
	return 1;
}

int aws_creds_region(const struct aws_creds_config *cfg, const char *farm_region,
		     struct aws_creds_value *out, char *err, size_t errlen)
{
	static const char *const vars[] = { "AWS_REGION", "AWS_DEFAULT_REGION" };
	const char *v = farm_region && *farm_region ? farm_region : NULL;
	char where[300], cf[300];

	if (!out)
		return FAIL(-EINVAL, "aws region: no result");
	memset(out, 0, sizeof *out);
	if (!cfg || !cfg->profile)
		return FAIL(-EINVAL, "aws region: no configuration loaded");
	if (v)
		snprintf(out->origin, sizeof out->origin, "the farm");
	for (int i = 0; !v && i < 2; i++)
		if ((v = aws_creds_config_env(cfg, vars[i])))
			snprintf(out->origin, sizeof out->origin, "%s", vars[i]);
	if (!v && (v = aws_creds_config_get(cfg, cfg->profile, "region", where, sizeof where)))
		snprintf(out->origin, sizeof out->origin, "profile '%s' (%s)", cfg->profile, where);
	if (!v)
		return FAIL(-ENOENT, "aws region: none: the farm gives none, neither AWS_REGION "
			    "nor AWS_DEFAULT_REGION is set, and profile '%s' has no region in %s",
			    cfg->profile, aws_creds_config_file(&cfg->config, cf, sizeof cf));
	if (!region_ok(v)) {
		FAIL(-EINVAL, "aws region: the region from %s is not 1 to 63 of a-z, 0-9 and '-'",
		     out->origin);
		out->origin[0] = '\0';
		return -EINVAL;
	}
	if (!(out->value = strdup(v))) {
		out->origin[0] = '\0';
		return FAIL(-ENOMEM, "aws region: out of memory");
	}
	return 0;
}

/* AWS_ENDPOINT_URL_<SERVICE> for a service id ("Auto Scaling"), or -EINVAL. */
static int endpoint_var(const char *service_id, char *var, size_t len)
{
	size_t n = strlen("AWS_ENDPOINT_URL_"), sn = strnlen(service_id, 65);

	if (!sn || sn > 64 || n + sn >= len)
		return -EINVAL;
	memcpy(var, "AWS_ENDPOINT_URL_", n);
	for (size_t i = 0; i < sn; i++) {
		char c = service_id[i];

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		else if (c == ' ' || c == '-')
			c = '_';
		else if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
			return -EINVAL;
		var[n + i] = c;
	}
	var[n + sn] = '\0';
	return 0;
}

int aws_creds_endpoint(const struct aws_creds_config *cfg, const char *farm_url,
		       const char *service_id, struct aws_creds_value *out,
		       char *err, size_t errlen)
{
	const char *v = farm_url && *farm_url ? farm_url : NULL, *why, *ign;
	char var[96], where[300], host[256];
	int https;

	if (!out)
		return FAIL(-EINVAL, "aws endpoint: no result");
	memset(out, 0, sizeof *out);
	if (!cfg || !cfg->profile)
		return FAIL(-EINVAL, "aws endpoint: no configuration loaded");
	if (service_id && endpoint_var(service_id, var, sizeof var))
		return FAIL(-EINVAL, "aws endpoint: the service id is not 1 to 64 of A-Z, a-z, "
			    "0-9, space, '-' and '_'");
	if (!(ign = aws_creds_config_env(cfg, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")))
		ign = aws_creds_config_get(cfg, cfg->profile, "ignore_configured_endpoint_urls",
					   NULL, 0);
	if (v) {
		snprintf(out->origin, sizeof out->origin, "the farm");
	} else if (aws_creds_config_true(ign)) {
		snprintf(out->origin, sizeof out->origin, "AWS's own (configured endpoints "
			 "ignored: ignore_configured_endpoint_urls)");
		return 0;
	} else if (service_id && (v = aws_creds_config_env(cfg, var))) {
		snprintf(out->origin, sizeof out->origin, "%s", var);
	} else if ((v = aws_creds_config_env(cfg, "AWS_ENDPOINT_URL"))) {
		snprintf(out->origin, sizeof out->origin, "AWS_ENDPOINT_URL");
	} else if ((v = aws_creds_config_get(cfg, cfg->profile, "endpoint_url", where,
					     sizeof where))) {
		snprintf(out->origin, sizeof out->origin, "profile '%s' (%s)", cfg->profile, where);
	} else {
		snprintf(out->origin, sizeof out->origin, "AWS's own");
		return 0;
	}
	if (aws_creds_config_url(v, &https, host, sizeof host, &why)) {
		FAIL(-EINVAL, "aws endpoint: the URL from %s %s", out->origin, why);
		out->origin[0] = '\0';
		return -EINVAL;
	}
	if (!(out->value = strdup(v))) {
		out->origin[0] = '\0';
		return FAIL(-ENOMEM, "aws endpoint: out of memory");
	}
	return 0;
}

void aws_creds_value_free(struct aws_creds_value *v)
{
	if (!v)
		return;
	free(v->value);
	memset(v, 0, sizeof *v);
}
