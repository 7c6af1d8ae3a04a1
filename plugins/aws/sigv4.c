/*
 * sigv4.c - AWS Signature Version 4, header signing (sigv4.h).
 *
 * Canonical request (sigv4_canon.c) -> string to sign = algorithm, time,
 * scope, SHA-256 of the canonical request -> signature = HMAC-SHA256 of it
 * under kSigning, the HMAC chain "AWS4"+secret -> day -> region -> service
 * -> "aws4_request", derived once per (secret, day, region, service).
 * Credentials, scope and time are checked here; no message shows a secret.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "sigv4.h"
#include "sigv4_canon.h"

#define SIGV4_ALGO "AWS4-HMAC-SHA256"
#define SIGV4_UNSIGNED "UNSIGNED-PAYLOAD"
#define SIGV4_LAST_TIME 253402300799LL /* 9999-12-31T23:59:59Z */

static int sigv4_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int sigv4_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	char msg[320];
	va_list ap;

	if (!err || !errlen)
		return rc;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "sigv4: %s", msg);
	return rc;
}

static void sigv4_hex(char *dst, const unsigned char *md, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++)
		dst[2 * i] = hex[md[i] >> 4], dst[2 * i + 1] = hex[md[i] & 15];
	dst[2 * n] = '\0';
}

static int sigv4_sha256(const void *d, size_t n, unsigned char md[32])
{
	unsigned int mdl = 0;

	return EVP_Digest(d, n, md, &mdl, EVP_sha256(), NULL) == 1 && mdl == 32 ? 0 : -EIO;
}

static int sigv4_hmac(const void *key, size_t kl, const void *d, size_t n, unsigned char md[32])
{
	unsigned int mdl = 0;

	return HMAC(EVP_sha256(), key, (int)kl, d, n, md, &mdl) && mdl == 32 ? 0 : -EIO;
}

/* s->key for (secret, day, region, service), derived only when one changed. */
static int sigv4_key(struct sigv4_signer *s, const char *secret, const char *day,
		     const char *region, const char *service)
{
	unsigned char id[32], k[4 + SIGV4_MAX_SECRET + 2 * SIGV4_MAX_SCOPE + 16], a[32], b[32];
	size_t sl = strlen(secret);
	int n, rc;

	n = snprintf((char *)k, sizeof k, "%s%c%s%c%s%c%s", secret, 0, day, 0, region, 0, service);
	rc = n < 0 || (size_t)n >= sizeof k ? -EIO : sigv4_sha256(k, (size_t)n, id);
	if (rc || (s->have_key && !CRYPTO_memcmp(id, s->id, sizeof id)))
		goto out;
	memcpy(k, "AWS4", 4);
	memcpy(k + 4, secret, sl);
	s->have_key = 0;
	rc = sigv4_hmac(k, 4 + sl, day, strlen(day), a);
	rc = rc ? rc : sigv4_hmac(a, 32, region, strlen(region), b);
	rc = rc ? rc : sigv4_hmac(b, 32, service, strlen(service), a);
	rc = rc ? rc : sigv4_hmac(a, 32, "aws4_request", 12, s->key);
	if (!rc) {
		memcpy(s->id, id, sizeof id);
		s->have_key = 1;
		s->derivations++;
	}
out:
	OPENSSL_cleanse(k, sizeof k);
	OPENSSL_cleanse(a, sizeof a);
	OPENSSL_cleanse(b, sizeof b);
	return rc;
}

/* 1..max bytes, each allowed by ok (a region, a service, a key id). */
static int sigv4_word(const char *s, size_t max, int (*ok)(unsigned char))
{
	size_t n = strnlen(s, max + 1);

	if (!n || n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!ok((unsigned char)s[i]))
			return 0;
	return 1;
}

static int sigv4_scope_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

static int sigv4_key_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && !strchr(",/;=", c);
}

static int sigv4_token_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f;
}

/* Everything but the request's own fields; out->amz_date filled. */
static int sigv4_check(const struct sigv4_request *req, const struct sigv4_credentials *cred,
		       const char *region, const char *service, int64_t t_ms,
		       struct sigv4_result *out, char *err, size_t errlen)
{
	char show[200];
	struct tm tm;
	time_t t;

	if (!req || !cred || !region || !service || !out || !req->method || !req->path)
		return sigv4_fail(err, errlen, -EINVAL, "%s NULL",
				  !req ? "the request is" : !cred ? "the credentials are"
				  : !region ? "the region is" : !service ? "the service is"
				  : !out ? "the result is" : !req->method ? "the method is"
				  : "the path is");
	if (!cred->access_key || !sigv4_word(cred->access_key, 128, sigv4_key_char))
		return sigv4_fail(err, errlen, -EINVAL, "the access key is %s",
				  !cred->access_key ? "NULL" : "empty, longer than 128 bytes, or "
				  "holds a space, a byte outside printable ASCII or one of ,/;=");
	if (!cred->secret_key || !cred->secret_key[0] ||
	    strnlen(cred->secret_key, SIGV4_MAX_SECRET + 1) > SIGV4_MAX_SECRET)
		return sigv4_fail(err, errlen, -EINVAL, "the secret key is %s",
				  !cred->secret_key ? "NULL" : !cred->secret_key[0] ? "empty"
				  : "longer than 256 bytes");
	if (cred->session_token &&
	    !sigv4_word(cred->session_token, SIGV4_MAX_FIELD - 64, sigv4_token_char))
		return sigv4_fail(err, errlen, -EINVAL,
				  "the session token is empty, too long, or holds a space or a "
				  "byte outside printable ASCII");
	for (int k = 0; k < 2; k++) {
		const char *w = k ? service : region;

		if (!sigv4_word(w, SIGV4_MAX_SCOPE - 1, sigv4_scope_char))
			return sigv4_fail(err, errlen, -EINVAL,
					  "%s \"%s\" is not 1 to %d of a-z, 0-9 and '-'",
					  k ? "service" : "region",
					  sigv4_canon_show(show, sizeof show, w, strnlen(w, 64)),
					  SIGV4_MAX_SCOPE - 1);
	}
	if (req->body_len && !req->body)
		return sigv4_fail(err, errlen, -EINVAL, "body is NULL but body_len is %zu",
				  req->body_len);
	if (req->payload_hash && strcmp(req->payload_hash, SIGV4_UNSIGNED) &&
	    !(strspn(req->payload_hash, "0123456789abcdef") == 64 && !req->payload_hash[64]))
		return sigv4_fail(err, errlen, -EINVAL, "payload hash is neither 64 lowercase "
				  "hex digits nor " SIGV4_UNSIGNED);
	if (t_ms < 0 || t_ms / 1000 > SIGV4_LAST_TIME)
		return sigv4_fail(err, errlen, -EINVAL, "time %lld ms is not within 1970 to 9999",
				  (long long)t_ms);
	t = (time_t)(t_ms / 1000);
	if (!gmtime_r(&t, &tm) ||
	    strftime(out->amz_date, sizeof out->amz_date, "%Y%m%dT%H%M%SZ", &tm) != 16)
		return sigv4_fail(err, errlen, -EINVAL, "time %lld ms cannot be written",
				  (long long)t_ms);
	return 0;
}

/* The string to sign, the signature and the Authorization value into out,
 * which takes creq (its signed names at creq[names .. names + nl)). */
static int sigv4_finish(struct sigv4_signer *s, char *creq, size_t names, size_t nl,
			const struct sigv4_credentials *cred, const char *region,
			const char *service, struct sigv4_result *out)
{
	char day[9], scope[2 * SIGV4_MAX_SCOPE + 32], hex[65];
	unsigned char md[32];
	int rc;

	out->canonical_request = creq;
	memcpy(day, out->amz_date, 8);
	day[8] = '\0';
	snprintf(scope, sizeof scope, "%s/%s/%s/aws4_request", day, region, service);
	rc = sigv4_sha256(creq, strlen(creq), md);
	if (rc)
		return rc;
	sigv4_hex(hex, md, 32);
	if (asprintf(&out->string_to_sign, SIGV4_ALGO "\n%s\n%s\n%s", out->amz_date, scope,
		     hex) < 0) {
		out->string_to_sign = NULL;
		return -ENOMEM;
	}
	rc = sigv4_key(s, cred->secret_key, day, region, service);
	rc = rc ? rc : sigv4_hmac(s->key, 32, out->string_to_sign, strlen(out->string_to_sign), md);
	if (rc)
		return rc;
	sigv4_hex(hex, md, 32);
	if (asprintf(&out->authorization,
		     SIGV4_ALGO " Credential=%s/%s, SignedHeaders=%.*s, Signature=%s",
		     cred->access_key, scope, (int)nl, creq + names, hex) < 0) {
		out->authorization = NULL;
		return -ENOMEM;
	}
	return 0;
}

int sigv4_sign(struct sigv4_signer *s, const struct sigv4_request *req,
	       const struct sigv4_credentials *cred, const char *region, const char *service,
	       int64_t t_ms, struct sigv4_result *out, char *err, size_t errlen)
{
	char hash[65], *creq = NULL;
	size_t names = 0, nl = 0;
	unsigned char md[32];
	int rc, add_token = 0;

	if (out)
		memset(out, 0, sizeof *out);
	if (!s)
		return sigv4_fail(err, errlen, -EINVAL, "the signer is NULL");
	rc = sigv4_check(req, cred, region, service, t_ms, out, err, errlen);
	if (rc)
		return rc;
	if (!req->payload_hash) {
		rc = sigv4_sha256(req->body ? req->body : "", req->body_len, md);
		sigv4_hex(hash, md, 32);
	}
	rc = rc ? rc : sigv4_canon_request(req, out->amz_date, cred->session_token,
					   req->payload_hash ? req->payload_hash : hash, &creq,
					   &names, &nl, &add_token, err, errlen);
	rc = rc ? rc : sigv4_finish(s, creq, names, nl, cred, region, service, out);
	if (!rc && add_token && !(out->security_token = strdup(cred->session_token)))
		rc = -ENOMEM;
	if (rc) {
		if (!out->canonical_request)
			free(creq);
		sigv4_result_free(out);
		if (rc == -ENOMEM || rc == -EIO)
			sigv4_fail(err, errlen, rc, "%s",
				   rc == -EIO ? "libcrypto failed" : "out of memory");
	}
	return rc;
}

void sigv4_result_free(struct sigv4_result *r)
{
	if (!r)
		return;
	free(r->authorization);
	free(r->security_token);
	free(r->canonical_request);
	free(r->string_to_sign);
	memset(r, 0, sizeof *r);
}

void sigv4_signer_init(struct sigv4_signer *s)
{
	memset(s, 0, sizeof *s);
}

void sigv4_signer_clear(struct sigv4_signer *s)
{
	OPENSSL_cleanse(s, sizeof *s);
}
