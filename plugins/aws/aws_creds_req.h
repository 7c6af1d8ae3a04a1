/*
 * aws_creds_req.h - the requests of a credential fetch (aws_creds_fetch.h),
 * built without the network: IMDSv2's token PUT and its GETs, the ECS
 * container endpoint's GET, STS AssumeRole (a signed Query API POST) and
 * AssumeRoleWithWebIdentity (unsigned), and the token files read at each
 * fetch. No message holds a secret (token, key, web identity token).
 *
 * Ownership: a struct aws_creds_req owns its strings; aws_creds_req_free
 * wipes and frees them (harmless on a zeroed one). The caller keeps what it
 * passes.
 */
#ifndef AWS_CREDS_REQ_H
#define AWS_CREDS_REQ_H

#include <stddef.h>
#include <stdint.h>

#include "aws_creds.h"
#include "aws_query.h"
#include "scaled/plugin.h"
#include "sigv4.h"

#define AWS_CREDS_STS_VERSION "2011-06-15"
#define AWS_CREDS_IMDS_TTL_S 21600 /* what the IMDSv2 token is asked to live */
#define AWS_CREDS_MAX_TOKEN_FILE (64u << 10)

struct aws_creds_req {
	const char *method; /* static: "GET", "PUT", "POST" */
	char *url;
	char *h[8];         /* "Name: value", NULL-terminated; wiped when freed */
	char *body;         /* NULL for none; wiped when freed */
	size_t body_len;
	int64_t timeout_ms; /* per attempt */
	int max_attempts;
	int64_t max_total_ms;
};

/* The request as host->http_start takes it (borrowing r's strings). */
struct scaled_http_request aws_creds_req_http(const struct aws_creds_req *r);
void aws_creds_req_free(struct aws_creds_req *r);

/* IMDSv2 at base ("http://169.254.169.254", no path; a trailing '/'
 * ignored): PUT /latest/api/token with X-aws-ec2-metadata-token-ttl-seconds.
 * Timeouts: 1 s an attempt, 2 attempts. 0 or -ENOMEM. */
int aws_creds_req_imds_token(const char *base, struct aws_creds_req *r, char *err,
			     size_t errlen);
/* GET /latest/meta-data/iam/security-credentials/ (role NULL: the list) or
 * .../<role>, with X-aws-ec2-metadata-token. */
int aws_creds_req_imds_get(const char *base, const char *token, const char *role,
			   struct aws_creds_req *r, char *err, size_t errlen);

/* GET url with Authorization: auth (NULL: none). Timeouts: 2 s an
 * attempt, 3 attempts. -EINVAL for an auth holding a control byte. */
int aws_creds_req_ecs(const char *url, const char *auth, struct aws_creds_req *r, char *err,
		      size_t errlen);

/* STS AssumeRole of role to sts, signed with cred for region at now_ms
 * (Version 2011-06-15, RoleArn, RoleSessionName: the role's, else
 * session_name, ExternalId and DurationSeconds when set). */
int aws_creds_req_assume(struct sigv4_signer *s, const struct aws_endpoint *sts,
			 const struct sigv4_credentials *cred, const char *region,
			 const struct aws_creds_role *role, const char *session_name,
			 int64_t now_ms, struct aws_creds_req *r, char *err, size_t errlen);

/* STS AssumeRoleWithWebIdentity of role with the token (unsigned). */
int aws_creds_req_web(const struct aws_endpoint *sts, const struct aws_creds_role *role,
		      const char *session_name, const char *token, struct aws_creds_req *r,
		      char *err, size_t errlen);

/* Read a token file (what names it in messages: "AWS_WEB_IDENTITY_TOKEN_FILE"):
 * a regular file of 1 to AWS_CREDS_MAX_TOKEN_FILE bytes, white space at
 * its ends dropped, no control byte left. *out is the caller's (wipe it).
 * 0, or a negative errno with "what path: reason" in err. The file is
 * small and local (a projected volume): read at once, never from a FIFO. */
int aws_creds_req_token_file(const char *what, const char *path, char **out, char *err,
			     size_t errlen);

#endif
