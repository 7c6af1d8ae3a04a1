/*
 * aws_fleet_answer.c - DescribeSpotFleetRequests' and
 * ModifySpotFleetRequest's answers (aws_fleet_answer.h), read with aws_xml
 * shapes; error answers recognised by their document element and read by
 * aws_ec2_answer_error. Numbers are read strictly (aws_answers_int,
 * aws_answers_decimal).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_answers.h"
#include "aws_ec2_answer.h"
#include "aws_fleet_answer.h"
#include "aws_xml.h"

#define DESCRIBE "DescribeSpotFleetRequests"
#define MODIFY "ModifySpotFleetRequest"

enum { F_ID, F_STATE, F_ACTIVITY, F_TYPE, F_TARGET, F_OD_TARGET, F_FULFILLED, F_OD_FULFILLED };
static const char *const fleet_fields[] = {
	"spotFleetRequestId",
	"spotFleetRequestState",
	"activityStatus",
	"spotFleetRequestConfig/type",
	"spotFleetRequestConfig/targetCapacity",
	"spotFleetRequestConfig/onDemandTargetCapacity",
	"spotFleetRequestConfig/fulfilledCapacity",
	"spotFleetRequestConfig/onDemandFulfilledCapacity",
	NULL,
};
static const struct aws_xml_shape fleet_lists[] = {
	{ "spotFleetRequestConfigSet/item", fleet_fields, NULL }, { NULL, NULL, NULL }
};
static const char *const token_fields[] = { "nextToken", NULL };
static const char *const return_fields[] = { "return", NULL };

/* The answer's shape first, then the two error documents (read again by
 * aws_ec2_answer_error when they come). */
#define FLEET_ERROR_SHAPES { "ErrorResponse", NULL, NULL }, { "Response", NULL, NULL }
static const struct aws_xml_shape describe_doc[] = {
	{ DESCRIBE "Response", token_fields, fleet_lists }, FLEET_ERROR_SHAPES
};
static const struct aws_xml_shape modify_doc[] = {
	{ MODIFY "Response", return_fields, NULL }, FLEET_ERROR_SHAPES
};

static int fleet_bad(char *err, size_t errlen, const char *what, unsigned long line,
		     const char *reason)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: line %lu: %s", what, line, reason);
	return -EBADMSG;
}

/* Parse doc as shapes[0] or an error answer: 0 and *rec, -EREMOTEIO with
 * "Code: Message" in err, or the refusal. */
static int fleet_parse(const char *doc, size_t len, const struct aws_xml_shape *shapes,
		       const char *what, struct aws_xml_rec *rec, char *err, size_t errlen)
{
	char why[512];
	size_t which = 0;
	int rc;

	rc = aws_xml_parse(doc, len, shapes, 3, what, &which, rec, err, errlen);
	if (rc || which == 0)
		return rc;
	aws_xml_rec_free(rec);
	if (aws_ec2_answer_error(doc, len, why, sizeof why) < 0)
		return fleet_bad(err, errlen, what, 1, "an error answer without a Code");
	if (err && errlen)
		snprintf(err, errlen, "%s", why);
	return -EREMOTEIO;
}

/* Field i of r, required and nonempty. */
static int fleet_need(const struct aws_xml_rec *r, size_t i, char *err, size_t errlen)
{
	char why[160];

	if (r->val[i] && *r->val[i])
		return 0;
	snprintf(why, sizeof why, "<item> %s <%s>", r->val[i] ? "has an empty" : "has no",
		 fleet_fields[i]);
	return fleet_bad(err, errlen, DESCRIBE, r->line, why);
}

/* A capacity in units: a plain decimal, 0..INT_MAX (weights may be
 * fractional, so fulfilled capacities are). */
static int fleet_units(const struct aws_xml_rec *r, size_t i, const char *name, double *out,
		       char *err, size_t errlen)
{
	char why[160];

	if (aws_answers_decimal(r->val[i], name, out, why, sizeof why) < 0)
		return fleet_bad(err, errlen, DESCRIBE, r->line, why);
	if (*out > INT_MAX) {
		snprintf(why, sizeof why, "%s %.0f is over %d", name, *out, INT_MAX);
		return fleet_bad(err, errlen, DESCRIBE, r->line, why);
	}
	return 0;
}

static int fleet_request(struct aws_xml_rec *r, struct aws_fleet_request *q, char *err,
			 size_t errlen)
{
	const char *type = r->val[F_TYPE];
	char why[160];
	int rc;

	q->on_demand_target = -1;
	if ((rc = fleet_need(r, F_ID, err, errlen)) || (rc = fleet_need(r, F_STATE, err, errlen)) ||
	    (rc = fleet_need(r, F_TARGET, err, errlen)) ||
	    (rc = fleet_need(r, F_FULFILLED, err, errlen)))
		return rc;
	if (aws_answers_int(r->val[F_TARGET], "targetCapacity", &q->target, why, sizeof why) ||
	    (r->val[F_OD_TARGET] && aws_answers_int(r->val[F_OD_TARGET], "onDemandTargetCapacity",
						    &q->on_demand_target, why, sizeof why)))
		return fleet_bad(err, errlen, DESCRIBE, r->line, why);
	if ((rc = fleet_units(r, F_FULFILLED, "fulfilledCapacity", &q->fulfilled, err, errlen)) ||
	    (r->val[F_OD_FULFILLED] &&
	     (rc = fleet_units(r, F_OD_FULFILLED, "onDemandFulfilledCapacity",
			       &q->on_demand_fulfilled, err, errlen))))
		return rc;
	if (type && strcmp(type, "maintain") && strcmp(type, "request") && strcmp(type, "instant"))
		return fleet_bad(err, errlen, DESCRIBE, r->line,
				 "<type> is none of maintain, request, instant");
	q->id = aws_xml_take(r, F_ID);
	q->state = aws_xml_take(r, F_STATE);
	q->type = aws_xml_take(r, F_TYPE);
	q->activity = aws_xml_take(r, F_ACTIVITY);
	return 0;
}

int aws_fleet_answer_describe(const char *doc, size_t len, struct aws_fleet_answer *out,
			      char *err, size_t errlen)
{
	struct aws_xml_rec rec;
	struct aws_xml_recs *items;
	int rc;

	if (!out) {
		if (err && errlen)
			snprintf(err, errlen, "%s: no answer to fill", DESCRIBE);
		return -EINVAL;
	}
	memset(out, 0, sizeof *out);
	rc = fleet_parse(doc, len, describe_doc, DESCRIBE, &rec, err, errlen);
	if (rc)
		return rc;
	items = &rec.lists[0];
	if (items->n && !(out->requests = calloc(items->n, sizeof *out->requests))) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < items->n; i++) {
		out->n_requests = i + 1;
		rc = fleet_request(&items->v[i], &out->requests[i], err, errlen);
		if (rc)
			goto out;
	}
	out->next_token = aws_xml_take(&rec, 0);
	if (out->next_token && !*out->next_token) {
		free(out->next_token);
		out->next_token = NULL;
	}
out:
	aws_xml_rec_free(&rec);
	if (rc)
		aws_fleet_answer_free(out);
	return rc;
}

void aws_fleet_answer_free(struct aws_fleet_answer *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n_requests; i++) {
		free(a->requests[i].id);
		free(a->requests[i].state);
		free(a->requests[i].type);
		free(a->requests[i].activity);
	}
	free(a->requests);
	free(a->next_token);
	memset(a, 0, sizeof *a);
}

int aws_fleet_answer_modify(const char *doc, size_t len, char *err, size_t errlen)
{
	struct aws_xml_rec rec;
	int rc;

	rc = fleet_parse(doc, len, modify_doc, MODIFY, &rec, err, errlen);
	if (rc)
		return rc;
	if (!rec.val[0] || strcmp(rec.val[0], "true") != 0)
		rc = fleet_bad(err, errlen, MODIFY, rec.line,
			       rec.val[0] ? "<return> is not true: the change was not made"
					  : "no <return>");
	aws_xml_rec_free(&rec);
	return rc;
}
