/*
 * aws_creds_config.c - what the environment chooses (the profile, the two
 * files) and the files read once (aws_creds.h), with the lookups that
 * aws_creds.c and aws_creds_region.c share (aws_creds_config.h).
 */
#include "aws_creds_config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int aws_creds_config_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

const char *aws_creds_config_env(const struct aws_creds_config *cfg, const char *name)
{
	const char *v = cfg->env.get(cfg->env.ctx, name);

	return v && *v ? v : NULL;
}

int aws_creds_config_true(const char *v)
{
	return v && !strcasecmp(v, "true");
}

const char *aws_creds_config_get(const struct aws_creds_config *cfg, const char *profile,
				 const char *key, char *where, size_t wlen)
{
	const struct aws_creds_ini *files[2] = { &cfg->credentials, &cfg->config };

	for (int i = 0; i < 2; i++) {
		const struct aws_creds_ini_prop *pr;
		const char *v = aws_creds_ini_get(files[i], profile, key, &pr);

		if (v) {
			if (where && wlen)
				snprintf(where, wlen, "%s:%u", files[i]->path, pr->line);
			return v;
		}
	}
	return NULL;
}

int aws_creds_config_has(const struct aws_creds_config *cfg, const char *profile)
{
	return aws_creds_ini_has(&cfg->credentials, profile) ||
	       aws_creds_ini_has(&cfg->config, profile);
}

const char *aws_creds_config_file(const struct aws_creds_ini *ini, char *buf, size_t len)
{
	if (!ini->path)
		snprintf(buf, len, "(no HOME)");
	else
		snprintf(buf, len, "%s%s", ini->path, ini->present ? "" : " (absent)");
	return buf;
}

int aws_creds_config_url(const char *url, int *https, char *host, size_t hostlen,
			 const char **why)
{
	size_t n = strnlen(url, AWS_CREDS_MAX_URL + 1), skip, hn;
	const char *auth, *end, *h, *port;

	*why = NULL;
	if (n > AWS_CREDS_MAX_URL)
		*why = "is longer than 2048 bytes";
	for (size_t i = 0; !*why && i < n; i++)
		if ((unsigned char)url[i] <= 0x20 || (unsigned char)url[i] >= 0x7f)
			*why = "holds a space, a control byte or a byte outside ASCII";
	if (*why)
		return -EINVAL;
	*https = !strncasecmp(url, "https://", 8);
	if (!*https && strncasecmp(url, "http://", 7)) {
		*why = "does not start with http:// or https://";
		return -EINVAL;
	}
	skip = *https ? 8 : 7;
	auth = url + skip;
	end = auth + strcspn(auth, "/?#");
	if (memchr(auth, '@', (size_t)(end - auth))) {
		*why = "holds user information (user@host), which is refused";
		return -EINVAL;
	}
	h = auth;
	if (*h == '[') {
		const char *close = memchr(h, ']', (size_t)(end - h));

		if (!close) {
			*why = "has an IPv6 host without ']'";
			return -EINVAL;
		}
		port = close + 1;
	} else {
		port = memchr(h, ':', (size_t)(end - h));
		if (!port)
			port = end;
	}
	hn = (size_t)(port - h);
	if (!hn || (*h == '[' && hn < 3)) {
		*why = "has no host";
		return -EINVAL;
	}
	if (port < end) {
		long p = 0;

		if (*port != ':' || port + 1 == end) {
			*why = "has a bad port";
			return -EINVAL;
		}
		for (const char *c = port + 1; c < end; c++) {
			if (*c < '0' || *c > '9' || (p = p * 10 + (*c - '0')) > 65535) {
				*why = "has a bad port";
				return -EINVAL;
			}
		}
		if (!p) {
			*why = "has a bad port";
			return -EINVAL;
		}
	}
	if (hn >= hostlen) {
		*why = "has a host name that is too long";
		return -EINVAL;
	}
	for (size_t i = 0; i < hn; i++)
		host[i] = h[i] >= 'A' && h[i] <= 'Z' ? (char)(h[i] - 'A' + 'a') : h[i];
	host[hn] = '\0';
	return 0;
}

/* The file named by var (a leading "~/" is HOME), else HOME/.aws/base;
 * NULL in *out when neither can be had. */
static int config_path(const struct aws_creds_config *cfg, const char *var, const char *base,
		       char **out)
{
	const char *v = aws_creds_config_env(cfg, var), *home = aws_creds_config_env(cfg, "HOME");
	int n;

	*out = NULL;
	if (v && (v[0] != '~' || v[1] != '/' || !home)) {
		*out = strdup(v);
		return *out ? 0 : -ENOMEM;
	}
	if (!home)
		return 0;
	n = v ? asprintf(out, "%s%s", home, v + 1) : asprintf(out, "%s/.aws/%s", home, base);
	if (n < 0) {
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}

int aws_creds_config_load(struct aws_creds_config *cfg, const struct aws_creds_env *env,
			  const char *farm_profile, char *err, size_t errlen)
{
	char *path = NULL;
	const char *name;
	int rc;

	memset(cfg, 0, sizeof *cfg);
	if (!env || !env->get)
		return aws_creds_config_fail(err, errlen, -EINVAL,
					     "aws credentials: no environment function");
	cfg->env = *env;
	if (farm_profile && *farm_profile) {
		name = farm_profile;
		cfg->profile_from = AWS_CREDS_PROFILE_FARM;
	} else if ((name = aws_creds_config_env(cfg, "AWS_PROFILE"))) {
		cfg->profile_from = AWS_CREDS_PROFILE_ENV;
	} else {
		name = "default";
	}
	if (!aws_creds_ini_name_ok(name)) {
		rc = aws_creds_config_fail(err, errlen, -EINVAL, "aws credentials: %s is not a "
					   "profile name (1 to 255 of A-Z, a-z, 0-9 and _-/.%%@:+)",
					   cfg->profile_from == AWS_CREDS_PROFILE_FARM
					   ? "the farm's profile" : "AWS_PROFILE");
		goto out;
	}
	rc = -ENOMEM;
	if (!(cfg->profile = strdup(name)))
		goto nomem;
	if ((rc = config_path(cfg, "AWS_SHARED_CREDENTIALS_FILE", "credentials", &path)))
		goto nomem;
	rc = aws_creds_ini_load(&cfg->credentials, path, AWS_CREDS_INI_CREDENTIALS, err, errlen);
	free(path);
	if (rc)
		goto out;
	if ((rc = config_path(cfg, "AWS_CONFIG_FILE", "config", &path)))
		goto nomem;
	rc = aws_creds_ini_load(&cfg->config, path, AWS_CREDS_INI_CONFIG, err, errlen);
	free(path);
	if (rc)
		goto out;
	return 0;
nomem:
	aws_creds_config_fail(err, errlen, rc, "aws credentials: out of memory");
out:
	aws_creds_config_free(cfg);
	return rc;
}

void aws_creds_config_free(struct aws_creds_config *cfg)
{
	if (!cfg)
		return;
	aws_creds_ini_free(&cfg->credentials);
	aws_creds_ini_free(&cfg->config);
	free(cfg->profile);
	memset(cfg, 0, sizeof *cfg);
}
