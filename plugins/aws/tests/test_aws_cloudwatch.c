/*
 * test_aws_cloudwatch.c - aws.cloudwatch without the network: its keys
 * checked and its GetMetricData form written (aws_cw_query.c), and the XML
 * pages and error answers read (aws_cw_answer.c) -- shaped as botocore's
 * cloudwatch 2010-08-01 model and moto 5.2.1 give them, then garbage:
 * empty, truncated, HTML, JSON, DOCTYPE, counts that disagree, times and
 * values that are none, results of other queries.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "aws_cw_answer.h"
#include "aws_cw_query.h"

#define NS "xmlns=\"http://monitoring.amazonaws.com/doc/2010-08-01/\""
#define HEAD "<GetMetricDataResponse " NS "><GetMetricDataResult>"
#define TAIL "</GetMetricDataResult><ResponseMetadata><RequestId>r1</RequestId>" \
	     "</ResponseMetadata></GetMetricDataResponse>"
/* One result of query m with these timestamps and values (members). */
#define RESULT(times, values, status)                                                    \
	"<MetricDataResults><member><Id>m</Id><Label>CPUUtilization Average</Label>"      \
	"<Timestamps>" times "</Timestamps><Values>" values "</Values>"                  \
	"<StatusCode>" status "</StatusCode></member></MetricDataResults>"
#define T(s) "<member>" s "</member>"

/* 2026-12-03T16:20:08Z in ms */
#define T_1620 1796314808000LL

static int rd(const char *doc, struct aws_cw_answer *a, char *why, size_t whylen)
{
	why[0] = '\0';
	return aws_cw_answer_read(doc, strlen(doc), AWS_CW_ID, a, why, whylen);
}

static void test_answer(void **state)
{
	struct aws_cw_answer a;
	char why[256];

	(void)state;
	/* moto's, newest first */
	assert_int_equal(rd(HEAD RESULT(T("2026-12-03T16:20:08Z") T("2026-12-03T16:19:08Z")
					T("2026-12-03T16:18:08Z"),
					T("40.0") T("50.0") T("60.0"), "Complete") TAIL,
			    &a, why, sizeof why), 0);
	assert_int_equal(a.n_points, 3);
	assert_int_equal(a.newest_ms, T_1620);
	assert_true(a.newest == 40.0);
	assert_string_equal(a.status, "Complete");
	assert_null(a.message);
	assert_null(a.next_token);
	aws_cw_answer_free(&a);
	/* oldest first, fractions, an exponent, a token, messages */
	assert_int_equal(rd(HEAD RESULT(T("2026-12-03T16:18:08.250Z") T("2026-12-03T16:20:08Z")
					T("2026-12-03T16:19:08+00:00"),
					T("1") T("1.5E-4") T("-2.5"), "PartialData")
			    "<NextToken>tok+/=</NextToken><Messages><member><Code>MaxMetricsExceeded"
			    "</Code><Value>too\nmany</Value></member></Messages>" TAIL,
			    &a, why, sizeof why), 0);
	assert_int_equal(a.n_points, 3);
	assert_int_equal(a.newest_ms, T_1620);
	assert_true(a.newest == 1.5e-4);
	assert_string_equal(a.status, "PartialData");
	assert_string_equal(a.message, "MaxMetricsExceeded: too many");
	assert_string_equal(a.next_token, "tok+/=");
	aws_cw_answer_free(&a);
	/* no datapoint; an empty token is the last page; the result's message
	 * before the page's */
	assert_int_equal(rd(HEAD "<MetricDataResults><member><Id>m</Id><Timestamps/><Values/>"
			    "<StatusCode>Forbidden</StatusCode><Messages><member><Code>Forbidden"
			    "</Code><Value>cross-region</Value></member></Messages></member>"
			    "</MetricDataResults><NextToken/><Messages><member><Value>page</Value>"
			    "</member></Messages>" TAIL, &a, why, sizeof why), 0);
	assert_int_equal(a.n_points, 0);
	assert_string_equal(a.status, "Forbidden");
	assert_string_equal(a.message, "Forbidden: cross-region");
	assert_null(a.next_token);
	aws_cw_answer_free(&a);
	/* no prefix, no metadata, a status left out */
	assert_int_equal(rd("<GetMetricDataResponse><GetMetricDataResult><MetricDataResults>"
			    "<member><Id>m</Id></member></MetricDataResults></GetMetricDataResult>"
			    "</GetMetricDataResponse>", &a, why, sizeof why), 0);
	assert_int_equal(a.n_points, 0);
	assert_string_equal(a.status, "");
	aws_cw_answer_free(&a);
	aws_cw_answer_free(&a); /* twice: harmless */
}

static void test_errors(void **state)
{
	struct aws_cw_answer a;
	char why[256];

	(void)state;
	assert_int_equal(rd("<ErrorResponse " NS "><Error><Type>Sender</Type><Code>"
			    "InvalidParameterValue</Code><Message>The parameter Period must be "
			    "60</Message></Error><RequestId>r</RequestId></ErrorResponse>",
			    &a, why, sizeof why), -EREMOTEIO);
	assert_string_equal(why, "InvalidParameterValue: The parameter Period must be 60");
	/* moto's authentication failures */
	assert_int_equal(rd("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<ErrorResponse><Errors>"
			    "<Error><Code>SignatureDoesNotMatch</Code><Message>The request "
			    "signature we calculated does not match</Message><Type>Sender</Type>"
			    "</Error></Errors></ErrorResponse>", &a, why, sizeof why), -EREMOTEIO);
	assert_string_equal(why, "SignatureDoesNotMatch: The request signature we calculated "
			    "does not match");
	assert_int_equal(rd("<ErrorResponse><Error><Code>Throttling</Code></Error>"
			    "</ErrorResponse>", &a, why, sizeof why), -EREMOTEIO);
	assert_string_equal(why, "Throttling");
	assert_int_equal(rd("<ErrorResponse><Error><Message>no code</Message></Error>"
			    "</ErrorResponse>", &a, why, sizeof why), -EBADMSG);
	assert_string_equal(why, "the answer is an ErrorResponse without a Code");
	assert_null(a.message);
}

static void test_garbage(void **state)
{
	static const struct {
		const char *doc, *why;
	} bad[] = {
		{ "", "the answer: an empty answer" },
		{ HEAD "<MetricDataResults><member><Id>m", "the answer: not well-formed XML at "
		  "line 1, column 133: no element found" },
		{ "<html><body>502 Bad Gateway</body></html>", "the answer: line 1, column 1: "
		  "document element <html> is not <GetMetricDataResponse> or <ErrorResponse>" },
		{ "{\"MetricDataResults\":[]}",
		  "the answer: not well-formed XML at line 1, column 1: not well-formed (invalid token)" },
		{ "<!DOCTYPE x [<!ENTITY a \"b\">]><GetMetricDataResponse/>",
		  "the answer: line 1, column 13: a DOCTYPE, refused (an AWS answer has none, and "
		  "its entities could expand without bound)" },
		{ "<GetMetricDataResponse/>", "the answer has no result for query \"m\"" },
		{ HEAD TAIL, "the answer has no result for query \"m\"" },
		{ HEAD "<MetricDataResults><member><Id>q</Id></member></MetricDataResults>" TAIL,
		  "line 1: a result for query \"q\", not \"m\"" },
		{ HEAD "<MetricDataResults><member></member></MetricDataResults>" TAIL,
		  "line 1: a result for query \"\", not \"m\"" },
		{ HEAD "<MetricDataResults><member><Id>m</Id></member><member><Id>m</Id></member>"
		  "</MetricDataResults>" TAIL, "line 1: a second result for query \"m\"" },
		{ HEAD RESULT(T("2026-12-03T16:20:08Z") T("2026-12-03T16:19:08Z"), T("1"),
			      "Complete") TAIL, "line 1: 2 timestamps and 1 values (want as many)" },
		{ HEAD RESULT(T("yesterday"), T("1"), "Complete") TAIL,
		  "line 1: Timestamps \"yesterday\" is not an ISO 8601 time "
		  "(YYYY-MM-DDTHH:MM:SS[.fff][Z|+HH:MM|-HH:MM])" },
		{ HEAD RESULT(T("2026-02-30T00:00:00Z"), T("1"), "Complete") TAIL,
		  "line 1: Timestamps \"2026-02-30T00:00:00Z\" is no such time" },
		{ HEAD RESULT(T("2026-12-03T16:20:08Z"), T("nan"), "Complete") TAIL,
		  "line 1: Values \"nan\" is not a finite number" },
		{ HEAD RESULT(T("2026-12-03T16:20:08Z"), T("1e999"), "Complete") TAIL,
		  "line 1: Values \"1e999\" is not a finite number" },
		{ HEAD RESULT(T("2026-12-03T16:20:08Z"), T(""), "Complete") TAIL,
		  "line 1: Values \"\" is not a finite number" },
		{ HEAD RESULT(T("2026-12-03T16:20:08Z"), T("<b>1</b>"), "Complete") TAIL,
		  "the answer: line 1, column 253: <member> holds an element <b> where a value "
		  "belongs" },
		{ HEAD "<MetricDataResults><member><Id>m</Id><Id>m</Id></member>"
		  "</MetricDataResults>" TAIL,
		  "the answer: line 1, column 138: <Id> given twice in one <member>" },
	};
	struct aws_cw_answer a;
	char why[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(rd(bad[i].doc, &a, why, sizeof why), -EBADMSG);
		assert_string_equal(why, bad[i].why);
		assert_int_equal(a.n_points, 0); /* nothing handed back */
		assert_null(a.next_token);
	}
}

static void test_value(void **state)
{
	static const char *const bad[] = { "", " 1", "1 ", "0x10", "inf", "-inf", "nan", "1,5",
					   "+1", "e5", "1e", "--1", "1e400", "1.2.3" };
	double v;
	size_t i;

	(void)state;
	assert_int_equal(aws_cw_answer_value("72.5", &v), 0);
	assert_true(v == 72.5);
	assert_int_equal(aws_cw_answer_value("-0.25", &v), 0);
	assert_true(v == -0.25);
	assert_int_equal(aws_cw_answer_value(".5", &v), 0);
	assert_true(v == 0.5);
	assert_int_equal(aws_cw_answer_value("1.7976931348623157E308", &v), 0);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(aws_cw_answer_value(bad[i], &v), -EBADMSG);
}

static int init(struct aws_cw_query *q, const char *ns, const char *metric, const char *dims,
		const char *stat, int64_t period_ms, int64_t lookback_ms, char *err, size_t errlen)
{
	err[0] = '\0';
	return aws_cw_query_init(q, ns, metric, dims, stat, period_ms, lookback_ms, err, errlen);
}

static void test_query(void **state)
{
	struct aws_cw_query q;
	struct aws_form f = { 0 };
	int64_t start, end;
	char err[256];

	(void)state;
	assert_int_equal(init(&q, "AWS/EC2", "CPUUtilization", " AutoScalingGroupName = web 1 , "
			      "k=a=b", "Average", 60000, -1, err, sizeof err), 0);
	assert_int_equal(q.n_dims, 2);
	assert_string_equal(q.dims[0].name, "AutoScalingGroupName");
	assert_string_equal(q.dims[0].value, "web 1");
	assert_string_equal(q.dims[1].name, "k");
	assert_string_equal(q.dims[1].value, "a=b");
	assert_int_equal(q.period_s, 60);
	assert_int_equal(q.lookback_ms, 900000); /* 15 minutes, more than 5 periods */
	/* the window: end at whole seconds, start on a period's boundary */
	aws_cw_query_window(&q, 1796314808250LL, &start, &end);
	assert_int_equal(end, 1796314808000LL);
	assert_int_equal(start, 1796313900000LL); /* 16:05:00, before 16:05:08 */
	assert_int_equal(aws_cw_query_form(&q, start, end, NULL, &f), 0);
	assert_string_equal(f.buf,
		"Action=GetMetricData&Version=2010-08-01&MetricDataQueries.member.1.Id=m"
		"&MetricDataQueries.member.1.MetricStat.Metric.Namespace=AWS%2FEC2"
		"&MetricDataQueries.member.1.MetricStat.Metric.MetricName=CPUUtilization"
		"&MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Name="
		"AutoScalingGroupName"
		"&MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Value=web%201"
		"&MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.2.Name=k"
		"&MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.2.Value=a%3Db"
		"&MetricDataQueries.member.1.MetricStat.Period=60"
		"&MetricDataQueries.member.1.MetricStat.Stat=Average"
		"&StartTime=2026-12-03T16%3A05%3A00Z&EndTime=2026-12-03T16%3A20%3A08Z"
		"&ScanBy=TimestampDescending");
	aws_form_free(&f);
	assert_int_equal(aws_cw_query_form(&q, start, end, "a b", &f), 0);
	assert_non_null(strstr(f.buf, "&NextToken=a%20b"));
	aws_form_free(&f);
	aws_cw_query_free(&q);
	aws_cw_query_free(&q);

	/* defaults and statistics */
	assert_int_equal(init(&q, "My App/jobs#1", "depth", NULL, "p99.9", 300000, -1, err,
			      sizeof err), 0);
	assert_int_equal(q.lookback_ms, 1500000); /* 5 periods */
	assert_int_equal(q.n_dims, 0);
	aws_cw_query_free(&q);
	assert_int_equal(init(&q, "N", "m", NULL, "tm90", 1000, -1, err, sizeof err), 0);
	assert_int_equal(q.lookback_ms, 900000);
	aws_cw_query_free(&q);
	assert_int_equal(init(&q, "N", "m", NULL, "p0", 86400000, -1, err, sizeof err), 0);
	assert_int_equal(q.lookback_ms, 5 * 86400000LL);
	aws_cw_query_free(&q);
	assert_int_equal(init(&q, "N", "m", NULL, "SampleCount", 30000, 10800000, err,
			      sizeof err), 0);
	aws_cw_query_free(&q);
	assert_int_equal(init(&q, "N", "m", NULL, "p100", 60000, 1440 * 60000LL, err, sizeof err),
			 0);
	aws_cw_query_free(&q);
}

static void test_query_refused(void **state)
{
	static const struct {
		const char *ns, *metric, *dims, *stat;
		int64_t period, lookback;
		const char *err;
	} bad[] = {
		{ ":AWS", "m", NULL, "Average", 60000, -1, "namespace: want 1 to 255 of letters, "
		  "digits and . _ / # : - and spaces, not starting with ':', like \"AWS/EC2\"" },
		{ "", "m", NULL, "Average", 60000, -1, NULL },
		{ "   ", "m", NULL, "Average", 60000, -1, NULL },
		{ "AWS\tEC2", "m", NULL, "Average", 60000, -1, NULL },
		{ "AWS/\xc3\xa9", "m", NULL, "Average", 60000, -1, NULL },
		{ "N", "", NULL, "Average", 60000, -1, "metric: want 1 to 255 printable ASCII "
		  "characters, like \"CPUUtilization\"" },
		{ "N", "a\nb", NULL, "Average", 60000, -1, NULL },
		{ "N", "m", NULL, "avg", 60000, -1, "statistic: \"avg\" is not one of Average, Sum, "
		  "Minimum, Maximum, SampleCount, IQM, or pNN, tmNN, wmNN, tcNN, tsNN with NN from 0 "
		  "to 100 (p99, p99.9)" },
		{ "N", "m", NULL, "p101", 60000, -1, NULL },
		{ "N", "m", NULL, "p99.999", 60000, -1, NULL },
		{ "N", "m", NULL, "p", 60000, -1, NULL },
		{ "N", "m", NULL, "P99", 60000, -1, NULL },
		{ "N", "m", NULL, "p-1", 60000, -1, NULL },
		{ "N", "m", NULL, "p9.", 60000, -1, NULL },
		{ "N", "m", NULL, "average", 60000, -1, NULL },
		{ "N", "m", "", "Average", 60000, -1, "dimensions: empty; leave the key out for a "
		  "metric without dimensions" },
		{ "N", "m", "AutoScalingGroupName", "Average", 60000, -1, "dimensions: "
		  "\"AutoScalingGroupName\" has no '=': want \"Name=Value,Name=Value\", like "
		  "\"AutoScalingGroupName=web\"" },
		{ "N", "m", "a=1,", "Average", 60000, -1, "dimensions: \"\" has no '=': want "
		  "\"Name=Value,Name=Value\", like \"AutoScalingGroupName=web\"" },
		{ "N", "m", "=v", "Average", 60000, -1, "dimensions: the name \"\" is not 1 to 255 "
		  "printable ASCII characters not starting with ':'" },
		{ "N", "m", ":n=v", "Average", 60000, -1, "dimensions: the name \":n\" is not 1 to "
		  "255 printable ASCII characters not starting with ':'" },
		{ "N", "m", "n= ", "Average", 60000, -1, "dimensions: the value of n is not 1 to "
		  "1024 printable ASCII characters" },
		{ "N", "m", "n=\x7f", "Average", 60000, -1, NULL },
		{ "N", "m", "a=1,a=2", "Average", 60000, -1, "dimensions: a is given twice" },
		{ "N", "m", NULL, "Average", 1500, -1, "period: 1500ms is not a CloudWatch period: "
		  "want 1s, 5s, 10s, 20s or 30s (high-resolution metrics only) or a multiple of 60s, "
		  "up to 1d" },
		{ "N", "m", NULL, "Average", 45000, -1, NULL },
		{ "N", "m", NULL, "Average", 90000, -1, NULL },
		{ "N", "m", NULL, "Average", 0, -1, NULL },
		{ "N", "m", NULL, "Average", 86460000, -1, NULL },
		{ "N", "m", NULL, "Average", 60000, 30000, "lookback: 30s is shorter than the period "
		  "(60s): want at least one period" },
		{ "N", "m", NULL, "Average", 10000, 10801000, "lookback: 10801s is longer than "
		  "CloudWatch keeps high-resolution datapoints (10800s)" },
		{ "N", "m", NULL, "Average", 3600000, 16 * 86400000LL, "lookback: 1382400s is longer "
		  "than CloudWatch keeps 1-minute datapoints (1296000s)" },
		{ "N", "m", NULL, "Average", 60000, 1441 * 60000LL, "lookback: 86460s covers more "
		  "than 1440 periods of 60s; shorten it or lengthen the period" },
	};
	struct aws_cw_query q;
	char err[300], dims[31 * 8 + 1] = "";
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(init(&q, bad[i].ns, bad[i].metric, bad[i].dims, bad[i].stat,
				      bad[i].period, bad[i].lookback, err, sizeof err), -EINVAL);
		if (bad[i].err)
			assert_string_equal(err, bad[i].err);
		else
			assert_true(err[0] != '\0');
		assert_null(q.ns); /* nothing kept */
		assert_int_equal(q.n_dims, 0);
	}
	for (i = 0; i < 31; i++)
		snprintf(dims + strlen(dims), sizeof dims - strlen(dims), "%sd%zu=v", i ? "," : "",
			 i);
	assert_int_equal(init(&q, "N", "m", dims, "Sum", 60000, -1, err, sizeof err), -EINVAL);
	assert_string_equal(err, "dimensions: more than 30 (CloudWatch's limit)");
	assert_int_equal(q.n_dims, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answer),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_value),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_query_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
