/*
 * spot_fleet.c - the target aws.spot_fleet (docs/aws.spot_fleet.md): an EC2 Spot Fleet
 * request of type maintain, in its weighted units. Each poll is one signed
 * DescribeSpotFleetRequests for the request, reported as the target's
 * state (TargetCapacity desired, FulfilledCapacity current, on-demand and
 * spot units). Each apply is a DescribeSpotFleetRequests (is the request
 * active, of type maintain?) then a ModifySpotFleetRequest of
 * TargetCapacity and, when the group has a market mix, of
 * OnDemandTargetCapacity (SCALED_KIND_APPLIES_MIX). One request in flight
 * at a time; an apply that comes while a poll's Describe is in flight
 * goes on from that Describe's answer. destroy cancels what is pending.
 * The answers are read by aws_fleet_answer.c, the calls made by aws_call.c,
 * why they failed said by aws_call.c.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_call.h"
#include "aws_client.h"
#include "aws_fleet_answer.h"
#include "aws_plugin.h"
#include "aws_query.h"

#define host aws_host

#define FLEET_DESCRIBE "DescribeSpotFleetRequests"
#define FLEET_MODIFY "ModifySpotFleetRequest"
#define FLEET_MAX_ANSWER (1u << 20) /* one request's config: a few KiB */

enum { K_REQUEST_ID, K_REGION, K_PROFILE, K_ENDPOINT, K_TIMEOUT };

static const struct scaled_key fleet_keys[] = {
	[K_REQUEST_ID] = { "request_id", SCALED_KEY_STRING, NULL, 1,
			   "the Spot Fleet request's id, \"sfr-...\" (type maintain)" },
	[K_REGION] = AWS_CLIENT_KEY_REGION,
	[K_PROFILE] = AWS_CLIENT_KEY_PROFILE,
	[K_ENDPOINT] = AWS_CLIENT_KEY_ENDPOINT("EC2"),
	[K_TIMEOUT] = AWS_CLIENT_KEY_TIMEOUT,
	{ NULL, 0, NULL, 0, NULL },
};

struct fleet {
	struct aws_client c; /* region, endpoint, credentials, errors logged once */
	char *id;            /* "sfr-..." */
	void *pending;       /* the request in flight */
	int activity_error;  /* the last answer's activityStatus was "error" */
	int has_state;       /* st holds a report */
	struct scaled_target_state st;
	/* the apply in progress: its Describe (maybe a poll's), then its Modify */
	int applying;
	uint64_t token;
	int want_total;
	int want_od;         /* OnDemandTargetCapacity to send; -1: none */
	int base, percent;   /* the mix it came from, for the message */
};

/* "sfr-" and 8 to 64 lower-case hex digits and '-' (AWS: a UUID; moto:
 * 17 hex digits). */
static int fleet_id_ok(const char *s)
{
	size_t n;

	if (strncmp(s, "sfr-", 4) != 0)
		return 0;
	n = strlen(s + 4);
	return n >= 8 && n <= 64 && strspn(s + 4, "0123456789abcdef-") == n;
}

static void fleet_free(struct fleet *f)
{
	if (!f)
		return;
	free(f->id);
	aws_client_clear(&f->c);
	free(f);
}

static int fleet_create(struct scaled_instance *inst, const struct scaled_value *cfg,
			void **state, char *err, size_t errlen)
{
	struct fleet *f;
	const char *id = cfg[K_REQUEST_ID].u.str;
	int rc;

	if (!fleet_id_ok(id)) {
		snprintf(err, errlen, "request_id: \"%.80s\" is not a Spot Fleet request id: want "
			 "\"sfr-\" and 8 to 64 lower-case hex digits and dashes, like "
			 "\"sfr-12345678-90ab-cdef-1234-567890abcdef\"", id);
		return -EINVAL;
	}
	if (!(f = calloc(1, sizeof *f)) || !(f->id = strdup(id))) {
		free(f);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	aws_client_init(&f->c, inst, "ec2", FLEET_DESCRIBE);
	rc = aws_client_timeout(&f->c, &cfg[K_TIMEOUT], err, errlen);
	if (rc == 0)
		rc = aws_client_resolve(&f->c, "EC2", AWS_KEY_OR_NULL(cfg[K_PROFILE]),
				AWS_KEY_OR_NULL(cfg[K_REGION]), AWS_KEY_OR_NULL(cfg[K_ENDPOINT]),
				err, errlen);
	if (rc < 0) {
		fleet_free(f);
		return rc;
	}
	*state = f;
	return 0;
}

static void fleet_destroy(void *state)
{
	struct fleet *f = state;

	host->http_cancel(f->pending);
	fleet_free(f);
}

/* The apply in progress ends with status and msg. */
static void fleet_apply_end(struct fleet *f, int status, const char *msg)
{
	if (!f->applying)
		return;
	f->applying = 0;
	host->apply_done(f->c.inst, f->token, status, msg);
}

/* A Describe that gave no usable answer: logged once (the next polls
 * report it to the core), and the apply waiting on it fails. */
static void fleet_fail(struct fleet *f, const char *why)
{
	char msg[600];

	aws_client_fail(&f->c, why);
	snprintf(msg, sizeof msg, "%s: %s", FLEET_DESCRIBE, why);
	fleet_apply_end(f, -EIO, msg);
}

/* Whether q can be reported (0) and modified (0 too), or why not: -EBUSY
 * for a request in a passing state (reported, not modified now),
 * -ENOTSUP for a one-time fleet and -ESHUTDOWN for one that is over
 * (neither reported). why is set unless 0. */
static int fleet_usable(const struct fleet *f, const struct aws_fleet_request *q, char *why,
			size_t whylen)
{
	if (q->type && strcmp(q->type, "maintain") != 0) {
		snprintf(why, whylen, "%s is of type '%s': AWS modifies only fleets of type "
			 "'maintain', so scaled cannot set its capacity (request a fleet that "
			 "maintains its target capacity)", f->id, q->type);
		return -ENOTSUP;
	}
	if (!strcmp(q->state, "active"))
		return 0;
	if (!strcmp(q->state, "modifying") || !strcmp(q->state, "submitted")) {
		snprintf(why, whylen, "%s is %s: AWS modifies only an active fleet; the "
			 "group's next decision tries again", f->id, q->state);
		return -EBUSY;
	}
	snprintf(why, whylen, "%s is %s: it launches nothing more and cannot be modified "
		 "(point request_id at an active fleet)", f->id, q->state);
	return -ESHUTDOWN;
}

/* Units in whole numbers: a fleet of fractional weights counts the whole
 * units it has, so it never shows its target reached before it is. */
static void fleet_report(struct fleet *f, const struct aws_fleet_request *q)
{
	int cur = (int)floor(q->fulfilled), od = (int)floor(q->on_demand_fulfilled);

	if (od > cur)
		od = cur;
	f->st = (struct scaled_target_state){
		.struct_size = sizeof f->st,
		.current = cur,
		.desired = q->target,
		.starting = q->target > cur ? q->target - cur : 0,
		.stopping = 0,
		.spot = cur - od,
		.on_demand = od,
	};
	f->has_state = 1;
	host->report_target(f->c.inst, &f->st);
	if (q->activity && !strcmp(q->activity, "error")) {
		if (!f->activity_error)
			host->log(f->c.inst, SCALED_LOG_WARN, "%s: activity status 'error': EC2 "
				  "could not launch some of it (see its history: "
				  "DescribeSpotFleetRequestHistory)", f->id);
		f->activity_error = 1;
	} else {
		f->activity_error = 0;
	}
}

static void fleet_modified(void *arg, const struct scaled_http_response *res)
{
	struct fleet *f = arg;
	char reason[512] = "", why[512], msg[600];
	int rc;

	f->pending = NULL;
	rc = aws_fleet_answer_modify(res->body, res->body_len, reason, sizeof reason);
	if (aws_client_why_read(res, rc, reason, why, sizeof why) < 0) {
		snprintf(msg, sizeof msg, "%s: %s", FLEET_MODIFY, why);
		host->log(f->c.inst, SCALED_LOG_ERROR, "%s", msg);
		fleet_apply_end(f, -EIO, msg);
		return;
	}
	if (f->want_od >= 0)
		snprintf(msg, sizeof msg, "TargetCapacity %d -> %d units, OnDemandTargetCapacity "
			 "%d (on_demand_base %d, on_demand_percent %d)", f->st.desired,
			 f->want_total, f->want_od, f->base, f->percent);
	else
		snprintf(msg, sizeof msg, "TargetCapacity %d -> %d units", f->st.desired,
			 f->want_total);
	host->log(f->c.inst, SCALED_LOG_INFO, "%s %s: %s", FLEET_MODIFY, f->id, msg);
	/* what AWS now holds, until the next poll says more */
	f->st.desired = f->want_total;
	f->st.starting = f->want_total > f->st.current ? f->want_total - f->st.current : 0;
	host->report_target(f->c.inst, &f->st);
	fleet_apply_end(f, 0, msg);
}

static void fleet_modify(struct fleet *f)
{
	struct aws_form form = { 0 };
	char n[16], err[256], msg[300];

	aws_form_add(&form, "Action", FLEET_MODIFY);
	aws_form_add(&form, "Version", "2016-11-15");
	aws_form_add(&form, "SpotFleetRequestId", f->id);
	snprintf(n, sizeof n, "%d", f->want_total);
	aws_form_add(&form, "TargetCapacity", n);
	if (f->want_od >= 0) {
		snprintf(n, sizeof n, "%d", f->want_od);
		aws_form_add(&form, "OnDemandTargetCapacity", n);
	}
	f->pending = aws_client_call_query(&f->c, &form, 64u << 10, fleet_modified, f, err,
					   sizeof err);
	aws_form_free(&form);
	if (!f->pending) {
		snprintf(msg, sizeof msg, "%s: %s", FLEET_MODIFY, err);
		fleet_apply_end(f, -EIO, msg);
	}
}

static void fleet_described(void *arg, const struct scaled_http_response *res)
{
	struct fleet *f = arg;
	struct aws_fleet_answer a;
	const struct aws_fleet_request *q = NULL;
	char reason[512] = "", why[512];
	int rc;

	f->pending = NULL;
	rc = aws_fleet_answer_describe(res->body, res->body_len, &a, reason, sizeof reason);
	if (aws_client_why_read(res, rc, reason, why, sizeof why) < 0) {
		if (rc == 0)
			aws_fleet_answer_free(&a);
		fleet_fail(f, why);
		return;
	}
	for (size_t i = 0; i < a.n_requests && !q; i++)
		if (!strcmp(a.requests[i].id, f->id))
			q = &a.requests[i];
	if (!q) {
		snprintf(why, sizeof why, "no Spot Fleet request %s in the answer (another region "
			 "or account?)", f->id);
		rc = -ENOENT;
	} else {
		rc = fleet_usable(f, q, why, sizeof why);
	}
	if (rc == -ENOENT || rc == -ENOTSUP || rc == -ESHUTDOWN) {
		aws_fleet_answer_free(&a);
		fleet_fail(f, why);
		return;
	}
	fleet_report(f, q);
	aws_fleet_answer_free(&a);
	if (aws_client_recovered(&f->c))
		host->log(f->c.inst, SCALED_LOG_INFO, "%s answers again", FLEET_DESCRIBE);
	if (!f->applying)
		return;
	if (rc == -EBUSY) {
		host->log(f->c.inst, SCALED_LOG_WARN, "%s", why);
		fleet_apply_end(f, -EBUSY, why);
		return;
	}
	fleet_modify(f);
}

static int fleet_describe(struct fleet *f, char *err, size_t errlen)
{
	struct aws_form form = { 0 };

	aws_form_add(&form, "Action", FLEET_DESCRIBE);
	aws_form_add(&form, "Version", "2016-11-15");
	aws_form_add(&form, "SpotFleetRequestId.1", f->id);
	f->pending = aws_client_call_query(&f->c, &form, FLEET_MAX_ANSWER, fleet_described, f,
					   err, errlen);
	aws_form_free(&form);
	return f->pending ? 0 : -EIO;
}

static void fleet_again(void *arg);

/* Start a Describe unless a request is in flight (its answer serves). */
static int fleet_start(struct fleet *f, char *err, size_t errlen)
{
	int rc;

	if (f->pending)
		return 0;
	rc = aws_client_ready(&f->c, fleet_again, f, err, errlen);
	if (rc == -EAGAIN)
		return 0; /* fleet_again starts it once they are there */
	if (rc < 0)
		return rc;
	return fleet_describe(f, err, errlen);
}

/* The credentials came (or failed to): go on now, not a period later. */
static void fleet_again(void *arg)
{
	struct fleet *f = arg;
	char err[256];

	if (fleet_start(f, err, sizeof err) < 0)
		fleet_fail(f, err);
}

static int fleet_poll(void *state, char *err, size_t errlen)
{
	struct fleet *f = state;

	return aws_client_collect_rc(&f->c, fleet_start(f, err, errlen), err, errlen);
}

/* The end of the 1.2 members of a want: a core before 1.2 sends a shorter
 * one, whose mix is "leave as it is". */
#define FLEET_WANT_SIZE_1_2 (offsetof(struct scaled_target_want, on_demand_percent) + sizeof(int))

static int fleet_apply(void *state, const struct scaled_target_want *want, uint64_t token,
		       char *err, size_t errlen)
{
	struct fleet *f = state;
	int mix = want->struct_size >= FLEET_WANT_SIZE_1_2;
	int base = mix ? want->on_demand_base : -1, percent = mix ? want->on_demand_percent : -1;
	int rc;

	if (f->applying) {
		snprintf(err, errlen, "an apply is still in progress");
		return -EBUSY;
	}
	if (want->desired < 0 || base > 1000000 || percent > 100) {
		snprintf(err, errlen, "capacity %d, on_demand_base %d, on_demand_percent %d: "
			 "out of range", want->desired, base, percent);
		return -EINVAL;
	}
	f->want_total = want->desired;
	f->want_od = -1;
	if (base >= 0 || percent >= 0) {
		/* one given alone: the other as AWS's default (base 0, 100 %) */
		f->base = base >= 0 ? base : 0;
		f->percent = percent >= 0 ? percent : 100;
		f->want_od = scaled_mix_on_demand(f->want_total, f->base, f->percent);
	}
	f->token = token;
	f->applying = 1;
	rc = fleet_start(f, err, errlen);
	if (rc < 0)
		f->applying = 0; /* not started: no apply_done */
	return rc;
}

const struct scaled_kind aws_spot_fleet_kind = {
	.struct_size = sizeof(struct scaled_kind),
	.name = "aws.spot_fleet",
	.role = SCALED_ROLE_TARGET,
	.help = "an EC2 Spot Fleet request (type maintain) in weighted units: "
		"DescribeSpotFleetRequests, ModifySpotFleetRequest with the on-demand part",
	.keys = fleet_keys,
	.create = fleet_create,
	.destroy = fleet_destroy,
	.poll = fleet_poll,
	.apply = fleet_apply,
	.flags = SCALED_KIND_APPLIES_MIX,
};
