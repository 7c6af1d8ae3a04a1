/*
 * test_aws_xml.c - the Query API's XML answers (aws_answers.h, aws_xml.h):
 * every answer from the fixtures in AWS_XML_FIXTURES (written by hand from
 * botocore's models) with exact values, pages followed by their tokens,
 * both error answers, the value readers, the generic layer on its own.
 * The refusals are in test_aws_xml_hostile.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws_answers.h"
#include "aws_xml.h"
#include "test_aws_xml.h"

static void check_instance(const struct aws_asg_instance *in, const char *id, const char *state,
			   const char *health, const char *type)
{
	assert_string_equal(in->id, id);
	assert_string_equal(in->lifecycle_state, state);
	assert_string_equal(in->health_status, health);
	if (type)
		assert_string_equal(in->instance_type, type);
	else
		assert_null(in->instance_type);
}

static void test_asg_page1(void **state)
{
	struct aws_asg_answer a;
	const struct aws_asg_group *g;
	char err[256] = "";
	size_t len;
	char *doc = aws_xml_fx("asg_page1.xml", &len);

	(void)state;
	assert_int_equal(aws_answers_asg(doc, len, &a, err, sizeof err), 0);
	assert_string_equal(err, "");
	assert_int_equal(a.n_groups, 2);
	assert_string_equal(a.next_token, "Z3M3LWJhY2t1cC1vbi1kZW1hbmQ=");

	g = &a.groups[0];
	assert_string_equal(g->name, "spot-workers");
	assert_int_equal(g->min_size, 0);
	assert_int_equal(g->max_size, 20);
	assert_int_equal(g->desired, 3);
	assert_int_equal(g->has_distribution, 1);
	assert_string_equal(g->dist.on_demand_allocation_strategy, "prioritized");
	assert_int_equal(g->dist.on_demand_base, 1);
	assert_int_equal(g->dist.on_demand_percent, 25);
	assert_string_equal(g->dist.spot_allocation_strategy, "price-capacity-optimized");
	assert_int_equal(g->dist.spot_instance_pools, -1);
	assert_string_equal(g->dist.spot_max_price, "0.0900");
	/* the Overrides' InstanceType are not the instances' */
	assert_int_equal(g->n_instances, 3);
	check_instance(&g->instances[0], "i-0123456789abcdef0", "InService", "Healthy", "c5.xlarge");
	check_instance(&g->instances[1], "i-0123456789abcdef1", "InService", "Healthy",
		       "c5a.xlarge");
	check_instance(&g->instances[2], "i-0123456789abcdef2", "Pending", "Unhealthy", "c5.xlarge");

	g = &a.groups[1];
	assert_string_equal(g->name, "backup-on-demand");
	assert_int_equal(g->min_size, 0);
	assert_int_equal(g->max_size, 8);
	assert_int_equal(g->desired, 1);
	assert_int_equal(g->has_distribution, 0);
	assert_int_equal(g->dist.on_demand_base, -1);
	assert_int_equal(g->dist.on_demand_percent, -1);
	assert_int_equal(g->dist.spot_instance_pools, -1);
	assert_null(g->dist.spot_max_price);
	assert_null(g->dist.on_demand_allocation_strategy);
	assert_int_equal(g->n_instances, 1);
	check_instance(&g->instances[0], "i-0fedcba9876543210", "Terminating:Wait", "Healthy",
		       NULL);
	aws_answers_asg_free(&a);
	assert_null(a.groups);
	aws_answers_asg_free(&a); /* harmless twice */
	free(doc);
}

/* Pages as a caller follows them: page 1's token, then page 2 without one. */
static void test_asg_pages(void **state)
{
	static const char *const pages[] = { "asg_page1.xml", "asg_page2.xml" };
	static const char *const names[] = { "spot-workers", "backup-on-demand", "gpu-inference" };
	struct aws_asg_answer a;
	size_t seen = 0, len;

	(void)state;
	for (size_t p = 0; p < 2; p++) {
		char *doc = aws_xml_fx(pages[p], &len);

		assert_int_equal(aws_answers_asg(doc, len, &a, NULL, 0), 0);
		for (size_t i = 0; i < a.n_groups; i++)
			assert_string_equal(a.groups[i].name, names[seen++]);
		if (p == 0) {
			assert_non_null(a.next_token);
		} else {
			const struct aws_asg_group *g = &a.groups[0];

			assert_null(a.next_token);
			assert_int_equal(g->desired, 0);
			assert_int_equal(g->max_size, 16);
			assert_int_equal(g->n_instances, 0);
			assert_null(g->instances);
			assert_int_equal(g->has_distribution, 1);
			assert_int_equal(g->dist.on_demand_base, 0);
			assert_int_equal(g->dist.on_demand_percent, 0);
			assert_int_equal(g->dist.spot_instance_pools, 2);
			assert_string_equal(g->dist.spot_max_price, ""); /* on-demand price */
			assert_string_equal(g->dist.spot_allocation_strategy, "lowest-price");
		}
		aws_answers_asg_free(&a);
		free(doc);
	}
	assert_int_equal(seen, 3);
}

static void check_price(const struct aws_spot_price *p, const char *type, const char *zone,
			const char *product, double price, int64_t t_ms)
{
	assert_string_equal(p->instance_type, type);
	assert_string_equal(p->zone, zone);
	assert_string_equal(p->product, product);
	assert_true(p->price == price);
	assert_int_equal(p->t_ms, t_ms);
}

static void test_spot_pages(void **state)
{
	struct aws_spot_answer a;
	char err[256] = "";
	size_t len;
	char *doc = aws_xml_fx("spot_page1.xml", &len);

	(void)state;
	assert_int_equal(aws_answers_spot(doc, len, &a, err, sizeof err), 0);
	assert_int_equal(a.n_prices, 4);
	assert_string_equal(a.next_token, "aWQ9c3AtMDA0OzIwMjQtMDQtMzBUMjM6MDA6MDBa");
	/* times from python3's datetime.fromisoformat(...).timestamp() */
	check_price(&a.prices[0], "c3.2xlarge", "us-east-1a", "Linux/UNIX", 0.1053, 1714566896000);
	check_price(&a.prices[1], "c3.2xlarge", "us-east-1b", "Linux/UNIX", 0.0987, 1714566607250);
	check_price(&a.prices[2], "g5.xlarge", "us-east-1a", "Linux/UNIX (Amazon VPC)", 0.425,
		    1714564799999);
	check_price(&a.prices[3], "c3.2xlarge", "us-east-1a", "Linux/UNIX", 1.2, 1714518000000);
	aws_answers_spot_free(&a);
	free(doc);

	doc = aws_xml_fx("spot_page2.xml", &len);
	assert_int_equal(aws_answers_spot(doc, len, &a, err, sizeof err), 0);
	assert_null(a.next_token); /* <nextToken/>: the last page */
	assert_int_equal(a.n_prices, 3);
	check_price(&a.prices[0], "c3.2xlarge", "us-east-1b", "Linux/UNIX", 0.0912, 1714515300000);
	check_price(&a.prices[1], "c3.2xlarge", "us-east-1c", "Windows", 0.512, 1714500000500);
	check_price(&a.prices[2], "c3.2xlarge", "us-east-1c", "Linux/UNIX", 0, 1709164800000);
	aws_answers_spot_free(&a);
	free(doc);
}

static void check_ec2(const struct aws_ec2_instance *in, const char *id, const char *st,
		      const char *lifecycle, const char *type, int64_t launch, size_t n_tags)
{
	assert_string_equal(in->id, id);
	assert_string_equal(in->state, st);
	if (lifecycle)
		assert_string_equal(in->lifecycle, lifecycle);
	else
		assert_null(in->lifecycle);
	assert_int_equal(in->spot, lifecycle && !strcmp(lifecycle, "spot"));
	assert_string_equal(in->instance_type, type);
	assert_int_equal(in->launch_ms, launch);
	assert_int_equal(in->n_tags, n_tags);
}

static void test_instances_pages(void **state)
{
	struct aws_instances_answer a;
	char err[256] = "";
	size_t len;
	char *doc = aws_xml_fx("instances_page1.xml", &len);

	(void)state;
	assert_int_equal(aws_answers_instances(doc, len, &a, err, sizeof err), 0);
	assert_string_equal(a.next_token, "eyJ2IjoiMiIsImMiOiJpLTBmZWRjYmE5ODc2NTQzMjEwIn0=");
	/* two reservations, flattened: their instances in order */
	assert_int_equal(a.n_instances, 3);
	check_ec2(&a.instances[0], "i-1234567890abcdef0", "running", "spot", "p3.2xlarge",
		  1714550412000, 2);
	assert_string_equal(a.instances[0].tags[0].key, "Name");
	assert_string_equal(a.instances[0].tags[0].value, "trainer-1");
	assert_string_equal(a.instances[0].tags[1].key, "scaled:busy");
	assert_string_equal(a.instances[0].tags[1].value, "");
	check_ec2(&a.instances[1], "i-1234567890abcdef1", "stopped", NULL, "p3.2xlarge",
		  1714513500000, 1);
	assert_string_equal(a.instances[1].tags[0].value, "trainer-2");
	check_ec2(&a.instances[2], "i-0fedcba9876543210", "pending", NULL, "g5.xlarge",
		  1714564800000, 0);
	aws_answers_instances_free(&a);
	free(doc);

	doc = aws_xml_fx("instances_page2.xml", &len);
	assert_int_equal(aws_answers_instances(doc, len, &a, err, sizeof err), 0);
	assert_null(a.next_token);
	assert_int_equal(a.n_instances, 1);
	check_ec2(&a.instances[0], "i-0a0b0c0d0e0f01020", "shutting-down", "spot", "c5.xlarge", -1,
		  0);
	aws_answers_instances_free(&a);
	free(doc);
}

/* An error answer: its parts, and any answer's parser saying -EREMOTEIO
 * with "Code: Message". */
static void check_error(const char *file, const char *code, const char *message,
			const char *request_id)
{
	struct aws_error_answer e;
	struct aws_asg_answer asg;
	struct aws_spot_answer spot;
	struct aws_instances_answer inst;
	char err[256], want[256];
	size_t len;
	char *doc = aws_xml_fx(file, &len);

	snprintf(want, sizeof want, "%s: %s", code, message);
	assert_int_equal(aws_answers_error(doc, len, &e, err, sizeof err), 0);
	assert_string_equal(e.code, code);
	assert_string_equal(e.message, message);
	assert_string_equal(e.request_id, request_id);
	assert_string_equal(err, want);
	aws_answers_error_free(&e);

	assert_int_equal(aws_answers_asg(doc, len, &asg, err, sizeof err), -EREMOTEIO);
	assert_string_equal(err, want);
	assert_null(asg.groups);
	assert_int_equal(aws_answers_spot(doc, len, &spot, err, sizeof err), -EREMOTEIO);
	assert_string_equal(err, want);
	assert_null(spot.prices);
	assert_int_equal(aws_answers_instances(doc, len, &inst, err, sizeof err), -EREMOTEIO);
	assert_string_equal(err, want);
	assert_null(inst.instances);
	free(doc);
}

static void test_errors(void **state)
{
	struct aws_error_answer e;
	char err[256], small[12];
	size_t len;
	char *doc;

	(void)state;
	check_error("error_asg.xml", "Throttling", "Rate exceeded",
		    "b1e3f4c5-6d7e-4f8a-9b0c-1d2e3f4a5b6c");
	check_error("error_ec2.xml", "AuthFailure",
		    "AWS was not able to validate the provided access credentials",
		    "a3b1c2d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d");

	/* a signature failure's details (the signed headers, a session token
	 * among them) are cut from the message and the struct */
	{
		static const char sig[] =
			"<ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch"
			"</Code><Message>The request signature we calculated does not match."
			"\n\nThe Canonical String for this request should have been\n'POST\n/\n"
			"x-amz-security-token:FwoGZXIvYXdzEXAMPLETOKENSECRET\n'</Message></Error>"
			"<RequestId>r</RequestId></ErrorResponse>";
		char big[1024];

		assert_int_equal(aws_answers_error(sig, sizeof sig - 1, &e, big, sizeof big), 0);
		assert_string_equal(big, "SignatureDoesNotMatch: The request signature we "
				    "calculated does not match.");
		assert_null(strstr(e.message, "EXAMPLETOKEN"));
		aws_answers_error_free(&e);
	}

	/* a message too long for err is cut, still a string */
	doc = aws_xml_fx("error_ec2.xml", &len);
	assert_int_equal(aws_answers_error(doc, len, &e, small, sizeof small), 0);
	assert_string_equal(small, "AuthFailure");
	aws_answers_error_free(&e);
	free(doc);

	/* a Code without a Message; control characters shown as spaces; the
	 * first of EC2's Errors */
	static const char no_msg[] = "<ErrorResponse><Error><Code>InvalidNextToken</Code>"
				     "</Error></ErrorResponse>";
	static const char ctl[] = "<Response><Errors><Error><Code>Unavailable</Code><Message>"
				  "line one\nline&#9;two</Message></Error><Error><Code>Second"
				  "</Code></Error></Errors></Response>";
	assert_int_equal(aws_answers_error(no_msg, sizeof no_msg - 1, &e, err, sizeof err), 0);
	assert_string_equal(err, "InvalidNextToken");
	assert_string_equal(e.message, "");
	assert_null(e.request_id);
	aws_answers_error_free(&e);
	assert_int_equal(aws_answers_error(ctl, sizeof ctl - 1, &e, err, sizeof err), 0);
	assert_string_equal(err, "Unavailable: line one line two");
	assert_string_equal(e.message, "line one\nline\ttwo");
	aws_answers_error_free(&e);

	/* an answer is not an error */
	doc = aws_xml_fx("spot_page1.xml", &len);
	assert_int_equal(aws_answers_error(doc, len, &e, err, sizeof err), -EBADMSG);
	assert_string_equal(err, "error answer: line 7, column 1: document element "
			    "<DescribeSpotPriceHistoryResponse> is not <ErrorResponse> or "
			    "<Response>");
	assert_null(e.code);
	free(doc);
}

static void test_values(void **state)
{
	char why[200];
	double d;
	int64_t t;
	int v;

	(void)state;
	assert_int_equal(aws_answers_int("0", "n", &v, why, sizeof why), 0);
	assert_int_equal(v, 0);
	assert_int_equal(aws_answers_int("2147483647", "n", &v, why, sizeof why), 0);
	assert_int_equal(v, 2147483647);
	assert_int_equal(aws_answers_int("007", "n", &v, why, sizeof why), 0);
	assert_int_equal(v, 7);
	assert_int_equal(aws_answers_int("2147483648", "n", &v, why, sizeof why), -EBADMSG);
	assert_string_equal(why, "n \"2147483648\" is over 2147483647");
	assert_int_equal(aws_answers_int("99999999999999999999999", "n", &v, why, sizeof why),
			 -EBADMSG);
	assert_string_equal(why, "n \"99999999999999999999999\" is over 2147483647");
	static const char *const not_ints[] = { "", "-1", "+1", " 1", "1 ", "1.0", "0x10", "1e3" };
	for (size_t i = 0; i < sizeof not_ints / sizeof not_ints[0]; i++) {
		char want[100];

		snprintf(want, sizeof want, "n \"%s\" is not a whole number", not_ints[i]);
		assert_int_equal(aws_answers_int(not_ints[i], "n", &v, why, sizeof why), -EBADMSG);
		assert_string_equal(why, want);
	}

	assert_int_equal(aws_answers_decimal("0.031200", "p", &d, why, sizeof why), 0);
	assert_true(d == 0.0312);
	assert_int_equal(aws_answers_decimal("12", "p", &d, why, sizeof why), 0);
	assert_true(d == 12.0);
	static const char *const not_decimals[] = { "", ".5", "5.", "-0.1", "+1", "1e3", "0x1p3",
						    "nan", "inf", "0,5", "1.2.3", " 1" };
	for (size_t i = 0; i < sizeof not_decimals / sizeof not_decimals[0]; i++) {
		char want[100];

		snprintf(want, sizeof want, "p \"%s\" is not a plain decimal number",
			 not_decimals[i]);
		assert_int_equal(aws_answers_decimal(not_decimals[i], "p", &d, why, sizeof why),
				 -EBADMSG);
		assert_string_equal(why, want);
	}
	char huge[400];
	memset(huge, '9', sizeof huge - 1);
	huge[sizeof huge - 1] = '\0';
	assert_int_equal(aws_answers_decimal(huge, "p", &d, why, sizeof why), -EBADMSG);
	assert_string_equal(why, "p \"9999999999999999999999999999999999999999...\" is out of "
			    "range");

	static const struct {
		const char *s;
		int64_t ms;
	} times[] = {
		{ "2024-05-01T12:34:56.000Z", 1714566896000 },
		{ "2024-05-01T12:34:56Z", 1714566896000 },
		{ "2024-05-01T12:34:56", 1714566896000 },
		{ "2024-05-01T12:34:56.1234567Z", 1714566896123 }, /* cut, not rounded */
		{ "2024-05-01T14:34:56+02:00", 1714566896000 },
		{ "2024-05-01T07:04:56.5-05:30", 1714566896500 },
		{ "1969-12-31T23:59:59.999Z", -1 },
		{ "0001-01-01T00:00:00Z", -62135596800000 },
		{ "9999-12-31T23:59:59.999Z", 253402300799999 },
		{ "2000-02-29T00:00:00Z", 951782400000 },
	};
	for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
		assert_int_equal(aws_answers_time(times[i].s, "t", &t, why, sizeof why), 0);
		assert_int_equal(t, times[i].ms);
	}
	static const char *const not_times[] = {
		"", "2024-05-01", "2024-05-01 12:34:56Z", "2024-05-01T12:34:56.Z",
		"2024-05-01T12:34:56.1234567890Z", "2024-05-01T12:34:56z", "2024-05-01T12:34:56+0200",
		"2024-05-01T12:34:56Z ", "24-05-01T12:34:56Z", "2024-5-01T12:34:56Z",
		"2024-05-01T12:34:56+02:00Z", "１９７０-01-01T00:00:00Z",
	};
	for (size_t i = 0; i < sizeof not_times / sizeof not_times[0]; i++) {
		char want[200];

		snprintf(want, sizeof want, "t \"%s\" is not an ISO 8601 time "
			 "(YYYY-MM-DDTHH:MM:SS[.fff][Z|+HH:MM|-HH:MM])", not_times[i]);
		assert_int_equal(aws_answers_time(not_times[i], "t", &t, why, sizeof why),
				 -EBADMSG);
		assert_string_equal(why, want);
	}
	static const char *const no_times[] = {
		"2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2024-04-31T00:00:00Z",
		"2024-13-01T00:00:00Z", "2024-00-01T00:00:00Z", "2024-01-00T00:00:00Z",
		"2024-01-01T24:00:00Z", "2024-01-01T00:60:00Z", "2024-01-01T00:00:60Z",
		"0000-01-01T00:00:00Z", "2024-01-01T00:00:00+24:00",
	};
	for (size_t i = 0; i < sizeof no_times / sizeof no_times[0]; i++) {
		char want[100];

		snprintf(want, sizeof want, "t \"%s\" is no such time", no_times[i]);
		assert_int_equal(aws_answers_time(no_times[i], "t", &t, why, sizeof why), -EBADMSG);
		assert_string_equal(why, want);
	}
}

/* The generic layer on its own: nested lists, absent and empty values,
 * entities and CDATA decoded, prefixes, attributes, comments skipped. */
static void test_generic(void **state)
{
	static const char *const leaf[] = { "v", "w", NULL };
	static const char *const top[] = { "head/title", "missing", NULL };
	static const struct aws_xml_shape inner[] = { { "c", leaf, NULL }, { NULL, NULL, NULL } };
	static const struct aws_xml_shape outer[] = { { "list/b", NULL, inner },
						      { NULL, NULL, NULL } };
	static const struct aws_xml_shape doc_shapes[] = { { "other", NULL, NULL },
							   { "a", top, outer } };
	static const char doc[] =
		"<?xml version='1.0'?>\n<!-- a comment --><?pi stuff?>\n"
		"<p:a xmlns:p='urn:x' xmlns='urn:y'><head><title at='1'>A &amp; B &lt;&#x43;&gt;"
		"<![CDATA[<not/>]]></title></head>\n"
		"<list><b><c><v>1</v><w/></c><c><v>2</v><skip><v>no</v></skip></c></b>"
		"<b/><x><b><c><v>not a path</v></c></b></x></list></p:a>";
	struct aws_xml_rec r;
	char err[200];
	size_t which = 9;
	char *t;

	(void)state;
	assert_int_equal(aws_xml_parse(doc, sizeof doc - 1, doc_shapes, 2, "t", &which, &r, err,
				       sizeof err),
			 0);
	assert_int_equal(which, 1);
	assert_int_equal(r.n_val, 2);
	assert_string_equal(r.val[0], "A & B <C><not/>");
	assert_null(r.val[1]);
	assert_int_equal(r.line, 3);
	assert_int_equal(r.n_lists, 1);
	assert_int_equal(r.lists[0].n, 2);
	assert_int_equal(r.lists[0].v[0].lists[0].n, 2);
	assert_int_equal(r.lists[0].v[1].lists[0].n, 0);
	assert_int_equal(r.lists[0].v[1].line, 4);
	assert_string_equal(r.lists[0].v[0].lists[0].v[0].val[0], "1");
	assert_string_equal(r.lists[0].v[0].lists[0].v[0].val[1], "");
	assert_string_equal(r.lists[0].v[0].lists[0].v[1].val[0], "2");
	assert_null(r.lists[0].v[0].lists[0].v[1].val[1]);
	t = aws_xml_take(&r, 0);
	assert_string_equal(t, "A & B <C><not/>");
	assert_null(r.val[0]);
	assert_null(aws_xml_take(&r, 7));
	free(t);
	aws_xml_rec_free(&r);
	aws_xml_rec_free(&r);

	/* no document, shapes or output */
	assert_int_equal(aws_xml_parse(NULL, 3, doc_shapes, 2, "t", &which, &r, err, sizeof err),
			 -EINVAL);
	assert_string_equal(err, "t: no document, shapes or output");
	assert_int_equal(aws_answers_asg("x", 1, NULL, err, sizeof err), -EINVAL);
	assert_string_equal(err, "DescribeAutoScalingGroups: no answer to fill");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_asg_page1),       cmocka_unit_test(test_asg_pages),
		cmocka_unit_test(test_spot_pages),      cmocka_unit_test(test_instances_pages),
		cmocka_unit_test(test_errors),          cmocka_unit_test(test_values),
		cmocka_unit_test(test_generic),
	};
	int failed = cmocka_run_group_tests_name("aws_xml", tests, NULL, NULL);

	return failed + aws_xml_hostile_run();
}
