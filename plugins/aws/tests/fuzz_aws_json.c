/*
 * fuzz_aws_json.c - the JSON answers the aws plugin reads (with cJSON):
 * every input through AWS's JSON error answer (aws_json_error, aws_json.h),
 * SQS's GetQueueAttributes counts (aws_sqs_answer.h), ReceiveMessage and
 * DeleteMessageBatch (aws_sqs_batch.h), an EventBridge event from a
 * message's body and its payload for policies (aws_ec2_event.h), ECS's
 * DescribeServices and UpdateService (aws_ecs_answer.h), the Pricing API's
 * GetProducts (aws_pricing_answer.h), and the credentials of ECS's
 * container endpoint and IMDS, with IMDSv2's token and role list, which
 * are text (aws_creds_answer.h). Seeds: fuzz_aws_json_corpus/, one
 * answer each, copied from the readers' unit tests (test_aws_json.c,
 * test_aws_ecs.c, test_aws_ec2_event.c, test_aws_pricing.c with
 * fixtures/pricing, test_aws_creds_answer.c); dictionary:
 * fuzz_aws_json.dict. Built and replayed as tests/fuzz's harnesses are
 * (fuzz.cmake).
 *
 * Invariants:
 *  - each reader returns what its header lists, and on a refusal hands
 *    nothing back (zeroed, empty, NULL) and says why;
 *  - no control byte in a message made of the answer's words (the error
 *    answers, ECS's failures and statuses, SQS's failed deletes);
 *  - counts are whole, 0 to 10^15 (SQS) or INT_MAX (ECS); an ECS service
 *    read for a name is the one read without a name;
 *  - SQS: at most 10 messages, ids and receipts of 1 to 8 KiB, a body's
 *    length its own; a delete's count is the entries not deleted, and
 *    nothing past the n entries is written;
 *  - an event: its kind from its source and detail-type, a 12-digit
 *    account, an instance id and action exactly for the two EC2 events;
 *    its payload parses back to the same fields;
 *  - Pricing: at most 100 products with a type, prices positive and
 *    finite or -1 (none), no empty next token;
 *  - credentials: keys SigV4 can sign with, expiring after now; the
 *    server's own error is aws_json_error's reading of it; any other
 *    refusal is the same when the SecretAccessKey's or Token's letters
 *    and digits change (each moved on by one), so no message shows a
 *    byte of a secret; a token and a role name are the answer's first
 *    line, checked.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws_creds_answer.h"
#include "aws_ec2_event.h"
#include "aws_ecs_answer.h"
#include "aws_json.h"
#include "aws_pricing_answer.h"
#include "aws_sqs_answer.h"
#include "aws_sqs_batch.h"
#include "fuzz.h"

#define WHYLEN 320
#define NOW 1764777600000LL /* 2025-12-03T16:00:00Z */
#define DELETES 3           /* entries of the DeleteMessageBatch read */

static bool clean(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20)
			return false;
	return true;
}

static bool whole(double v, double max)
{
	return v >= 0 && v <= max && v == floor(v);
}

/* ---------------------------------------------------------- errors -- */

static void fuzz_error(const char *doc, size_t len, int *rc_out, char *why, size_t whylen)
{
	int rc;

	why[0] = '\0';
	rc = aws_json_error(doc, len, why, whylen);
	FUZZ_CHECK(rc == 0 || rc == -EBADMSG, "aws_json_error: rc %d", rc);
	if (rc == 0)
		FUZZ_CHECK(why[0] && clean(why), "aws_json_error: '%s'", why);
	else
		FUZZ_CHECK(!why[0], "aws_json_error: not an error, yet '%s'", why);
	*rc_out = rc;
}

/* ------------------------------------------------------------- SQS -- */

static void fuzz_sqs(const char *doc, size_t len)
{
	double c[3] = { -1, -1, -1 };
	struct aws_sqs_received r;
	int deleted[DELETES + 1];
	char why[WHYLEN] = "";
	int rc, left = 0;

	rc = aws_sqs_counts(doc, len, c, why, sizeof why);
	FUZZ_CHECK(rc == 0 || (rc == -EBADMSG && why[0]), "counts: rc %d '%s'", rc, why);
	for (int i = 0; rc == 0 && i < 3; i++)
		FUZZ_CHECK(whole(c[i], 1e15), "count %d is %g", i, c[i]);

	why[0] = '\0';
	rc = aws_sqs_received_read(doc, len, &r, why, sizeof why);
	FUZZ_CHECK(rc == 0 || ((rc == -EBADMSG || rc == -ENOMEM) && why[0] && r.n == 0),
		   "received: rc %d, %zu messages, '%s'", rc, r.n, why);
	FUZZ_CHECK(r.n <= AWS_SQS_BATCH_MAX, "%zu messages", r.n);
	for (size_t i = 0; i < r.n; i++) {
		const struct aws_sqs_message *m = &r.m[i];

		FUZZ_CHECK(m->id && m->id[0] && strlen(m->id) <= 8192 && m->receipt &&
			   m->receipt[0] && strlen(m->receipt) <= 8192, "message %zu", i);
		FUZZ_CHECK(m->body ? m->body_len == strlen(m->body) : m->body_len == 0,
			   "message %zu: body of %zu", i, m->body_len);
	}
	aws_sqs_received_free(&r);

	why[0] = '\0';
	deleted[DELETES] = 42;
	rc = aws_sqs_deleted_read(doc, len, DELETES, deleted, why, sizeof why);
	FUZZ_CHECK(deleted[DELETES] == 42, "deleted: written past its %d entries", DELETES);
	for (int i = 0; i < DELETES; i++) {
		FUZZ_CHECK(deleted[i] == 0 || deleted[i] == 1, "deleted[%d] %d", i, deleted[i]);
		left += !deleted[i];
	}
	if (rc < 0)
		FUZZ_CHECK(rc == -EBADMSG && why[0] && left == DELETES, "deleted: rc %d, %d left",
			   rc, left);
	else
		FUZZ_CHECK(rc == left && (!rc || (why[0] && clean(why))), "deleted: %d, %d left, "
			   "'%s'", rc, left, why);
}

/* ----------------------------------------------------------- event -- */

static void same(const cJSON *o, const char *name, const char *want)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	FUZZ_CHECK(cJSON_IsString(v) && !strcmp(v->valuestring, want), "payload's %s, want '%s'",
		   name, want);
}

static void fuzz_event(const char *doc, size_t len)
{
	static const struct aws_ec2_event zero;
	struct aws_ec2_event ev;
	char why[WHYLEN] = "", *p;
	const cJSON *t;
	cJSON *o;
	int rc = aws_ec2_event_read(doc, len, &ev, why, sizeof why);
	bool ec2;

	if (rc) {
		FUZZ_CHECK(rc == -EBADMSG && why[0], "event: rc %d '%s'", rc, why);
		FUZZ_CHECK(!memcmp(&ev, &zero, sizeof ev), "event: refused, not zeroed");
		return;
	}
	ec2 = ev.kind == AWS_EC2_INTERRUPTION || ev.kind == AWS_EC2_REBALANCE;
	FUZZ_CHECK(ec2 || ev.kind == AWS_EC2_OTHER, "kind %d", (int)ev.kind);
	FUZZ_CHECK(ec2 == (!strcmp(ev.source, "aws.ec2") &&
			   (!strcmp(ev.detail_type, "EC2 Spot Instance Interruption Warning") ||
			    !strcmp(ev.detail_type, "EC2 Instance Rebalance Recommendation"))),
		   "kind %d for '%s' of '%s'", (int)ev.kind, ev.detail_type, ev.source);
	FUZZ_CHECK(!aws_ec2_event_name(ev.kind) == !ec2, "name of kind %d", (int)ev.kind);
	FUZZ_CHECK(ev.id[0] && ev.time[0] && ev.region[0] && strlen(ev.account) == 12 &&
		   strspn(ev.account, "0123456789") == 12, "envelope");
	FUZZ_CHECK(ec2 ? !strncmp(ev.instance_id, "i-", 2) : !ev.instance_id[0],
		   "instance '%s' for kind %d", ev.instance_id, (int)ev.kind);
	FUZZ_CHECK((ev.kind == AWS_EC2_INTERRUPTION) == !!ev.action[0], "action '%s'", ev.action);

	p = aws_ec2_event_payload(&ev);
	if (!p)
		return; /* out of memory */
	o = cJSON_Parse(p);
	FUZZ_CHECK(cJSON_IsObject(o), "payload '%s'", p);
	same(o, "instance_id", ev.instance_id);
	same(o, "time", ev.time);
	same(o, "region", ev.region);
	same(o, "account", ev.account);
	same(o, "id", ev.id);
	same(o, "detail_type", ev.detail_type);
	if (ev.action[0])
		same(o, "instance_action", ev.action);
	else
		FUZZ_CHECK(!cJSON_GetObjectItemCaseSensitive(o, "instance_action"), "an action");
	t = cJSON_GetObjectItemCaseSensitive(o, "time_s");
	FUZZ_CHECK(cJSON_IsNumber(t) && fabs(t->valuedouble * 1000 - (double)ev.time_ms) < 1,
		   "time_s in '%s' for %lld ms", p, (long long)ev.time_ms);
	cJSON_Delete(o);
	free(p);
}

/* ------------------------------------------------------------- ECS -- */

static void fuzz_ecs_one(const char *doc, size_t len, bool update)
{
	struct aws_ecs_service named, any;
	char why[WHYLEN] = "", why2[WHYLEN] = "";
	int rc, rc2;

	memset(&named, 0xff, sizeof named);
	memset(&any, 0xff, sizeof any);
	rc = (update ? aws_ecs_updated : aws_ecs_describe)(doc, len, "workers", &named, why,
							    sizeof why);
	rc2 = (update ? aws_ecs_updated : aws_ecs_describe)(doc, len, NULL, &any, why2,
							     sizeof why2);
	FUZZ_CHECK(rc == 0 || ((rc == -EBADMSG || rc == -ENOENT) && why[0] && clean(why)),
		   "ecs: rc %d '%s'", rc, why);
	FUZZ_CHECK(rc2 == 0 || ((rc2 == -EBADMSG || rc2 == -ENOENT) && why2[0] && clean(why2)),
		   "ecs without a name: rc %d '%s'", rc2, why2);
	if (rc2)
		FUZZ_CHECK(rc == rc2 || rc == -EBADMSG, "ecs: %d with a name, %d without", rc, rc2);
	if (rc)
		return;
	FUZZ_CHECK(rc2 == 0 && !memcmp(&named, &any, sizeof named), "ecs: another service "
		   "without a name (%d)", rc2);
	FUZZ_CHECK(named.desired >= 0 && named.running >= 0 && named.pending >= 0,
		   "counts %d %d %d", named.desired, named.running, named.pending);
}

/* --------------------------------------------------------- Pricing -- */

static void fuzz_pricing(const char *doc, size_t len)
{
	struct aws_pricing_answer a;
	char why[WHYLEN] = "";
	int rc = aws_pricing_read(doc, len, &a, why, sizeof why);

	if (rc) {
		FUZZ_CHECK((rc == -EBADMSG || rc == -ENOMEM) && why[0], "pricing: rc %d '%s'", rc,
			   why);
		FUZZ_CHECK(!a.p && !a.n && !a.next_token, "pricing: refused, not empty");
		return;
	}
	FUZZ_CHECK(a.n <= AWS_PRICING_MAX_ENTRIES && !a.n == !a.p, "%zu products", a.n);
	FUZZ_CHECK(!a.next_token || a.next_token[0], "an empty NextToken");
	for (size_t i = 0; i < a.n; i++) {
		const struct aws_pricing_product *p = &a.p[i];

		FUZZ_CHECK(p->instance_type[0], "product %zu: no type", i);
		FUZZ_CHECK(p->usd == -1 || (isfinite(p->usd) && p->usd > 0), "product %zu: %g", i,
			   p->usd);
	}
	aws_pricing_answer_free(&a);
}

/* ----------------------------------------------------- credentials -- */

/* A copy of doc with the first string member name's letters and digits
 * each moved on by one within its class (z to a, 9 to 0), escapes left
 * as they are: a secret of the same length and kinds of bytes, which no
 * check of its form tells apart. NULL when doc has no such member. */
static char *rotated(const char *doc, size_t len, const char *name)
{
	char key[40], *c;
	const char *k, *end = doc + len;
	size_t i;

	snprintf(key, sizeof key, "\"%s\"", name);
	k = memmem(doc, len, key, strlen(key));
	if (!k)
		return NULL;
	for (k += strlen(key); k < end && *k && strchr(" \t\r\n:", *k); k++)
		;
	if (k == end || *k != '"' || !(c = malloc(len)))
		return NULL;
	memcpy(c, doc, len);
	for (i = (size_t)(k - doc) + 1; i < len && c[i] != '"'; i++) {
		char *b = &c[i];

		if (*b == '\\')
			i += i + 1 < len && c[i + 1] == 'u' ? 5 : 1;
		else if (*b >= 'a' && *b <= 'z')
			*b = *b == 'z' ? 'a' : *b + 1;
		else if (*b >= 'A' && *b <= 'Z')
			*b = *b == 'Z' ? 'A' : *b + 1;
		else if (*b >= '0' && *b <= '9')
			*b = *b == '9' ? '0' : *b + 1;
	}
	return c;
}

/* The refusal (rc, err) of doc is the same with another secret of its
 * form in member name: no message shows a byte of it. */
static void same_refusal(const char *doc, size_t len, const char *name, int rc,
			 const char *err)
{
	struct aws_creds_got g;
	char err2[WHYLEN + 16] = "", *other = rotated(doc, len, name);
	int rc2;

	if (!other)
		return;
	rc2 = aws_creds_answer_json(other, len, "ECS", NOW, &g, err2, sizeof err2);
	FUZZ_CHECK(rc2 == rc && !strcmp(err, err2), "%s shows in the refusal: %d '%s', then "
		   "%d '%s'", name, rc, err, rc2, err2);
	aws_creds_got_free(&g);
	free(other);
}

static void fuzz_creds(const char *doc, size_t len, int err_rc, const char *err_why)
{
	struct aws_creds_got g;
	char err[WHYLEN + 16] = "", want[WHYLEN + 16];
	int rc = aws_creds_answer_json(doc, len, "ECS", NOW, &g, err, sizeof err);

	if (rc == 0) {
		FUZZ_CHECK(g.session_token && !aws_creds_answer_check("ECS", g.access_key_id,
								       g.secret_access_key,
								       g.session_token, err,
								       sizeof err),
			   "credentials SigV4 refuses: %s", err);
		FUZZ_CHECK(g.expires_ms > NOW, "expired at %lld", (long long)g.expires_ms);
		aws_creds_got_free(&g);
		return;
	}
	FUZZ_CHECK(rc == -EBADMSG || rc == -EREMOTEIO || rc == -EKEYEXPIRED || rc == -ENOMEM,
		   "credentials: rc %d", rc);
	FUZZ_CHECK(!strncmp(err, "ECS: ", 5) && err[5], "credentials: message '%s'", err);
	FUZZ_CHECK(!g.access_key_id && !g.secret_access_key && !g.session_token && !g.expires_ms,
		   "credentials: refused, not empty");
	if (rc == -EREMOTEIO) {
		/* the reader's why is 256 bytes: the same words, cut there */
		snprintf(want, sizeof want, "ECS: %.255s", err_why);
		FUZZ_CHECK(err_rc == 0 && !strcmp(err, want), "'%s', the error reader %d '%s'",
			   err, err_rc, err_why);
		return;
	}
	same_refusal(doc, len, "SecretAccessKey", rc, err);
	same_refusal(doc, len, "Token", rc, err);
}

static void fuzz_token_role(const char *doc, size_t len)
{
	char err[WHYLEN], role[AWS_CREDS_MAX_ROLE_NAME + 1], *tok;
	size_t n = len;

	if (aws_creds_answer_token(doc, len, &tok, err, sizeof err) == 0) {
		while (n && (doc[n - 1] == '\n' || doc[n - 1] == '\r'))
			n--;
		FUZZ_CHECK(tok && strlen(tok) == n && n <= AWS_CREDS_MAX_IMDS_TOKEN &&
			   !memcmp(tok, doc, n), "token of %zu bytes", n);
		for (size_t i = 0; i < n; i++)
			FUZZ_CHECK(tok[i] > 0x20 && tok[i] < 0x7f, "token byte %zu", i);
		free(tok);
	} else {
		FUZZ_CHECK(!tok && !strncmp(err, "IMDS: ", 6), "token refused: '%s'", err);
	}
	if (aws_creds_answer_role(doc, len, role, sizeof role, err, sizeof err) == 0) {
		n = strlen(role);
		FUZZ_CHECK(n >= 1 && n <= AWS_CREDS_MAX_ROLE_NAME && !memcmp(role, doc, n) &&
			   (n == len || doc[n] == '\n' || doc[n] == '\r'), "role '%s'", role);
	} else {
		FUZZ_CHECK(!role[0] && !strncmp(err, "IMDS: ", 6), "role refused: '%s'", err);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *doc = (const char *)data;
	char why[256];
	int err_rc;

	fuzz_error(doc, size, &err_rc, why, sizeof why);
	fuzz_sqs(doc, size);
	fuzz_event(doc, size);
	fuzz_ecs_one(doc, size, false);
	fuzz_ecs_one(doc, size, true);
	fuzz_pricing(doc, size);
	fuzz_creds(doc, size, err_rc, why);
	fuzz_token_role(doc, size);
	return 0;
}
