/*
 * test_aws_creds_region.c - the region and a service's endpoint
 * (aws_creds.h): the farm's, then the environment's, then the profile's;
 * refusals. Run from test_aws_creds.c's main (fx_run_region_tests).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "aws_creds.h"
#include "aws_creds_fx.h"

/* aws_creds_region and aws_creds_endpoint, their messages and origins
 * checked for secrets. */
static int region(const struct aws_creds_config *cfg, const char *farm,
		  struct aws_creds_value *v, char *err, size_t errlen)
{
	int rc;

	err[0] = '\0';
	rc = aws_creds_region(cfg, farm, v, err, errlen);
	fx_msg(err);
	fx_msg(v->origin);
	return rc;
}

static int endpoint(const struct aws_creds_config *cfg, const char *farm, const char *service,
		    struct aws_creds_value *v, char *err, size_t errlen)
{
	int rc;

	err[0] = '\0';
	rc = aws_creds_endpoint(cfg, farm, service, v, err, errlen);
	fx_msg(err);
	fx_msg(v->origin);
	return rc;
}

/* The region: the farm's, AWS_REGION, AWS_DEFAULT_REGION, the profile's. */
static void test_region(void **state)
{
	struct fx_env e = fx_files();
	struct aws_creds_config cfg;
	struct aws_creds_value v;
	char err[512];

	(void)state;
	fx_set(&e, "AWS_PROFILE", "dev");
	assert_int_equal(fx_load(&cfg, &e, NULL, err, sizeof err), 0);
	assert_int_equal(region(&cfg, NULL, &v, err, sizeof err), 0);
	assert_string_equal(v.value, "us-west-2");
	assert_string_equal(v.origin, "profile 'dev' (" CONFIG ":7)");
	aws_creds_value_free(&v);
	assert_int_equal(region(&cfg, "eu-central-1", &v, err, sizeof err), 0);
	assert_string_equal(v.value, "eu-central-1");
	assert_string_equal(v.origin, "the farm");
	aws_creds_value_free(&v);
	aws_creds_config_free(&cfg);
	fx_set(&e, "AWS_DEFAULT_REGION", "us-east-2");
	assert_int_equal(fx_load(&cfg, &e, NULL, err, sizeof err), 0);
	assert_int_equal(region(&cfg, "", &v, err, sizeof err), 0);
	assert_string_equal(v.origin, "AWS_DEFAULT_REGION");
	aws_creds_value_free(&v);
	aws_creds_config_free(&cfg);
	fx_set(&e, "AWS_REGION", "us-west-1");
	assert_int_equal(fx_load(&cfg, &e, NULL, err, sizeof err), 0);
	assert_int_equal(region(&cfg, NULL, &v, err, sizeof err), 0);
	assert_string_equal(v.value, "us-west-1");
	assert_string_equal(v.origin, "AWS_REGION");
	aws_creds_value_free(&v);
	assert_int_equal(region(&cfg, "Not A Region", &v, err, sizeof err), -EINVAL);
	assert_null(v.value);
	assert_string_equal(err, "aws region: the region from the farm is not 1 to 63 of a-z, "
			    "0-9 and '-'");
	aws_creds_config_free(&cfg);
	e = fx_files();
	assert_int_equal(fx_load(&cfg, &e, "bad-region", err, sizeof err), 0);
	assert_int_equal(region(&cfg, NULL, &v, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "from profile 'bad-region' (" CONFIG ":"));
	aws_creds_config_free(&cfg);
	assert_int_equal(fx_load(&cfg, &e, "cfgonly", err, sizeof err), 0);
	assert_int_equal(region(&cfg, NULL, &v, err, sizeof err), -ENOENT);
	assert_string_equal(err, "aws region: none: the farm gives none, neither AWS_REGION nor "
			    "AWS_DEFAULT_REGION is set, and profile 'cfgonly' has no region in "
			    CONFIG);
	aws_creds_config_free(&cfg);
}

/* The endpoint: the farm's, AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL,
 * the profile's endpoint_url, else AWS's own (NULL). */
static void test_endpoint(void **state)
{
	struct fx_env e = fx_files();
	struct aws_creds_config cfg;
	struct aws_creds_value v;
	char err[512];

	(void)state;
	assert_int_equal(fx_load(&cfg, &e, NULL, err, sizeof err), 0);
	assert_int_equal(endpoint(&cfg, NULL, "SQS", &v, err, sizeof err), 0);
	assert_null(v.value); /* default has none */
	assert_string_equal(v.origin, "AWS's own");
	aws_creds_config_free(&cfg);
	assert_int_equal(fx_load(&cfg, &e, "dev", err, sizeof err), 0);
	assert_int_equal(endpoint(&cfg, NULL, "SQS", &v, err, sizeof err), 0);
	assert_string_equal(v.value, "http://127.0.0.1:5000");
	assert_string_equal(v.origin, "profile 'dev' (" CONFIG ":8)");
	aws_creds_value_free(&v);
	aws_creds_config_free(&cfg);
	fx_set(&e, "AWS_ENDPOINT_URL", "http://127.0.0.1:5001");
	fx_set(&e, "AWS_ENDPOINT_URL_AUTO_SCALING", "http://127.0.0.1:5002");
	assert_int_equal(fx_load(&cfg, &e, "dev", err, sizeof err), 0);
	assert_int_equal(endpoint(&cfg, NULL, "SQS", &v, err, sizeof err), 0);
	assert_string_equal(v.value, "http://127.0.0.1:5001");
	assert_string_equal(v.origin, "AWS_ENDPOINT_URL");
	aws_creds_value_free(&v);
	assert_int_equal(endpoint(&cfg, NULL, "Auto Scaling", &v, err, sizeof err), 0);
	assert_string_equal(v.value, "http://127.0.0.1:5002");
	assert_string_equal(v.origin, "AWS_ENDPOINT_URL_AUTO_SCALING");
	aws_creds_value_free(&v);
	assert_int_equal(endpoint(&cfg, "https://sqs.example.com", "SQS", &v, err,
					    sizeof err), 0);
	assert_string_equal(v.value, "https://sqs.example.com");
	assert_string_equal(v.origin, "the farm");
	aws_creds_value_free(&v);
	assert_int_equal(endpoint(&cfg, NULL, "S/3", &v, err, sizeof err), -EINVAL);
	assert_int_equal(endpoint(&cfg, "http://a@b", NULL, &v, err, sizeof err),
			 -EINVAL);
	assert_string_equal(err, "aws endpoint: the URL from the farm holds user information "
			    "(user@host), which is refused");
	assert_null(v.value);
	aws_creds_config_free(&cfg);
	e = fx_files();
	assert_int_equal(fx_load(&cfg, &e, "bad-endpoint", err, sizeof err), 0);
	assert_int_equal(endpoint(&cfg, NULL, "EC2", &v, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "does not start with http:// or https://"));
	aws_creds_config_free(&cfg);
	/* ignore_configured_endpoint_urls: the profile's and the environment's */
	fx_set(&e, "AWS_ENDPOINT_URL", "http://127.0.0.1:5001");
	assert_int_equal(fx_load(&cfg, &e, "ignore-ep", err, sizeof err), 0);
	assert_int_equal(endpoint(&cfg, NULL, "SQS", &v, err, sizeof err), 0);
	assert_null(v.value);
	assert_int_equal(endpoint(&cfg, "http://127.0.0.1:7", "SQS", &v, err,
					    sizeof err), 0);
	assert_string_equal(v.value, "http://127.0.0.1:7"); /* the farm's still counts */
	aws_creds_value_free(&v);
	aws_creds_config_free(&cfg);
}

int fx_run_region_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_region),
		cmocka_unit_test(test_endpoint),
	};

	return cmocka_run_group_tests_name("aws_creds_region", tests, NULL, NULL);
}
