/*
 * aws_ec2_answer.c - StartInstances' and StopInstances' answers and the
 * EC2 Query API's error answers in all three forms (aws_ec2_answer.h),
 * read with aws_xml shapes. The error forms themselves are read by
 * aws_answers_error (EC2's and the Query protocol's) and aws_json_error
 * (moto's <ErrorResponse><Errors>); this file only tries them in turn.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_answers.h"
#include "aws_ec2_answer.h"
#include "aws_json.h"
#include "aws_xml.h"

enum { CH_ID, CH_CURRENT, CH_PREVIOUS };
static const char *const change_fields[] = { "instanceId", "currentState/name",
					     "previousState/name", NULL };
static const struct aws_xml_shape change_lists[] = {
	{ "instancesSet/item", change_fields, NULL }, { NULL, NULL, NULL }
};

int aws_ec2_answer_error(const char *doc, size_t len, char *why, size_t whylen)
{
	struct aws_error_answer e;
	char tmp[512];

	if (!doc || !len)
		return -EBADMSG;
	if (aws_answers_error(doc, len, &e, tmp, sizeof tmp) == 0) {
		aws_answers_error_free(&e);
		snprintf(why, whylen, "%s", tmp);
		return 0;
	}
	/* moto's <ErrorResponse><Errors><Error>: only for XML, never JSON */
	if (aws_json_is_xml(doc, len) && aws_json_error(doc, len, tmp, sizeof tmp) == 0) {
		snprintf(why, whylen, "%s", tmp);
		return 0;
	}
	return -EBADMSG;
}

static int changes_bad(char *err, size_t errlen, const char *action, unsigned long line,
		       const char *reason)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: line %lu: %s", action, line, reason);
	return -EBADMSG;
}

int aws_ec2_answer_changes(const char *doc, size_t len, const char *action,
			   struct aws_ec2_changes *out, char *err, size_t errlen)
{
	char name[64];
	struct aws_xml_shape shapes[3] = {
		{ name, NULL, change_lists },
		{ "ErrorResponse", NULL, NULL },
		{ "Response", NULL, NULL },
	};
	struct aws_xml_rec rec;
	struct aws_xml_recs *items;
	size_t which = 0;
	int rc;

	if (!out || !action || (strcmp(action, "StartInstances") && strcmp(action, "StopInstances"))) {
		if (err && errlen)
			snprintf(err, errlen, "%s: no answer to fill", action ? action : "(null)");
		return -EINVAL;
	}
	memset(out, 0, sizeof *out);
	snprintf(name, sizeof name, "%sResponse", action);
	rc = aws_xml_parse(doc, len, shapes, 3, action, &which, &rec, err, errlen);
	if (rc)
		return rc;
	if (which != 0) {
		char why[512];

		aws_xml_rec_free(&rec);
		if (aws_ec2_answer_error(doc, len, why, sizeof why) < 0)
			return changes_bad(err, errlen, action, 1,
					   "an error answer without a Code");
		if (err && errlen)
			snprintf(err, errlen, "%s", why);
		return -EREMOTEIO;
	}
	items = &rec.lists[0];
	if (!items->n) {
		rc = changes_bad(err, errlen, action, rec.line, "no instance in <instancesSet>");
		goto out;
	}
	if (!(out->v = calloc(items->n, sizeof *out->v))) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < items->n; i++) {
		struct aws_xml_rec *r = &items->v[i];
		struct aws_ec2_change *c = &out->v[i];

		if (!r->val[CH_ID] || !*r->val[CH_ID]) {
			rc = changes_bad(err, errlen, action, r->line, "<item> has no <instanceId>");
			goto out;
		}
		if (!r->val[CH_CURRENT] || !*r->val[CH_CURRENT]) {
			rc = changes_bad(err, errlen, action, r->line,
					 "<item> has no <currentState><name>");
			goto out;
		}
		c->id = aws_xml_take(r, CH_ID);
		c->current = aws_xml_take(r, CH_CURRENT);
		c->previous = aws_xml_take(r, CH_PREVIOUS);
		out->n = i + 1;
	}
out:
	aws_xml_rec_free(&rec);
	if (rc)
		aws_ec2_answer_changes_free(out);
	return rc;
}

void aws_ec2_answer_changes_free(struct aws_ec2_changes *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].id);
		free(c->v[i].current);
		free(c->v[i].previous);
	}
	free(c->v);
	memset(c, 0, sizeof *c);
}
