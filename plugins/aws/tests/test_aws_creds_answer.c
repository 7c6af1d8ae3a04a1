/*
 * test_aws_creds_answer.c - a credential fetch's answers and requests
 * without the network (aws_creds_answer.h, aws_creds_req.h): ECS and IMDS
 * JSON, STS XML, IMDSv2's token and role list, each as AWS shapes them and
 * as garbage (empty, cut short, HTML, DOCTYPE, wrong types, missing fields,
 * huge, expired); the requests built (method, URL, headers, body, the
 * signature's scope); token files. No message holds a secret: every
 * secret and token here carries a marker that each message is checked
 * for.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "aws_creds_answer.h"
#include "aws_creds_req.h"

#define NOW 1764777600000LL /* 2025-12-03T16:00:00Z */
#define EXP "2025-12-03T17:00:00Z"
#define EXP_MS 1764781200000LL
#define ID "ASIAIOSFODNN7EXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG/SECRETMARK"
#define TOKEN "IQoJb3JpZ2luX2VjTOKENMARK//////////wEaCXVzLWVhc3QtMSJH"
/* an answer's start: the three keys, the token's string still open */
#define THREE "{\"AccessKeyId\":\"" ID "\",\"SecretAccessKey\":\"" SECRET "\",\"Token\":\"" TOKEN

/* No marker of a secret in what a reader said. */
static void no_secret(const char *s)
{
	assert_null(strstr(s, "SECRETMARK"));
	assert_null(strstr(s, "TOKENMARK"));
	assert_null(strstr(s, "WEBMARK"));
}

static int json_of(const char *doc, const char *what, struct aws_creds_got *g, char *err,
		   size_t errlen)
{
	int rc;

	err[0] = '\0';
	rc = aws_creds_answer_json(doc, strlen(doc), what, NOW, g, err, errlen);
	no_secret(err);
	if (rc < 0)
		assert_null(g->access_key_id);
	return rc;
}

static void test_json_good(void **state)
{
	/* IMDS's, as the EC2 user guide shows it */
	static const char imds[] =
		"{\n  \"Code\" : \"Success\",\n  \"LastUpdated\" : \"2025-12-03T15:40:06Z\",\n"
		"  \"Type\" : \"AWS-HMAC\",\n  \"AccessKeyId\" : \"" ID "\",\n"
		"  \"SecretAccessKey\" : \"" SECRET "\",\n  \"Token\" : \"" TOKEN "\",\n"
		"  \"Expiration\" : \"" EXP "\"\n}";
	/* ECS's, as the ECS developer guide shows it */
	static const char ecs[] =
		"{\"AccessKeyId\":\"" ID "\",\"Expiration\":\"" EXP "\","
		"\"RoleArn\":\"arn:aws:iam::123456789012:role/task\","
		"\"SecretAccessKey\":\"" SECRET "\",\"Token\":\"" TOKEN "\"}";
	struct aws_creds_got g;
	char err[256];

	(void)state;
	assert_int_equal(json_of(imds, "IMDS", &g, err, sizeof err), 0);
	assert_string_equal(g.access_key_id, ID);
	assert_string_equal(g.secret_access_key, SECRET);
	assert_string_equal(g.session_token, TOKEN);
	assert_true(g.expires_ms == EXP_MS);
	aws_creds_got_free(&g);
	assert_null(g.access_key_id);
	assert_int_equal(json_of(ecs, "ECS", &g, err, sizeof err), 0);
	assert_string_equal(g.access_key_id, ID);
	assert_true(g.expires_ms == EXP_MS);
	aws_creds_got_free(&g);
	aws_creds_got_free(&g); /* harmless twice */
}

static void test_json_garbage(void **state)
{
	static const struct {
		const char *doc;
		int rc;
		const char *err;
	} cases[] = {
		{ "", -EBADMSG, "ECS: the answer is empty" },
		{ "{", -EBADMSG, "ECS: the answer is not JSON" },
		{ "{\"AccessKeyId\":\"" ID "\",\"SecretAccessKey\":\"" SECRET, -EBADMSG,
		  "ECS: the answer is not JSON" },
		{ "<html><body>502 Bad Gateway</body></html>", -EBADMSG,
		  "ECS: the answer is not JSON (it starts with '<': HTML or XML?)" },
		{ "  <!DOCTYPE html><html/>", -EBADMSG,
		  "ECS: the answer is not JSON (it starts with '<': HTML or XML?)" },
		{ "[\"" ID "\"]", -EBADMSG, "ECS: the answer is not a JSON object" },
		{ "\"" SECRET "\"", -EBADMSG, "ECS: the answer is not a JSON object" },
		{ "{}", -EBADMSG, "ECS: the answer has no AccessKeyId" },
		{ "{\"AccessKeyId\":\"" ID "\",\"Token\":\"" TOKEN "\",\"Expiration\":\"" EXP "\"}",
		  -EBADMSG, "ECS: the answer has no SecretAccessKey" },
		{ "{\"AccessKeyId\":\"" ID "\",\"SecretAccessKey\":\"" SECRET "\","
		  "\"Expiration\":\"" EXP "\"}", -EBADMSG, "ECS: the answer has no Token" },
		{ "{\"AccessKeyId\":\"" ID "\",\"SecretAccessKey\":\"" SECRET "\","
		  "\"Token\":\"" TOKEN "\"}", -EBADMSG, "ECS: the answer has no Expiration" },
		{ "{\"AccessKeyId\":12345,\"SecretAccessKey\":\"" SECRET "\",\"Token\":\"" TOKEN
		  "\",\"Expiration\":\"" EXP "\"}", -EBADMSG, "ECS: AccessKeyId is not a string" },
		{ "{\"AccessKeyId\":\"" ID "\",\"SecretAccessKey\":null,\"Token\":\"" TOKEN
		  "\",\"Expiration\":\"" EXP "\"}", -EBADMSG,
		  "ECS: SecretAccessKey is not a string" },
		{ "{\"AccessKeyId\":\"" ID "\",\"SecretAccessKey\":\"" SECRET "\",\"Token\":[\""
		  TOKEN "\"],\"Expiration\":\"" EXP "\"}", -EBADMSG, "ECS: Token is not a string" },
		{ THREE
		  "\",\"Expiration\":1764781200}", -EBADMSG, "ECS: Expiration is not a string" },
		{ "{\"AccessKeyId\":\"\",\"SecretAccessKey\":\"" SECRET "\",\"Token\":\"" TOKEN
		  "\",\"Expiration\":\"" EXP "\"}", -EBADMSG,
		  "ECS: the access key id is empty, longer than 128 bytes, or holds a space, a "
		  "byte outside printable ASCII or one of ,/;=" },
		{ "{\"AccessKeyId\":\"" ID "\",\"SecretAccessKey\":\"SECRETMARK with space\","
		  "\"Token\":\"" TOKEN "\",\"Expiration\":\"" EXP "\"}", -EBADMSG,
		  "ECS: the secret access key is empty, longer than 256 bytes, or holds a space "
		  "or a byte outside printable ASCII" },
		{ "{\"AccessKeyId\":\"" ID "\",\"SecretAccessKey\":\"" SECRET "\",\"Token\":\""
		  "TOKENMARK\\nline\",\"Expiration\":\"" EXP "\"}", -EBADMSG,
		  "ECS: the session token is empty, longer than 8128 bytes, or holds a space or a "
		  "byte outside printable ASCII" },
		{ THREE
		  "\",\"Expiration\":\"tomorrow\"}", -EBADMSG,
		  "ECS: Expiration \"tomorrow\" is not an ISO 8601 time "
		  "(YYYY-MM-DDTHH:MM:SS[.fff][Z|+HH:MM|-HH:MM])" },
		{ THREE
		  "\",\"Expiration\":\"2025-02-30T00:00:00Z\"}", -EBADMSG, NULL },
		/* expired, and expiring exactly now */
		{ THREE
		  "\",\"Expiration\":\"2025-12-03T15:00:00Z\"}", -EKEYEXPIRED,
		  "ECS: the credentials expired at 2025-12-03T15:00:00Z (now is "
		  "2025-12-03T16:00:00Z)" },
		{ THREE
		  "\",\"Expiration\":\"2025-12-03T16:00:00Z\"}", -EKEYEXPIRED, NULL },
		/* the servers' own errors */
		{ "{\"Code\":\"AssumeRoleUnauthorizedAccess\",\"Message\":\"EC2 cannot assume "
		  "the role\",\"LastUpdated\":\"2025-12-03T15:40:06Z\"}", -EREMOTEIO,
		  "ECS: AssumeRoleUnauthorizedAccess: EC2 cannot assume the role" },
		{ "{\"code\":\"InvalidIdInRequest\",\"message\":\"CredentialsV2Request: "
		  "Credentials not found\"}", -EREMOTEIO,
		  "ECS: InvalidIdInRequest: CredentialsV2Request: Credentials not found" },
	};
	struct aws_creds_got g;
	char err[256], *huge;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc = json_of(cases[i].doc, "ECS", &g, err, sizeof err);

		if (rc != cases[i].rc || (cases[i].err && strcmp(err, cases[i].err)))
			fail_msg("case %zu: rc %d, '%s'", i, rc, err);
		assert_true(err[0] != '\0');
	}
	/* over 64 KiB: refused before it is parsed */
	huge = malloc(AWS_CREDS_ANSWER_MAX + 2);
	assert_non_null(huge);
	memset(huge, ' ', AWS_CREDS_ANSWER_MAX + 1);
	huge[0] = '{';
	huge[AWS_CREDS_ANSWER_MAX] = '}';
	huge[AWS_CREDS_ANSWER_MAX + 1] = '\0';
	assert_int_equal(json_of(huge, "IMDS", &g, err, sizeof err), -EBADMSG);
	assert_string_equal(err, "IMDS: the answer is over 65536 bytes");
	free(huge);
	/* a NUL inside: the length counts, not the string */
	assert_int_equal(aws_creds_answer_json("{\"a\":\0\"b\"}", 10, "IMDS", NOW, &g, err,
					       sizeof err), -EBADMSG);
	/* err may be NULL */
	assert_int_equal(aws_creds_answer_json("{}", 2, "IMDS", NOW, &g, NULL, 0), -EBADMSG);
}

static const char sts_good[] =
	"<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
	"  <AssumeRoleResult>\n"
	"    <SourceIdentity>Alice</SourceIdentity>\n"
	"    <AssumedRoleUser>\n"
	"      <Arn>arn:aws:sts::123456789012:assumed-role/demo/TestAR</Arn>\n"
	"      <AssumedRoleId>ARO123EXAMPLE123:TestAR</AssumedRoleId>\n"
	"    </AssumedRoleUser>\n"
	"    <Credentials>\n"
	"      <AccessKeyId>" ID "</AccessKeyId>\n"
	"      <SecretAccessKey>" SECRET "</SecretAccessKey>\n"
	"      <SessionToken>" TOKEN "</SessionToken>\n"
	"      <Expiration>" EXP "</Expiration>\n"
	"    </Credentials>\n"
	"    <PackedPolicySize>6</PackedPolicySize>\n"
	"  </AssumeRoleResult>\n"
	"  <ResponseMetadata>\n"
	"    <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>\n"
	"  </ResponseMetadata>\n"
	"</AssumeRoleResponse>\n";

static int sts_of(const char *doc, int web, struct aws_creds_got *g, char *err, size_t errlen)
{
	int rc;

	err[0] = '\0';
	rc = aws_creds_answer_sts(doc, strlen(doc), web, NOW, g, err, errlen);
	no_secret(err);
	if (rc < 0)
		assert_null(g->access_key_id);
	return rc;
}

static void test_sts(void **state)
{
	static const char web[] =
		"<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/"
		"2011-06-15/\"><AssumeRoleWithWebIdentityResult>"
		"<SubjectFromWebIdentityToken>amzn1.account.AF6RHO7KZU5XRVQJGXK6HB56KR2A"
		"</SubjectFromWebIdentityToken><Audience>client.5498841531868486423.1548@apps."
		"example.com</Audience><AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-"
		"role/FederatedWebIdentityRole/app1</Arn><AssumedRoleId>AROACLKWSDQRAOEXAMPLE:app1"
		"</AssumedRoleId></AssumedRoleUser><Credentials><SessionToken>" TOKEN
		"</SessionToken><SecretAccessKey>" SECRET "</SecretAccessKey><Expiration>" EXP
		"</Expiration><AccessKeyId>" ID "</AccessKeyId></Credentials>"
		"<Provider>www.amazon.com</Provider></AssumeRoleWithWebIdentityResult>"
		"<ResponseMetadata><RequestId>ad4156e9-bce1-11e2-82e6-6b6efEXAMPLE</RequestId>"
		"</ResponseMetadata></AssumeRoleWithWebIdentityResponse>";
	static const struct {
		const char *doc;
		int web, rc;
		const char *err;
	} cases[] = {
		{ "", 0, -EBADMSG, "AssumeRole: the answer is empty" },
		{ "<AssumeRoleResponse><AssumeRoleResult>", 0, -EBADMSG, NULL },
		{ "<html><body><h1>503 Service Unavailable</h1></body></html>", 0, -EBADMSG,
		  NULL },
		{ "<!DOCTYPE a [<!ENTITY x \"" SECRET "\">]><AssumeRoleResponse/>", 0, -EBADMSG,
		  NULL },
		{ "{\"Credentials\":{}}", 0, -EBADMSG, NULL },
		/* the other action's answer */
		{ sts_good, 1, -EBADMSG, NULL },
		{ "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>" ID
		  "</AccessKeyId><SecretAccessKey>" SECRET "</SecretAccessKey><Expiration>" EXP
		  "</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>", 0,
		  -EBADMSG, "AssumeRole: the answer has no Credentials/SessionToken" },
		{ "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>" ID
		  "</AccessKeyId><SecretAccessKey>" SECRET "</SecretAccessKey><SessionToken>"
		  TOKEN "</SessionToken><Expiration>2025-12-03T15:59:59Z</Expiration>"
		  "</Credentials></AssumeRoleResult></AssumeRoleResponse>", 0, -EKEYEXPIRED,
		  "AssumeRole: the credentials expired at 2025-12-03T15:59:59Z (now is "
		  "2025-12-03T16:00:00Z)" },
		{ "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>" ID
		  "</AccessKeyId><SecretAccessKey><b>" SECRET "</b></SecretAccessKey>"
		  "<SessionToken>" TOKEN "</SessionToken><Expiration>" EXP "</Expiration>"
		  "</Credentials></AssumeRoleResult></AssumeRoleResponse>", 0, -EBADMSG, NULL },
		/* STS's error answer, and moto's form of it */
		{ "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>"
		  "<Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::1:"
		  "user/u is not authorized to perform: sts:AssumeRole</Message></Error>"
		  "<RequestId>x</RequestId></ErrorResponse>", 0, -EREMOTEIO,
		  "AssumeRole: AccessDenied: User: arn:aws:iam::1:user/u is not authorized to "
		  "perform: sts:AssumeRole" },
		{ "<ErrorResponse><Errors><Error><Code>InvalidIdentityToken</Code><Message>"
		  "Couldn't retrieve verification key\nfrom your identity provider</Message>"
		  "</Error></Errors></ErrorResponse>", 1, -EREMOTEIO,
		  "AssumeRoleWithWebIdentity: InvalidIdentityToken: Couldn't retrieve "
		  "verification key from your identity provider" },
		{ "<ErrorResponse><Error><Message>no code</Message></Error></ErrorResponse>", 0,
		  -EBADMSG, "AssumeRole: an ErrorResponse without a Code" },
	};
	struct aws_creds_got g;
	char err[256];
	size_t i;

	(void)state;
	assert_int_equal(sts_of(sts_good, 0, &g, err, sizeof err), 0);
	assert_string_equal(g.access_key_id, ID);
	assert_string_equal(g.secret_access_key, SECRET);
	assert_string_equal(g.session_token, TOKEN);
	assert_true(g.expires_ms == EXP_MS);
	aws_creds_got_free(&g);
	assert_int_equal(sts_of(web, 1, &g, err, sizeof err), 0);
	assert_string_equal(g.session_token, TOKEN);
	aws_creds_got_free(&g);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc = sts_of(cases[i].doc, cases[i].web, &g, err, sizeof err);

		if (rc != cases[i].rc || (cases[i].err && strcmp(err, cases[i].err)))
			fail_msg("case %zu: rc %d, '%s'", i, rc, err);
		assert_true(err[0] != '\0');
	}
}

static void test_token_and_role(void **state)
{
	char err[256], role[AWS_CREDS_MAX_ROLE_NAME + 1], *tok, big[AWS_CREDS_MAX_IMDS_TOKEN + 2];

	(void)state;
	assert_int_equal(aws_creds_answer_token("AQAEAFTOKENMARK==\n", 18, &tok, err, sizeof err),
			 0);
	assert_string_equal(tok, "AQAEAFTOKENMARK==");
	free(tok);
	assert_int_equal(aws_creds_answer_token("", 0, &tok, err, sizeof err), -EBADMSG);
	assert_string_equal(err, "IMDS: the token answer is empty");
	assert_null(tok);
	assert_int_equal(aws_creds_answer_token("<html>TOKENMARK</html>", 22, &tok, err,
						sizeof err), 0); /* printable: the GET will tell */
	free(tok);
	assert_int_equal(aws_creds_answer_token("<html> TOKENMARK", 16, &tok, err, sizeof err),
			 -EBADMSG);
	no_secret(err);
	assert_int_equal(aws_creds_answer_token("a\0b", 3, &tok, err, sizeof err), -EBADMSG);
	memset(big, 'A', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(aws_creds_answer_token(big, strlen(big), &tok, err, sizeof err),
			 -EBADMSG);
	assert_string_equal(err, "IMDS: the token answer is over 1024 bytes");

	assert_int_equal(aws_creds_answer_role("my-role_1.x@y+z=w,v\nother\n", 26, role,
					       sizeof role, err, sizeof err), 0);
	assert_string_equal(role, "my-role_1.x@y+z=w,v");
	assert_int_equal(aws_creds_answer_role("web\r\n", 5, role, sizeof role, err, sizeof err),
			 0);
	assert_string_equal(role, "web");
	assert_int_equal(aws_creds_answer_role("", 0, role, sizeof role, err, sizeof err),
			 -EBADMSG);
	assert_string_equal(role, "");
	assert_int_equal(aws_creds_answer_role("<html>", 6, role, sizeof role, err, sizeof err),
			 -EBADMSG);
	assert_int_equal(aws_creds_answer_role("a/../b", 6, role, sizeof role, err, sizeof err),
			 -EBADMSG);
	memset(big, 'r', 65);
	assert_int_equal(aws_creds_answer_role(big, 65, role, sizeof role, err, sizeof err),
			 -EBADMSG);
	assert_int_equal(aws_creds_answer_role(big, 64, role, sizeof role, err, sizeof err), 0);
	assert_int_equal(strlen(role), 64);
}

static const char *header(const struct aws_creds_req *r, const char *prefix)
{
	for (size_t i = 0; r->h[i]; i++)
		if (!strncmp(r->h[i], prefix, strlen(prefix)))
			return r->h[i];
	return NULL;
}

static void test_requests(void **state)
{
	struct aws_creds_role role = { .role_arn = "arn:aws:iam::123456789012:role/worker",
				       .external_id = "ext 1", .duration_s = 900 };
	struct sigv4_credentials cred = { "AKIDEXAMPLE", "SECRETMARKsecret", NULL };
	struct aws_endpoint sts;
	struct sigv4_signer s;
	struct aws_creds_req r;
	struct scaled_http_request h;
	char err[256];

	(void)state;
	assert_int_equal(aws_creds_req_imds_token("http://169.254.169.254/", &r, err, sizeof err),
			 0);
	assert_string_equal(r.method, "PUT");
	assert_string_equal(r.url, "http://169.254.169.254/latest/api/token");
	assert_string_equal(r.h[0], "X-aws-ec2-metadata-token-ttl-seconds: 21600");
	assert_null(r.h[1]);
	assert_null(r.body);
	assert_true(r.timeout_ms == 1000 && r.max_attempts == 2);
	h = aws_creds_req_http(&r);
	assert_string_equal(h.method, "PUT");
	assert_ptr_equal(h.url, r.url);
	assert_true(h.max_response == 64u << 10);
	aws_creds_req_free(&r);

	assert_int_equal(aws_creds_req_imds_get("http://[fd00:ec2::254]", "TOKENMARK", NULL, &r,
						err, sizeof err), 0);
	assert_string_equal(r.method, "GET");
	assert_string_equal(r.url,
			    "http://[fd00:ec2::254]/latest/meta-data/iam/security-credentials/");
	assert_string_equal(r.h[0], "X-aws-ec2-metadata-token: TOKENMARK");
	aws_creds_req_free(&r);
	assert_int_equal(aws_creds_req_imds_get("http://127.0.0.1:8080", "t", "worker", &r, err,
						sizeof err), 0);
	assert_string_equal(r.url, "http://127.0.0.1:8080/latest/meta-data/iam/"
			    "security-credentials/worker");
	aws_creds_req_free(&r);

	assert_int_equal(aws_creds_req_ecs("http://169.254.170.2/v2/credentials/abc", NULL, &r,
					   err, sizeof err), 0);
	assert_string_equal(r.url, "http://169.254.170.2/v2/credentials/abc");
	assert_null(r.h[0]);
	assert_true(r.timeout_ms == 2000 && r.max_attempts == 3);
	aws_creds_req_free(&r);
	assert_int_equal(aws_creds_req_ecs("http://127.0.0.1:9/c", "Bearer TOKENMARK", &r, err,
					   sizeof err), 0);
	assert_string_equal(r.h[0], "Authorization: Bearer TOKENMARK");
	aws_creds_req_free(&r);
	assert_int_equal(aws_creds_req_ecs("http://127.0.0.1:9/c", "TOKENMARK\r\nX-Evil: 1", &r,
					   err, sizeof err), -EINVAL);
	no_secret(err);

	/* AssumeRole: the form, and signed for sts in the region */
	assert_int_equal(aws_endpoint_parse("https://sts.eu-west-1.amazonaws.com", &sts, err,
					    sizeof err), 0);
	sigv4_signer_init(&s);
	assert_int_equal(aws_creds_req_assume(&s, &sts, &cred, "eu-west-1", &role, "scaled-1",
					      NOW, &r, err, sizeof err), 0);
	assert_string_equal(r.method, "POST");
	assert_string_equal(r.url, "https://sts.eu-west-1.amazonaws.com");
	assert_string_equal(r.body, "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3A"
			    "iam%3A%3A123456789012%3Arole%2Fworker&RoleSessionName=scaled-1&"
			    "DurationSeconds=900&ExternalId=ext%201");
	assert_int_equal(r.body_len, strlen(r.body));
	assert_non_null(header(&r, "Host: sts.eu-west-1.amazonaws.com"));
	assert_non_null(header(&r, "X-Amz-Date: 20251203T160000Z"));
	assert_non_null(header(&r, "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"
			       "20251203/eu-west-1/sts/aws4_request"));
	assert_null(header(&r, "X-Amz-Security-Token"));
	aws_creds_req_free(&r);
	/* the profile's session name wins; a session token goes along */
	role.session_name = "nightly";
	role.external_id = NULL;
	role.duration_s = 0;
	cred.session_token = "TOKENMARK";
	assert_int_equal(aws_creds_req_assume(&s, &sts, &cred, "eu-west-1", &role, "scaled-1",
					      NOW, &r, err, sizeof err), 0);
	assert_string_equal(r.body, "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3A"
			    "iam%3A%3A123456789012%3Arole%2Fworker&RoleSessionName=nightly");
	assert_non_null(header(&r, "X-Amz-Security-Token: TOKENMARK"));
	aws_creds_req_free(&r);
	/* a key SigV4 refuses: its reason, no secret */
	cred.access_key = "bad key";
	assert_true(aws_creds_req_assume(&s, &sts, &cred, "eu-west-1", &role, "scaled-1", NOW,
					 &r, err, sizeof err) < 0);
	no_secret(err);
	assert_null(r.url);

	/* AssumeRoleWithWebIdentity: unsigned */
	assert_int_equal(aws_creds_req_web(&sts, &role, "scaled-1", "eyJWEBMARK.x", &r, err,
					   sizeof err), 0);
	assert_string_equal(r.body, "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&"
			    "RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fworker&"
			    "RoleSessionName=nightly&WebIdentityToken=eyJWEBMARK.x");
	assert_string_equal(r.h[0], "Content-Type: application/x-www-form-urlencoded; "
			    "charset=utf-8");
	assert_null(r.h[1]);
	aws_creds_req_free(&r);
	aws_creds_req_free(&r); /* harmless twice */
	sigv4_signer_clear(&s);
	aws_endpoint_free(&sts);
}

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
}

static void test_token_files(void **state)
{
	char dir[] = "/tmp/test_aws_creds_answer_XXXXXX", path[128], err[256], *tok, *big;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/token", dir);
	write_file(path, " eyJWEBMARK.a.b\n", 16);
	assert_int_equal(aws_creds_req_token_file("AWS_WEB_IDENTITY_TOKEN_FILE", path, &tok, err,
						  sizeof err), 0);
	assert_string_equal(tok, "eyJWEBMARK.a.b");
	free(tok);
	write_file(path, "eyJWEBMARK\x01", 11);
	assert_int_equal(aws_creds_req_token_file("T", path, &tok, err, sizeof err), -EINVAL);
	assert_null(tok);
	no_secret(err);
	assert_non_null(strstr(err, "holds a control byte"));
	write_file(path, " \n\t", 3);
	assert_int_equal(aws_creds_req_token_file("T", path, &tok, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "holds only white space"));
	write_file(path, "", 0);
	assert_int_equal(aws_creds_req_token_file("T", path, &tok, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, ": empty"));
	big = malloc(AWS_CREDS_MAX_TOKEN_FILE + 1);
	assert_non_null(big);
	memset(big, 'A', AWS_CREDS_MAX_TOKEN_FILE + 1);
	write_file(path, big, AWS_CREDS_MAX_TOKEN_FILE + 1);
	free(big);
	assert_int_equal(aws_creds_req_token_file("T", path, &tok, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "over 64 KiB"));
	assert_int_equal(aws_creds_req_token_file("T", dir, &tok, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "not a regular file"));
	unlink(path);
	assert_int_equal(aws_creds_req_token_file("T", path, &tok, err, sizeof err), -ENOENT);
	assert_non_null(strstr(err, "No such file"));
	snprintf(path, sizeof path, "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(aws_creds_req_token_file("T", path, &tok, err, sizeof err), -EINVAL);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_good),
		cmocka_unit_test(test_json_garbage),
		cmocka_unit_test(test_sts),
		cmocka_unit_test(test_token_and_role),
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_token_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
