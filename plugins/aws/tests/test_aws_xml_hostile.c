/*
 * test_aws_xml_hostile.c - answers refused, each with its message and
 * nothing handed back: malformed, truncated, oversized, too deep, too many
 * records, DOCTYPE and entities (billion laughs, XXE), bytes that are not
 * UTF-8, numbers that do not parse or overflow, times that are no time,
 * required elements missing, a value twice.
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

enum parser { ASG, SPOT, INSTANCES, ERROR };

/* Run doc through one parser: its rc, the message in err, and a check that
 * nothing was handed back. */
static int refuse(enum parser p, const char *doc, size_t len, char *err, size_t errlen)
{
	struct aws_asg_answer a;
	struct aws_spot_answer s;
	struct aws_instances_answer i;
	struct aws_error_answer e;
	int rc = -1;

	err[0] = '\0';
	switch (p) {
	case ASG:
		rc = aws_answers_asg(doc, len, &a, err, errlen);
		if (rc)
			assert_true(!a.groups && !a.n_groups && !a.next_token);
		aws_answers_asg_free(&a);
		break;
	case SPOT:
		rc = aws_answers_spot(doc, len, &s, err, errlen);
		if (rc)
			assert_true(!s.prices && !s.n_prices && !s.next_token);
		aws_answers_spot_free(&s);
		break;
	case INSTANCES:
		rc = aws_answers_instances(doc, len, &i, err, errlen);
		if (rc)
			assert_true(!i.instances && !i.n_instances && !i.next_token);
		aws_answers_instances_free(&i);
		break;
	case ERROR:
		rc = aws_answers_error(doc, len, &e, err, errlen);
		if (rc)
			assert_true(!e.code && !e.message && !e.request_id);
		aws_answers_error_free(&e);
		break;
	}
	return rc;
}

/* Mismatches of the test running, each printed; it fails at its end. */
static int wrong;

static void check(enum parser p, const char *doc, size_t len, const char *want)
{
	char err[400];
	int rc = refuse(p, doc, len, err, sizeof err);

	if (rc != -EBADMSG || strcmp(err, want)) {
		printf("  rc %d, message\n  got:  %s\n  want: %s\n", rc, err, want);
		wrong++;
	}
}

static void check_str(enum parser p, const char *doc, const char *want)
{
	check(p, doc, strlen(doc), want);
}

static void check_file(enum parser p, const char *file, const char *want)
{
	size_t len;
	char *doc = aws_xml_fx(file, &len);

	check(p, doc, len, want);
	free(doc);
}

static void test_fixtures(void **state)
{
	(void)state;
	wrong = 0;
	check_file(SPOT, "hostile_billion_laughs.xml",
		   "DescribeSpotPriceHistory: line 3, column 16: a DOCTYPE, refused (an AWS answer "
		   "has none, and its entities could expand without bound)");
	check_file(INSTANCES, "hostile_xxe.xml",
		   "DescribeInstances: line 3, column 13: a DOCTYPE, refused (an AWS answer has "
		   "none, and its entities could expand without bound)");
	check_file(ASG, "hostile_truncated.xml",
		   "DescribeAutoScalingGroups: not well-formed XML at line 31, column 11: unclosed token");
	check_file(SPOT, "hostile_mismatched.xml",
		   "DescribeSpotPriceHistory: not well-formed XML at line 6, column 39: "
		   "mismatched tag");
	check_file(ERROR, "hostile_latin1.xml",
		   "error answer: line 2, column 56: byte 0xe9 is not UTF-8");
	check_file(ASG, "hostile_bad_int.xml",
		   "DescribeAutoScalingGroups: line 6: MinSize \"ten\" is not a whole number");
	check_file(ASG, "hostile_int_overflow.xml",
		   "DescribeAutoScalingGroups: line 6: DesiredCapacity \"2147483648\" is over "
		   "2147483647");
	check_file(SPOT, "hostile_bad_price.xml",
		   "DescribeSpotPriceHistory: line 6: spotPrice \"0,0912\" is not a plain decimal "
		   "number");
	check_file(SPOT, "hostile_bad_time.xml",
		   "DescribeSpotPriceHistory: line 20: timestamp \"2023-02-29T00:00:00\" is no "
		   "such time");
	check_file(ASG, "hostile_twice.xml",
		   "DescribeAutoScalingGroups: line 31, column 9: <MinSize> given twice in one "
		   "<member>");
	assert_int_equal(wrong, 0);
}

static void test_bytes(void **state)
{
	(void)state;
	wrong = 0;
	check(ASG, "", 0, "DescribeAutoScalingGroups: an empty answer");
	check(ASG, NULL, 0, "DescribeAutoScalingGroups: an empty answer");
	check_str(SPOT, " \n\t", "DescribeSpotPriceHistory: not well-formed XML at line 2, "
		  "column 2: no element found");
	check_str(SPOT, "<?xml version=\"1.0\"?>",
		  "DescribeSpotPriceHistory: not well-formed XML at line 1, column 22: "
		  "no element found");
	check_str(ERROR, "not xml",
		  "error answer: not well-formed XML at line 1, column 1: syntax error");
	check(ERROR, "<Response>\0</Response>", 22,
	      "error answer: not well-formed XML at line 1, column 11: "
	      "not well-formed (invalid token)");
	/* overlong '/', a surrogate, past U+10FFFF, a lone continuation, a
	 * sequence cut short by the end */
	check_str(ERROR, "<Response>\xc0\xaf</Response>",
		  "error answer: line 1, column 11: byte 0xc0 is not UTF-8");
	check_str(ERROR, "<Response>\n\xc3\xa9\xed\xa0\x80</Response>",
		  "error answer: line 2, column 2: byte 0xed is not UTF-8");
	check_str(ERROR, "<Response>\xf4\x90\x80\x80</Response>",
		  "error answer: line 1, column 11: byte 0xf4 is not UTF-8");
	check_str(ERROR, "<Response>\x80</Response>",
		  "error answer: line 1, column 11: byte 0x80 is not UTF-8");
	check_str(ERROR, "<Response>\xe2\x82", "error answer: line 1, column 11: byte 0xe2 is not "
		  "UTF-8");
	/* an encoding declared is not obeyed: the answer is UTF-8 or nothing */
	check_str(ERROR, "<?xml version=\"1.0\" encoding=\"UTF-16\"?><Response/>",
		  "error answer: line 1: <Response> has no <Error>");
	check_str(ERROR, "<!DOCTYPE Response SYSTEM \"http://example.com/r.dtd\"><Response/>",
		  "error answer: line 1, column 53: a DOCTYPE, refused (an AWS answer has none, "
		  "and its entities could expand without bound)");
	check_str(ERROR, "<Response>&bogus;</Response>",
		  "error answer: not well-formed XML at line 1, column 11: "
		  "undefined entity");
	check_str(ERROR, "<p:Response/>", "error answer: not well-formed XML at "
		  "line 1, column 1: unbound prefix");
	check_str(ASG, "<DescribeAutoScalingGroupsResponse><a></b></DescribeAutoScalingGroupsResponse>",
		  "DescribeAutoScalingGroups: not well-formed XML at line 1, column 41: "
		  "mismatched tag");
	check_str(ASG, "<DescribeAutoScalingGroupsResponse/><again/>",
		  "DescribeAutoScalingGroups: not well-formed XML at line 1, column 37: "
		  "junk after document element");
	assert_int_equal(wrong, 0);
}

static void test_structure(void **state)
{
	(void)state;
	wrong = 0;
	check_str(ASG, "<DescribeInstancesResponse/>",
		  "DescribeAutoScalingGroups: line 1, column 1: document element "
		  "<DescribeInstancesResponse> is not <DescribeAutoScalingGroupsResponse>, "
		  "<ErrorResponse> or <Response>");
	check_str(SPOT, "<DescribeSpotPriceHistoryResponse><spotPriceHistorySet><item>"
		  "<spotPrice>0.1<b>2</b></spotPrice></item></spotPriceHistorySet>"
		  "</DescribeSpotPriceHistoryResponse>",
		  "DescribeSpotPriceHistory: line 1, column 76: <spotPrice> holds an element <b> "
		  "where a value belongs");
	check_str(SPOT, "<DescribeSpotPriceHistoryResponse><spotPriceHistorySet><item>"
		  "<instanceType>m5.large</instanceType><availabilityZone>us-east-1a"
		  "</availabilityZone><productDescription>Linux/UNIX</productDescription>"
		  "<timestamp>2024-05-01T00:00:00Z</timestamp></item></spotPriceHistorySet>"
		  "</DescribeSpotPriceHistoryResponse>",
		  "DescribeSpotPriceHistory: line 1: <item> has no <spotPrice>");
	check_str(ASG, "<DescribeAutoScalingGroupsResponse><DescribeAutoScalingGroupsResult>"
		  "<AutoScalingGroups><member><AutoScalingGroupName></AutoScalingGroupName>"
		  "</member></AutoScalingGroups></DescribeAutoScalingGroupsResult>"
		  "</DescribeAutoScalingGroupsResponse>",
		  "DescribeAutoScalingGroups: line 1: <member> has an empty <AutoScalingGroupName>");
	check_str(ASG, "<DescribeAutoScalingGroupsResponse><DescribeAutoScalingGroupsResult>"
		  "<AutoScalingGroups><member><AutoScalingGroupName>g</AutoScalingGroupName>"
		  "<MinSize>0</MinSize><MaxSize>1</MaxSize><DesiredCapacity>1</DesiredCapacity>"
		  "<MixedInstancesPolicy><InstancesDistribution><OnDemandPercentageAboveBase"
		  "Capacity>101</OnDemandPercentageAboveBaseCapacity></InstancesDistribution>"
		  "</MixedInstancesPolicy></member></AutoScalingGroups>"
		  "</DescribeAutoScalingGroupsResult></DescribeAutoScalingGroupsResponse>",
		  "DescribeAutoScalingGroups: line 1: OnDemandPercentageAboveBaseCapacity is over "
		  "100");
	check_str(ASG, "<DescribeAutoScalingGroupsResponse><DescribeAutoScalingGroupsResult>"
		  "<AutoScalingGroups><member><AutoScalingGroupName>g</AutoScalingGroupName>"
		  "<MinSize>0</MinSize><MaxSize>1</MaxSize><DesiredCapacity>1</DesiredCapacity>"
		  "<MixedInstancesPolicy><InstancesDistribution><SpotMaxPrice>cheap</SpotMaxPrice>"
		  "</InstancesDistribution></MixedInstancesPolicy></member></AutoScalingGroups>"
		  "</DescribeAutoScalingGroupsResult></DescribeAutoScalingGroupsResponse>",
		  "DescribeAutoScalingGroups: line 1: SpotMaxPrice \"cheap\" is not a plain "
		  "decimal number");
	check_str(ASG, "<DescribeAutoScalingGroupsResponse><DescribeAutoScalingGroupsResult>"
		  "<AutoScalingGroups><member><AutoScalingGroupName>g</AutoScalingGroupName>"
		  "<MinSize>0</MinSize><MaxSize>1</MaxSize><DesiredCapacity>1</DesiredCapacity>"
		  "<MixedInstancesPolicy><InstancesDistribution/><InstancesDistribution/>"
		  "</MixedInstancesPolicy></member></AutoScalingGroups>"
		  "</DescribeAutoScalingGroupsResult></DescribeAutoScalingGroupsResponse>",
		  "DescribeAutoScalingGroups: line 1: a second InstancesDistribution");
	check_str(ASG, "<DescribeAutoScalingGroupsResponse><DescribeAutoScalingGroupsResult>"
		  "<AutoScalingGroups><member><AutoScalingGroupName>g</AutoScalingGroupName>"
		  "<MinSize>0</MinSize><MaxSize>1</MaxSize><DesiredCapacity>1</DesiredCapacity>"
		  "<Instances><member><InstanceId>i-1</InstanceId><HealthStatus>Healthy"
		  "</HealthStatus></member></Instances></member></AutoScalingGroups>"
		  "</DescribeAutoScalingGroupsResult></DescribeAutoScalingGroupsResponse>",
		  "DescribeAutoScalingGroups: line 1: <member> has no <LifecycleState>");
	check_str(INSTANCES, "<DescribeInstancesResponse><reservationSet><item><instancesSet>\n"
		  "<item><instanceId>i-1</instanceId><instanceType>t3.micro</instanceType>"
		  "<instanceState><code>16</code></instanceState></item></instancesSet></item>"
		  "</reservationSet></DescribeInstancesResponse>",
		  "DescribeInstances: line 2: <item> has no <instanceState/name>");
	check_str(INSTANCES, "<DescribeInstancesResponse><reservationSet><item><instancesSet>\n"
		  "<item><instanceId>i-1</instanceId><instanceType>t3.micro</instanceType>"
		  "<instanceState><name>running</name></instanceState><launchTime>yesterday"
		  "</launchTime></item></instancesSet></item></reservationSet>"
		  "</DescribeInstancesResponse>",
		  "DescribeInstances: line 2: launchTime \"yesterday\" is not an ISO 8601 time "
		  "(YYYY-MM-DDTHH:MM:SS[.fff][Z|+HH:MM|-HH:MM])");
	check_str(ERROR, "<ErrorResponse><Error><Message>no code</Message></Error>"
		  "</ErrorResponse>",
		  "error answer: line 1: an error answer without a Code");
	check_str(ERROR, "<Response><Errors/><RequestID>r</RequestID></Response>",
		  "error answer: line 1: <Response> has no <Error>");
	/* and through an answer's parser: still -EBADMSG, not an AWS error */
	check_str(SPOT, "<ErrorResponse><Error><Code></Code></Error></ErrorResponse>",
		  "DescribeSpotPriceHistory: line 1: an error answer without a Code");
	assert_int_equal(wrong, 0);
}

/* <root> in n elements <a>, as a string the caller frees. */
static char *nest(const char *root, size_t n, size_t *len)
{
	char *s = malloc(2 * strlen(root) + 8 + n * 7), *p = s;

	assert_non_null(s);
	p += sprintf(p, "<%s>", root);
	for (size_t i = 0; i < n; i++)
		memcpy(p, "<a>", 3), p += 3;
	for (size_t i = 0; i < n; i++)
		memcpy(p, "</a>", 4), p += 4;
	p += sprintf(p, "</%s>", root);
	*len = (size_t)(p - s);
	return s;
}

static void test_limits(void **state)
{
	char *doc, want[200];
	size_t len;

	(void)state;
	wrong = 0;
	/* depth: 63 below the root is the most */
	doc = nest("Response", AWS_XML_MAX_DEPTH - 1, &len);
	check(ERROR, doc, len, "error answer: line 1: <Response> has no <Error>");
	free(doc);
	doc = nest("Response", AWS_XML_MAX_DEPTH, &len);
	check(ERROR, doc, len, "error answer: line 1, column 200: elements nested deeper than 64");
	free(doc);

	/* records: every <item> is one */
	{
		static const char head[] = "<DescribeSpotPriceHistoryResponse><spotPriceHistorySet>";
		static const char item[] = "<item/>";
		size_t n = AWS_XML_MAX_RECORDS + 1, hl = sizeof head - 1, il = sizeof item - 1;
		char *p;

		doc = malloc(hl + n * il + 1);
		assert_non_null(doc);
		memcpy(doc, head, hl);
		p = doc + hl;
		for (size_t i = 0; i < n; i++)
			memcpy(p, item, il), p += il;
		len = (size_t)(p - doc);
		snprintf(want, sizeof want, "DescribeSpotPriceHistory: line 1, column %zu: more "
			 "than %d records (<item>)", hl + (n - 1) * il + 1, AWS_XML_MAX_RECORDS);
		check(SPOT, doc, len, want);
		free(doc);
	}

	/* one value's bytes, and one name's */
	doc = malloc(AWS_XML_MAX_VALUE + 200);
	assert_non_null(doc);
	len = (size_t)sprintf(doc, "<ErrorResponse><Error><Code>");
	memset(doc + len, 'x', AWS_XML_MAX_VALUE + 1);
	len += AWS_XML_MAX_VALUE + 1;
	len += (size_t)sprintf(doc + len, "</Code></Error></ErrorResponse>");
	refuse(ERROR, doc, len, want, sizeof want);
	assert_string_equal(strstr(want, ": <Code> holds"), ": <Code> holds more than 65536 bytes");
	memset(doc + 28, 'x', AWS_XML_MAX_VALUE); /* exactly the limit: fine */
	len = 28 + AWS_XML_MAX_VALUE;
	len += (size_t)sprintf(doc + len, "</Code></Error></ErrorResponse>");
	assert_int_equal(refuse(ERROR, doc, len, want, sizeof want), 0);
	len = (size_t)sprintf(doc, "<Response><");
	memset(doc + len, 'n', AWS_XML_MAX_NAME + 1);
	len += AWS_XML_MAX_NAME + 1;
	len += (size_t)sprintf(doc + len, "/></Response>");
	check(ERROR, doc, len, "error answer: line 1, column 11: an element name of 257 bytes, "
	      "over 256");
	free(doc);

	/* the document's size: refused before a byte is parsed */
	len = (size_t)AWS_XML_MAX_DOC + 1;
	doc = malloc(len);
	assert_non_null(doc);
	memset(doc, ' ', len);
	snprintf(want, sizeof want, "DescribeInstances: an answer of %zu bytes, over the limit of "
		 "%u", len, AWS_XML_MAX_DOC);
	check(INSTANCES, doc, len, want);
	free(doc);
	assert_int_equal(wrong, 0);
}

int aws_xml_hostile_run(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests_name("aws_xml refusals", tests, NULL, NULL);
}
