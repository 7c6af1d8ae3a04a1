/*
 * aws_creds_config.h - internal to aws_creds*.c: what aws_creds.c (the
 * credentials) and aws_creds_region.c (region, endpoint) both use to read a
 * loaded struct aws_creds_config: the environment, the profile's properties
 * across both files, URL checks, messages. Not for other callers.
 */
#ifndef AWS_CREDS_CONFIG_H
#define AWS_CREDS_CONFIG_H

#include <stddef.h>

#include "aws_creds.h"

#define AWS_CREDS_MAX_URL 2048

/* Format a message into err (may be NULL) and return rc. */
__attribute__((format(printf, 4, 5)))
int aws_creds_config_fail(char *err, size_t errlen, int rc, const char *fmt, ...);

/* The environment variable name, NULL when unset or empty. */
const char *aws_creds_config_env(const struct aws_creds_config *cfg, const char *name);

/* 1 when v is "true" in any case. */
int aws_creds_config_true(const char *v);

/* key (lowercase) of profile: the credentials file's, else the config
 * file's, else NULL. where (may be NULL) gets "path:line" of it. */
const char *aws_creds_config_get(const struct aws_creds_config *cfg, const char *profile,
				 const char *key, char *where, size_t wlen);

/* 1 when either file has the profile. */
int aws_creds_config_has(const struct aws_creds_config *cfg, const char *profile);

/* "path" of a file for messages: "path", "path (absent)" or "(no HOME)". */
const char *aws_creds_config_file(const struct aws_creds_ini *ini, char *buf, size_t len);

/* Check url: "http://" or "https://" (any case), a host (a name, an IPv4
 * address or an IPv6 one in brackets), an optional port of 1 to 65535, then
 * nothing or '/', '?', '#' and the rest; at most AWS_CREDS_MAX_URL bytes of
 * printable ASCII without a space; no user info ('@' before the path). 0
 * and the host (brackets kept, lowercased) in host and *https set; else
 * -EINVAL and *why the reason (no part of the URL in it). */
int aws_creds_config_url(const char *url, int *https, char *host, size_t hostlen,
			 const char **why);

#endif
