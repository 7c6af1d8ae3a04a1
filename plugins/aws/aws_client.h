/*
 * aws_client.h - what every kind of the aws plugin keeps for talking to one
 * AWS service: the keys each takes (region, profile, endpoint), the
 * credentials, region and endpoint resolved at create (aws_creds.h), the
 * signer, and the "log each distinct AWS error once" state.
 * Ownership: the client owns its strings; aws_client_clear releases them
 * (harmless on a client only aws_client_init'ed). Secrets are never logged.
 */
#ifndef AWS_CLIENT_H
#define AWS_CLIENT_H

#include <stddef.h>

#include "aws_creds.h"
#include "aws_creds_fetch.h"
#include "aws_query.h"
#include "scaled/plugin.h"
#include "sigv4.h"

/* The keys every kind takes; SVC is the service as AWS_ENDPOINT_URL_<SVC>
 * names it ("EC2"). */
#define AWS_CLIENT_KEY_REGION                                                              \
	{ "region", SCALED_KEY_STRING, NULL, 0,                                            \
	  "AWS region; default AWS_REGION, AWS_DEFAULT_REGION, the profile's" }
#define AWS_CLIENT_KEY_PROFILE                                                             \
	{ "profile", SCALED_KEY_STRING, NULL, 0,                                           \
	  "profile of the shared config/credentials files (default AWS_PROFILE)" }
#define AWS_CLIENT_KEY_ENDPOINT(SVC)                                                       \
	{ "endpoint", SCALED_KEY_STRING, NULL, 0,                                          \
	  SVC " endpoint URL (default AWS_ENDPOINT_URL_" SVC ", AWS_ENDPOINT_URL, AWS's)" }

#define AWS_CLIENT_KEY_TIMEOUT                                                             \
	{ "timeout", SCALED_KEY_DURATION, "10s", 0,                                        \
	  "each attempt of a request (100ms..2m); the attempts of one end 30 s after it" }

/* A string key's value, or NULL when it is not set. */
#define AWS_KEY_OR_NULL(v) ((v).set ? (v).u.str : NULL)

struct aws_client {
	struct scaled_instance *inst;
	const char *service; /* "ec2": signed for, and the default endpoint's host */
	const char *action;  /* "DescribeSpotPriceHistory": the errors' prefix */
	char *region;
	struct aws_endpoint ep;
	struct aws_creds creds;
	struct sigv4_signer signer;
	char *last_error; /* logged once per distinct message */
	int64_t timeout_ms; /* each attempt's (the `timeout` key), 0: the host's */
	struct aws_creds_fetch *fetch; /* credentials over the network; NULL: static keys */
};

void aws_client_init(struct aws_client *c, struct scaled_instance *inst, const char *service,
		     const char *action);
void aws_client_clear(struct aws_client *c);

/* Credentials, region and endpoint as aws_creds.h finds them, from the
 * keys' values (NULL where not set); env_name is the service as
 * AWS_ENDPOINT_URL_<env_name> names it. Credentials that need the network
 * (ECS, IMDSv2, web identity, roles to assume) get a fetcher
 * (aws_creds_fetch.h, STS at AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, the
 * profile's endpoint_url or the region's), which fetches nothing yet. Logs
 * what it found. 0, or a negative errno with the reason in err. */
int aws_client_resolve(struct aws_client *c, const char *env_name, const char *profile,
		       const char *region, const char *endpoint, char *err, size_t errlen);

/* The `timeout` key's value (AWS_CLIENT_KEY_TIMEOUT) into c->timeout_ms:
 * 0, or -EINVAL with the reason in err when it is outside 100ms..2m. */
int aws_client_timeout(struct aws_client *c, const struct scaled_value *v, char *err,
		       size_t errlen);

/* Whether the credentials can sign now. 0: yes, sign with
 * aws_client_cred. -EAGAIN: they are being fetched (ECS, IMDSv2, STS; the
 * fetch is started now if none is in flight, or refreshed before they
 * expire), and again(arg) runs on the loop thread once that fetch ends,
 * whichever way, so that a kind retries its collect/poll/apply at once
 * rather than a whole period later; again is not called after
 * aws_client_clear. Another negative errno: no credentials can be had now,
 * the reason in err. Every kind calls this before each request. */
int aws_client_ready(struct aws_client *c, void (*again)(void *arg), void *arg, char *err,
		     size_t errlen);

/* The client's credentials as sigv4_sign takes them (borrowed: valid until
 * control goes back to the loop, since a refresh replaces fetched ones;
 * ask after aws_client_ready answered 0). */
struct sigv4_credentials aws_client_cred(const struct aws_client *c);

/* Log "<action>: msg" (msg alone when it starts with "<action>:") once
 * until another message (or a success) comes; messages that differ only in
 * their numbers are one. The engine's stop ("cancelled: ...") is logged as
 * info, not as an error. */
void aws_client_fail(struct aws_client *c, const char *msg);
/* A success: 1 if it ends a run of errors (forgotten now), else 0. */
int aws_client_recovered(struct aws_client *c);
/* What collect returns once its request is started (rc 0): -EIO with the
 * last error in err while the service still fails, else rc. */
int aws_client_collect_rc(const struct aws_client *c, int rc, char *err, size_t errlen);

#endif
