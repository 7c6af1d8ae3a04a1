/*
 * aws_creds.c - resolve AWS credentials in the SDKs' order (aws_creds.h):
 * the environment, the profile (its source_profile chain followed), then
 * what needs the network (ECS, IMDSv2) returned as what to fetch.
 */
#include "aws_creds.h"
#include "aws_creds_config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FAIL(...) aws_creds_config_fail(err, errlen, __VA_ARGS__)
#define NOMEM() FAIL(-ENOMEM, "aws credentials: out of memory")

static int creds_dup(char **dst, const char *s)
{
	*dst = s ? strdup(s) : NULL;
	return s && !*dst ? -ENOMEM : 0;
}

/* A string to wipe, then free. */
static void creds_wipe(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static int creds_word(const char *s, size_t max, const char *not)
{
	size_t n = strnlen(s, max + 1);

	if (!n || n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f || strchr(not, s[i]))
			return 0;
	return 1;
}

/* Static keys from where ("AWS_ACCESS_KEY_ID", "profile 'x'"), checked as
 * SigV4 wants them; nothing of them in a message. */
static int creds_keys(struct aws_creds *out, const char *where, const char *id,
		      const char *secret, const char *token, char *err, size_t errlen)
{
	if (!creds_word(id, 128, ",/;="))
		return FAIL(-EINVAL, "aws credentials: %s: the access key id is empty, longer "
			    "than 128 bytes, or holds a space, a byte outside printable ASCII or "
			    "one of ,/;=", where);
	if (!creds_word(secret, 256, ""))
		return FAIL(-EINVAL, "aws credentials: %s: the secret access key is empty, longer "
			    "than 256 bytes, or holds a space or a byte outside printable ASCII",
			    where);
	if (token && !creds_word(token, 8128, ""))
		return FAIL(-EINVAL, "aws credentials: %s: the session token is longer than 8128 "
			    "bytes or holds a space or a byte outside printable ASCII", where);
	out->kind = AWS_CREDS_STATIC;
	if (creds_dup(&out->access_key_id, id) || creds_dup(&out->secret_access_key, secret) ||
	    creds_dup(&out->session_token, token))
		return NOMEM();
	return 0;
}

/* AWS_ACCESS_KEY_ID and the rest: 0 found, 1 not set, or an error. */
static int creds_env_keys(const struct aws_creds_config *cfg, struct aws_creds *out,
			  char *err, size_t errlen)
{
	const char *id = aws_creds_config_env(cfg, "AWS_ACCESS_KEY_ID");
	const char *secret = aws_creds_config_env(cfg, "AWS_SECRET_ACCESS_KEY");

	if (!id && !secret)
		return 1;
	if (!id || !secret)
		return FAIL(-EINVAL, "aws credentials: %s is set but %s is not",
			    id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
			    id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
	snprintf(out->origin, sizeof out->origin, "the environment (AWS_ACCESS_KEY_ID)");
	return creds_keys(out, "the environment", id, secret,
			  aws_creds_config_env(cfg, "AWS_SESSION_TOKEN"), err, errlen);
}

/* AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN: 0, 1 not set, or an error. */
static int creds_env_web(const struct aws_creds_config *cfg, struct aws_creds *out,
			 char *err, size_t errlen)
{
	const char *file = aws_creds_config_env(cfg, "AWS_WEB_IDENTITY_TOKEN_FILE");
	const char *arn = aws_creds_config_env(cfg, "AWS_ROLE_ARN");

	if (!file && !arn)
		return 1;
	if (!file || !arn)
		return FAIL(-EINVAL, "aws credentials: %s is set but %s is not",
			    file ? "AWS_WEB_IDENTITY_TOKEN_FILE" : "AWS_ROLE_ARN",
			    file ? "AWS_ROLE_ARN" : "AWS_WEB_IDENTITY_TOKEN_FILE");
	out->kind = AWS_CREDS_NEEDS_WEB_IDENTITY;
	snprintf(out->origin, sizeof out->origin, "the environment (AWS_WEB_IDENTITY_TOKEN_FILE)");
	if (creds_dup(&out->web.role_arn, arn) || creds_dup(&out->token_file, file) ||
	    creds_dup(&out->web.session_name, aws_creds_config_env(cfg, "AWS_ROLE_SESSION_NAME")))
		return NOMEM();
	return 0;
}

/* The http:// hosts a container endpoint may have: loopback, the ECS and
 * EKS agents. A name other than localhost is refused (its addresses are
 * not known here). */
static int creds_ecs_host_ok(const char *host)
{
	unsigned char a[16];
	char in[64];
	size_t n = strlen(host);

	if (!strcmp(host, "localhost") || !strcmp(host, AWS_CREDS_ECS_HOST) ||
	    !strcmp(host, "169.254.170.23"))
		return 1;
	if (inet_pton(AF_INET, host, a) == 1)
		return a[0] == 127;
	if (host[0] != '[' || n < 3 || n - 2 >= sizeof in)
		return 0;
	memcpy(in, host + 1, n - 2);
	in[n - 2] = '\0';
	if (inet_pton(AF_INET6, in, a) != 1)
		return 0;
	return !memcmp(a, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) ||
	       !memcmp(a, "\xfd\0\x0e\xc2\0\0\0\0\0\0\0\0\0\0\0\x23", 16);
}

/* The container endpoint: 0, 1 when none is set, or an error. */
static int creds_ecs(const struct aws_creds_config *cfg, struct aws_creds *out,
		     char *err, size_t errlen)
{
	const char *rel = aws_creds_config_env(cfg, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = aws_creds_config_env(cfg, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
	const char *file = aws_creds_config_env(cfg, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	const char *tok = aws_creds_config_env(cfg, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
	const char *why;
	char host[256];
	int https;

	if (rel) {
		if (rel[0] != '/' || !creds_word(rel, AWS_CREDS_MAX_URL, ""))
			return FAIL(-EINVAL, "aws credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI "
				    "does not start with '/', or holds a space or a byte outside "
				    "printable ASCII");
		if (asprintf(&out->url, "http://" AWS_CREDS_ECS_HOST "%s", rel) < 0) {
			out->url = NULL;
			return NOMEM();
		}
		snprintf(out->origin, sizeof out->origin, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	} else if (full) {
		if (aws_creds_config_url(full, &https, host, sizeof host, &why))
			return FAIL(-EINVAL, "aws credentials: AWS_CONTAINER_CREDENTIALS_FULL_URI %s",
				    why);
		if (!https && !creds_ecs_host_ok(host))
			return FAIL(-EINVAL, "aws credentials: AWS_CONTAINER_CREDENTIALS_FULL_URI: "
				    "http:// only to a loopback address, localhost, "
				    AWS_CREDS_ECS_HOST ", 169.254.170.23 or [fd00:ec2::23]; "
				    "elsewhere use https://");
		if (creds_dup(&out->url, full))
			return NOMEM();
		snprintf(out->origin, sizeof out->origin, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
	} else {
		return 1;
	}
	out->kind = AWS_CREDS_NEEDS_ECS;
	if (file)
		return creds_dup(&out->auth_token_file, file) ? NOMEM() : 0;
	for (size_t i = 0; tok && tok[i]; i++)
		if ((unsigned char)tok[i] < 0x20 || tok[i] == 0x7f || i >= 8192)
			return FAIL(-EINVAL, "aws credentials: AWS_CONTAINER_AUTHORIZATION_TOKEN "
				    "holds a control byte (a line break?) or is longer than 8192 "
				    "bytes");
	return creds_dup(&out->auth_token, tok) ? NOMEM() : 0;
}

/* IMDSv2's endpoint: 0, or an error (a bad endpoint or mode). */
static int creds_imds(const struct aws_creds_config *cfg, struct aws_creds *out,
		      char *err, size_t errlen)
{
	const char *url = aws_creds_config_env(cfg, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
	const char *mode = aws_creds_config_env(cfg, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
	const char *src = url ? "AWS_EC2_METADATA_SERVICE_ENDPOINT" : NULL, *why;
	char where[300], host[256];
	int https;

	if (!url && (url = aws_creds_config_get(cfg, cfg->profile, "ec2_metadata_service_endpoint",
						where, sizeof where)))
		src = where;
	if (!mode)
		mode = aws_creds_config_get(cfg, cfg->profile, "ec2_metadata_service_endpoint_mode",
					    NULL, 0);
	if (url && aws_creds_config_url(url, &https, host, sizeof host, &why))
		return FAIL(-EINVAL, "aws credentials: the IMDS endpoint (%s) %s", src, why);
	if (!url && mode && strcasecmp(mode, "IPv4") && strcasecmp(mode, "IPv6"))
		return FAIL(-EINVAL, "aws credentials: the IMDS endpoint mode is neither IPv4 "
			    "nor IPv6");
	if (!url)
		url = mode && !strcasecmp(mode, "IPv6") ? AWS_CREDS_IMDS_V6 : AWS_CREDS_IMDS_V4;
	out->kind = AWS_CREDS_NEEDS_IMDS;
	return creds_dup(&out->url, url) ? NOMEM() : 0;
}

/* A profile's credential_source (its role's base). */
static int creds_named_source(const struct aws_creds_config *cfg, const char *profile,
			      const char *source, struct aws_creds *out, char *err, size_t errlen)
{
	int rc;

	if (!strcmp(source, "Environment")) {
		rc = creds_env_keys(cfg, out, err, errlen);
		return rc != 1 ? rc : FAIL(-EINVAL, "aws credentials: profile '%s' has "
					   "credential_source = Environment but AWS_ACCESS_KEY_ID "
					   "is not set", profile);
	}
	if (!strcmp(source, "EcsContainer")) {
		rc = creds_ecs(cfg, out, err, errlen);
		return rc != 1 ? rc : FAIL(-EINVAL, "aws credentials: profile '%s' has "
					   "credential_source = EcsContainer but no "
					   "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI is set",
					   profile);
	}
	if (!strcmp(source, "Ec2InstanceMetadata")) {
		if (aws_creds_config_true(aws_creds_config_env(cfg, "AWS_EC2_METADATA_DISABLED")))
			return FAIL(-EINVAL, "aws credentials: profile '%s' has credential_source = "
				    "Ec2InstanceMetadata but AWS_EC2_METADATA_DISABLED is true",
				    profile);
		snprintf(out->origin, sizeof out->origin, "credential_source of profile '%s'",
			 profile);
		return creds_imds(cfg, out, err, errlen);
	}
	return FAIL(-EINVAL, "aws credentials: profile '%s': credential_source is none of "
		    "Environment, Ec2InstanceMetadata, EcsContainer", profile);
}

/* What a profile holds besides a role to assume: 0 (keys, a web identity),
 * 1 (nothing), or an error. */
static int creds_base(const struct aws_creds_config *cfg, const char *p, struct aws_creds *out,
		      char *err, size_t errlen)
{
	char where[300] = "";
	const char *id = aws_creds_config_get(cfg, p, "aws_access_key_id", where, sizeof where);
	const char *secret = aws_creds_config_get(cfg, p, "aws_secret_access_key", NULL, 0);
	const char *token = aws_creds_config_get(cfg, p, "aws_session_token", NULL, 0);
	const char *wif = aws_creds_config_get(cfg, p, "web_identity_token_file", NULL, 0);
	const char *arn = aws_creds_config_get(cfg, p, "role_arn", NULL, 0);
	char what[300];

	if (wif) {
		if (!arn)
			return FAIL(-EINVAL, "aws credentials: profile '%s' has "
				    "web_identity_token_file but no role_arn", p);
		out->kind = AWS_CREDS_NEEDS_WEB_IDENTITY;
		snprintf(out->origin, sizeof out->origin, "web_identity_token_file of profile '%s'",
			 p);
		if (creds_dup(&out->web.role_arn, arn) || creds_dup(&out->token_file, wif) ||
		    creds_dup(&out->web.profile, p) ||
		    creds_dup(&out->web.session_name,
			      aws_creds_config_get(cfg, p, "role_session_name", NULL, 0)))
			return NOMEM();
		return 0;
	}
	if (aws_creds_config_get(cfg, p, "sso_session", NULL, 0) ||
	    aws_creds_config_get(cfg, p, "sso_start_url", NULL, 0))
		return FAIL(-ENOTSUP, "aws credentials: profile '%s' uses IAM Identity Center "
			    "(SSO), which scaled does not do: give it keys, a role or use "
			    "the environment", p);
	if (id || secret || token) {
		if (!id || !secret)
			return FAIL(-EINVAL, "aws credentials: profile '%s' has %s but no %s", p,
				    id ? "aws_access_key_id" : secret ? "aws_secret_access_key"
				    : "aws_session_token", id ? "aws_secret_access_key"
				    : "aws_access_key_id");
		snprintf(what, sizeof what, "profile '%s'", p);
		snprintf(out->origin, sizeof out->origin, "profile '%s' (%s)", p, where);
		return creds_keys(out, what, id, secret, token, err, errlen);
	}
	if (aws_creds_config_get(cfg, p, "credential_process", NULL, 0))
		return FAIL(-ENOTSUP, "aws credentials: profile '%s' uses credential_process, "
			    "which scaled does not run", p);
	if (aws_creds_config_get(cfg, p, "credential_source", NULL, 0))
		return FAIL(-EINVAL, "aws credentials: profile '%s' has credential_source but "
			    "no role_arn", p);
	return 1;
}

/* The role profile p names (role_arn is set) as the next role. */
static int creds_role(const struct aws_creds_config *cfg, const char *p,
		      struct aws_creds_role *r, char *err, size_t errlen)
{
	char where[300];
	const char *dur = aws_creds_config_get(cfg, p, "duration_seconds", where, sizeof where);

	if (creds_dup(&r->role_arn, aws_creds_config_get(cfg, p, "role_arn", NULL, 0)) ||
	    creds_dup(&r->profile, p) ||
	    creds_dup(&r->external_id, aws_creds_config_get(cfg, p, "external_id", NULL, 0)) ||
	    creds_dup(&r->session_name,
		      aws_creds_config_get(cfg, p, "role_session_name", NULL, 0)) ||
	    creds_dup(&r->mfa_serial, aws_creds_config_get(cfg, p, "mfa_serial", NULL, 0)))
		return NOMEM();
	if (r->mfa_serial)
		return FAIL(-ENOTSUP, "aws credentials: profile '%s' has mfa_serial: its role "
			    "needs an MFA code typed in, which a daemon cannot do", p);
	if (dur) {
		char *end;

		r->duration_s = strtol(dur, &end, 10);
		if (*end || end == dur || r->duration_s < 900 || r->duration_s > 43200)
			return FAIL(-EINVAL, "aws credentials: %s: duration_seconds is not a whole "
				    "number of 900 to 43200", where);
	}
	return 0;
}

/* The profile and its source_profile chain: 0, 1 (the profile holds no
 * credentials), or an error. out->roles gets the roles in the order to
 * assume them. */
static int creds_profile(const struct aws_creds_config *cfg, struct aws_creds *out,
			 char *err, size_t errlen)
{
	const char *seen[AWS_CREDS_MAX_CHAIN], *p = cfg->profile, *from = NULL;
	char cf[300], pf[300], chain[600] = "";
	size_t n = 0;
	int rc;

	if (!aws_creds_config_has(cfg, p)) {
		if (cfg->profile_from == AWS_CREDS_PROFILE_DEFAULT)
			return 1;
		return FAIL(-ENOENT, "aws credentials: profile '%s' (%s) is in neither %s nor %s",
			    p, cfg->profile_from == AWS_CREDS_PROFILE_FARM ? "the farm's"
			    : "AWS_PROFILE", aws_creds_config_file(&cfg->credentials, cf, sizeof cf),
			    aws_creds_config_file(&cfg->config, pf, sizeof pf));
	}
	if (!(out->roles = calloc(AWS_CREDS_MAX_CHAIN, sizeof *out->roles)))
		return NOMEM();
	for (;;) {
		const char *src, *cs;

		for (size_t i = 0; i < n; i++) {
			if (strcmp(seen[i], p))
				continue;
			for (size_t j = 0; j < n; j++) {
				size_t l = strlen(chain);

				snprintf(chain + l, sizeof chain - l, "'%s' -> ", seen[j]);
			}
			return FAIL(-EINVAL, "aws credentials: source_profile goes round in a "
				    "circle: %s'%s'", chain, p);
		}
		if (n == AWS_CREDS_MAX_CHAIN)
			return FAIL(-EINVAL, "aws credentials: more than %d profiles chained by "
				    "source_profile from '%s'", AWS_CREDS_MAX_CHAIN, cfg->profile);
		if (!aws_creds_config_has(cfg, p))
			return FAIL(-EINVAL, "aws credentials: profile '%s', the source_profile of "
				    "'%s', is in neither %s nor %s", p, from,
				    aws_creds_config_file(&cfg->credentials, cf, sizeof cf),
				    aws_creds_config_file(&cfg->config, pf, sizeof pf));
		seen[n++] = p;
		/* past the first, a profile's own keys come before its role */
		if (n > 1 && aws_creds_config_get(cfg, p, "aws_access_key_id", NULL, 0)) {
			rc = creds_base(cfg, p, out, err, errlen);
			break;
		}
		if (!aws_creds_config_get(cfg, p, "role_arn", NULL, 0) ||
		    aws_creds_config_get(cfg, p, "web_identity_token_file", NULL, 0)) {
			rc = creds_base(cfg, p, out, err, errlen);
			if (rc == 1 && n > 1)
				rc = FAIL(-EINVAL, "aws credentials: profile '%s', the source_profile "
					  "of '%s', has no credentials", p, from);
			break;
		}
		src = aws_creds_config_get(cfg, p, "source_profile", NULL, 0);
		cs = aws_creds_config_get(cfg, p, "credential_source", NULL, 0);
		if (!src == !cs)
			return FAIL(-EINVAL, "aws credentials: profile '%s' has role_arn and %s of "
				    "source_profile and credential_source (it needs one)", p,
				    src ? "both" : "neither");
		if ((rc = creds_role(cfg, p, &out->roles[out->n_roles++], err, errlen)))
			return rc;
		if (cs) {
			rc = creds_named_source(cfg, p, cs, out, err, errlen);
			break;
		}
		if (!strcmp(src, p)) { /* its own keys, then its role */
			rc = creds_base(cfg, p, out, err, errlen);
			if (rc == 1 || (!rc && out->kind != AWS_CREDS_STATIC))
				rc = FAIL(-EINVAL, "aws credentials: profile '%s' is its own "
					  "source_profile but has no keys", p);
			break;
		}
		from = p;
		p = src;
	}
	for (size_t i = 0; !rc && i < out->n_roles / 2; i++) { /* innermost first */
		struct aws_creds_role t = out->roles[i];

		out->roles[i] = out->roles[out->n_roles - 1 - i];
		out->roles[out->n_roles - 1 - i] = t;
	}
	return rc;
}

int aws_creds_resolve(const struct aws_creds_config *cfg, struct aws_creds *out,
		      char *err, size_t errlen)
{
	char cf[300], pf[300];
	int rc = 1;

	if (!out)
		return FAIL(-EINVAL, "aws credentials: no result");
	memset(out, 0, sizeof *out);
	if (!cfg || !cfg->profile)
		return FAIL(-EINVAL, "aws credentials: no configuration loaded");
	if (cfg->profile_from != AWS_CREDS_PROFILE_FARM) /* a farm's profile means it */
		if ((rc = creds_env_keys(cfg, out, err, errlen)) == 1)
			rc = creds_env_web(cfg, out, err, errlen);
	if (rc == 1)
		rc = creds_profile(cfg, out, err, errlen);
	if (rc == 1)
		rc = creds_ecs(cfg, out, err, errlen);
	if (rc == 1) {
		if (aws_creds_config_true(aws_creds_config_env(cfg, "AWS_EC2_METADATA_DISABLED")))
			rc = FAIL(-ENOENT, "aws credentials: none found: not in the environment, "
				  "not in profile '%s' (%s, %s), no container endpoint, and IMDS "
				  "is off (AWS_EC2_METADATA_DISABLED)", cfg->profile,
				  aws_creds_config_file(&cfg->credentials, cf, sizeof cf),
				  aws_creds_config_file(&cfg->config, pf, sizeof pf));
		else if (!(rc = creds_imds(cfg, out, err, errlen)))
			snprintf(out->origin, sizeof out->origin, "nothing in the environment, "
				 "in profile '%s' or for a container", cfg->profile);
	}
	if (rc)
		aws_creds_free(out);
	return rc;
}

static void creds_role_free(struct aws_creds_role *r)
{
	free(r->role_arn);
	free(r->profile);
	free(r->external_id);
	free(r->session_name);
	free(r->mfa_serial);
}

void aws_creds_free(struct aws_creds *c)
{
	if (!c)
		return;
	free(c->access_key_id);
	creds_wipe(c->secret_access_key);
	creds_wipe(c->session_token);
	creds_wipe(c->auth_token);
	free(c->url);
	free(c->auth_token_file);
	free(c->token_file);
	creds_role_free(&c->web);
	for (size_t i = 0; c->roles && i < AWS_CREDS_MAX_CHAIN; i++)
		creds_role_free(&c->roles[i]);
	free(c->roles);
	explicit_bzero(c, sizeof *c);
}

const char *aws_creds_kind_name(enum aws_creds_kind kind)
{
	switch (kind) {
	case AWS_CREDS_STATIC: return "static keys";
	case AWS_CREDS_NEEDS_ECS: return "ECS container credentials";
	case AWS_CREDS_NEEDS_IMDS: return "IMDSv2";
	case AWS_CREDS_NEEDS_WEB_IDENTITY: return "STS AssumeRoleWithWebIdentity";
	}
	return "nothing";
}

int aws_creds_describe(const struct aws_creds *c, char *buf, size_t len)
{
	const char *k = aws_creds_kind_name(c->kind);
	int n;

	switch (c->kind) {
	case AWS_CREDS_STATIC:
		n = snprintf(buf, len, "static keys%s from %s",
			     c->session_token ? " with a session token" : "", c->origin);
		break;
	case AWS_CREDS_NEEDS_ECS:
		n = snprintf(buf, len, "needs %s: GET %s%s%s (%s)", k, c->url,
			     c->auth_token_file ? ", Authorization from the file "
			     : c->auth_token ? ", Authorization from "
			     "AWS_CONTAINER_AUTHORIZATION_TOKEN" : "",
			     c->auth_token_file ? c->auth_token_file : "", c->origin);
		break;
	case AWS_CREDS_NEEDS_IMDS:
		n = snprintf(buf, len, "needs %s at %s (%s)", k, c->url, c->origin);
		break;
	case AWS_CREDS_NEEDS_WEB_IDENTITY:
		n = snprintf(buf, len, "needs %s: %s with the token in %s (%s)", k,
			     c->web.role_arn, c->token_file, c->origin);
		break;
	default:
		n = snprintf(buf, len, "no credentials");
	}
	for (size_t i = 0; n >= 0 && i < c->n_roles; i++) {
		size_t at = (size_t)n < len ? (size_t)n : len ? len - 1 : 0;
		int m;

		/* cut short when buf is full, and counted on: snprintf's contract */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-truncation"
		m = snprintf(len ? buf + at : NULL, len - at, ", then STS AssumeRole %s "
			     "(profile '%s')", c->roles[i].role_arn, c->roles[i].profile);
#pragma GCC diagnostic pop

		n = m < 0 ? m : n + m;
	}
	return n;
}
