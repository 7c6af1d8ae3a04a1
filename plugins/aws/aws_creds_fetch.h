/*
 * aws_creds_fetch.h - credentials fetched over the network for one AWS
 * client (aws_client.h): what aws_creds_resolve found to fetch (ECS
 * container endpoint, IMDSv2, STS AssumeRoleWithWebIdentity, or static
 * keys), then the roles to assume in order through STS AssumeRole, each
 * signed with the credentials before it. All through host->http_start, on
 * the loop thread, one fetch at a time; nothing blocks but reading a token
 * file (small, local).
 *
 * When (docs/credentials.md): the first fetch starts at the first
 * aws_creds_fetch_ready (a collect, poll or apply: http_start is refused in
 * create on a real clock). Fetched credentials of lifetime L (Expiration
 * less the engine time they came) are
 *   - refreshed from Expiration - min(5 min, L/2): the next ready() starts
 *     a fetch and the current ones are used meanwhile;
 *   - used until Expiration - min(10 s, L/10), then ready() answers
 *     -EAGAIN until new ones come.
 * A failed fetch is logged (once per distinct reason) and not tried again
 * before a backoff of 5 s, doubled after each failure in a row up to
 * 5 min; while no usable credentials exist, ready() answers that failure.
 *
 * Secrets (keys, session tokens, the container and IMDS tokens, the web
 * identity token) never appear in a log line or a message, and are wiped
 * when freed. Loop thread only, like every host call.
 */
#ifndef AWS_CREDS_FETCH_H
#define AWS_CREDS_FETCH_H

#include <stddef.h>

#include "aws_creds.h"
#include "scaled/plugin.h"
#include "sigv4.h"

#define AWS_CREDS_FETCH_WAITERS 8 /* distinct again(arg) waiting at once */

struct aws_creds_fetch;

/* A fetcher of what *creds says (taken: *creds is zeroed, also on
 * failure), for inst, STS in region at sts_url (NULL: the regional
 * https://sts.REGION.amazonaws.com; read only when there is a role or a
 * web identity). Starts nothing. 0 and *out, or a negative errno with the
 * reason in err: -EINVAL (static keys without roles: nothing to fetch; a
 * bad STS URL), -ENOMEM. */
int aws_creds_fetch_new(struct aws_creds_fetch **out, struct scaled_instance *inst,
			struct aws_creds *creds, const char *region, const char *sts_url,
			char *err, size_t errlen);

/* Cancel what is in flight (no again() afterwards), wipe and free. NULL is
 * harmless. */
void aws_creds_fetch_free(struct aws_creds_fetch *f);

/* Whether there are credentials to sign with now (aws_client_ready's
 * meaning): 0 yes (a refresh may have started); -EAGAIN a fetch is in
 * flight (started now if none was) and again(arg) runs once it ends, either
 * way, once per distinct (again, arg); else the last fetch's failure (its
 * negative errno and "credentials: reason" in err) until its backoff ends,
 * or -EBUSY when more than AWS_CREDS_FETCH_WAITERS wait. */
int aws_creds_fetch_ready(struct aws_creds_fetch *f, void (*again)(void *arg), void *arg,
			  char *err, size_t errlen);

/* The credentials to sign with (borrowed: valid until control goes back
 * to the loop). All NULL before the first fetch. */
struct sigv4_credentials aws_creds_fetch_cred(const struct aws_creds_fetch *f);

#endif
