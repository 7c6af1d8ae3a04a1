/*
 * test_sigv4.c - SigV4 signing (sigv4.h): every case of AWS's conformance
 * suite in SCALED_TESTDATA_DIR/sigv4 (its README: credentials, time,
 * region, service, the session tokens), byte for byte; the key cache;
 * requests refused with their messages, none of which holds the secret.
 * Exits 77 (skipped) when the suite is not there and all else passed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "sigv4.h"
#include "sigv4_fx.h"

#define SUITE SCALED_TESTDATA_DIR "/sigv4"
#define AKID "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define T_SUITE 1440938160000LL /* 2015-08-30T12:36:00Z (date -u -d ... +%s) */
#define DAY_MS 86400000LL
/* get-vanilla-with-session-token's token (the suite's README). */
#define TOKEN "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"
#define VANILLA_AUTHZ "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/" \
	"aws4_request, SignedHeaders=host;x-amz-date, Signature=" \
	"5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"

static int suite_missing;

/* "want" against "got": 1 when equal, else print both and where they part. */
static int same(const char *name, const char *what, const char *want, const char *got)
{
	size_t i = 0;

	if (want == got || (want && got && !strcmp(want, got)))
		return 1;
	while (want && got && want[i] == got[i])
		i++;
	printf("  FAIL %s: %s differs at byte %zu\n  --- want\n%s\n  --- got\n%s\n", name, what, i,
	       want ? want : "(none)", got ? got : "(none)");
	return 0;
}

/* A file of the case at prefix ("<...>/<name>/<name>") with extension ext. */
static char *case_file(const char *prefix, const char *ext)
{
	char path[2200];
	size_t len;

	snprintf(path, sizeof path, "%s%s", prefix, ext);
	return sigv4_fx_read(path, &len);
}

/* One case: 1 when the canonical request, string to sign and
 * Authorization all match, and the token to add is the one expected. */
static int run_case(const char *prefix)
{
	const char *name = strrchr(prefix, '/') + 1;
	char *creq = case_file(prefix, ".creq"), *sts = case_file(prefix, ".sts");
	char *authz = case_file(prefix, ".authz"), err[512] = "", path[2200];
	struct sigv4_credentials cred = { AKID, SECRET, NULL };
	struct sigv4_fx_req req, sreq = { 0 };
	struct sigv4_request r = { 0 };
	struct sigv4_result out;
	struct sigv4_signer s;
	const char *add = NULL; /* the X-Amz-Security-Token to add */
	int ok = 0;

	snprintf(path, sizeof path, "%s.req", prefix);
	if (!creq || !sts || !authz || sigv4_fx_load(path, &req, err, sizeof err)) {
		printf("  FAIL %s: cannot read the case %s\n", name, err);
		goto out;
	}
	r = (struct sigv4_request){ .method = req.method, .path = req.path, .query = req.query,
				    .headers = req.headers, .n_headers = req.n_headers,
				    .body = req.body, .body_len = req.body_len };
	if (!strcmp(name, "get-vanilla-with-session-token")) {
		cred.session_token = add = TOKEN; /* not in the .req: added, signed */
	} else if (!strcmp(name, "post-sts-header-before")) {
		cred.session_token = sigv4_fx_header(&req, "X-Amz-Security-Token"); /* signed */
	} else if (!strcmp(name, "post-sts-header-after")) {
		/* the token is added after signing: the .sreq shows it */
		snprintf(path, sizeof path, "%s.sreq", prefix);
		if (sigv4_fx_load(path, &sreq, err, sizeof err)) {
			printf("  FAIL %s: %s\n", name, err);
			goto out;
		}
		cred.session_token = add = sigv4_fx_header(&sreq, "X-Amz-Security-Token");
		r.flags = SIGV4_TOKEN_UNSIGNED;
	}
	sigv4_signer_init(&s);
	if (sigv4_sign(&s, &r, &cred, "us-east-1", "service", T_SUITE, &out, err, sizeof err)) {
		printf("  FAIL %s: %s\n", name, err);
		goto out;
	}
	ok = same(name, ".creq", creq, out.canonical_request) &&
	     same(name, ".sts", sts, out.string_to_sign) &&
	     same(name, ".authz", authz, out.authorization) &&
	     same(name, "token to add", add, out.security_token) &&
	     same(name, "X-Amz-Date", "20150830T123600Z", out.amz_date);
	if (ok && sreq.buf) /* and the .sreq is what we would send */
		ok = same(name, ".sreq Authorization", sigv4_fx_header(&sreq, "Authorization") + 1,
			  out.authorization);
	if (ok)
		printf("  ok   %s\n", name);
	sigv4_result_free(&out);
	sigv4_signer_clear(&s);
out:
	sigv4_fx_free(&req);
	sigv4_fx_free(&sreq);
	free(creq);
	free(sts);
	free(authz);
	return ok;
}

static void test_suite(void **state)
{
	struct stat st;
	char **cases;
	long n, passed = 0;

	(void)state;
	if (stat(SUITE, &st)) {
		printf("sigv4 suite not found at %s: skipped\n", SUITE);
		suite_missing = 1;
		skip();
	}
	n = sigv4_fx_cases(SUITE, &cases);
	assert_true(n >= 0);
	for (long i = 0; i < n; i++) {
		passed += run_case(cases[i]);
		free(cases[i]);
	}
	free(cases);
	printf("sigv4 suite: %ld of %ld cases passed\n", passed, n);
	assert_int_equal(n, 34);
	assert_int_equal(passed, n);
}

/* get-vanilla, built here: Host only, X-Amz-Date added by the signer. */
static const struct sigv4_header vanilla_h[] = { { "Host", "example.amazonaws.com" } };
static const struct sigv4_request vanilla = { .method = "GET", .path = "/",
					      .headers = vanilla_h, .n_headers = 1 };

static void sign_ok(struct sigv4_signer *s, const struct sigv4_request *r, const char *secret,
		    const char *region, const char *service, int64_t t, struct sigv4_result *out)
{
	struct sigv4_credentials cred = { AKID, secret, NULL };
	char err[256] = "";
	int rc = sigv4_sign(s, r, &cred, region, service, t, out, err, sizeof err);

	if (rc)
		printf("unexpected: %s\n", err);
	assert_int_equal(rc, 0);
}

/* The signing key is derived once per (secret, day, region, service). */
static void test_key_cache(void **state)
{
	static const char other[] = "AnotherSecretKeyOf40CharactersXXXXXXXXXX";
	struct sigv4_signer s;
	struct sigv4_result a, b;

	(void)state;
	sigv4_signer_init(&s);
	sign_ok(&s, &vanilla, SECRET, "us-east-1", "service", T_SUITE, &a);
	assert_int_equal(s.derivations, 1);
	assert_string_equal(a.authorization, VANILLA_AUTHZ); /* the suite's, X-Amz-Date added */
	assert_string_equal(a.amz_date, "20150830T123600Z");
	sigv4_result_free(&a);
	/* the same day, hours later: the cached key */
	sign_ok(&s, &vanilla, SECRET, "us-east-1", "service", T_SUITE + 11 * 3600000LL, &a);
	sign_ok(&s, &vanilla, SECRET, "us-east-1", "service", T_SUITE - 12 * 3600000LL, &b);
	assert_int_equal(s.derivations, 1);
	assert_string_equal(a.amz_date, "20150830T233600Z");
	assert_string_equal(b.amz_date, "20150830T003600Z");
	sigv4_result_free(&a);
	sigv4_result_free(&b);
	/* each of day, region, service, secret changes it; back again too */
	sign_ok(&s, &vanilla, SECRET, "us-east-1", "service", T_SUITE + DAY_MS, &a);
	assert_int_equal(s.derivations, 2);
	assert_non_null(strstr(a.authorization, "/20150831/us-east-1/service/"));
	sigv4_result_free(&a);
	sign_ok(&s, &vanilla, SECRET, "us-east-1", "service", T_SUITE + DAY_MS + 1000, &a);
	assert_int_equal(s.derivations, 2);
	sigv4_result_free(&a);
	sign_ok(&s, &vanilla, SECRET, "eu-west-1", "service", T_SUITE + DAY_MS, &a);
	assert_int_equal(s.derivations, 3);
	sigv4_result_free(&a);
	sign_ok(&s, &vanilla, SECRET, "eu-west-1", "sqs", T_SUITE + DAY_MS, &a);
	assert_int_equal(s.derivations, 4);
	sigv4_result_free(&a);
	sign_ok(&s, &vanilla, other, "eu-west-1", "sqs", T_SUITE + DAY_MS, &a);
	assert_int_equal(s.derivations, 5);
	sign_ok(&s, &vanilla, other, "eu-west-1", "sqs", T_SUITE + DAY_MS, &b);
	assert_int_equal(s.derivations, 5);
	assert_string_equal(a.authorization, b.authorization);
	sigv4_result_free(&a);
	sigv4_result_free(&b);
	sign_ok(&s, &vanilla, SECRET, "us-east-1", "service", T_SUITE, &a);
	assert_int_equal(s.derivations, 6);
	assert_string_equal(a.authorization, VANILLA_AUTHZ);
	sigv4_result_free(&a);
	/* the signer does not hold the secret in clear */
	assert_null(memmem(&s, sizeof s, SECRET, strlen(SECRET)));
	assert_null(memmem(&s, sizeof s, other, strlen(other)));
	sigv4_signer_clear(&s);
}

/* Canonical forms the suite does not show: a path already encoded is
 * encoded again; an encoded and a raw query sign the same; header order,
 * case, tabs and CRLF folds do not matter; a given payload hash is used. */
static void test_canonical(void **state)
{
	const struct sigv4_header h1[] = { { "Host", "h" }, { "My-A", "x\t\ty" },
					   { "my-b", " 1 \r\n\t 2 " }, { "MY-A", "z" } };
	const struct sigv4_header h2[] = { { "my-b", "1 2" }, { "my-a", "x y" },
					   { "my-a", "z" }, { "host", "h" } };
	struct sigv4_request r1 = { .method = "GET", .path = "/a%20b/./c/",
				    .query = "%E1%88%B4=v&a=", .headers = h1, .n_headers = 4 };
	struct sigv4_request r2 = { .method = "GET", .path = "/a%20b/c/",
				    .query = "a&\xe1\x88\xb4=v", .headers = h2, .n_headers = 4,
				    .payload_hash = "UNSIGNED-PAYLOAD" };
	struct sigv4_signer s;
	struct sigv4_result a, b;
	char err[256];

	(void)state;
	sigv4_signer_init(&s);
	sign_ok(&s, &r1, SECRET, "us-east-1", "ec2", T_SUITE, &a);
	assert_string_equal(a.canonical_request,
			    "GET\n/a%2520b/c/\n%E1%88%B4=v&a=\nhost:h\nmy-a:x y,z\nmy-b:1 2\n"
			    "x-amz-date:20150830T123600Z\n\nhost;my-a;my-b;x-amz-date\n"
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	r1.payload_hash = "UNSIGNED-PAYLOAD";
	sigv4_result_free(&a);
	sign_ok(&s, &r1, SECRET, "us-east-1", "ec2", T_SUITE, &a);
	sign_ok(&s, &r2, SECRET, "us-east-1", "ec2", T_SUITE, &b);
	assert_string_equal(a.canonical_request, b.canonical_request);
	assert_string_equal(a.authorization, b.authorization);
	assert_null(a.security_token);
	sigv4_result_free(&a);
	sigv4_result_free(&b);
	/* err may be NULL, or too short: the message is cut, nothing more */
	r1.path = "x";
	assert_int_equal(sigv4_sign(&s, &r1, &(struct sigv4_credentials){ AKID, SECRET, NULL },
				    "us-east-1", "ec2", T_SUITE, &a, NULL, 0), -EINVAL);
	memset(err, 'X', sizeof err);
	assert_int_equal(sigv4_sign(&s, &r1, &(struct sigv4_credentials){ AKID, SECRET, NULL },
				    "us-east-1", "ec2", T_SUITE, &a, err, 8), -EINVAL);
	assert_string_equal(err, "sigv4: ");
	assert_int_equal(err[8], 'X');
	sigv4_signer_clear(&s);
}

/* A request to break in one way (test_refusals): the suite's get-vanilla
 * with a header whose value is the secret, which no message may show. */
struct bad {
	struct sigv4_header h[SIGV4_MAX_HEADERS + 1];
	struct sigv4_request r;
	struct sigv4_credentials c;
	const char *region, *service;
	int64_t t;
	int no_signer, no_req, no_cred, no_out;
};

/* What refusal k breaks, and (below) its message. */
static void breakit(int k, struct bad *b)
{
	static char big[SIGV4_MAX_QUERY + 2];

	memset(big, 'a', sizeof big - 1);
	big[0] = '/';
	switch (k) {
	case 0: b->r.method = NULL; break;
	case 1: b->r.path = NULL; break;
	case 2: b->no_req = 1; break;
	case 3: b->no_cred = 1; break;
	case 4: b->region = NULL; break;
	case 5: b->service = NULL; break;
	case 6: b->no_out = 1; break;
	case 7: b->no_signer = 1; break;
	case 8: b->r.method = "GE T"; break;
	case 9: b->r.method = ""; break;
	case 10: b->c.access_key = NULL; break;
	case 11: b->c.access_key = "AKID,EXAMPLE"; break;
	case 12: b->c.secret_key = NULL; break;
	case 13: b->c.secret_key = ""; break;
	case 14: b->c.secret_key = big + 1; break;
	case 15: b->c.session_token = "tok\nen"; break;
	case 16: b->region = "US-EAST-1"; break;
	case 17: b->service = ""; break;
	case 18: b->r.body_len = 5; break;
	case 19: b->r.payload_hash = "abc"; break;
	case 20: b->t = -1; break;
	case 21: b->t = 253402300800000LL; break;
	case 22: b->r.path = "example"; break;
	case 23: b->r.path = "/a\nb"; break;
	case 24: b->r.path = "/\xff"; break;
	case 25: b->r.path = "/\xe1\x88"; break;
	case 26: b->r.path = "/\xc0\xaf"; break;
	case 27: b->r.path = "/\xed\xa0\x80"; break;
	case 28: big[SIGV4_MAX_PATH + 1] = '\0'; b->r.path = big; break;
	case 29: b->r.query = "a=%zz"; break;
	case 30: b->r.query = "b=1&%4"; break;
	case 31: b->r.query = "a=%FF"; break;
	case 32: b->r.query = "a=\x01"; break;
	case 33: b->h[1].name = "My:Header"; break;
	case 34: b->h[1].name = ""; break;
	case 35: b->h[1].name = "X\x01"; break;
	case 36: b->h[1].name = "My Header"; break;
	case 37: b->h[1].name = NULL; break;
	case 38: b->h[1].value = NULL; break;
	case 39: b->h[1].value = SECRET "\nb"; break;
	case 40: b->h[1].value = SECRET "\rb"; break;
	case 41: b->h[1].value = SECRET "\x7f"; break;
	case 42: b->h[1].value = SECRET "\n"; break;
	case 43: b->r.headers = NULL; break;
	case 44: b->r.n_headers = SIGV4_MAX_HEADERS + 1; break;
	case 45: b->h[0].name = "Hos"; break;
	case 46: b->h[1].name = "HOST"; break;
	case 47: b->h[1].name = "Authorization"; break;
	case 48: b->h[1].name = "X-Amz-Date"; b->h[1].value = "20150830T123601Z"; break;
	case 49: b->h[1].name = "X-Amz-Security-Token"; b->c.session_token = TOKEN; break;
	case 50: big[SIGV4_MAX_FIELD] = '\0'; b->h[1].value = big; break;
	case 51: b->r.query = big; break;
	/* '@' and '`' once read as the hex digit 9 ("%C2%@0" as U+0090):
	 * found by fuzz_sigv4. */
	case 52: b->r.query = "a=%C2%@0"; break;
	case 53: b->r.query = "%C2%`0=b"; break;
	}
}

static const char *const refusals[] = {
	"sigv4: the method is NULL", "sigv4: the path is NULL", "sigv4: the request is NULL",
	"sigv4: the credentials are NULL", "sigv4: the region is NULL",
	"sigv4: the service is NULL",
	"sigv4: the result is NULL", "sigv4: the signer is NULL",
	"sigv4: method \"GE T\" is not an HTTP token", "sigv4: method \"\" is not an HTTP token",
	"sigv4: the access key is NULL",
	"sigv4: the access key is empty, longer than 128 bytes, or holds a space, a byte outside",
	"sigv4: the secret key is NULL", "sigv4: the secret key is empty",
	"sigv4: the secret key is longer than 256 bytes",
	"sigv4: the session token is empty, too long, or holds a space or a byte outside "
	"printable ASCII",
	"sigv4: region \"US-EAST-1\" is not 1 to 63 of a-z, 0-9 and '-'",
	"sigv4: service \"\" is not 1 to 63", "sigv4: body is NULL but body_len is 5",
	"sigv4: payload hash is neither 64 lowercase hex digits nor UNSIGNED-PAYLOAD",
	"sigv4: time -1 ms is not within 1970 to 9999",
	"sigv4: time 253402300800000 ms is not within",
	"sigv4: path does not start with '/'", "sigv4: path has the control byte 0x0a at offset 2",
	"sigv4: path is not UTF-8 (byte 0xff at offset 1)",
	"sigv4: path is not UTF-8 (byte 0xe1 at offset 1)",
	"sigv4: path is not UTF-8 (byte 0xc0 at offset 1)",
	"sigv4: path is not UTF-8 (byte 0xed at offset 1)", "sigv4: path is longer than 8192 bytes",
	"sigv4: query parameter 1: value has a '%' without two hex digits",
	"sigv4: query parameter 2: name has a '%' without two hex digits",
	"sigv4: query parameter 1: value is not UTF-8 once decoded (offset 0)",
	"sigv4: query has the control byte 0x01 at offset 2",
	"sigv4: header 2 (\"My:Header\"): byte 0x3a at offset 2 cannot be in a name",
	"sigv4: header 2: empty name",
	"sigv4: header 2 (\"X\\x01\"): byte 0x01 at offset 1 cannot be in a name",
	"sigv4: header 2 (\"My Header\"): byte 0x20 at offset 2 cannot be in a name",
	"sigv4: header 2: name is NULL", "sigv4: header 2: value is NULL",
	"sigv4: header \"My-Header\": its value has the control byte 0x0a at offset 40",
	"sigv4: header \"My-Header\": its value has the control byte 0x0d at offset 40",
	"sigv4: header \"My-Header\": its value has the control byte 0x7f at offset 40",
	"sigv4: header \"My-Header\": its value has the control byte 0x0a at offset 40",
	"sigv4: n_headers is 2 but headers is NULL", "sigv4: 65 headers, more than 64",
	"sigv4: the request has no Host header", "sigv4: header \"host\" is given twice",
	"sigv4: the request already has an Authorization header",
	"sigv4: the X-Amz-Date header differs from the signing time 20150830T123600Z",
	"sigv4: the X-Amz-Security-Token header differs from the credentials' session token",
	"sigv4: header 2: name and value are longer than the limit",
	"sigv4: query is longer than 65536 bytes",
	"sigv4: query parameter 1: value has a '%' without two hex digits",
	"sigv4: query parameter 1: name has a '%' without two hex digits",
};

/* Sign refusal k's request: its return value, err filled. */
static int refuse(int k, char *err, size_t errlen)
{
	struct bad b = { .h = { { "Host", "example.amazonaws.com" }, { "My-Header", SECRET } },
			 .c = { AKID, SECRET, NULL }, .region = "us-east-1", .service = "service",
			 .t = T_SUITE };
	struct sigv4_result out;
	struct sigv4_signer s;
	int rc;

	for (size_t i = 2; i <= SIGV4_MAX_HEADERS; i++)
		b.h[i] = (struct sigv4_header){ "X-Filler", "1" };
	b.r = (struct sigv4_request){ .method = "GET", .path = "/", .headers = b.h,
				      .n_headers = 2 };
	breakit(k, &b);
	sigv4_signer_init(&s);
	memset(&out, 0x5a, sizeof out);
	rc = sigv4_sign(b.no_signer ? NULL : &s, b.no_req ? NULL : &b.r, b.no_cred ? NULL : &b.c,
			b.region, b.service, b.t, b.no_out ? NULL : &out, err, errlen);
	if (!b.no_out) { /* zeroed, so freeing it is harmless */
		assert_null(out.authorization);
		assert_null(out.canonical_request);
		sigv4_result_free(&out);
	}
	return rc;
}

static void test_refusals(void **state)
{
	size_t n = sizeof refusals / sizeof *refusals;
	char err[512];

	(void)state;
	for (size_t k = 0; k < n; k++) {
		err[0] = '\0';
		assert_int_equal(refuse((int)k, err, sizeof err), -EINVAL);
		printf("  refused: %s\n", err);
		if (strncmp(err, refusals[k], strlen(refusals[k])))
			fail_msg("refusal %zu: want \"%s\"", k, refusals[k]);
	}
	assert_int_equal(n, 54);
}

/* No message holds the secret, nor any 8 bytes of it, nor the token. */
static void test_no_secret(void **state)
{
	size_t n = sizeof refusals / sizeof *refusals;
	char err[512];

	(void)state;
	for (size_t k = 0; k < n; k++) {
		refuse((int)k, err, sizeof err);
		for (size_t i = 0; i + 8 <= strlen(SECRET); i++)
			if (memmem(err, strlen(err), SECRET + i, 8))
				fail_msg("refusal %zu shows the secret: %s", k, err);
		assert_null(strstr(err, TOKEN));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_suite),
		cmocka_unit_test(test_key_cache),
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_no_secret),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);

	return failed ? failed : suite_missing ? 77 : 0;
}
