/*
 * fuzz_aws_xml.c - the Query API's answer parsers (aws_answers.h, on
 * aws_xml.h): every input through all four, DescribeAutoScalingGroups,
 * DescribeSpotPriceHistory, DescribeInstances and the error answer.
 * Seeds: tests/fixtures/xml (answers, errors, refusals); dictionary:
 * fuzz_aws_xml.dict. Built and replayed as tests/fuzz's harnesses are
 * (xml.cmake). Invariants:
 *  - 0, -EBADMSG or -EREMOTEIO (-ENOMEM only when malloc fails);
 *  - a refusal hands nothing back and says why: -EBADMSG's message starts
 *    with the action; -EREMOTEIO's is "Code" or "Code: ...", and then the
 *    error parser reads the same input as an error answer with that code,
 *    and every answer parser says -EREMOTEIO with the same message;
 *  - an answer holds what its struct promises: names and ids not empty,
 *    counts >= 0, percentages <= 100, prices finite and >= 0, times within
 *    years 1 to 9999, spot set exactly when the lifecycle is "spot", no
 *    empty next token.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "aws_answers.h"
#include "fuzz.h"

#define T_MIN (-62135596800000LL - 86400000LL)  /* 0001-01-01 less a day of offset */
#define T_MAX (253402300799999LL + 86400000LL) /* 9999-12-31 and a day */

static void fuzz_refused(int rc, const char *err, const char *action, const void *left)
{
	FUZZ_CHECK(rc == -EBADMSG || rc == -EREMOTEIO || rc == -ENOMEM, "rc %d", rc);
	FUZZ_CHECK(!left, "%s: refused (%d) but something handed back", action, rc);
	FUZZ_CHECK(err[0], "%s: refused (%d) without a reason", action, rc);
	if (rc == -EBADMSG)
		FUZZ_CHECK(!strncmp(err, action, strlen(action)), "message '%s'", err);
}

static void fuzz_asg(const char *doc, size_t len)
{
	struct aws_asg_answer a;
	char err[320] = "";
	int rc = aws_answers_asg(doc, len, &a, err, sizeof err);

	if (rc) {
		fuzz_refused(rc, err, "DescribeAutoScalingGroups",
			     a.groups || a.n_groups || a.next_token ? "" : NULL);
		return;
	}
	FUZZ_CHECK(!a.next_token || a.next_token[0], "an empty NextToken");
	for (size_t i = 0; i < a.n_groups; i++) {
		const struct aws_asg_group *g = &a.groups[i];

		FUZZ_CHECK(g->name && g->name[0], "group %zu has no name", i);
		FUZZ_CHECK(g->min_size >= 0 && g->max_size >= 0 && g->desired >= 0, "sizes");
		FUZZ_CHECK(g->dist.on_demand_percent >= -1 && g->dist.on_demand_percent <= 100,
			   "percent %d", g->dist.on_demand_percent);
		FUZZ_CHECK(g->has_distribution || (g->dist.on_demand_base == -1 &&
						    !g->dist.spot_max_price),
			   "a distribution without one");
		for (size_t k = 0; k < g->n_instances; k++)
			FUZZ_CHECK(g->instances[k].id && g->instances[k].id[0] &&
				   g->instances[k].lifecycle_state && g->instances[k].health_status,
				   "instance %zu", k);
	}
	aws_answers_asg_free(&a);
}

static void fuzz_spot(const char *doc, size_t len)
{
	struct aws_spot_answer a;
	char err[320] = "";
	int rc = aws_answers_spot(doc, len, &a, err, sizeof err);

	if (rc) {
		fuzz_refused(rc, err, "DescribeSpotPriceHistory",
			     a.prices || a.n_prices || a.next_token ? "" : NULL);
		return;
	}
	FUZZ_CHECK(!a.next_token || a.next_token[0], "an empty nextToken");
	for (size_t i = 0; i < a.n_prices; i++) {
		const struct aws_spot_price *p = &a.prices[i];

		FUZZ_CHECK(p->instance_type[0] && p->zone[0] && p->product[0], "price %zu", i);
		FUZZ_CHECK(isfinite(p->price) && p->price >= 0, "price %g", p->price);
		FUZZ_CHECK(p->t_ms >= T_MIN && p->t_ms <= T_MAX, "time %lld", (long long)p->t_ms);
	}
	aws_answers_spot_free(&a);
}

static void fuzz_instances(const char *doc, size_t len)
{
	struct aws_instances_answer a;
	char err[320] = "";
	int rc = aws_answers_instances(doc, len, &a, err, sizeof err);

	if (rc) {
		fuzz_refused(rc, err, "DescribeInstances",
			     a.instances || a.n_instances || a.next_token ? "" : NULL);
		return;
	}
	FUZZ_CHECK(!a.next_token || a.next_token[0], "an empty nextToken");
	for (size_t i = 0; i < a.n_instances; i++) {
		const struct aws_ec2_instance *in = &a.instances[i];

		FUZZ_CHECK(in->id[0] && in->state[0] && in->instance_type[0], "instance %zu", i);
		FUZZ_CHECK(in->spot == (in->lifecycle && !strcmp(in->lifecycle, "spot")), "spot");
		FUZZ_CHECK(in->launch_ms == -1 || (in->launch_ms >= T_MIN && in->launch_ms <= T_MAX),
			   "launch %lld", (long long)in->launch_ms);
		for (size_t t = 0; t < in->n_tags; t++)
			FUZZ_CHECK(in->tags[t].key[0] && in->tags[t].value, "tag %zu", t);
	}
	aws_answers_instances_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *doc = (const char *)data;
	struct aws_error_answer e;
	struct aws_spot_answer s;
	char err[320] = "", again[320] = "";
	int rc;

	fuzz_asg(doc, size);
	fuzz_spot(doc, size);
	fuzz_instances(doc, size);

	rc = aws_answers_error(doc, size, &e, err, sizeof err);
	if (rc) {
		fuzz_refused(rc, err, "error answer", e.code || e.message ? "" : NULL);
		return 0;
	}
	FUZZ_CHECK(e.code && e.code[0] && e.message, "an error without a code");
	/* err starts with the code, control bytes as spaces (or is cut short) */
	for (size_t i = 0; err[i] && e.code[i]; i++) {
		unsigned char c = (unsigned char)e.code[i];

		FUZZ_CHECK(err[i] == (c < 0x20 || c == 0x7f ? ' ' : (char)c),
			   "message '%s' for code '%s'", err, e.code);
	}
	/* every answer's parser sees the same error */
	rc = aws_answers_spot(doc, size, &s, again, sizeof again);
	FUZZ_CHECK(rc == -EREMOTEIO && !strcmp(err, again), "rc %d, '%s' vs '%s'", rc, err, again);
	aws_answers_error_free(&e);
	return 0;
}
