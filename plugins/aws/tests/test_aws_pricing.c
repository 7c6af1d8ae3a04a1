/*
 * test_aws_pricing.c - the Pricing API's GetProducts without the network:
 * the request body (the filters aws.on_demand_price sends), answers made of
 * the hand-written price list entries in fixtures/pricing/ (as the real
 * answer holds them: JSON documents in strings), pages, and garbage.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "aws_pricing_answer.h"

static char *slurp(const char *name)
{
	char path[1024], *buf;
	FILE *f;
	long n;

	snprintf(path, sizeof path, "%s/%s", AWS_PRICING_FIXTURES, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* {"FormatVersion": "aws_v1", "PriceList": [each entry as a string], and
 * "NextToken": token when not NULL}. */
static char *answer(const char *const *entries, size_t n, const char *token)
{
	cJSON *o = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(o, "PriceList");
	char *s;
	size_t i;

	cJSON_AddStringToObject(o, "FormatVersion", "aws_v1");
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(list, cJSON_CreateString(entries[i]));
	if (token)
		cJSON_AddStringToObject(o, "NextToken", token);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

static int read_doc(const char *doc, struct aws_pricing_answer *a, char *why, size_t whylen)
{
	why[0] = '\0';
	return aws_pricing_read(doc, strlen(doc), a, why, whylen);
}

static void test_body(void **state)
{
	char *s;

	(void)state;
	s = aws_pricing_body("m5.large", "us-east-1", "Linux", NULL);
	assert_string_equal(s,
		"{\"ServiceCode\":\"AmazonEC2\",\"Filters\":["
		"{\"Type\":\"TERM_MATCH\",\"Field\":\"instanceType\",\"Value\":\"m5.large\"},"
		"{\"Type\":\"TERM_MATCH\",\"Field\":\"regionCode\",\"Value\":\"us-east-1\"},"
		"{\"Type\":\"TERM_MATCH\",\"Field\":\"operatingSystem\",\"Value\":\"Linux\"},"
		"{\"Type\":\"TERM_MATCH\",\"Field\":\"tenancy\",\"Value\":\"Shared\"},"
		"{\"Type\":\"TERM_MATCH\",\"Field\":\"preInstalledSw\",\"Value\":\"NA\"},"
		"{\"Type\":\"TERM_MATCH\",\"Field\":\"capacitystatus\",\"Value\":\"Used\"},"
		"{\"Type\":\"TERM_MATCH\",\"Field\":\"licenseModel\",\"Value\":"
		"\"No License required\"}],"
		"\"FormatVersion\":\"aws_v1\",\"MaxResults\":100}");
	free(s);
	s = aws_pricing_body("c5.large", "eu-west-1", "Red Hat \"HA\"", "tok/1==");
	assert_non_null(strstr(s, "\"Value\":\"Red Hat \\\"HA\\\"\"}"));
	assert_non_null(strstr(s, ",\"MaxResults\":100,\"NextToken\":\"tok/1==\"}"));
	free(s);
}

static void test_answers(void **state)
{
	char *m5 = slurp("m5.large.json"), *c5 = slurp("c5.large.json");
	char *eu = slurp("m5.large.eu-west-1.json"), *doc, why[256];
	const char *const entries[] = { m5, c5, eu };
	struct aws_pricing_answer a;

	(void)state;
	doc = answer(entries, 3, "eyJ0b2tlbiI6Mn0=");
	assert_int_equal(read_doc(doc, &a, why, sizeof why), 0);
	assert_int_equal(a.n, 3);
	assert_string_equal(a.p[0].instance_type, "m5.large");
	assert_true(a.p[0].usd == 0.096); /* the OnDemand term, not the Reserved one */
	assert_string_equal(a.p[1].instance_type, "c5.large");
	assert_true(a.p[1].usd == 0.085);
	assert_true(a.p[2].usd == 0.107);
	assert_string_equal(a.next_token, "eyJ0b2tlbiI6Mn0=");
	aws_pricing_answer_free(&a);
	aws_pricing_answer_free(&a); /* harmless twice */
	free(doc);
	/* the last page: no token, or an empty or null one */
	doc = answer(entries, 1, NULL);
	assert_int_equal(read_doc(doc, &a, why, sizeof why), 0);
	assert_null(a.next_token);
	aws_pricing_answer_free(&a);
	free(doc);
	assert_int_equal(read_doc("{\"PriceList\":[],\"NextToken\":\"\"}", &a, why, sizeof why), 0);
	assert_int_equal(a.n, 0);
	assert_null(a.next_token);
	assert_int_equal(read_doc("{\"PriceList\":[],\"NextToken\":null}", &a, why, sizeof why), 0);
	/* a product without an OnDemand term, or at 0: no price */
	assert_int_equal(read_doc("{\"PriceList\":[\"{\\\"product\\\":{\\\"attributes\\\":"
				  "{\\\"instanceType\\\":\\\"m5.large\\\"}},\\\"terms\\\":{}}\"]}",
				  &a, why, sizeof why), 0);
	assert_true(a.p[0].usd == -1);
	aws_pricing_answer_free(&a);
	free(m5);
	free(c5);
	free(eu);
}

/* m5.large's entry with `from` replaced by `to`, as the only entry. */
static int edited(const char *from, const char *to, char *why, size_t whylen)
{
	char *m5 = slurp("m5.large.json"), *at = strstr(m5, from), *e = NULL, *doc;
	const char *entries[1];
	struct aws_pricing_answer a;
	int rc;

	assert_non_null(at);
	assert_true(asprintf(&e, "%.*s%s%s", (int)(at - m5), m5, to, at + strlen(from)) > 0);
	entries[0] = e;
	doc = answer(entries, 1, NULL);
	rc = read_doc(doc, &a, why, whylen);
	if (rc == 0)
		aws_pricing_answer_free(&a);
	else
		assert_int_equal(a.n, 0);
	free(doc);
	free(e);
	free(m5);
	return rc;
}

static void test_garbage(void **state)
{
	static const struct {
		const char *from, *to, *why;
	} edits[] = {
		{ "\"instanceType\": \"m5.large\"", "\"instanceType\": 5",
		  "PriceList[0]: no product.attributes.instanceType (a string of 1 to 31 bytes)" },
		{ "\"instanceType\": \"m5.large\"", "\"instanceType\": \"\"",
		  "PriceList[0]: no product.attributes.instanceType (a string of 1 to 31 bytes)" },
		{ "\"instanceType\": \"m5.large\"",
		  "\"instanceType\": \"m5.largelargelargelargelargelarge\"",
		  "PriceList[0]: no product.attributes.instanceType (a string of 1 to 31 bytes)" },
		{ "\"OnDemand\": {", "\"OnDemand\": [], \"x\": {",
		  "PriceList[0]: terms.OnDemand is not an object" },
		{ "\"OnDemand\": {\n   \"2WG3ZVGBEZXH5Y6V.JRTCKXETXF\": {\n    \"priceDimensions\"",
		  "\"OnDemand\": {\n   \"2WG3ZVGBEZXH5Y6V.JRTCKXETXF\": {\n    \"priceDimension\"",
		  "PriceList[0]: an OnDemand term has no priceDimensions object" },
		{ "\"unit\": \"Hrs\",\n      \"endRange\": \"Inf\",\n      \"description\": \"$0.096",
		  "\"unit\": 1,\n      \"endRange\": \"Inf\",\n      \"description\": \"$0.096",
		  "PriceList[0]: a price dimension has no unit" },
		{ "\"USD\": \"0.0960000000\"", "\"USD\": 0.096",
		  "PriceList[0]: an hourly price dimension has no pricePerUnit.USD string" },
		{ "\"USD\": \"0.0960000000\"", "\"EUR\": \"0.09\"",
		  "PriceList[0]: an hourly price dimension has no pricePerUnit.USD string" },
		{ "\"USD\": \"0.0960000000\"", "\"USD\": \"-0.096\"",
		  "PriceList[0]: pricePerUnit.USD \"-0.096\" is not a plain decimal number" },
		{ "\"USD\": \"0.0960000000\"", "\"USD\": \"9.6e-2\"",
		  "PriceList[0]: pricePerUnit.USD \"9.6e-2\" is not a plain decimal number" },
		{ "\"USD\": \"0.0960000000\"", "\"USD\": \"nan\"",
		  "PriceList[0]: pricePerUnit.USD \"nan\" is not a plain decimal number" },
	};
	static const struct {
		const char *doc, *why;
	} bad[] = {
		{ "", "the answer is not a JSON object (0 bytes)" },
		{ "[]", "the answer is not a JSON object (2 bytes)" },
		{ "{\"PriceList\":[", "the answer is not a JSON object (14 bytes)" },
		{ "<html><body>503 Service Unavailable</body></html>",
		  "the answer is not a JSON object (49 bytes)" },
		{ "<!DOCTYPE x [<!ENTITY a \"b\">]><x>&a;</x>",
		  "the answer is not a JSON object (40 bytes)" },
		{ "{}", "the answer has no PriceList list" },
		{ "{\"PriceList\":{}}", "the answer has no PriceList list" },
		{ "{\"PriceList\":[1]}", "PriceList[0]: not a string" },
		{ "{\"PriceList\":[{}]}", "PriceList[0]: not a string" },
		{ "{\"PriceList\":[\"{\"]}", "PriceList[0]: not a JSON object" },
		{ "{\"PriceList\":[\"[]\"]}", "PriceList[0]: not a JSON object" },
		{ "{\"PriceList\":[\"{}\"]}",
		  "PriceList[0]: no product.attributes.instanceType (a string of 1 to 31 bytes)" },
		{ "{\"PriceList\":[],\"NextToken\":7}",
		  "the answer's NextToken is not a string of at most 4096 bytes" },
	};
	struct aws_pricing_answer a;
	char why[256], *doc, big[512];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof edits / sizeof edits[0]; i++) {
		assert_int_equal(edited(edits[i].from, edits[i].to, why, sizeof why), -EBADMSG);
		assert_string_equal(why, edits[i].why);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(read_doc(bad[i].doc, &a, why, sizeof why), -EBADMSG);
		assert_string_equal(why, bad[i].why);
		assert_int_equal(a.n, 0);
		assert_null(a.next_token);
	}
	/* a price too large to be a double */
	memset(big, '9', 400);
	big[400] = '\0';
	assert_int_equal(edited("0.0960000000", big, why, sizeof why), -EBADMSG);
	assert_non_null(strstr(why, "is out of range"));
	/* a price of 0 (a free tier, say) or another unit is no price */
	assert_int_equal(edited("\"USD\": \"0.0960000000\"", "\"USD\": \"0.0000000000\"", why,
				sizeof why), 0);
	assert_int_equal(edited("\"unit\": \"Hrs\",\n      \"endRange\": \"Inf\",\n"
				"      \"description\": \"$0.096",
				"\"unit\": \"Quantity\",\n      \"endRange\": \"Inf\",\n"
				"      \"description\": \"$0.096", why, sizeof why), 0);
	/* more entries than MaxResults asks for */
	doc = malloc(101 * 8 + 64);
	assert_non_null(doc);
	n = (size_t)sprintf(doc, "{\"PriceList\":[");
	for (i = 0; i < 101; i++)
		n += (size_t)sprintf(doc + n, "%s\"{}\"", i ? "," : "");
	sprintf(doc + n, "]}");
	assert_int_equal(read_doc(doc, &a, why, sizeof why), -EBADMSG);
	assert_string_equal(why, "the answer's PriceList holds 101 entries, more than the 100 "
			    "asked for");
	free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_body),
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
