/*
 * test_aws_asg.c - aws.asg's parts without the network: the name's check
 * and the three Query forms fed odd values (asg_form.c), what an apply
 * sends and what a poll reports (asg_plan.c). Its page's key table is
 * test_aws_docs's.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "asg_form.h"
#include "asg_plan.h"
#include "aws_plugin.h"

#define DIST "MixedInstancesPolicy.InstancesDistribution."

static void test_names(void **state)
{
	static const struct {
		const char *name, *why;
	} bad[] = {
		{ "", "name: empty; want the Auto Scaling group's name" },
		{ "a:b", "name: byte 2 is ':'; an Auto Scaling group's name is 1 to 255 of the "
			 "ASCII characters '!' to '~' without ':'" },
		{ "web workers", "name: byte 4 is a space; an Auto Scaling group's name is 1 to "
				 "255 of the ASCII characters '!' to '~' without ':'" },
		{ "tab\there", "name: byte 4 is not printable ASCII; an Auto Scaling group's "
			       "name is 1 to 255 of the ASCII characters '!' to '~' without ':'" },
		{ "caf\xc3\xa9", "name: byte 4 is not printable ASCII; an Auto Scaling group's "
				 "name is 1 to 255 of the ASCII characters '!' to '~' without "
				 "':'" },
		{ "del\x7f", "name: byte 4 is not printable ASCII; an Auto Scaling group's name "
			     "is 1 to 255 of the ASCII characters '!' to '~' without ':'" },
	};
	char err[256], longest[ASG_MAX_NAME + 2];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		assert_int_equal(asg_name_check(bad[i].name, err, sizeof err), -EINVAL);
		assert_string_equal(err, bad[i].why);
	}
	assert_int_equal(asg_name_check(NULL, err, sizeof err), -EINVAL);
	memset(longest, 'a', ASG_MAX_NAME);
	longest[ASG_MAX_NAME] = '\0';
	assert_int_equal(asg_name_check(longest, err, sizeof err), 0);
	longest[ASG_MAX_NAME] = 'a';
	longest[ASG_MAX_NAME + 1] = '\0';
	assert_int_equal(asg_name_check(longest, err, sizeof err), -EINVAL);
	assert_string_equal(err, "name: longer than 255 bytes");
	assert_int_equal(asg_name_check("!\"#$%&'()*+,-./09;<=>?@AZ[\\]^_`az{|}~", err,
					sizeof err), 0);
}

static void test_forms(void **state)
{
	struct aws_form f;
	struct aws_asg_distribution full = {
		.on_demand_allocation_strategy = "prioritized",
		.on_demand_base = 1,
		.on_demand_percent = 25,
		.spot_allocation_strategy = "price-capacity-optimized",
		.spot_instance_pools = 4,
		.spot_max_price = "",
	};
	struct aws_asg_distribution none = { .on_demand_base = -1, .on_demand_percent = -1,
					     .spot_instance_pools = -1 };
	struct aws_asg_distribution odd = { .on_demand_allocation_strategy = "a&b=c d+%\xc3\xa9",
					    .on_demand_base = -1, .on_demand_percent = -1,
					    .spot_instance_pools = 0, .spot_max_price = "0.0900" };
	char err[256];

	(void)state;
	/* every character a name may hold, encoded */
	assert_int_equal(asg_form_describe(&f, "a&b=c+d%e/f~g", err, sizeof err), 0);
	assert_string_equal(f.buf, "Action=DescribeAutoScalingGroups&Version=2011-01-01&"
				   "AutoScalingGroupNames.member.1=a%26b%3Dc%2Bd%25e%2Ff~g");
	aws_form_free(&f);
	assert_int_equal(asg_form_describe(&f, "a b", err, sizeof err), -EINVAL);
	assert_null(f.buf);

	assert_int_equal(asg_form_set_desired(&f, "web", 0, 0, err, sizeof err), 0);
	assert_string_equal(f.buf, "Action=SetDesiredCapacity&Version=2011-01-01&"
				   "AutoScalingGroupName=web&DesiredCapacity=0");
	aws_form_free(&f);
	assert_int_equal(asg_form_set_desired(&f, "web", INT_MAX, 1, err, sizeof err), 0);
	assert_string_equal(f.buf, "Action=SetDesiredCapacity&Version=2011-01-01&"
				   "AutoScalingGroupName=web&DesiredCapacity=2147483647&"
				   "HonorCooldown=true");
	aws_form_free(&f);
	assert_int_equal(asg_form_set_desired(&f, "web", -1, 0, err, sizeof err), -EINVAL);
	assert_string_equal(err, "SetDesiredCapacity: capacity -1 is negative");
	assert_null(f.buf);
	assert_int_equal(asg_form_set_desired(&f, "", 1, 0, err, sizeof err), -EINVAL);
	assert_null(f.buf);

	/* the whole distribution, the two of the mix changed; "" sent as "" */
	assert_int_equal(asg_form_update(&f, "web", 6, &full, 0, 100, err, sizeof err), 0);
	assert_string_equal(f.buf, "Action=UpdateAutoScalingGroup&Version=2011-01-01&"
				   "AutoScalingGroupName=web&DesiredCapacity=6&"
				   DIST "OnDemandAllocationStrategy=prioritized&"
				   DIST "OnDemandBaseCapacity=0&"
				   DIST "OnDemandPercentageAboveBaseCapacity=100&"
				   DIST "SpotAllocationStrategy=price-capacity-optimized&"
				   DIST "SpotInstancePools=4&"
				   DIST "SpotMaxPrice=");
	aws_form_free(&f);
	/* nothing read: only the mix (AWS keeps the rest) */
	assert_int_equal(asg_form_update(&f, "web", 0, &none, 3, 0, err, sizeof err), 0);
	assert_string_equal(f.buf, "Action=UpdateAutoScalingGroup&Version=2011-01-01&"
				   "AutoScalingGroupName=web&DesiredCapacity=0&"
				   DIST "OnDemandBaseCapacity=3&"
				   DIST "OnDemandPercentageAboveBaseCapacity=0");
	aws_form_free(&f);
	/* odd strings as AWS sent them, encoded; 0 pools is sent */
	assert_int_equal(asg_form_update(&f, "web", 1, &odd, 0, 0, err, sizeof err), 0);
	assert_string_equal(f.buf, "Action=UpdateAutoScalingGroup&Version=2011-01-01&"
				   "AutoScalingGroupName=web&DesiredCapacity=1&"
				   DIST "OnDemandAllocationStrategy=a%26b%3Dc%20d%2B%25%C3%A9&"
				   DIST "OnDemandBaseCapacity=0&"
				   DIST "OnDemandPercentageAboveBaseCapacity=0&"
				   DIST "SpotInstancePools=0&"
				   DIST "SpotMaxPrice=0.0900");
	aws_form_free(&f);
	/* out of range: refused, nothing built */
	assert_int_equal(asg_form_update(&f, "web", -1, &full, 0, 0, err, sizeof err), -EINVAL);
	assert_null(f.buf);
	assert_int_equal(asg_form_update(&f, "web", 1, &full, -1, 0, err, sizeof err), -EINVAL);
	assert_int_equal(asg_form_update(&f, "web", 1, &full, 0, 101, err, sizeof err), -EINVAL);
	assert_string_equal(err, "UpdateAutoScalingGroup: capacity 1, on_demand_base 0, "
				 "on_demand_percent 101: want capacity and base >= 0, percent 0 "
				 "to 100");
	assert_int_equal(asg_form_update(&f, "web", 1, NULL, 0, 0, err, sizeof err), -EINVAL);
	assert_string_equal(err, "UpdateAutoScalingGroup: capacity 1, on_demand_base 0, "
				 "on_demand_percent 0, no distribution read: want capacity and "
				 "base >= 0, percent 0 to 100");
	assert_int_equal(asg_form_update(&f, "a:b", 1, &full, 0, 0, err, sizeof err), -EINVAL);
	assert_null(f.buf);
}

static void test_plan(void **state)
{
	struct aws_asg_group with = { .name = "web", .min_size = 0, .max_size = 10, .desired = 2,
				      .has_distribution = 1,
				      .dist = { .on_demand_base = 1, .on_demand_percent = 25,
						.spot_instance_pools = -1 } };
	struct aws_asg_group defaults = { .name = "web", .has_distribution = 1,
					  .dist = { .on_demand_base = -1, .on_demand_percent = -1,
						    .spot_instance_pools = -1 } };
	struct aws_asg_group plain = { .name = "web" };
	struct asg_plan p;
	char err[512];

	(void)state;
	/* the count alone, or the mix the group has: SetDesiredCapacity */
	assert_int_equal(asg_plan(&with, "web", 5, -1, -1, &p, err, sizeof err), 0);
	assert_int_equal(p.action, ASG_SET_DESIRED);
	assert_int_equal(p.desired, 5);
	assert_int_equal(asg_plan(&with, "web", 5, 1, 25, &p, err, sizeof err), 0);
	assert_int_equal(p.action, ASG_SET_DESIRED);
	assert_int_equal(asg_plan(&with, "web", 0, 1, -1, &p, err, sizeof err), 0);
	assert_int_equal(p.action, ASG_SET_DESIRED);
	assert_int_equal(asg_plan(NULL, "web", 3, -1, -1, &p, err, sizeof err), 0);
	assert_int_equal(p.action, ASG_SET_DESIRED);
	assert_int_equal(asg_plan(&plain, "web", 3, -1, -1, &p, err, sizeof err), 0);
	assert_int_equal(p.action, ASG_SET_DESIRED);
	/* absent fields are AWS's defaults, base 0 and 100 % */
	assert_int_equal(asg_plan(&defaults, "web", 3, 0, 100, &p, err, sizeof err), 0);
	assert_int_equal(p.action, ASG_SET_DESIRED);
	/* a mix that differs: an update, a field left at -1 taken from the group */
	assert_int_equal(asg_plan(&with, "web", 4, -1, 100, &p, err, sizeof err), 0);
	assert_int_equal(p.action, ASG_UPDATE);
	assert_int_equal(p.desired, 4);
	assert_int_equal(p.base, 1);
	assert_int_equal(p.percent, 100);
	assert_int_equal(asg_plan(&defaults, "web", 4, 2, -1, &p, err, sizeof err), 0);
	assert_int_equal(p.action, ASG_UPDATE);
	assert_int_equal(p.base, 2);
	assert_int_equal(p.percent, 100);
	/* refusals */
	assert_int_equal(asg_plan(&plain, "web", 3, 0, 0, &p, err, sizeof err), -EINVAL);
	assert_string_equal(err, "group 'web' has no MixedInstancesPolicy, so it cannot take a "
				 "market mix (on_demand_base 0, on_demand_percent 0): give it one "
				 "(a launch template with instance types), or drop the farm group's "
				 "on_demand_* keys and mix policies");
	assert_int_equal(asg_plan(NULL, "web", 3, 0, 0, &p, err, sizeof err), -EAGAIN);
	assert_int_equal(asg_plan(&with, "web", -1, -1, -1, &p, err, sizeof err), -EINVAL);
	assert_string_equal(err, "capacity -1, on_demand_base -1, on_demand_percent -1: want "
				 "capacity and base >= 0, percent 0 to 100 (-1: leave the mix)");
	assert_int_equal(asg_plan(&with, "web", 1, -2, 0, &p, err, sizeof err), -EINVAL);
	assert_int_equal(asg_plan(&with, "web", 1, 0, 101, &p, err, sizeof err), -EINVAL);
	assert_int_equal(asg_plan(&with, "web", 1, INT_MAX, -1, &p, err, sizeof err), 0);
	assert_int_equal(p.base, INT_MAX);
}

static void test_state(void **state)
{
	static const char *const states[] = {
		"InService", "InService", "InService", "Pending", "Pending:Wait",
		"Pending:Proceed", "Terminating", "Terminating:Wait", "Terminating:Proceed",
		"Standby", "EnteringStandby", "Warmed:Pending", "Warmed:Terminating",
		"Quarantined", "Detaching", "InServiceX", "PendingX", "",
	};
	struct aws_asg_instance inst[sizeof states / sizeof states[0]];
	struct aws_asg_group g = { .name = "web", .desired = 7, .instances = inst,
				   .n_instances = sizeof states / sizeof states[0],
				   .has_distribution = 1,
				   .dist = { .on_demand_base = 1, .on_demand_percent = 50,
					     .spot_instance_pools = -1 } };
	struct scaled_target_state st;
	size_t i;

	(void)state;
	memset(inst, 0, sizeof inst);
	for (i = 0; i < sizeof states / sizeof states[0]; i++)
		inst[i].lifecycle_state = (char *)states[i];
	asg_state(&g, &st);
	assert_int_equal(st.struct_size, sizeof st);
	assert_int_equal(st.current, 3);
	assert_int_equal(st.desired, 7);
	assert_int_equal(st.starting, 3);
	assert_int_equal(st.stopping, 3);
	/* 3 in service, base 1, 50 % of 2 above: 2 on-demand, 1 spot */
	assert_int_equal(st.on_demand, 2);
	assert_int_equal(st.spot, 1);
	/* AWS's defaults: all on-demand */
	g.dist.on_demand_base = g.dist.on_demand_percent = -1;
	asg_state(&g, &st);
	assert_int_equal(st.on_demand, 3);
	assert_int_equal(st.spot, 0);
	/* no policy: unknown */
	g.has_distribution = 0;
	asg_state(&g, &st);
	assert_int_equal(st.on_demand, -1);
	assert_int_equal(st.spot, -1);
	/* none at all */
	g.n_instances = 0;
	asg_state(&g, &st);
	assert_int_equal(st.current, 0);
	assert_int_equal(st.starting, 0);
	assert_int_equal(st.stopping, 0);
}

static void test_find(void **state)
{
	struct aws_asg_group gs[2] = { { .name = "web-a" }, { .name = "web" } };
	struct aws_asg_answer a = { .groups = gs, .n_groups = 2 };

	(void)state;
	assert_ptr_equal(asg_find(&a, "web"), &gs[1]);
	assert_null(asg_find(&a, "we"));
	assert_null(asg_find(&a, "WEB"));
	assert_null(asg_find(NULL, "web"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),	   cmocka_unit_test(test_forms),
		cmocka_unit_test(test_plan),	   cmocka_unit_test(test_state),
		cmocka_unit_test(test_find),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
