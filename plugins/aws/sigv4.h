/*
 * sigv4.h - AWS Signature Version 4 (AWS4-HMAC-SHA256, signed headers) for
 * the aws plugin: the canonical request, the string to sign and the
 * Authorization value of one request, with the signing key cached per
 * (secret, day, region, service). Canonical form as AWS specifies it for
 * every service but S3 (the path is normalised and its segments encoded
 * again). Checked against AWS's conformance suite (tests/test_sigv4.c).
 *
 * Ownership: the caller keeps everything it passes; sigv4_sign keeps no
 * pointer to it. A struct sigv4_result owns its strings; sigv4_result_free
 * releases them. Not thread-safe: one signer per thread (the loop's).
 */
#ifndef SIGV4_H
#define SIGV4_H

#include <stddef.h>
#include <stdint.h>

/* What a request may hold; more is refused (-EINVAL), never truncated.
 * FIELD bounds one header's name and value together. Besides: a method of
 * at most 32 bytes, an access key of 128, a session token of FIELD - 64,
 * a region and a service of SCOPE - 1 each. */
#define SIGV4_MAX_HEADERS 64
#define SIGV4_MAX_PATH 8192
#define SIGV4_MAX_QUERY 65536
#define SIGV4_MAX_FIELD 8192
#define SIGV4_MAX_SECRET 256
#define SIGV4_MAX_SCOPE 64

/* One request header, signed as given (pass exactly what will be sent,
 * all of it signed). A name is an HTTP token (no ':', space or control
 * byte). A value may hold folded lines (a line end followed by spaces or
 * tabs); it is trimmed and each inner run of white space becomes one
 * space; any other control byte is refused. Names repeated in any case are
 * joined with ',' in order. Host is required, once. X-Amz-Date and
 * X-Amz-Security-Token may be given, once each: the first must then be the
 * signing time, the second the credentials' token (if they have one).
 * Authorization is refused. */
struct sigv4_header {
	const char *name;
	const char *value;
};

/* The session token is added after signing, unsigned (services that want
 * it so; AWS's post-sts-header-after). Default: it is signed. */
#define SIGV4_TOKEN_UNSIGNED 0x1u

struct sigv4_request {
	const char *method;  /* "GET", "POST": an HTTP token */
	const char *path;    /* as it goes on the wire, starting with '/': UTF-8,
			      * raw or percent-encoded ("%20" is signed as "%2520") */
	const char *query;   /* after the '?', without it; NULL or "" when none.
			      * Decoded, then encoded again for signing: "%E1%88%B4"
			      * and the raw UTF-8 sign the same; '+' is a '+' */
	const struct sigv4_header *headers; /* must include Host */
	size_t n_headers;
	const void *body;    /* NULL only when body_len is 0 */
	size_t body_len;
	const char *payload_hash; /* NULL: SHA-256 of the body; else 64 lowercase
				   * hex digits or "UNSIGNED-PAYLOAD" */
	unsigned flags;           /* SIGV4_TOKEN_UNSIGNED */
};

struct sigv4_credentials {
	const char *access_key;
	const char *secret_key;    /* never copied, logged or put in a message */
	const char *session_token; /* NULL for long-term credentials */
};

/* The signing key for one (secret, day, region, service). It keeps no
 * secret in clear: only the derived signing key (good for that day, region
 * and service) and a SHA-256 over the four, to notice that one changed. Zero it with
 * sigv4_signer_init before the first use; sigv4_signer_clear wipes it. */
struct sigv4_signer {
	unsigned char id[32];
	unsigned char key[32];
	int have_key;
	unsigned long derivations; /* keys derived so far (tests, benchmarks) */
};

void sigv4_signer_init(struct sigv4_signer *s);
void sigv4_signer_clear(struct sigv4_signer *s);

/* What to send. The request gets the header "Authorization: <authorization>",
 * "X-Amz-Date: <amz_date>" unless it already has that header (then with the
 * same value: checked), and "X-Amz-Security-Token: <security_token>" when
 * that is not NULL (a token was given and is not among the headers). */
struct sigv4_result {
	char amz_date[17];       /* "20150830T123600Z" */
	char *authorization;
	char *security_token;
	char *canonical_request; /* for tests and debugging */
	char *string_to_sign;
};

/* Sign req at t_ms (ms since the epoch, UTC: the engine clock's time) for
 * region and service ("us-east-1", "sqs": lowercase letters, digits, '-').
 * 0 and *out filled (the caller frees it with sigv4_result_free), or a
 * negative errno, *out zeroed (freeing it is harmless) and a reason in err
 * (may be NULL): -EINVAL for a request that cannot be signed (naming the
 * field; never a secret or a header value), -ENOMEM, -EIO when libcrypto
 * fails. s is the caller's signer; its key is derived again only when
 * the secret, the day, the region or the service differs from the last
 * signing's. */
int sigv4_sign(struct sigv4_signer *s, const struct sigv4_request *req,
	       const struct sigv4_credentials *cred, const char *region, const char *service,
	       int64_t t_ms, struct sigv4_result *out, char *err, size_t errlen);

void sigv4_result_free(struct sigv4_result *r);

#endif
