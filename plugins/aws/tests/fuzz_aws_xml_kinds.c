/*
 * fuzz_aws_xml_kinds.c - the XML answers the kinds read beside
 * aws_answers.h's (those are fuzz_aws_xml.c's): every input through
 * DescribeSpotFleetRequests and ModifySpotFleetRequest
 * (aws_fleet_answer.h), StartInstances, StopInstances and the EC2 error
 * forms (aws_ec2_answer.h), CloudWatch's GetMetricData for query "m" and a
 * datapoint's value (aws_cw_answer.h), and STS's AssumeRole and
 * AssumeRoleWithWebIdentity (aws_creds_answer.h). Seeds:
 * fuzz_aws_xml_kinds_corpus/, one answer or error each, copied from the
 * readers' unit tests (test_aws_fleet_answer.c, test_aws_cloudwatch.c,
 * test_aws_creds_answer.c); dictionary: fuzz_aws_xml_kinds.dict. Built and
 * replayed as tests/fuzz's harnesses are (fuzz.cmake).
 *
 * Invariants:
 *  - each reader returns 0 or one of the errnos its header lists, and on a
 *    refusal hands nothing back and says why; -EBADMSG's reason starts
 *    with the action (the CloudWatch reader's has no action to name);
 *  - an EC2 error answer is one to every EC2 reader: aws_ec2_answer_error
 *    reads "Code: Message" exactly when the Spot Fleet and Start/Stop
 *    readers say -EREMOTEIO, and they say those very words;
 *  - answers hold what their structs promise: ids and states not empty,
 *    capacities whole or finite within 0..INT_MAX, a type that is one of
 *    the three, no empty next token, at least one state change, a
 *    status of fewer than 16 bytes, no control byte in a message, times
 *    within years 1 to 9999, a value that is a finite number;
 *  - STS: credentials SigV4 can sign with, expiring after now; the answer
 *    of one action is never the other's; and a refusal other than the
 *    server's own error message (which may say anything) does not change
 *    when the SecretAccessKey's or SessionToken's letters and digits do
 *    (each moved on by one): no message shows a byte of a secret.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aws_creds_answer.h"
#include "aws_cw_answer.h"
#include "aws_ec2_answer.h"
#include "aws_fleet_answer.h"
#include "fuzz.h"

#define ERRLEN 320
#define NOW 1764777600000LL                     /* 2025-12-03T16:00:00Z */
#define T_MIN (-62135596800000LL - 86400000LL)  /* 0001-01-01 less a day of offset */
#define T_MAX (253402300799999LL + 86400000LL) /* 9999-12-31 and a day */

static int starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static int clean(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20)
			return 0;
	return 1;
}

/* A copy of doc whose n bytes at `at` have each letter and digit moved on
 * by one within its class (z to a, 9 to 0), but those of a reference
 * (&...;): a secret of the same length and the same kinds of bytes, which
 * no check of its form tells apart. */
static char *rotated(const char *doc, size_t len, size_t at, size_t n)
{
	char *c = malloc(len ? len : 1);
	int ref = 0;

	if (!c)
		return NULL;
	memcpy(c, doc, len);
	for (size_t i = at; i < at + n; i++) {
		char *b = &c[i];

		if (*b == '&' || ref)
			ref = *b != ';';
		else if (*b >= 'a' && *b <= 'z')
			*b = *b == 'z' ? 'a' : *b + 1;
		else if (*b >= 'A' && *b <= 'Z')
			*b = *b == 'Z' ? 'A' : *b + 1;
		else if (*b >= '0' && *b <= '9')
			*b = *b == '9' ? '0' : *b + 1;
	}
	return c;
}

/* The text of the first <tag> up to the next '<': where it starts in doc
 * and how long it is, or 0 when doc has no <tag>. */
static size_t tag_text(const char *doc, size_t len, const char *tag, size_t *at)
{
	char open[40];
	const char *v, *e;

	snprintf(open, sizeof open, "<%s>", tag);
	v = memmem(doc, len, open, strlen(open));
	if (!v)
		return 0;
	v += strlen(open);
	*at = (size_t)(v - doc);
	e = memchr(v, '<', len - *at);
	return e ? (size_t)(e - v) : len - *at;
}
/* ------------------------------------------------------------ EC2 -- */

/* rc of an EC2 reader against the error answer's reading (ec2_rc, why). */
static void ec2_refused(int rc, const char *err, const char *action, int ec2_rc,
			const char *why)
{
	FUZZ_CHECK(rc == -EBADMSG || rc == -EREMOTEIO || rc == -ENOMEM, "%s: rc %d", action, rc);
	FUZZ_CHECK(err[0], "%s: refused (%d) without a reason", action, rc);
	if (rc == -EBADMSG)
		FUZZ_CHECK(starts(err, action), "%s: message '%s'", action, err);
	if (rc == -EREMOTEIO)
		FUZZ_CHECK(ec2_rc == 0 && !strcmp(err, why), "%s: '%s', the error reader %d '%s'",
			   action, err, ec2_rc, why);
	else if (rc == -EBADMSG)
		FUZZ_CHECK(ec2_rc != 0, "%s: '%s' for the error '%s'", action, err, why);
}

static void fuzz_fleet(const char *doc, size_t len, int ec2_rc, const char *why)
{
	struct aws_fleet_answer a;
	char err[ERRLEN] = "";
	int rc = aws_fleet_answer_describe(doc, len, &a, err, sizeof err);

	if (ec2_rc == 0)
		FUZZ_CHECK(rc != 0, "an error answer read as DescribeSpotFleetRequests");
	if (rc) {
		ec2_refused(rc, err, "DescribeSpotFleetRequests", ec2_rc, why);
		FUZZ_CHECK(!a.requests && !a.n_requests && !a.next_token, "refused, not empty");
		return;
	}
	FUZZ_CHECK(!a.next_token || a.next_token[0], "an empty nextToken");
	FUZZ_CHECK(!a.n_requests == !a.requests, "%zu requests at %p", a.n_requests,
		   (void *)a.requests);
	for (size_t i = 0; i < a.n_requests; i++) {
		const struct aws_fleet_request *q = &a.requests[i];

		FUZZ_CHECK(q->id && q->id[0] && q->state && q->state[0], "request %zu", i);
		FUZZ_CHECK(!q->type || !strcmp(q->type, "maintain") || !strcmp(q->type, "request") ||
			   !strcmp(q->type, "instant"), "type '%s'", q->type);
		FUZZ_CHECK(q->target >= 0 && q->on_demand_target >= -1, "targets %d %d", q->target,
			   q->on_demand_target);
		FUZZ_CHECK(isfinite(q->fulfilled) && q->fulfilled >= 0 && q->fulfilled <= INT_MAX,
			   "fulfilled %g", q->fulfilled);
		FUZZ_CHECK(isfinite(q->on_demand_fulfilled) && q->on_demand_fulfilled >= 0 &&
			   q->on_demand_fulfilled <= INT_MAX, "on-demand fulfilled %g",
			   q->on_demand_fulfilled);
	}
	aws_fleet_answer_free(&a);
	FUZZ_CHECK(!a.requests && !a.n_requests && !a.next_token, "freed, not zeroed");
}

static void fuzz_modify(const char *doc, size_t len, int ec2_rc, const char *why)
{
	char err[ERRLEN] = "";
	int rc = aws_fleet_answer_modify(doc, len, err, sizeof err);

	if (rc)
		ec2_refused(rc, err, "ModifySpotFleetRequest", ec2_rc, why);
	else
		FUZZ_CHECK(ec2_rc != 0 && memmem(doc, len, "true", 4), "modified on '%s'", why);
}

static void fuzz_changes(const char *doc, size_t len, const char *action, int ec2_rc,
			 const char *why)
{
	struct aws_ec2_changes c;
	char err[ERRLEN] = "";
	int rc = aws_ec2_answer_changes(doc, len, action, &c, err, sizeof err);

	if (rc) {
		ec2_refused(rc, err, action, ec2_rc, why);
		FUZZ_CHECK(!c.v && !c.n, "%s: refused, not empty", action);
		return;
	}
	FUZZ_CHECK(ec2_rc != 0, "%s: read the error '%s'", action, why);
	FUZZ_CHECK(c.n >= 1 && c.v, "%s: %zu changes", action, c.n);
	for (size_t i = 0; i < c.n; i++)
		FUZZ_CHECK(c.v[i].id && c.v[i].id[0] && c.v[i].current && c.v[i].current[0],
			   "%s: change %zu", action, i);
	aws_ec2_answer_changes_free(&c);
}

static void fuzz_ec2(const char *doc, size_t len)
{
	char why[ERRLEN] = "";
	int ec2_rc = aws_ec2_answer_error(doc, len, why, sizeof why);

	FUZZ_CHECK(ec2_rc == 0 || ec2_rc == -EBADMSG, "the error reader: rc %d", ec2_rc);
	if (ec2_rc == 0)
		FUZZ_CHECK(why[0] && clean(why), "the error read as '%s'", why);
	else
		FUZZ_CHECK(!why[0], "not an error, yet '%s'", why);
	fuzz_fleet(doc, len, ec2_rc, why);
	fuzz_modify(doc, len, ec2_rc, why);
	fuzz_changes(doc, len, "StartInstances", ec2_rc, why);
	fuzz_changes(doc, len, "StopInstances", ec2_rc, why);
}

/* ----------------------------------------------------- CloudWatch -- */

static void fuzz_cw(const char *doc, size_t len)
{
	struct aws_cw_answer a;
	char why[ERRLEN] = "";
	int rc = aws_cw_answer_read(doc, len, "m", &a, why, sizeof why);

	if (rc) {
		FUZZ_CHECK(rc == -EBADMSG || rc == -EREMOTEIO || rc == -ENOMEM, "rc %d", rc);
		FUZZ_CHECK(why[0], "refused (%d) without a reason", rc);
		FUZZ_CHECK(!a.n_points && !a.message && !a.next_token && !a.status[0],
			   "refused, not empty");
		if (rc == -EREMOTEIO)
			FUZZ_CHECK(clean(why), "the error read as '%s'", why);
		return;
	}
	FUZZ_CHECK(strlen(a.status) < sizeof a.status && clean(a.status), "status '%s'", a.status);
	FUZZ_CHECK(!a.message || clean(a.message), "message '%s'", a.message);
	FUZZ_CHECK(!a.next_token || a.next_token[0], "an empty NextToken");
	if (a.n_points)
		FUZZ_CHECK(isfinite(a.newest) && a.newest_ms >= T_MIN && a.newest_ms <= T_MAX,
			   "the newest %g at %lld", a.newest, (long long)a.newest_ms);
	aws_cw_answer_free(&a);
}

/* The input's first line (at most 80 bytes) as a datapoint's value. */
static void fuzz_cw_value(const char *doc, size_t len)
{
	char s[81];
	size_t n = 0;
	double v = -7;

	while (n < len && n < sizeof s - 1 && doc[n] != '\n')
		n++;
	memcpy(s, doc, n);
	s[n] = '\0';
	if (aws_cw_answer_value(s, &v) == 0)
		FUZZ_CHECK(isfinite(v) && s[0] && strspn(s, "0123456789.eE+-") == strlen(s),
			   "'%s' read as %g", s, v);
	else
		FUZZ_CHECK(v == -7, "'%s' refused, yet read", s);
}

/* ------------------------------------------------------------ STS -- */

/* The refusal (rc, err) of doc is the same with another secret of its
 * form in <tag>: no message shows a byte of it. */
static void same_refusal(const char *doc, size_t len, int web, const char *tag, int rc,
			 const char *err)
{
	struct aws_creds_got g;
	char err2[ERRLEN] = "";
	size_t at = 0, n = tag_text(doc, len, tag, &at);
	char *other = n ? rotated(doc, len, at, n) : NULL;
	int rc2;

	if (!other)
		return;
	rc2 = aws_creds_answer_sts(other, len, web, NOW, &g, err2, sizeof err2);
	FUZZ_CHECK(rc2 == rc && !strcmp(err, err2), "<%s> shows in the refusal: %d '%s', then "
		   "%d '%s'", tag, rc, err, rc2, err2);
	aws_creds_got_free(&g);
	free(other);
}

static void fuzz_sts(const char *doc, size_t len, int web, int *ok)
{
	const char *what = web ? "AssumeRoleWithWebIdentity" : "AssumeRole";
	struct aws_creds_got g;
	char err[ERRLEN] = "";
	int rc = aws_creds_answer_sts(doc, len, web, NOW, &g, err, sizeof err);

	*ok = rc == 0;
	if (rc) {
		FUZZ_CHECK(rc == -EBADMSG || rc == -EREMOTEIO || rc == -EKEYEXPIRED ||
			   rc == -ENOMEM, "%s: rc %d", what, rc);
		FUZZ_CHECK(starts(err, what) && err[strlen(what)] == ':', "%s: message '%s'", what,
			   err);
		FUZZ_CHECK(!g.access_key_id && !g.secret_access_key && !g.session_token &&
			   !g.expires_ms, "%s: refused, not empty", what);
		if (rc == -EREMOTEIO)
			FUZZ_CHECK(clean(err), "%s: the error read as '%s'", what, err);
		else
			for (int i = 0; i < 2; i++)
				same_refusal(doc, len, web, i ? "SessionToken" : "SecretAccessKey",
					     rc, err);
		return;
	}
	FUZZ_CHECK(g.session_token && !aws_creds_answer_check(what, g.access_key_id,
							       g.secret_access_key,
							       g.session_token, err, sizeof err),
		   "%s: credentials SigV4 refuses: %s", what, err);
	FUZZ_CHECK(g.expires_ms > NOW, "%s: expired at %lld", what, (long long)g.expires_ms);
	aws_creds_got_free(&g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *doc = (const char *)data;
	int role, web;

	fuzz_ec2(doc, size);
	fuzz_cw(doc, size);
	fuzz_cw_value(doc, size);
	fuzz_sts(doc, size, 0, &role);
	fuzz_sts(doc, size, 1, &web);
	FUZZ_CHECK(!(role && web), "one answer read as both STS actions");
	return 0;
}
