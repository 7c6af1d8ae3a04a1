/*
 * test_aws_asg_kind.c - the target aws.asg driven through a fake host table
 * (no network): which requests poll and apply start and in what order (one
 * at a time; an apply during a Describe waits for its answer; a second
 * apply refused; a Describe after each apply), what is reported, what
 * apply_done gets, and the errors: AWS's, a group that does not exist, a
 * mix for a group without a MixedInstancesPolicy, garbage answers, each
 * logged once. The answers are the hand-written fixtures of
 * tests/fixtures/xml and small documents written here.
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

#include "aws_plugin.h"

/* ------------------------------------------------------- the fake host -- */

#define MAX_REQ 16

struct fake_req {
	char body[4096];
	scaled_http_done done;
	void *arg;
	int live, cancelled;
};
static struct fake_req reqs[MAX_REQ];
static int n_reqs;
static char logs[32][600];
static int n_logs;
static struct scaled_target_state reported;
static int n_reports;
static uint64_t done_token;
static int done_status, n_done;
static char done_msg[600];

static void f_log(struct scaled_instance *inst, enum scaled_log_level level, const char *fmt, ...)
{
	va_list ap;

	(void)inst;
	if (n_logs == 32)
		return;
	va_start(ap, fmt);
	snprintf(logs[n_logs], sizeof logs[0], "%s: ", level == SCALED_LOG_ERROR ? "error"
					     : level == SCALED_LOG_WARN ? "warn" : "info");
	vsnprintf(logs[n_logs] + strlen(logs[n_logs]), sizeof logs[0] - strlen(logs[n_logs]),
		  fmt, ap);
	va_end(ap);
	n_logs++;
}

static int64_t f_now(struct scaled_instance *inst)
{
	(void)inst;
	return 1714557600000; /* 2024-05-01T10:00:00Z */
}

static void f_report(struct scaled_instance *inst, const struct scaled_target_state *st)
{
	(void)inst;
	reported = *st;
	n_reports++;
}

static void f_done(struct scaled_instance *inst, uint64_t token, int status, const char *msg)
{
	(void)inst;
	done_token = token;
	done_status = status;
	snprintf(done_msg, sizeof done_msg, "%s", msg ? msg : "");
	n_done++;
}

static void *f_start(struct scaled_instance *inst, const struct scaled_http_request *r,
		     scaled_http_done done, void *arg, char *err, size_t errlen)
{
	(void)inst;
	(void)err;
	(void)errlen;
	assert_true(n_reqs < MAX_REQ);
	assert_true(r->body_len < sizeof reqs[0].body);
	memcpy(reqs[n_reqs].body, r->body, r->body_len);
	reqs[n_reqs].body[r->body_len] = '\0';
	reqs[n_reqs].done = done;
	reqs[n_reqs].arg = arg;
	reqs[n_reqs].live = 1;
	return &reqs[n_reqs++];
}

static void f_cancel(void *h)
{
	struct fake_req *r = h;

	if (r) {
		r->live = 0;
		r->cancelled = 1;
	}
}

static const struct scaled_host fake = {
	.struct_size = sizeof fake,
	.abi_major = SCALED_PLUGIN_ABI_MAJOR,
	.abi_minor = SCALED_PLUGIN_ABI_MINOR,
	.log = f_log,
	.now_ms = f_now,
	.report_target = f_report,
	.apply_done = f_done,
	.http_start = f_start,
	.http_cancel = f_cancel,
};

/* Answer request i with status and body. */
static void answer(int i, long status, const char *body)
{
	struct scaled_http_response res = {
		.struct_size = sizeof res, .status = status, .body = body,
		.body_len = strlen(body), .attempts = 1,
		.error = status >= 200 && status < 300 ? NULL : "HTTP error",
	};

	assert_true(i < n_reqs && reqs[i].live);
	reqs[i].live = 0;
	reqs[i].done(reqs[i].arg, &res);
}

static char *fixture(const char *name)
{
	char path[512];
	FILE *fp;
	char *s = calloc(1, 1 << 16);

	snprintf(path, sizeof path, "%s/%s", AWS_XML_FIXTURES, name);
	fp = fopen(path, "r");
	assert_non_null(fp);
	assert_non_null(s);
	assert_true(fread(s, 1, (1 << 16) - 1, fp) > 0);
	fclose(fp);
	return s;
}

static int setup(void **state)
{
	(void)state;
	memset(reqs, 0, sizeof reqs);
	n_reqs = n_logs = n_reports = n_done = 0;
	aws_host = &fake;
	setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", 1);
	setenv("AWS_CONFIG_FILE", "/dev/null", 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null", 1);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	unsetenv("AWS_PROFILE");
	unsetenv("AWS_SESSION_TOKEN");
	unsetenv("AWS_ENDPOINT_URL");
	unsetenv("AWS_ENDPOINT_URL_AUTO_SCALING");
	return 0;
}

static void *make(const char *name, int honor)
{
	struct scaled_value cfg[6] = {
		{ 1, { .str = name } }, { 1, { .str = "us-east-1" } }, { 0, { .str = NULL } },
		{ 1, { .str = "http://127.0.0.1:9/" } }, { 1, { .boolean = honor } },
		{ 1, { .ms = 10000 } },
	};
	void *st = NULL;
	char err[512] = "";

	assert_int_equal(aws_asg_kind.create((struct scaled_instance *)&fake, cfg, &st, err,
					     sizeof err), 0);
	return st;
}

static int apply(void *st, int desired, int base, int percent, uint64_t token, char *err)
{
	struct scaled_target_want w = { sizeof w, desired, base, percent };

	err[0] = '\0';
	return aws_asg_kind.apply(st, &w, token, err, 512);
}

static int logged(const char *s)
{
	int i, n = 0;

	for (i = 0; i < n_logs; i++)
		n += strstr(logs[i], s) != NULL;
	return n;
}

/* ------------------------------------------------------------- tests -- */

static void test_poll_then_mix(void **state)
{
	char *page = fixture("asg_page1.xml"), err[512];
	void *st = make("spot-workers", 0);

	(void)state;
	/* a poll: one Describe; another while it is out starts nothing */
	assert_int_equal(aws_asg_kind.poll(st, err, sizeof err), 0);
	assert_int_equal(n_reqs, 1);
	assert_string_equal(reqs[0].body, "Action=DescribeAutoScalingGroups&Version=2011-01-01&"
					  "AutoScalingGroupNames.member.1=spot-workers");
	assert_int_equal(aws_asg_kind.poll(st, err, sizeof err), 0);
	assert_int_equal(n_reqs, 1);
	/* an apply during the Describe waits for it; a second is refused */
	assert_int_equal(apply(st, 6, 0, 100, 41, err), 0);
	assert_int_equal(n_reqs, 1);
	assert_int_equal(apply(st, 7, -1, -1, 42, err), -EBUSY);
	assert_string_equal(err, "an apply to group 'spot-workers' is still in flight; one at "
				 "a time");
	/* the answer: reported (2 in service, 1 pending; base 1, 25 %: 1 od
	 * + ceil(25 % of 1) = 2 on-demand), then the apply goes, planned on it */
	answer(0, 200, page);
	assert_int_equal(n_reports, 1);
	assert_int_equal(reported.current, 2);
	assert_int_equal(reported.desired, 3);
	assert_int_equal(reported.starting, 1);
	assert_int_equal(reported.stopping, 0);
	assert_int_equal(reported.on_demand, 2);
	assert_int_equal(reported.spot, 0);
	assert_int_equal(n_reqs, 2);
	assert_string_equal(reqs[1].body,
			    "Action=UpdateAutoScalingGroup&Version=2011-01-01&"
			    "AutoScalingGroupName=spot-workers&DesiredCapacity=6&"
			    "MixedInstancesPolicy.InstancesDistribution.OnDemandAllocationStrategy="
			    "prioritized&"
			    "MixedInstancesPolicy.InstancesDistribution.OnDemandBaseCapacity=0&"
			    "MixedInstancesPolicy.InstancesDistribution."
			    "OnDemandPercentageAboveBaseCapacity=100&"
			    "MixedInstancesPolicy.InstancesDistribution.SpotAllocationStrategy="
			    "price-capacity-optimized&"
			    "MixedInstancesPolicy.InstancesDistribution.SpotMaxPrice=0.0900");
	assert_int_equal(n_done, 0);
	/* a poll during the apply is put off until it ends */
	assert_int_equal(aws_asg_kind.poll(st, err, sizeof err), 0);
	assert_int_equal(n_reqs, 2);
	answer(1, 200, "<UpdateAutoScalingGroupResponse><ResponseMetadata><RequestId>r"
		       "</RequestId></ResponseMetadata></UpdateAutoScalingGroupResponse>");
	assert_int_equal(n_done, 1);
	assert_int_equal(done_token, 41);
	assert_int_equal(done_status, 0);
	/* and a Describe follows at once */
	assert_int_equal(n_reqs, 3);
	assert_non_null(strstr(reqs[2].body, "Action=DescribeAutoScalingGroups"));
	/* the count alone: SetDesiredCapacity, once the Describe is in */
	answer(2, 200, page);
	assert_int_equal(apply(st, 2, 1, 25, 43, err), 0);
	assert_int_equal(n_reqs, 4);
	assert_string_equal(reqs[3].body, "Action=SetDesiredCapacity&Version=2011-01-01&"
					  "AutoScalingGroupName=spot-workers&DesiredCapacity=2");
	/* AWS refuses it: "Action: Code: Message", logged once per message */
	answer(3, 400, "<ErrorResponse><Error><Type>Sender</Type><Code>ScalingActivityInProgress"
		       "</Code><Message>busy</Message></Error><RequestId>x</RequestId>"
		       "</ErrorResponse>");
	assert_int_equal(n_done, 2);
	assert_int_equal(done_token, 43);
	assert_int_equal(done_status, -EREMOTEIO);
	assert_string_equal(done_msg, "SetDesiredCapacity: ScalingActivityInProgress: busy");
	assert_int_equal(logged("error: SetDesiredCapacity: ScalingActivityInProgress: busy"), 1);
	/* a capacity over MaxSize (20) is sent all the same, with one warning */
	answer(4, 200, page);
	assert_int_equal(apply(st, 25, -1, -1, 44, err), 0);
	assert_int_equal(logged("warn: capacity 25 is above group 'spot-workers''s MaxSize 20"),
			 1);
	/* destroy cancels what is in flight */
	aws_asg_kind.destroy(st);
	assert_int_equal(reqs[5].cancelled, 1);
	free(page);
}

static void test_no_policy(void **state)
{
	char *page = fixture("asg_page1.xml"), err[512];
	void *st = make("backup-on-demand", 1);

	(void)state;
	assert_int_equal(aws_asg_kind.poll(st, err, sizeof err), 0);
	answer(0, 200, page);
	/* Terminating:Wait counts as stopping; markets unknown */
	assert_int_equal(reported.current, 0);
	assert_int_equal(reported.stopping, 1);
	assert_int_equal(reported.desired, 1);
	assert_int_equal(reported.spot, -1);
	assert_int_equal(reported.on_demand, -1);
	assert_int_equal(logged("has no MixedInstancesPolicy"), 1);
	/* a mix: refused at once, nothing sent */
	assert_int_equal(apply(st, 2, 0, 0, 7, err), -EINVAL);
	assert_non_null(strstr(err, "group 'backup-on-demand' has no MixedInstancesPolicy"));
	assert_int_equal(n_reqs, 1);
	/* the count alone works, with HonorCooldown */
	assert_int_equal(apply(st, 2, -1, -1, 8, err), 0);
	assert_string_equal(reqs[1].body, "Action=SetDesiredCapacity&Version=2011-01-01&"
					  "AutoScalingGroupName=backup-on-demand&"
					  "DesiredCapacity=2&HonorCooldown=true");
	answer(1, 200, "<SetDesiredCapacityResponse/>");
	assert_int_equal(done_status, 0);
	aws_asg_kind.destroy(st);
	assert_int_equal(reqs[2].cancelled, 1);
	free(page);
}

static void test_errors(void **state)
{
	char *page = fixture("asg_page1.xml"), *thr = fixture("error_asg.xml"), err[512];
	void *st = make("nope", 0);
	int i = 0;

	(void)state;
	/* a group that does not exist: a clear error, logged once */
	assert_int_equal(aws_asg_kind.poll(st, err, sizeof err), 0);
	answer(i++, 200, page);
	assert_int_equal(aws_asg_kind.poll(st, err, sizeof err), -EIO);
	assert_string_equal(err, "no Auto Scaling group named 'nope' in us-east-1 "
				 "(at http://127.0.0.1:9)");
	answer(i++, 200, page);
	assert_int_equal(logged("error: DescribeAutoScalingGroups: no Auto Scaling group named "
				"'nope'"), 1);
	assert_int_equal(n_reports, 0);
	/* AWS's error, moto's authentication form, garbage: each logged once */
	assert_int_equal(aws_asg_kind.poll(st, err, sizeof err), -EIO);
	answer(i++, 400, thr);
	assert_int_equal(logged("error: DescribeAutoScalingGroups: Throttling: Rate exceeded"), 1);
	assert_int_equal(aws_asg_kind.poll(st, err, sizeof err), -EIO);
	answer(i++, 403, "<ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch</Code>"
			 "<Message>no</Message></Error></Errors></ErrorResponse>");
	assert_int_equal(logged("DescribeAutoScalingGroups: SignatureDoesNotMatch: no"), 1);
	assert_int_equal(aws_asg_kind.poll(st, err, sizeof err), -EIO);
	answer(i++, 502, "<html><body>Bad Gateway</body></html>");
	assert_int_equal(logged("DescribeAutoScalingGroups: HTTP error"), 1);
	assert_int_equal(aws_asg_kind.poll(st, err, sizeof err), -EIO);
	answer(i++, 200, "<DescribeAutoScalingGroupsResponse><DescribeAutoScalingGroupsResult>");
	assert_int_equal(logged("DescribeAutoScalingGroups: "), 5);
	assert_int_equal(aws_asg_kind.poll(st, err, sizeof err), -EIO);
	answer(i++, 200, "");
	assert_int_equal(aws_asg_kind.poll(st, err, sizeof err), -EIO);
	answer(i++, 200, "<!DOCTYPE x [<!ENTITY a \"b\">]><DescribeAutoScalingGroupsResponse/>");
	assert_int_equal(aws_asg_kind.poll(st, err, sizeof err), -EIO);
	answer(i++, 200, "<DescribeAutoScalingGroupsResponse><DescribeAutoScalingGroupsResult>"
			 "<AutoScalingGroups><member><AutoScalingGroupName>nope"
			 "</AutoScalingGroupName><MinSize>0</MinSize><MaxSize>99999999999"
			 "</MaxSize><DesiredCapacity>1</DesiredCapacity></member>"
			 "</AutoScalingGroups></DescribeAutoScalingGroupsResult>"
			 "</DescribeAutoScalingGroupsResponse>");
	assert_int_equal(logged("DescribeAutoScalingGroups: "), 8);
	assert_int_equal(logged("DescribeAutoScalingGroups: DescribeAutoScalingGroups"), 0);
	assert_int_equal(n_reports, 0);
	/* and back: logged once */
	assert_int_equal(aws_asg_kind.poll(st, err, sizeof err), -EIO);
	answer(i++, 200, "<DescribeAutoScalingGroupsResponse><DescribeAutoScalingGroupsResult>"
			 "<AutoScalingGroups><member><AutoScalingGroupName>nope"
			 "</AutoScalingGroupName><MinSize>0</MinSize><MaxSize>9</MaxSize>"
			 "<DesiredCapacity>0</DesiredCapacity></member></AutoScalingGroups>"
			 "</DescribeAutoScalingGroupsResult></DescribeAutoScalingGroupsResponse>");
	assert_int_equal(n_reports, 1);
	assert_int_equal(reported.current, 0);
	assert_int_equal(logged("info: DescribeAutoScalingGroups answers again"), 1);
	assert_int_equal(aws_asg_kind.poll(st, err, sizeof err), 0);
	aws_asg_kind.destroy(st);
	/* no message holds the secret */
	for (i = 0; i < n_logs; i++)
		assert_null(strstr(logs[i], "EXAMPLEKEY"));
	free(page);
	free(thr);
}

static void test_create_refusals(void **state)
{
	struct scaled_value cfg[6] = {
		{ 1, { .str = "a:b" } }, { 1, { .str = "us-east-1" } }, { 0, { .str = NULL } },
		{ 1, { .str = "http://127.0.0.1:9" } }, { 1, { .boolean = 0 } },
		{ 1, { .ms = 10000 } },
	};
	void *st = NULL;
	char err[512] = "";

	(void)state;
	assert_int_equal(aws_asg_kind.create((struct scaled_instance *)&fake, cfg, &st, err,
					     sizeof err), -EINVAL);
	assert_non_null(strstr(err, "name: byte 2 is ':'"));
	cfg[0].u.str = "web";
	cfg[3].u.str = "ftp://x";
	assert_int_equal(aws_asg_kind.create((struct scaled_instance *)&fake, cfg, &st, err,
					     sizeof err), -EINVAL);
	assert_non_null(strstr(err, "the URL from the farm does not start with http"));
	cfg[3].u.str = "http://127.0.0.1:9";
	cfg[5].u.ms = 50;
	assert_int_equal(aws_asg_kind.create((struct scaled_instance *)&fake, cfg, &st, err,
					     sizeof err), -EINVAL);
	assert_non_null(strstr(err, "timeout: want 100ms to 2m"));
	cfg[5].u.ms = 10000;
	/* the endpoint from AWS_ENDPOINT_URL_AUTO_SCALING */
	cfg[3].set = 0;
	setenv("AWS_ENDPOINT_URL_AUTO_SCALING", "http://127.0.0.1:7", 1);
	assert_int_equal(aws_asg_kind.create((struct scaled_instance *)&fake, cfg, &st, err,
					     sizeof err), 0);
	assert_int_equal(logged("at http://127.0.0.1:7"), 1);
	aws_asg_kind.destroy(st);
	assert_int_equal(aws_asg_kind.flags, SCALED_KIND_APPLIES_MIX);
}

/* A mix applied stays the group's mix for the next apply, even when the
 * Describe after the update fails: going back sends an update again. */
static void test_mix_after_failed_describe(void **state)
{
	char *page = fixture("asg_page1.xml"), err[512];
	void *st = make("spot-workers", 0);

	(void)state;
	assert_int_equal(aws_asg_kind.poll(st, err, sizeof err), 0);
	answer(0, 200, page); /* base 1, 25 % */
	assert_int_equal(apply(st, 6, 0, 100, 41, err), 0);
	assert_non_null(strstr(reqs[1].body, "OnDemandPercentageAboveBaseCapacity=100"));
	answer(1, 200, "<UpdateAutoScalingGroupResponse/>");
	assert_int_equal(done_status, 0);
	answer(2, 500, "<html>oops</html>"); /* the Describe after it */
	assert_int_equal(apply(st, 6, 1, 25, 42, err), 0);
	assert_non_null(strstr(reqs[3].body, "Action=UpdateAutoScalingGroup"));
	assert_non_null(strstr(reqs[3].body, "OnDemandPercentageAboveBaseCapacity=25"));
	assert_non_null(strstr(reqs[3].body, "OnDemandBaseCapacity=1"));
	answer(3, 200, "<UpdateAutoScalingGroupResponse/>");
	assert_int_equal(done_status, 0);
	aws_asg_kind.destroy(st);
	free(page);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_poll_then_mix, setup),
		cmocka_unit_test_setup(test_no_policy, setup),
		cmocka_unit_test_setup(test_errors, setup),
		cmocka_unit_test_setup(test_create_refusals, setup),
		cmocka_unit_test_setup(test_mix_after_failed_describe, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
