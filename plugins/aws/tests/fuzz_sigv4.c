/*
 * fuzz_sigv4.c - SigV4 signing (sigv4.h, sigv4_canon.c): each input a
 * request, signed with the conformance suite's parameters (AKIDEXAMPLE and
 * its secret, 20150830T123600Z, us-east-1, service) on one signer reused
 * for the whole run. Seeds: fuzz_sigv4_corpus/; dictionary:
 * fuzz_sigv4.dict. Built and replayed as tests/fuzz's harnesses are
 * (fuzz.cmake).
 *
 * The input, text in the shape of the suite's .req files:
 *
 *   byte 0          options, its low four bits ('0' is none):
 *                     0x1 the credentials have a session token (TOKEN)
 *                     0x2 SIGV4_TOKEN_UNSIGNED
 *                     0xC the payload: 0x0 the SHA-256 of the body,
 *                         0x4 "UNSIGNED-PAYLOAD", 0x8 the body's bytes as
 *                         the payload hash (and no body), 0xC the body
 *                         passed as NULL with its length (a caller's
 *                         mistake: refused when the length is not 0)
 *   then a line     METHOD SP TARGET, the target split at its first '?'
 *                   into path and query (no '?': the query is NULL)
 *   then lines      headers "Name:value" (no ':': the whole line is the
 *                   name, the value ""); a line starting with a space or a
 *                   tab continues the header before it, its line end kept
 *                   in the value (a fold); at most MAX_LINES are read
 *   a blank line    then the body, every byte to the end.
 *
 * Lines end at '\n'. A NUL inside a field ends that string early (as it
 * would in a caller's). Nothing after byte 0 is required: an input that
 * stops early leaves the rest empty.
 *
 * Invariants:
 *  - 0, -EINVAL, or -ENOMEM; a refusal says why ("sigv4: ..."), hands
 *    nothing back and never shows the secret or the token (unless the
 *    input holds it: a method or a header name is shown; pieces are not
 *    looked for, as libFuzzer soon writes them into names);
 *  - refused, whatever else: more than SIGV4_MAX_HEADERS headers, no Host
 *    header, an Authorization header, a path not starting with '/', an
 *    empty method, a query with a '%' not followed by two hex digits, a
 *    NULL body with a length;
 *  - a signature: the Authorization starts "AWS4-HMAC-SHA256
 *    Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request,
 *    SignedHeaders=" and ends ", Signature=" and 64 hex digits; its signed
 *    names are the canonical request's second last line, and include host
 *    and x-amz-date; the string to sign is the algorithm, the time, the
 *    scope and 64 hex digits; the canonical request starts with the
 *    method and ends with the payload hash asked for; a token to add is
 *    the credentials' own; signing again gives the same Authorization;
 *  - the signing key is derived once in the whole run.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "sigv4.h"

#define AKID "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define TOKEN "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"
#define T_SUITE 1440938160000LL /* 2015-08-30T12:36:00Z */
#define REGION "us-east-1"
#define SERVICE "service"
#define AUTHZ_HEAD "AWS4-HMAC-SHA256 Credential=" AKID "/20150830/" REGION "/" SERVICE \
	"/aws4_request, SignedHeaders="
#define STS_HEAD "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/" REGION "/" SERVICE \
	"/aws4_request\n"
#define MAX_LINES (SIGV4_MAX_HEADERS + 1) /* one more than may be signed */

#define OPT_TOKEN 0x1u
#define OPT_UNSIGNED 0x2u
#define OPT_PAYLOAD 0xCu
#define PAYLOAD_BODY 0x0u
#define PAYLOAD_UNSIGNED 0x4u
#define PAYLOAD_GIVEN 0x8u
#define PAYLOAD_NULL_BODY 0xCu

static struct sigv4_signer signer; /* all zeros: as sigv4_signer_init leaves it */

/* The request read from an input; every pointer into buf (or a literal). */
struct fz_req {
	char *buf;
	unsigned opts;
	struct sigv4_request req;
	struct sigv4_header h[MAX_LINES];
	char *hash; /* PAYLOAD_GIVEN: the body as a string */
};

static bool is_hex64(const char *s, size_t n)
{
	return n == 64 && strspn(s, "0123456789abcdef") >= 64;
}

/* A '%' in q not followed by two hex digits. */
static bool bad_escape(const char *q)
{
	static const char hex[] = "0123456789abcdefABCDEF";

	for (; q && (q = strchr(q, '%')); q++)
		if (!q[1] || !strchr(hex, q[1]) || !q[2] || !strchr(hex, q[2]))
			return true;
	return false;
}

/* Split data[0..size) as the comment above says; false only without
 * memory (the input is then skipped: it says nothing about the signer). */
static bool fz_parse(struct fz_req *r, const uint8_t *data, size_t size)
{
	char *p, *end, *e, *sp, *q;
	size_t n = 0;

	memset(r, 0, sizeof *r);
	r->buf = malloc(size + 1);
	if (!r->buf)
		return false;
	memcpy(r->buf, data, size);
	r->buf[size] = '\0';
	r->opts = size ? data[0] & 0xFu : 0;
	p = r->buf + (size ? 1 : 0);
	end = r->buf + size;

	/* The request line. */
	e = memchr(p, '\n', (size_t)(end - p));
	if (!e)
		e = end;
	*e = '\0';
	r->req.method = p;
	sp = memchr(p, ' ', (size_t)(e - p));
	if (sp) {
		*sp = '\0';
		r->req.path = sp + 1;
		q = memchr(sp + 1, '?', (size_t)(e - sp - 1));
		if (q) {
			*q = '\0';
			r->req.query = q + 1;
		}
	} else {
		r->req.path = "";
	}
	p = e < end ? e + 1 : end;

	/* Header lines, each with its folds, up to a blank line. */
	while (p < end && *p != '\n' && n < MAX_LINES) {
		char *colon;

		for (e = memchr(p, '\n', (size_t)(end - p));
		     e && e + 1 < end && (e[1] == ' ' || e[1] == '\t');
		     e = memchr(e + 1, '\n', (size_t)(end - e - 1)))
			;
		if (!e)
			e = end;
		*e = '\0';
		colon = memchr(p, ':', (size_t)(e - p));
		if (colon)
			*colon = '\0';
		r->h[n].name = p;
		r->h[n].value = colon ? colon + 1 : "";
		n++;
		p = e < end ? e + 1 : end;
	}
	if (p < end && *p == '\n')
		p++;
	r->req.headers = r->h;
	r->req.n_headers = n;
	r->req.flags = r->opts & OPT_UNSIGNED ? SIGV4_TOKEN_UNSIGNED : 0;

	/* The body and the payload hash. */
	switch (r->opts & OPT_PAYLOAD) {
	case PAYLOAD_BODY:
		r->req.body = p;
		r->req.body_len = (size_t)(end - p);
		break;
	case PAYLOAD_UNSIGNED:
		r->req.body = p;
		r->req.body_len = (size_t)(end - p);
		r->req.payload_hash = "UNSIGNED-PAYLOAD";
		break;
	case PAYLOAD_GIVEN:
		r->req.payload_hash = p; /* NUL-terminated: buf[size] */
		break;
	case PAYLOAD_NULL_BODY:
		r->req.body = NULL;
		r->req.body_len = (size_t)(end - p);
		break;
	}
	return true;
}

/* Must this request be refused, by a rule simpler than the signer's? */
static const char *must_refuse(const struct fz_req *r)
{
	const struct sigv4_request *q = &r->req;
	size_t hosts = 0;

	if (q->n_headers > SIGV4_MAX_HEADERS)
		return "too many headers";
	if (!q->method[0])
		return "an empty method";
	if (q->path[0] != '/')
		return "a path not starting with '/'";
	if (bad_escape(q->query))
		return "a bad '%' escape in the query";
	if (!q->body && q->body_len)
		return "a NULL body with a length";
	for (size_t i = 0; i < q->n_headers; i++) {
		if (!strcasecmp(q->headers[i].name, "authorization"))
			return "an Authorization header";
		hosts += !strcasecmp(q->headers[i].name, "host");
	}
	return hosts ? NULL : "no Host header";
}

static bool has_header(const struct sigv4_request *q, const char *name)
{
	for (size_t i = 0; i < q->n_headers; i++)
		if (!strcasecmp(q->headers[i].name, name))
			return true;
	return false;
}

/* A refusal; data[0..size) is the input, whose own bytes a message may
 * show (a method, a header name). */
static void check_refusal(int rc, const struct sigv4_result *out, const char *err,
			  const uint8_t *data, size_t size)
{
	static const struct sigv4_result zero;
	static const char secret[] = SECRET;

	FUZZ_CHECK(rc == -EINVAL || rc == -ENOMEM, "rc %d (%s)", rc, err);
	FUZZ_CHECK(!strncmp(err, "sigv4: ", 7) && err[7], "refused (%d) with '%s'", rc, err);
	FUZZ_CHECK(!memcmp(out, &zero, sizeof zero), "refused (%d) but *out not zeroed", rc);
	FUZZ_CHECK(!strstr(err, secret) || memmem(data, size, secret, sizeof secret - 1),
		   "the secret in '%s'", err);
	FUZZ_CHECK(!strstr(err, TOKEN) || memmem(data, size, TOKEN, strlen(TOKEN)),
		   "the token in '%s'", err);
}

/* The last line of s (after its last '\n'). */
static const char *last_line(const char *s)
{
	const char *nl = strrchr(s, '\n');

	return nl ? nl + 1 : s;
}

static void check_signature(const struct fz_req *r, const struct sigv4_result *out)
{
	const struct sigv4_request *q = &r->req;
	const char *a = out->authorization, *c = out->canonical_request, *names, *sig, *l;
	size_t al, nl, ml = strlen(q->method);

	FUZZ_CHECK(a && c && out->string_to_sign, "a signature with a NULL part");
	FUZZ_CHECK(!strcmp(out->amz_date, "20150830T123600Z"), "amz_date %s", out->amz_date);

	/* Authorization: the head, the signed names, the signature. */
	al = strlen(a);
	FUZZ_CHECK(!strncmp(a, AUTHZ_HEAD, strlen(AUTHZ_HEAD)), "Authorization '%s'", a);
	names = a + strlen(AUTHZ_HEAD);
	sig = al >= 64 + 12 ? a + al - 64 - 12 : a;
	FUZZ_CHECK(sig > names && !strncmp(sig, ", Signature=", 12) && is_hex64(sig + 12, 64),
		   "Authorization ends '%s'", sig);
	nl = (size_t)(sig - names);

	/* The string to sign: the head, then the canonical request's hash. */
	l = last_line(out->string_to_sign);
	FUZZ_CHECK(!strncmp(out->string_to_sign, STS_HEAD, strlen(STS_HEAD)) &&
		   l == out->string_to_sign + strlen(STS_HEAD) && is_hex64(l, strlen(l)),
		   "string to sign '%s'", out->string_to_sign);

	/* The canonical request: the method, ..., the names, the hash. */
	FUZZ_CHECK(!strncmp(c, q->method, ml) && c[ml] == '\n', "canonical request '%.40s'", c);
	l = last_line(c);
	switch (r->opts & OPT_PAYLOAD) {
	case PAYLOAD_UNSIGNED:
	case PAYLOAD_GIVEN:
		FUZZ_CHECK(!strcmp(l, q->payload_hash), "payload hash '%s'", l);
		break;
	default:
		FUZZ_CHECK(is_hex64(l, strlen(l)), "payload hash '%s'", l);
	}
	FUZZ_CHECK(l - c > (ptrdiff_t)nl + 1 && l[-1] == '\n' && l[-2 - (ptrdiff_t)nl] == '\n' &&
		   !memcmp(l - 1 - nl, names, nl),
		   "SignedHeaders '%.*s' is not the canonical request's", (int)nl, names);
	FUZZ_CHECK(!strncmp(names, "host;", 5) || strstr(names, ";host;"), "no host in '%.*s'",
		   (int)nl, names);
	FUZZ_CHECK(memmem(names, nl, "x-amz-date", 10), "no x-amz-date in '%.*s'", (int)nl, names);

	/* The token to add: the credentials', when the request lacks it. */
	if ((r->opts & OPT_TOKEN) && !has_header(q, "x-amz-security-token"))
		FUZZ_CHECK(out->security_token && !strcmp(out->security_token, TOKEN),
			   "token to add '%s'", out->security_token ? out->security_token : "(none)");
	else
		FUZZ_CHECK(!out->security_token, "a token to add without one to add");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sigv4_credentials cred = { AKID, SECRET, NULL };
	struct sigv4_result out, again;
	char err[512] = "", err2[512] = "";
	struct fz_req r;
	const char *why;
	int rc, rc2;

	if (!fz_parse(&r, data, size))
		return 0;
	if (r.opts & OPT_TOKEN)
		cred.session_token = TOKEN;
	rc = sigv4_sign(&signer, &r.req, &cred, REGION, SERVICE, T_SUITE, &out, err, sizeof err);
	why = must_refuse(&r);
	if (rc) {
		check_refusal(rc, &out, err, data, size);
	} else {
		FUZZ_CHECK(!why, "signed a request with %s", why);
		check_signature(&r, &out);
		/* The same request, signed again with the cached key. */
		rc2 = sigv4_sign(&signer, &r.req, &cred, REGION, SERVICE, T_SUITE, &again, err2,
				 sizeof err2);
		FUZZ_CHECK(rc2 == 0 || rc2 == -ENOMEM, "signed once, then refused: %s", err2);
		if (!rc2)
			FUZZ_CHECK(!strcmp(out.authorization, again.authorization),
				   "signed twice, two Authorizations");
		sigv4_result_free(&again);
	}
	FUZZ_CHECK(signer.derivations <= 1, "the key derived %lu times", signer.derivations);
	sigv4_result_free(&out);
	free(r.buf);
	return 0;
}
