/*
 * aws_creds.h - AWS credentials, region and endpoint for the aws plugin, in
 * the order the AWS SDKs use, for everything that needs no network. What does
 * need it (ECS container credentials, IMDSv2, web identity and AssumeRole
 * through STS) is returned as what to fetch, for a caller with async HTTP.
 *
 * Credentials, first found wins:
 *   1. the environment: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+
 *      AWS_SESSION_TOKEN); then AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN
 *      (+ AWS_ROLE_SESSION_NAME). Both skipped when the farm names a profile.
 *   2. the profile (the farm's, else AWS_PROFILE, else "default") in the
 *      credentials file (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials)
 *      and the config file (AWS_CONFIG_FILE, else ~/.aws/config), a property
 *      in the credentials file winning over the same in the config file:
 *      static keys; web_identity_token_file + role_arn; role_arn with
 *      source_profile (followed, cycles refused) or credential_source
 *      (Environment, Ec2InstanceMetadata, EcsContainer). A profile named by
 *      the farm or AWS_PROFILE that is in neither file is an error.
 *   3. ECS: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (on 169.254.170.2), else
 *      AWS_CONTAINER_CREDENTIALS_FULL_URI (https, or http to a loopback or the
 *      ECS/EKS agent address), with AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE or
 *      AWS_CONTAINER_AUTHORIZATION_TOKEN.
 *   4. IMDSv2, unless AWS_EC2_METADATA_DISABLED=true.
 *
 * The environment (HOME included) is read only through the caller's get
 * function, never getenv(). Secrets (secret key, session token, container
 * authorization token) never appear in a message, an origin or a
 * description, and are wiped (explicit_bzero) when freed.
 *
 * Ownership: the caller keeps what it passes. A struct aws_creds_config, a
 * struct aws_creds and a struct aws_creds_value own their strings; the
 * matching _free releases them. On an error an output holds nothing and
 * freeing it is harmless. Not thread-safe; no global state.
 */
#ifndef AWS_CREDS_H
#define AWS_CREDS_H

#include <stddef.h>

#include "aws_creds_ini.h"

/* The environment: get(ctx, name) returns the value or NULL. Empty values
 * count as unset. */
struct aws_creds_env {
	const char *(*get)(void *ctx, const char *name);
	void *ctx;
};

#define AWS_CREDS_MAX_CHAIN 16 /* profiles in a source_profile chain, all told */
#define AWS_CREDS_ECS_HOST "169.254.170.2"
#define AWS_CREDS_IMDS_V4 "http://169.254.169.254"
#define AWS_CREDS_IMDS_V6 "http://[fd00:ec2::254]"

/* The environment and both files, read once, for the calls below. */
struct aws_creds_config {
	struct aws_creds_env env;
	char *profile;                       /* the profile to use */
	enum { AWS_CREDS_PROFILE_DEFAULT, AWS_CREDS_PROFILE_ENV,
	       AWS_CREDS_PROFILE_FARM } profile_from;
	struct aws_creds_ini credentials;    /* searched first */
	struct aws_creds_ini config;
};

/* Read the environment's choices and both files. farm_profile may be NULL.
 * 0, or a negative errno, *cfg zeroed and the reason in err: -EINVAL a bad
 * profile name or a refused file ("path:line: reason"), -EACCES etc. a file
 * that exists but cannot be read, -ENOMEM. A missing file is no error. */
int aws_creds_config_load(struct aws_creds_config *cfg, const struct aws_creds_env *env,
			  const char *farm_profile, char *err, size_t errlen);
void aws_creds_config_free(struct aws_creds_config *cfg);

/* How the first credentials are had. */
enum aws_creds_kind {
	AWS_CREDS_STATIC = 1,         /* keys below, from the environment or a profile */
	AWS_CREDS_NEEDS_ECS,          /* GET url (Authorization: auth token) */
	AWS_CREDS_NEEDS_IMDS,         /* IMDSv2 at url: token, role name, keys */
	AWS_CREDS_NEEDS_WEB_IDENTITY, /* STS AssumeRoleWithWebIdentity: web, token_file */
};

/* A role to assume through STS (AssumeRole), or (web) with a web identity. */
struct aws_creds_role {
	char *role_arn;
	char *profile;      /* the profile that names it; NULL: the environment */
	char *external_id;  /* NULL when none */
	char *session_name; /* NULL: the caller picks one */
	long duration_s;    /* 0: STS's default */
	char *mfa_serial;   /* set: refused by aws_creds_resolve (needs a code) */
};

struct aws_creds {
	enum aws_creds_kind kind;
	char origin[384];          /* where they come from, for logs: never a secret */
	/* STATIC */
	char *access_key_id;
	char *secret_access_key;   /* wiped when freed */
	char *session_token;       /* NULL for long-term keys; wiped when freed */
	/* NEEDS_ECS: the full URL; NEEDS_IMDS: the endpoint (no path) */
	char *url;
	char *auth_token;          /* ECS: the Authorization value, NULL; wiped */
	char *auth_token_file;     /* ECS: read it at each fetch (it rotates), NULL */
	/* NEEDS_WEB_IDENTITY */
	struct aws_creds_role web;
	char *token_file;          /* the OIDC token, read at each fetch */
	/* then assume these in order, each with the credentials before it */
	struct aws_creds_role *roles;
	size_t n_roles;
};

/* Resolve credentials (the order above). 0 and *out filled: ready to sign
 * when kind is AWS_CREDS_STATIC and n_roles is 0, else it says what to
 * fetch. Else a negative errno, *out zeroed, the reason in err (never a
 * secret): -ENOENT no credentials anywhere (IMDS disabled) or a profile
 * that is not there, -EINVAL a setting that cannot be used (half a key
 * pair, a bad URL, a cycle of source_profile, ...), -ENOTSUP a profile
 * that needs what scaled does not do (credential_process, SSO, MFA),
 * -ENOMEM. */
int aws_creds_resolve(const struct aws_creds_config *cfg, struct aws_creds *out,
		      char *err, size_t errlen);
void aws_creds_free(struct aws_creds *c);

/* One line for a log: what *c is and what is still needed, e.g. "needs ECS
 * container credentials: GET http://169.254.170.2/v2/x, then STS AssumeRole
 * arn:aws:iam::1:role/r (profile 'a')". Never a secret. The length that
 * snprintf would give. */
int aws_creds_describe(const struct aws_creds *c, char *buf, size_t len);
const char *aws_creds_kind_name(enum aws_creds_kind kind);

/* A setting and where it came from. */
struct aws_creds_value {
	char *value;        /* NULL: not set anywhere (endpoint: use AWS's) */
	char origin[384];   /* "AWS_REGION", "profile 'dev' (/home/u/.aws/config:3)" */
};

/* The region: farm_region, else AWS_REGION, else AWS_DEFAULT_REGION, else
 * the profile's "region". 0 and out->value set, or -ENOENT (none) or
 * -EINVAL (not 1 to 63 of a-z, 0-9, '-'), the reason in err. */
int aws_creds_region(const struct aws_creds_config *cfg, const char *farm_region,
		     struct aws_creds_value *out, char *err, size_t errlen);

/* The endpoint for one service: farm_url, else AWS_ENDPOINT_URL_<SERVICE>
 * (service_id as AWS names it, "SQS", "Auto Scaling": upper case, spaces and
 * '-' made '_'; NULL skips it), else AWS_ENDPOINT_URL, else the profile's
 * "endpoint_url"; the environment and profile ones ignored when
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true. 0 and out->value set or NULL
 * (none: AWS's own), or -EINVAL for a URL that is not http(s)://host...
 * (no user info, no space or control byte, at most 2048 bytes). */
int aws_creds_endpoint(const struct aws_creds_config *cfg, const char *farm_url,
		       const char *service_id, struct aws_creds_value *out,
		       char *err, size_t errlen);
void aws_creds_value_free(struct aws_creds_value *v);

#endif
