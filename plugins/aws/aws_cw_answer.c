/*
 * aws_cw_answer.c - a page of CloudWatch's GetMetricData answer and its
 * error answers (aws_cw_answer.h), read with aws_xml: one shape for the
 * answer and one for <ErrorResponse> in both of its forms, so that one
 * pass tells them apart. Times are read with aws_answers_time.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_answers.h"
#include "aws_cw_answer.h"
#include "aws_values.h"
#include "aws_xml.h"

/* <ErrorResponse><Error>: the Query protocol's; <Errors><Error>: moto's
 * words for authentication failures. */
enum { ERR_CODE, ERR_MESSAGE, ERR_CODE2, ERR_MESSAGE2 };
static const char *const err_fields[] = { "Error/Code", "Error/Message", "Errors/Error/Code",
					  "Errors/Error/Message", NULL };

static const char *const text_field[] = { "", NULL }; /* a member's own text */
enum { MSG_CODE, MSG_VALUE };
static const char *const msg_fields[] = { "Code", "Value", NULL };

enum { RES_ID, RES_STATUS };
static const char *const res_fields[] = { "Id", "StatusCode", NULL };
enum { RES_TIMES, RES_VALUES, RES_MESSAGES };
static const struct aws_xml_shape res_lists[] = {
	{ "Timestamps/member", text_field, NULL },
	{ "Values/member", text_field, NULL },
	{ "Messages/member", msg_fields, NULL },
	{ NULL, NULL, NULL },
};

enum { DOC_TOKEN };
static const char *const doc_fields[] = { "GetMetricDataResult/NextToken", NULL };
enum { DOC_RESULTS, DOC_MESSAGES };
static const struct aws_xml_shape doc_lists[] = {
	{ "GetMetricDataResult/MetricDataResults/member", res_fields, res_lists },
	{ "GetMetricDataResult/Messages/member", msg_fields, NULL },
	{ NULL, NULL, NULL },
};

enum { SHAPE_ANSWER, SHAPE_ERROR };
static const struct aws_xml_shape shapes[] = {
	{ "GetMetricDataResponse", doc_fields, doc_lists },
	{ "ErrorResponse", err_fields, NULL },
};

int aws_cw_answer_value(const char *s, double *out)
{
	size_t n = strlen(s);
	char *end;
	double v;

	/* strtod alone would take " 1", "0x1p3", "inf", "nan" */
	if (!n || n > 64 || strspn(s, "0123456789.eE+-") != n ||
	    !((s[0] >= '0' && s[0] <= '9') || s[0] == '-' || s[0] == '.'))
		return -EBADMSG;
	v = strtod(s, &end);
	if (*end || end == s || !isfinite(v))
		return -EBADMSG;
	*out = v;
	return 0;
}

void aws_cw_answer_free(struct aws_cw_answer *a)
{
	if (!a)
		return;
	free(a->message);
	free(a->next_token);
	memset(a, 0, sizeof *a);
}

static int cw_error(struct aws_xml_rec *r, char *why, size_t whylen)
{
	const char *code = r->val[ERR_CODE] && *r->val[ERR_CODE] ? r->val[ERR_CODE]
								: r->val[ERR_CODE2];
	const char *msg = code == r->val[ERR_CODE] ? r->val[ERR_MESSAGE] : r->val[ERR_MESSAGE2];

	if (!code || !*code) {
		snprintf(why, whylen, "the answer is an ErrorResponse without a Code");
		return -EBADMSG;
	}
	if (msg && *msg)
		snprintf(why, whylen, "%s: %s", code, msg);
	else
		snprintf(why, whylen, "%s", code);
	aws_values_clean(why);
	return -EREMOTEIO;
}

/* The first message of list, as "Code: Value", into *out (when not yet
 * set). 0 or -ENOMEM. */
static int cw_message(const struct aws_xml_recs *list, char **out)
{
	const struct aws_xml_rec *m;
	const char *code, *value;
	size_t n;

	if (*out || !list->n)
		return 0;
	m = &list->v[0];
	code = m->val[MSG_CODE] ? m->val[MSG_CODE] : "";
	value = m->val[MSG_VALUE] ? m->val[MSG_VALUE] : "";
	n = strlen(code) + strlen(value) + 3;
	if (!(*out = malloc(n)))
		return -ENOMEM;
	snprintf(*out, n, "%s%s%s", code, *code && *value ? ": " : "", value);
	aws_values_clean(*out);
	return 0;
}

/* One result of ours: its datapoints, status and message into out. */
static int cw_result(const struct aws_xml_rec *res, struct aws_cw_answer *out, char *why,
		     size_t whylen)
{
	const struct aws_xml_recs *ts = &res->lists[RES_TIMES], *vs = &res->lists[RES_VALUES];
	char q[160];
	size_t i;

	if (ts->n != vs->n) {
		snprintf(why, whylen, "line %lu: %zu timestamps and %zu values (want as many)",
			 res->line, ts->n, vs->n);
		return -EBADMSG;
	}
	for (i = 0; i < ts->n; i++) {
		const char *t = ts->v[i].val[0], *v = vs->v[i].val[0];
		int64_t ms;
		double x;

		if (aws_answers_time(t, "Timestamps", &ms, q, sizeof q) < 0) {
			snprintf(why, whylen, "line %lu: %s", ts->v[i].line, q);
			return -EBADMSG;
		}
		if (aws_cw_answer_value(v, &x) < 0) {
			aws_values_quote(q, sizeof q, v);
			snprintf(why, whylen, "line %lu: Values %s is not a finite number",
				 vs->v[i].line, q);
			return -EBADMSG;
		}
		if (out->n_points++ == 0 || ms > out->newest_ms) {
			out->newest_ms = ms;
			out->newest = x;
		}
	}
	if (res->val[RES_STATUS]) {
		snprintf(out->status, sizeof out->status, "%s", res->val[RES_STATUS]);
		aws_values_clean(out->status);
	}
	return cw_message(&res->lists[RES_MESSAGES], &out->message) ? -ENOMEM : 0;
}

int aws_cw_answer_read(const char *doc, size_t len, const char *id, struct aws_cw_answer *out,
		       char *why, size_t whylen)
{
	struct aws_xml_rec r;
	const struct aws_xml_recs *results;
	size_t which, i, found = 0;
	char q[64];
	int rc;

	memset(out, 0, sizeof *out);
	rc = aws_xml_parse(doc, len, shapes, 2, "the answer", &which, &r, why, whylen);
	if (rc < 0)
		return rc;
	if (which == SHAPE_ERROR) {
		rc = cw_error(&r, why, whylen);
		goto out;
	}
	results = &r.lists[DOC_RESULTS];
	for (i = 0; rc == 0 && i < results->n; i++) {
		const struct aws_xml_rec *res = &results->v[i];
		const char *rid = res->val[RES_ID];

		if (!rid || strcmp(rid, id)) {
			aws_values_quote(q, sizeof q, rid ? rid : "");
			snprintf(why, whylen, "line %lu: a result for query %s, not \"%s\"", res->line,
				 q, id);
			rc = -EBADMSG;
		} else if (found++) {
			snprintf(why, whylen, "line %lu: a second result for query \"%s\"", res->line,
				 id);
			rc = -EBADMSG;
		} else {
			rc = cw_result(res, out, why, whylen);
		}
	}
	if (rc == 0 && !found) {
		snprintf(why, whylen, "the answer has no result for query \"%s\"", id);
		rc = -EBADMSG;
	}
	if (rc == 0 && cw_message(&r.lists[DOC_MESSAGES], &out->message) < 0)
		rc = -ENOMEM;
	if (rc == 0 && r.val[DOC_TOKEN] && *r.val[DOC_TOKEN])
		out->next_token = aws_xml_take(&r, DOC_TOKEN);
out:
	if (rc == -ENOMEM)
		snprintf(why, whylen, "out of memory");
	if (rc < 0)
		aws_cw_answer_free(out);
	aws_xml_rec_free(&r);
	return rc;
}
