/*
 * aws_creds_answer.c - the answers of a credential fetch
 * (aws_creds_answer.h): ECS and IMDS JSON, STS XML, IMDSv2's token and
 * role list. No I/O; nothing of a secret in a message.
 */
#include "aws_creds_answer.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws_answers.h"
#include "aws_json.h"
#include "aws_query.h"
#include "aws_values.h"
#include "aws_xml.h"

#define FAIL(rc, ...) answer_fail(err, errlen, rc, __VA_ARGS__)

__attribute__((format(printf, 4, 5)))
static int answer_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* 1 when s is 1 to max bytes of printable ASCII without a space and none
 * of not. */
static int answer_word(const char *s, size_t max, const char *not)
{
	size_t n = strnlen(s, max + 1);

	if (!n || n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f || strchr(not, s[i]))
			return 0;
	return 1;
}

int aws_creds_answer_check(const char *what, const char *id, const char *secret,
			   const char *token, char *err, size_t errlen)
{
	if (!answer_word(id, 128, ",/;="))
		return FAIL(-EBADMSG, "%s: the access key id is empty, longer than 128 bytes, or "
			    "holds a space, a byte outside printable ASCII or one of ,/;=", what);
	if (!answer_word(secret, 256, ""))
		return FAIL(-EBADMSG, "%s: the secret access key is empty, longer than 256 "
			    "bytes, or holds a space or a byte outside printable ASCII", what);
	if (token && !answer_word(token, 8128, ""))
		return FAIL(-EBADMSG, "%s: the session token is empty, longer than 8128 bytes, "
			    "or holds a space or a byte outside printable ASCII", what);
	return 0;
}

void aws_creds_got_free(struct aws_creds_got *g)
{
	if (!g)
		return;
	free(g->access_key_id);
	if (g->secret_access_key)
		explicit_bzero(g->secret_access_key, strlen(g->secret_access_key));
	free(g->secret_access_key);
	if (g->session_token)
		explicit_bzero(g->session_token, strlen(g->session_token));
	free(g->session_token);
	memset(g, 0, sizeof *g);
}

/* The four values, checked, into out. */
static int answer_fill(const char *what, const char *id, const char *secret, const char *token,
		       const char *expiration, int64_t now_ms, struct aws_creds_got *out,
		       char *err, size_t errlen)
{
	char why[200], at[32], now[32];
	int64_t ms;
	int rc;

	if ((rc = aws_creds_answer_check(what, id, secret, token, err, errlen)) < 0)
		return rc;
	if (aws_answers_time(expiration, "Expiration", &ms, why, sizeof why) < 0)
		return FAIL(-EBADMSG, "%s: %s", what, why);
	if (ms <= now_ms) {
		aws_query_time(ms, at);
		aws_query_time(now_ms, now);
		return FAIL(-EKEYEXPIRED, "%s: the credentials expired at %s (now is %s)", what,
			    at, now);
	}
	out->access_key_id = strdup(id);
	out->secret_access_key = strdup(secret);
	out->session_token = strdup(token);
	out->expires_ms = ms;
	if (!out->access_key_id || !out->secret_access_key || !out->session_token) {
		aws_creds_got_free(out);
		return FAIL(-ENOMEM, "%s: out of memory", what);
	}
	return 0;
}

/* A document fit to parse at all: 0, or -EBADMSG. */
static int answer_size(const char *what, size_t len, char *err, size_t errlen)
{
	if (len == 0)
		return FAIL(-EBADMSG, "%s: the answer is empty", what);
	if (len > AWS_CREDS_ANSWER_MAX)
		return FAIL(-EBADMSG, "%s: the answer is over %u bytes", what,
			    AWS_CREDS_ANSWER_MAX);
	return 0;
}

/* A string member of o, or NULL with the reason in err. */
static const char *answer_member(const cJSON *o, const char *what, const char *name, char *err,
				 size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!v)
		FAIL(0, "%s: the answer has no %s", what, name);
	else if (!cJSON_IsString(v) || !v->valuestring)
		FAIL(0, "%s: %s is not a string", what, name);
	else
		return v->valuestring;
	return NULL;
}

int aws_creds_answer_json(const char *doc, size_t len, const char *what, int64_t now_ms,
			  struct aws_creds_got *out, char *err, size_t errlen)
{
	const char *id, *secret, *token, *exp;
	const cJSON *code;
	char why[256];
	cJSON *o;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = answer_size(what, len, err, errlen)) < 0)
		return rc;
	o = cJSON_ParseWithLength(doc, len);
	if (!o) {
		size_t i = 0;

		while (i < len && (doc[i] == ' ' || doc[i] == '\n' || doc[i] == '\r' ||
				   doc[i] == '\t'))
			i++;
		return FAIL(-EBADMSG, "%s: the answer is not JSON%s", what,
			    i < len && doc[i] == '<' ? " (it starts with '<': HTML or XML?)" : "");
	}
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return FAIL(-EBADMSG, "%s: the answer is not a JSON object", what);
	}
	code = cJSON_GetObjectItemCaseSensitive(o, "Code");
	if (cJSON_IsString(code) && code->valuestring && strcmp(code->valuestring, "Success") &&
	    aws_json_error(doc, len, why, sizeof why) == 0) {
		/* IMDS: {"Code": "AssumeRoleUnauthorizedAccess", "Message": ...} */
		cJSON_Delete(o);
		return FAIL(-EREMOTEIO, "%s: %s", what, why);
	}
	if (!cJSON_GetObjectItemCaseSensitive(o, "AccessKeyId") &&
	    aws_json_error(doc, len, why, sizeof why) == 0) {
		/* ECS: {"code": "...", "message": "..."} */
		cJSON_Delete(o);
		return FAIL(-EREMOTEIO, "%s: %s", what, why);
	}
	if (!(id = answer_member(o, what, "AccessKeyId", err, errlen)) ||
	    !(secret = answer_member(o, what, "SecretAccessKey", err, errlen)) ||
	    !(token = answer_member(o, what, "Token", err, errlen)) ||
	    !(exp = answer_member(o, what, "Expiration", err, errlen))) {
		cJSON_Delete(o);
		return -EBADMSG;
	}
	rc = answer_fill(what, id, secret, token, exp, now_ms, out, err, errlen);
	/* cJSON's copies of the secret and the token */
	explicit_bzero((char *)secret, strlen(secret));
	explicit_bzero((char *)token, strlen(token));
	cJSON_Delete(o);
	return rc;
}

int aws_creds_answer_sts(const char *doc, size_t len, int web, int64_t now_ms,
			 struct aws_creds_got *out, char *err, size_t errlen)
{
	static const char *const role_fields[] = {
		"AssumeRoleResult/Credentials/AccessKeyId",
		"AssumeRoleResult/Credentials/SecretAccessKey",
		"AssumeRoleResult/Credentials/SessionToken",
		"AssumeRoleResult/Credentials/Expiration", NULL };
	static const char *const web_fields[] = {
		"AssumeRoleWithWebIdentityResult/Credentials/AccessKeyId",
		"AssumeRoleWithWebIdentityResult/Credentials/SecretAccessKey",
		"AssumeRoleWithWebIdentityResult/Credentials/SessionToken",
		"AssumeRoleWithWebIdentityResult/Credentials/Expiration", NULL };
	static const char *const error_fields[] = { "Error/Code", "Error/Message",
						    "Errors/Error/Code", "Errors/Error/Message",
						    NULL };
	static const char *const names[] = { "AccessKeyId", "SecretAccessKey", "SessionToken",
					     "Expiration" };
	const char *what = web ? "AssumeRoleWithWebIdentity" : "AssumeRole";
	const struct aws_xml_shape shapes[] = {
		{ web ? "AssumeRoleWithWebIdentityResponse" : "AssumeRoleResponse",
		  web ? web_fields : role_fields, NULL },
		{ "ErrorResponse", error_fields, NULL },
	};
	struct aws_xml_rec r;
	size_t which;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = answer_size(what, len, err, errlen)) < 0)
		return rc;
	rc = aws_xml_parse(doc, len, shapes, 2, what, &which, &r, err, errlen);
	if (rc < 0)
		return rc;
	if (which == 1) {
		const char *code = r.val[0] ? r.val[0] : r.val[2];
		const char *msg = r.val[0] ? r.val[1] : r.val[3];

		if (code && *code) {
			if (msg && *msg)
				FAIL(0, "%s: %s: %s", what, code, msg);
			else
				FAIL(0, "%s: %s", what, code);
			aws_values_clean(err);
			rc = -EREMOTEIO;
		} else {
			rc = FAIL(-EBADMSG, "%s: an ErrorResponse without a Code", what);
		}
		aws_xml_rec_free(&r);
		return rc;
	}
	for (size_t i = 0; i < 4; i++)
		if (!r.val[i]) {
			aws_xml_rec_free(&r);
			return FAIL(-EBADMSG, "%s: the answer has no Credentials/%s", what,
				    names[i]);
		}
	rc = answer_fill(what, r.val[0], r.val[1], r.val[2], r.val[3], now_ms, out, err,
			 errlen);
	/* the record's copies of the secret and the token */
	for (size_t i = 1; i < 3; i++)
		explicit_bzero(r.val[i], strlen(r.val[i]));
	aws_xml_rec_free(&r);
	return rc;
}

int aws_creds_answer_token(const char *doc, size_t len, char **token, char *err,
			   size_t errlen)
{
	*token = NULL;
	while (len && (doc[len - 1] == '\n' || doc[len - 1] == '\r'))
		len--;
	if (len == 0)
		return FAIL(-EBADMSG, "IMDS: the token answer is empty");
	if (len > AWS_CREDS_MAX_IMDS_TOKEN)
		return FAIL(-EBADMSG, "IMDS: the token answer is over %d bytes",
			    AWS_CREDS_MAX_IMDS_TOKEN);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)doc[i] <= 0x20 || (unsigned char)doc[i] >= 0x7f)
			return FAIL(-EBADMSG, "IMDS: the token answer holds a space or a byte "
				    "outside printable ASCII (HTML?)");
	if (!(*token = strndup(doc, len)))
		return FAIL(-ENOMEM, "IMDS: out of memory");
	return 0;
}

int aws_creds_answer_role(const char *doc, size_t len, char *role, size_t rolelen,
			  char *err, size_t errlen)
{
	size_t n = 0;

	if (rolelen)
		role[0] = '\0';
	if (len > AWS_CREDS_ANSWER_MAX)
		return FAIL(-EBADMSG, "IMDS: the role list is over %u bytes", AWS_CREDS_ANSWER_MAX);
	while (n < len && doc[n] != '\n' && doc[n] != '\r')
		n++;
	if (n == 0)
		return FAIL(-EBADMSG, "IMDS: the role list is empty (no IAM role attached to "
			    "the instance?)");
	if (n > AWS_CREDS_MAX_ROLE_NAME || n >= rolelen)
		return FAIL(-EBADMSG, "IMDS: the role list's first line is over %d bytes: not "
			    "a role name", AWS_CREDS_MAX_ROLE_NAME);
	for (size_t i = 0; i < n; i++) {
		char c = doc[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      (c && strchr("+=,.@_-", c))))
			return FAIL(-EBADMSG, "IMDS: the role list's first line is not a role "
				    "name (letters, digits, +=,.@_-; HTML?)");
	}
	memcpy(role, doc, n);
	role[n] = '\0';
	return 0;
}
