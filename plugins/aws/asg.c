/*
 * asg.c - the target aws.asg (docs/aws.asg.md): an EC2 Auto Scaling group. Each
 * poll is one signed DescribeAutoScalingGroups (Query API, read with
 * aws_answers_asg) reported to the core; each apply is one
 * SetDesiredCapacity, or one UpdateAutoScalingGroup carrying the capacity
 * and the group's whole InstancesDistribution when the market mix changes
 * (asg_plan.c decides, asg_form.c builds the form).
 *
 * One request in flight at a time (a.req): an apply that comes while a
 * Describe is in flight waits for its answer and is planned on it; a poll
 * that comes while an apply is in flight is put off until the apply ends,
 * and a Describe follows every successful apply at once. At most one apply
 * is queued or in flight (another is refused, -EBUSY). destroy cancels the
 * request in flight. The instance owns everything below; secrets stay in
 * aws_client.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asg_form.h"
#include "asg_plan.h"
#include "aws_answers.h"
#include "aws_call.h"
#include "aws_client.h"
#include "aws_plugin.h"
#include "aws_query.h"

#define host aws_host

#define DESCRIBE "DescribeAutoScalingGroups"

enum { K_NAME, K_REGION, K_PROFILE, K_ENDPOINT, K_HONOR_COOLDOWN, K_TIMEOUT };

static const struct scaled_key asg_keys[] = {
	[K_NAME] = { "name", SCALED_KEY_STRING, NULL, 1, "the Auto Scaling group's name" },
	[K_REGION] = AWS_CLIENT_KEY_REGION,
	[K_PROFILE] = AWS_CLIENT_KEY_PROFILE,
	[K_ENDPOINT] = AWS_CLIENT_KEY_ENDPOINT("AUTO_SCALING"),
	[K_HONOR_COOLDOWN] = { "honor_cooldown", SCALED_KEY_BOOL, "false", 0,
			       "SetDesiredCapacity waits for the group's cooldown (HonorCooldown)" },
	[K_TIMEOUT] = AWS_CLIENT_KEY_TIMEOUT,
	{ NULL, 0, NULL, 0, NULL },
};

/* The end of the 1.2 members of a want: a core before 1.2 sends a shorter
 * one, whose mix is "leave as it is". */
#define ASG_WANT_SIZE_1_2 (offsetof(struct scaled_target_want, on_demand_percent) + sizeof(int))

struct asg {
	struct aws_client c; /* DescribeAutoScalingGroups' errors logged once */
	char *name;
	int honor_cooldown;
	void *req;           /* the one request in flight, or NULL */
	int req_is_apply;    /* it is the apply's */
	int poll_after;      /* Describe once the request in flight ends */
	/* the apply queued or in flight (applying), and what it sends */
	int applying;
	uint64_t token;
	int want_desired, want_base, want_percent;
	struct asg_plan plan;
	char *apply_error;   /* the last apply failure logged */
	/* the last Describe answer, and our group in it (NULL: none yet) */
	struct aws_asg_answer seen;
	struct aws_asg_group *g;
	int warned_no_policy, warned_max, warned_min; /* the MaxSize/MinSize warned of, or -1 */
};

static void asg_free(struct asg *a)
{
	if (!a)
		return;
	free(a->name);
	free(a->apply_error);
	aws_answers_asg_free(&a->seen);
	aws_client_clear(&a->c);
	free(a);
}

static int asg_create(struct scaled_instance *inst, const struct scaled_value *cfg,
		      void **state, char *err, size_t errlen)
{
	struct asg *a = calloc(1, sizeof *a);
	int rc;

	if (!a) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	aws_client_init(&a->c, inst, "autoscaling", DESCRIBE);
	a->honor_cooldown = cfg[K_HONOR_COOLDOWN].u.boolean;
	a->warned_max = a->warned_min = -1;
	rc = aws_client_timeout(&a->c, &cfg[K_TIMEOUT], err, errlen);
	if (rc == 0)
		rc = asg_name_check(cfg[K_NAME].u.str, err, errlen);
	if (rc == 0 && !(a->name = strdup(cfg[K_NAME].u.str))) {
		snprintf(err, errlen, "out of memory");
		rc = -ENOMEM;
	}
	/* the service id "Auto Scaling": AWS_ENDPOINT_URL_AUTO_SCALING */
	if (rc == 0)
		rc = aws_client_resolve(&a->c, "Auto Scaling", AWS_KEY_OR_NULL(cfg[K_PROFILE]),
					AWS_KEY_OR_NULL(cfg[K_REGION]),
					AWS_KEY_OR_NULL(cfg[K_ENDPOINT]), err, errlen);
	if (rc < 0) {
		asg_free(a);
		return rc;
	}
	*state = a;
	return 0;
}

static void asg_destroy(void *state)
{
	struct asg *a = state;

	host->http_cancel(a->req);
	asg_free(a);
}

static int asg_failed(const struct scaled_http_response *res)
{
	return res->error || res->status < 200 || res->status > 299;
}

/* Sign f and start it as the one request; f is freed either way. */
static int asg_send(struct asg *a, struct aws_form *f, scaled_http_done done, size_t max,
		    char *err, size_t errlen)
{
	a->req = aws_client_call_query(&a->c, f, max, done, a, err, errlen);
	aws_form_free(f);
	return a->req ? 0 : -EIO;
}

static void asg_next(struct asg *a);

/* ------------------------------------------------------------- poll -- */

/* The group's bounds against a capacity asked for: warned once per bound
 * (AWS refuses a capacity outside them; the farm's min/max are not visible
 * to a target). */
static void asg_bounds(struct asg *a, int desired)
{
	if (!a->g)
		return;
	if (desired > a->g->max_size && a->warned_max != a->g->max_size) {
		a->warned_max = a->g->max_size;
		host->log(a->c.inst, SCALED_LOG_WARN, "capacity %d is above group '%s''s MaxSize "
			  "%d: AWS refuses it; raise MaxSize or lower the farm group's max",
			  desired, a->name, a->g->max_size);
	}
	if (desired < a->g->min_size && a->warned_min != a->g->min_size) {
		a->warned_min = a->g->min_size;
		host->log(a->c.inst, SCALED_LOG_WARN, "capacity %d is below group '%s''s MinSize "
			  "%d: AWS refuses it; lower MinSize or raise the farm group's min",
			  desired, a->name, a->g->min_size);
	}
}

static void asg_polled(void *arg, const struct scaled_http_response *res)
{
	struct asg *a = arg;
	struct aws_asg_answer ans;
	struct scaled_target_state st;
	char why[512];

	a->req = NULL;
	if (asg_failed(res)) {
		aws_client_why(res, why, sizeof why);
		aws_client_fail(&a->c, why);
		goto next;
	}
	if (aws_answers_asg(res->body, res->body_len, &ans, why, sizeof why) < 0) {
		/* the reader's reason starts with the action, as the log's does */
		if (strncmp(why, DESCRIBE ": ", strlen(DESCRIBE ": ")) == 0)
			memmove(why, why + strlen(DESCRIBE ": "),
				strlen(why + strlen(DESCRIBE ": ")) + 1);
		aws_client_fail(&a->c, why);
		goto next;
	}
	if (!asg_find(&ans, a->name)) {
		snprintf(why, sizeof why, "no Auto Scaling group named '%s' in %s (at %s)", a->name,
			 a->c.region, a->c.ep.url);
		aws_answers_asg_free(&ans);
		aws_client_fail(&a->c, why);
		goto next;
	}
	aws_answers_asg_free(&a->seen);
	a->seen = ans;
	a->g = asg_find(&a->seen, a->name);
	asg_state(a->g, &st);
	host->report_target(a->c.inst, &st);
	if (!a->g->has_distribution && !a->warned_no_policy) {
		a->warned_no_policy = 1;
		host->log(a->c.inst, SCALED_LOG_INFO, "group '%s' has no MixedInstancesPolicy: "
			  "units per market unknown, no market mix can be applied", a->name);
	}
	if (aws_client_recovered(&a->c))
		host->log(a->c.inst, SCALED_LOG_INFO, DESCRIBE " answers again");
next:
	asg_next(a);
}

static int asg_describe(struct asg *a, char *err, size_t errlen)
{
	struct aws_form f;
	int rc = asg_form_describe(&f, a->name, err, errlen);

	if (rc < 0)
		return rc;
	a->req_is_apply = 0;
	/* a group of a few thousand instances is a few MiB */
	return asg_send(a, &f, asg_polled, 8u << 20, err, errlen);
}

static void asg_again(void *arg)
{
	asg_next(arg);
}

static int asg_poll(void *state, char *err, size_t errlen)
{
	struct asg *a = state;
	int rc;

	if (a->req || a->applying) {
		/* the answer still coming, or an apply first: a Describe follows */
		a->poll_after |= a->req_is_apply || a->applying;
		return 0;
	}
	rc = aws_client_ready(&a->c, asg_again, a, err, errlen);
	if (rc == -EAGAIN) {
		a->poll_after = 1; /* asg_again polls once they are there */
		return 0;
	}
	if (rc < 0)
		return rc;
	rc = asg_describe(a, err, errlen);
	return aws_client_collect_rc(&a->c, rc, err, errlen);
}

/* ------------------------------------------------------------ apply -- */

/* End the apply: the core told, the failure logged once per message. */
static void asg_applied_with(struct asg *a, int status, const char *msg)
{
	uint64_t token = a->token;

	a->applying = 0;
	if (status < 0 && (!a->apply_error || strcmp(a->apply_error, msg) != 0)) {
		host->log(a->c.inst, SCALED_LOG_ERROR, "%s", msg);
		free(a->apply_error);
		a->apply_error = strdup(msg);
	} else if (status == 0) {
		free(a->apply_error);
		a->apply_error = NULL;
	}
	host->apply_done(a->c.inst, token, status, msg);
}

static const char *asg_action_name(const struct asg_plan *p)
{
	return p->action == ASG_UPDATE ? "UpdateAutoScalingGroup" : "SetDesiredCapacity";
}

static void asg_applied(void *arg, const struct scaled_http_response *res)
{
	struct asg *a = arg;
	char why[512], msg[600];

	a->req = NULL;
	if (asg_failed(res)) {
		aws_client_why(res, why, sizeof why);
		snprintf(msg, sizeof msg, "%s: %s", asg_action_name(&a->plan), why);
		asg_applied_with(a, res->status ? -EREMOTEIO : -EIO, msg);
	} else {
		if (a->plan.action == ASG_UPDATE) {
			host->log(a->c.inst, SCALED_LOG_INFO, "UpdateAutoScalingGroup: capacity %d, "
				  "on_demand_base %d, on_demand_percent %d", a->plan.desired,
				  a->plan.base, a->plan.percent);
			/* the group holds this mix now, whether or not the Describe
			 * after it answers: the next apply is planned on it */
			if (a->g) {
				a->g->dist.on_demand_base = a->plan.base;
				a->g->dist.on_demand_percent = a->plan.percent;
			}
		} else {
			host->log(a->c.inst, SCALED_LOG_INFO, "SetDesiredCapacity: %d",
				  a->plan.desired);
		}
		asg_applied_with(a, 0, NULL);
	}
	a->poll_after = 1; /* see what came of it */
	asg_next(a);
}

/* Plan the queued apply on the last answer and send it. */
static int asg_apply_send(struct asg *a, char *err, size_t errlen)
{
	struct aws_form f;
	int rc;

	rc = asg_plan(a->g, a->name, a->want_desired, a->want_base, a->want_percent, &a->plan, err,
		      errlen);
	if (rc < 0)
		return rc;
	asg_bounds(a, a->plan.desired);
	if (a->plan.action == ASG_UPDATE)
		rc = asg_form_update(&f, a->name, a->plan.desired, &a->g->dist, a->plan.base,
				     a->plan.percent, err, errlen);
	else
		rc = asg_form_set_desired(&f, a->name, a->plan.desired, a->honor_cooldown, err,
					  errlen);
	if (rc < 0)
		return rc;
	a->req_is_apply = 1;
	return asg_send(a, &f, asg_applied, 64u << 10, err, errlen);
}

/* What waits goes, once nothing is in flight: the apply first, then a
 * Describe put off. */
static void asg_next(struct asg *a)
{
	char err[512];
	int rc;

	if (a->req || (!a->applying && !a->poll_after))
		return;
	rc = aws_client_ready(&a->c, asg_again, a, err, sizeof err);
	if (rc == -EAGAIN)
		return;
	if (a->applying) {
		if (rc == 0)
			rc = asg_apply_send(a, err, sizeof err);
		if (rc < 0)
			asg_applied_with(a, rc, err);
		if (a->req)
			return;
	}
	if (a->poll_after) {
		a->poll_after = 0;
		if (rc == 0)
			rc = asg_describe(a, err, sizeof err);
		if (rc < 0)
			aws_client_fail(&a->c, err);
	}
}

static int asg_apply(void *state, const struct scaled_target_want *want, uint64_t token,
		     char *err, size_t errlen)
{
	struct asg *a = state;
	int mix = want->struct_size >= ASG_WANT_SIZE_1_2;
	int rc;

	if (a->applying) {
		snprintf(err, errlen, "an apply to group '%s' is still in flight; one at a time",
			 a->name);
		return -EBUSY;
	}
	a->want_desired = want->desired;
	a->want_base = mix ? want->on_demand_base : -1;
	a->want_percent = mix ? want->on_demand_percent : -1;
	a->token = token;
	if (a->req) {
		a->applying = 1; /* after the Describe in flight, on its answer */
		return 0;
	}
	rc = aws_client_ready(&a->c, asg_again, a, err, errlen);
	if (rc == -EAGAIN) {
		a->applying = 1; /* asg_again sends it */
		return 0;
	}
	if (rc == 0)
		rc = asg_apply_send(a, err, errlen);
	if (rc < 0)
		return rc; /* not started: no apply_done */
	a->applying = 1;
	return 0;
}

const struct scaled_kind aws_asg_kind = {
	.struct_size = sizeof(struct scaled_kind),
	.name = "aws.asg",
	.role = SCALED_ROLE_TARGET,
	.help = "an EC2 Auto Scaling group: DescribeAutoScalingGroups, SetDesiredCapacity, "
		"its market mix through UpdateAutoScalingGroup",
	.keys = asg_keys,
	.create = asg_create,
	.destroy = asg_destroy,
	.poll = asg_poll,
	.apply = asg_apply,
	.flags = SCALED_KIND_APPLIES_MIX,
};
