/*
 * test_decision_json.c - a decision as JSON, parsed back with cJSON and
 * checked field by field; names of stages, outcomes and kinds; text that is
 * not printable or not UTF-8 still makes valid JSON.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "scaled/scaled.h"

static struct scaled_decision sample(void)
{
	struct scaled_decision d;

	memset(&d, 0, sizeof(d));
	d.seq = 42;
	d.time_ms = 1700000000123LL;
	snprintf(d.group, sizeof(d.group), "workers");
	d.current = 2;
	d.desired_before = 3;
	d.combined = 9;
	d.desired = 5;
	d.bound_by = SCALED_STAGE_COOLDOWN;
	snprintf(d.bound_reason, sizeof(d.bound_reason), "cooldown: scale-up refused, 10s of 30s since last scale-up");
	d.outcome = SCALED_OUTCOME_PENDING;
	snprintf(d.outcome_msg, sizeof(d.outcome_msg), "sent");
	d.n_proposals = 2;
	snprintf(d.proposals[0].policy, sizeof(d.proposals[0].policy), "queue_step");
	d.proposals[0].kind = SCALED_PROPOSAL_SET;
	d.proposals[0].value = 9;
	d.proposals[0].wanted = 9;
	snprintf(d.proposals[0].reason, sizeof(d.proposals[0].reason), "backlog 120 >= 100");
	snprintf(d.proposals[1].policy, sizeof(d.proposals[1].policy), "2");
	d.proposals[1].kind = SCALED_PROPOSAL_PERCENT;
	d.proposals[1].value = -12.5;
	d.proposals[1].wanted = 2;
	d.proposals[1].stale = 1;
	d.proposals[1].missing = 1;
	snprintf(d.proposals[1].reason, sizeof(d.proposals[1].reason), "cpu low");
	/* a group without a market mix, as the engine fills it */
	d.spot = d.on_demand = -1;
	d.mix_base_before = d.mix_percent_before = -1;
	d.mix_base_wanted = d.mix_percent_wanted = -1;
	d.mix_base = d.mix_percent = -1;
	return d;
}

static cJSON *parse(const struct scaled_decision *d, char **text)
{
	cJSON *j;

	*text = scaled_decision_json(d);
	assert_non_null(*text);
	assert_null(strchr(*text, '\n'));
	j = cJSON_Parse(*text);
	assert_non_null(j);
	assert_true(cJSON_IsObject(j));
	return j;
}

static double num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	assert_non_null(v);
	assert_true(cJSON_IsNumber(v));
	return v->valuedouble;
}

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	assert_non_null(v);
	assert_true(cJSON_IsString(v));
	return v->valuestring;
}

static bool flag(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	assert_non_null(v);
	assert_true(cJSON_IsBool(v));
	return cJSON_IsTrue(v);
}

static void test_every_field(void **state)
{
	struct scaled_decision d = sample();
	const cJSON *props, *p;
	char *text;
	cJSON *j;

	(void)state;
	j = parse(&d, &text);
	assert_int_equal(cJSON_GetArraySize(j), 12);
	assert_true(num(j, "time") == 1700000000123.0);
	assert_true(num(j, "seq") == 42.0);
	assert_string_equal(str(j, "group"), "workers");
	assert_true(num(j, "current") == 2.0);
	assert_true(num(j, "desired_before") == 3.0);
	assert_true(num(j, "combined") == 9.0);
	assert_true(num(j, "desired") == 5.0);
	assert_string_equal(str(j, "bound_by"), "cooldown");
	assert_string_equal(str(j, "bound_reason"), "cooldown: scale-up refused, 10s of 30s since last scale-up");
	assert_string_equal(str(j, "outcome"), "pending");
	assert_string_equal(str(j, "outcome_msg"), "sent");

	props = cJSON_GetObjectItemCaseSensitive(j, "proposals");
	assert_true(cJSON_IsArray(props));
	assert_int_equal(cJSON_GetArraySize(props), 2);
	p = cJSON_GetArrayItem(props, 0);
	assert_int_equal(cJSON_GetArraySize(p), 7);
	assert_string_equal(str(p, "policy"), "queue_step");
	assert_string_equal(str(p, "kind"), "set");
	assert_true(num(p, "value") == 9.0);
	assert_true(num(p, "wanted") == 9.0);
	assert_false(flag(p, "stale"));
	assert_false(flag(p, "missing"));
	assert_string_equal(str(p, "reason"), "backlog 120 >= 100");
	p = cJSON_GetArrayItem(props, 1);
	assert_string_equal(str(p, "policy"), "2");
	assert_string_equal(str(p, "kind"), "percent");
	assert_true(num(p, "value") == -12.5);
	assert_true(num(p, "wanted") == 2.0);
	assert_true(flag(p, "stale"));
	assert_true(flag(p, "missing"));
	assert_string_equal(str(p, "reason"), "cpu low");
	cJSON_Delete(j);
	free(text);
}

static const cJSON *obj(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	assert_non_null(v);
	assert_true(cJSON_IsObject(v));
	return v;
}

/* A group with a market mix: "markets" with before/wanted/after, and a
 * proposal's own mix; a left-out field is null. */
static void test_markets(void **state)
{
	struct scaled_decision d = sample();
	const cJSON *m, *p;
	char *text;
	cJSON *j;

	(void)state;
	d.spot = 4;
	d.on_demand = 1;
	d.mix_base_before = 1;
	d.mix_percent_before = 0;
	d.mix_base_wanted = d.mix_base = 1;
	d.mix_percent_wanted = d.mix_percent = 100;
	snprintf(d.mix_reason, sizeof(d.mix_reason), "spot_failover: spot 0.9 >= on-demand 0.8");
	d.proposals[0].mix = 1;
	d.proposals[0].mix_base = -1;
	d.proposals[0].mix_percent = 100;
	snprintf(d.proposals[0].mix_reason, sizeof(d.proposals[0].mix_reason), "spot dear");
	j = parse(&d, &text);
	assert_int_equal(cJSON_GetArraySize(j), 13);
	m = obj(j, "markets");
	assert_true(num(m, "spot") == 4.0);
	assert_true(num(m, "on_demand") == 1.0);
	assert_true(num(obj(m, "before"), "on_demand_base") == 1.0);
	assert_true(num(obj(m, "before"), "on_demand_percent") == 0.0);
	assert_true(num(obj(m, "wanted"), "on_demand_percent") == 100.0);
	assert_true(num(obj(m, "after"), "on_demand_percent") == 100.0);
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(m, "bound_by")));
	assert_string_equal(str(m, "reason"), "spot_failover: spot 0.9 >= on-demand 0.8");
	p = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "proposals"), 0);
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(obj(p, "mix"), "on_demand_base")));
	assert_true(num(obj(p, "mix"), "on_demand_percent") == 100.0);
	assert_string_equal(str(p, "mix_reason"), "spot dear");
	p = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "proposals"), 1);
	assert_null(cJSON_GetObjectItemCaseSensitive(p, "mix"));
	cJSON_Delete(j);
	free(text);
}

static void test_unbound_is_null(void **state)
{
	struct scaled_decision d = sample();
	char *text;
	cJSON *j;

	(void)state;
	d.bound_by = SCALED_STAGE_NONE;
	d.bound_reason[0] = '\0';
	d.n_proposals = 0;
	j = parse(&d, &text);
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(j, "bound_by")));
	assert_string_equal(str(j, "bound_reason"), "");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "proposals")), 0);
	cJSON_Delete(j);
	free(text);
}

/* Control bytes are escaped, bytes that are not UTF-8 become U+FFFD, and
 * UTF-8 (and quotes, backslashes) comes back as it went in. */
static void test_unprintable(void **state)
{
	struct scaled_decision d = sample();
	const cJSON *p;
	char *text;
	cJSON *j;
	size_t i;

	(void)state;
	snprintf(d.proposals[0].reason, sizeof(d.proposals[0].reason),
		 "a\x01" "b\n\t\"q\"\\ caf\xc3\xa9 \xff\xfe end \xe2\x82 \xed\xa0\x80 \xc0\xaf");
	snprintf(d.bound_reason, sizeof(d.bound_reason), "bell\a");
	j = parse(&d, &text);
	for (i = 0; text[i]; i++)
		assert_true((unsigned char)text[i] >= 0x20);
	p = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "proposals"), 0);
	assert_string_equal(str(p, "reason"),
			    "a\x01" "b\n\t\"q\"\\ caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd end "
			    "\xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd "
			    "\xef\xbf\xbd\xef\xbf\xbd");
	assert_string_equal(str(j, "bound_reason"), "bell\a");
	assert_non_null(strstr(text, "\\u0001"));
	cJSON_Delete(j);
	free(text);
}

/* Fixed arrays filled to the last byte (no NUL) are read no further. */
static void test_full_arrays(void **state)
{
	struct scaled_decision d = sample();
	const cJSON *p;
	char *text;
	cJSON *j;

	(void)state;
	memset(d.group, 'g', sizeof(d.group));
	memset(d.proposals[0].policy, 'p', sizeof(d.proposals[0].policy));
	memset(d.proposals[0].reason, 'r', sizeof(d.proposals[0].reason));
	j = parse(&d, &text);
	assert_int_equal(strlen(str(j, "group")), SCALED_NAME_MAX);
	p = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "proposals"), 0);
	assert_int_equal(strlen(str(p, "policy")), SCALED_NAME_MAX);
	assert_int_equal(strlen(str(p, "reason")), SCALED_REASON_MAX);
	assert_string_equal(str(p, "kind"), "set");
	cJSON_Delete(j);
	free(text);
}

static void test_kinds(void **state)
{
	static const char *names[] = { "none", "hold", "set", "change", "percent", "error" };
	struct scaled_decision d = sample();
	const cJSON *props;
	char *text;
	cJSON *j;
	size_t i;

	(void)state;
	d.n_proposals = 6;
	for (i = 0; i < 6; i++) {
		memset(&d.proposals[i], 0, sizeof(d.proposals[i]));
		d.proposals[i].kind = (enum scaled_proposal_kind)i;
	}
	j = parse(&d, &text);
	props = cJSON_GetObjectItemCaseSensitive(j, "proposals");
	assert_int_equal(cJSON_GetArraySize(props), 6);
	for (i = 0; i < 6; i++)
		assert_string_equal(str(cJSON_GetArrayItem(props, (int)i), "kind"), names[i]);
	cJSON_Delete(j);
	free(text);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(scaled_stage_name(SCALED_STAGE_NONE), "none");
	assert_string_equal(scaled_stage_name(SCALED_STAGE_POLICY), "policy");
	assert_string_equal(scaled_stage_name(SCALED_STAGE_STALE), "stale");
	assert_string_equal(scaled_stage_name(SCALED_STAGE_COMBINE), "combine");
	assert_string_equal(scaled_stage_name(SCALED_STAGE_STABILIZE), "stabilize");
	assert_string_equal(scaled_stage_name(SCALED_STAGE_COOLDOWN), "cooldown");
	assert_string_equal(scaled_stage_name(SCALED_STAGE_RATE), "rate");
	assert_string_equal(scaled_stage_name(SCALED_STAGE_CLAMP), "clamp");
	assert_string_equal(scaled_stage_name(SCALED_STAGE_OVERRIDE), "override");
	assert_string_equal(scaled_stage_name(SCALED_STAGE_ACT), "act");
	assert_string_equal(scaled_stage_name((enum scaled_stage)99), "unknown");
	assert_string_equal(scaled_outcome_name(SCALED_OUTCOME_NONE), "none");
	assert_string_equal(scaled_outcome_name(SCALED_OUTCOME_PENDING), "pending");
	assert_string_equal(scaled_outcome_name(SCALED_OUTCOME_OK), "ok");
	assert_string_equal(scaled_outcome_name(SCALED_OUTCOME_FAILED), "failed");
	assert_string_equal(scaled_outcome_name(SCALED_OUTCOME_DRY_RUN), "dry_run");
	assert_string_equal(scaled_outcome_name(SCALED_OUTCOME_PAUSED), "paused");
	assert_string_equal(scaled_outcome_name((enum scaled_outcome)99), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_field),
		cmocka_unit_test(test_markets),
		cmocka_unit_test(test_unbound_is_null),
		cmocka_unit_test(test_unprintable),
		cmocka_unit_test(test_full_arrays),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
