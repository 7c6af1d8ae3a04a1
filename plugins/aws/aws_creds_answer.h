/*
 * aws_creds_answer.h - the answers of a credential fetch (aws_creds_fetch.h),
 * read without the network so that a test can feed them garbage: the ECS
 * container endpoint's and IMDS's JSON (cJSON), STS's AssumeRole and
 * AssumeRoleWithWebIdentity XML (aws_xml.h shapes), IMDSv2's token and role
 * list (text).
 *
 * Every reader returns 0 and fills its output, or a negative errno with the
 * output zeroed and the reason in err (may be NULL), which never holds a
 * secret (key, session token, IMDS token) nor any other text of the answer
 * but an error code and message the server gave:
 *   -EREMOTEIO  the server says no: "Code: Message" (STS's ErrorResponse,
 *               IMDS's "Code" other than Success, ECS's code/message)
 *   -EKEYEXPIRED  the credentials' Expiration is not after now_ms
 *   -EBADMSG    anything else that is not the answer: empty, over
 *               AWS_CREDS_ANSWER_MAX, not JSON / XML (HTML, DOCTYPE, cut
 *               short), a field missing or of the wrong type, a key that
 *               SigV4 could not sign with, a time that is no time
 *   -ENOMEM
 * Ownership: the caller keeps the document; what is filled is the
 * caller's, secrets wiped when freed (aws_creds_got_free; free() and
 * explicit_bzero for a token).
 */
#ifndef AWS_CREDS_ANSWER_H
#define AWS_CREDS_ANSWER_H

#include <stddef.h>
#include <stdint.h>

#define AWS_CREDS_ANSWER_MAX (64u << 10) /* bytes of one answer */
#define AWS_CREDS_MAX_ROLE_NAME 64       /* IAM: a role name is 1 to 64 */
#define AWS_CREDS_MAX_IMDS_TOKEN 1024

/* Credentials as a fetch hands them back. */
struct aws_creds_got {
	char *access_key_id;
	char *secret_access_key; /* wiped when freed */
	char *session_token;     /* wiped when freed; NULL only for static keys */
	int64_t expires_ms;      /* Expiration, ms since the epoch; INT64_MAX: never */
};

/* The ECS container endpoint's or an IMDS role's credentials:
 * {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"} all strings
 * (IMDS adds "Code": "Success", "Type", "LastUpdated"; ECS "RoleArn",
 * "AccountId": not read). what names the source in messages ("ECS",
 * "IMDS"). */
int aws_creds_answer_json(const char *doc, size_t len, const char *what, int64_t now_ms,
			  struct aws_creds_got *out, char *err, size_t errlen);

/* STS's <AssumeRoleResponse><AssumeRoleResult><Credentials> (web 0) or
 * <AssumeRoleWithWebIdentityResponse>... (web 1): AccessKeyId,
 * SecretAccessKey, SessionToken, Expiration. */
int aws_creds_answer_sts(const char *doc, size_t len, int web, int64_t now_ms,
			 struct aws_creds_got *out, char *err, size_t errlen);

/* IMDSv2's PUT /latest/api/token answer: 1 to AWS_CREDS_MAX_IMDS_TOKEN
 * bytes of printable ASCII (a trailing line break dropped). *token is the
 * caller's. */
int aws_creds_answer_token(const char *doc, size_t len, char **token, char *err,
			   size_t errlen);

/* IMDS's role list (GET .../iam/security-credentials/): the first line,
 * an IAM role name (1 to 64 of letters, digits and +=,.@_-) copied into
 * role (at least AWS_CREDS_MAX_ROLE_NAME + 1 bytes). */
int aws_creds_answer_role(const char *doc, size_t len, char *role, size_t rolelen,
			  char *err, size_t errlen);

/* Check keys as SigV4 takes them (the same rules as aws_creds.c's for static
 * keys): 0 or -EBADMSG with "<what>: the <field> is ..." in err. */
int aws_creds_answer_check(const char *what, const char *id, const char *secret,
			   const char *token, char *err, size_t errlen);

void aws_creds_got_free(struct aws_creds_got *g);

#endif
