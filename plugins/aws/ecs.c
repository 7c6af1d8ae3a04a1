/*
 * ecs.c - the target aws.ecs (docs/aws.ecs.md): an ECS service's task count.
 * poll: one signed DescribeServices in ECS's JSON 1.1 protocol (aws_json.c);
 * running, desired and pending tasks reported as current, desired and
 * starting. apply: one UpdateService with the desiredCount; its answer
 * (the service as it now is) is reported and ends the action.
 *
 * One request in flight at a time. An apply that finds a poll in flight
 * cancels it (a read: nothing is lost) and sends UpdateService at once,
 * whose answer describes the service as the poll would have; a poll that
 * comes while an apply is waiting (for its answer, or for credentials)
 * does nothing. So an apply is never dropped nor made to wait for a poll.
 * aws_ecs_answer.c reads the answers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws_call.h"
#include "aws_client.h"
#include "aws_ecs_answer.h"
#include "aws_plugin.h"

#define host aws_host

#define ECS_TYPE "application/x-amz-json-1.1"
#define ECS_PREFIX "AmazonEC2ContainerServiceV20141113."
#define ECS_MAX_ARN 1600
/* what done() is told of a request still pending when the engine stops
 * (plugin.h): not a failure of AWS's, not logged */
#define ECS_STOPPED "cancelled: the engine stopped running"

enum { K_CLUSTER, K_SERVICE, K_REGION, K_PROFILE, K_ENDPOINT, K_TIMEOUT };

static const struct scaled_key ecs_keys[] = {
	[K_CLUSTER] = { "cluster", SCALED_KEY_STRING, "default", 0,
			"the cluster's name or ARN (default: the cluster named default, as AWS)" },
	[K_SERVICE] = { "service", SCALED_KEY_STRING, NULL, 1, "the service's name or ARN" },
	[K_REGION] = AWS_CLIENT_KEY_REGION,
	[K_PROFILE] = AWS_CLIENT_KEY_PROFILE,
	[K_ENDPOINT] = AWS_CLIENT_KEY_ENDPOINT("ECS"),
	[K_TIMEOUT] = AWS_CLIENT_KEY_TIMEOUT,
	{ NULL, 0, NULL, 0, NULL },
};

enum ecs_req { ECS_DESCRIBE, ECS_UPDATE };

struct ecs {
	struct aws_client c;  /* region, endpoint, credentials, errors logged once */
	char *cluster;
	char *service;
	const char *name;     /* service when it is a name (checked in answers), else NULL */
	char *describe;       /* DescribeServices' body, the same each poll */
	void *pending;        /* the request in flight (an update while applying) */
	int applying;         /* an apply taken and not yet done */
	int want;             /* its desiredCount */
	uint64_t token;
};

/* A name (1 to 255 of letters, digits, '-', '_') or an ARN: 1 when it is a
 * name, 0 when an ARN, -EINVAL (err set) when neither. */
static int ecs_check_id(const char *key, const char *s, char *err, size_t errlen)
{
	size_t n = strlen(s), i;

	if (n >= 1 && n <= 255 &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == n)
		return 1;
	if (!strncmp(s, "arn:", 4) && n <= ECS_MAX_ARN) {
		for (i = 0; i < n; i++)
			if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f ||
			    s[i] == '"' || s[i] == '\\')
				break;
		if (i == n)
			return 0;
	}
	snprintf(err, errlen, "%s: \"%.100s\" is neither a name (1 to 255 letters, digits, '-' "
		 "and '_') nor an ARN (\"arn:aws:ecs:REGION:ACCOUNT:%s/...\", no spaces)", key, s,
		 key);
	for (i = 0; err[i]; i++)
		if ((unsigned char)err[i] < 0x20)
			err[i] = '?';
	return -EINVAL;
}

static void ecs_free(struct ecs *e)
{
	if (!e)
		return;
	free(e->cluster);
	free(e->service);
	free(e->describe);
	aws_client_clear(&e->c);
	free(e);
}

static int ecs_create(struct scaled_instance *inst, const struct scaled_value *cfg,
		      void **state, char *err, size_t errlen)
{
	struct ecs *e = calloc(1, sizeof *e);
	cJSON *o = NULL, *list = NULL;
	int rc, is_name = 0;

	if (!e) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	aws_client_init(&e->c, inst, "ecs", "DescribeServices");
	rc = ecs_check_id("cluster", cfg[K_CLUSTER].u.str, err, errlen);
	if (rc >= 0)
		rc = is_name = ecs_check_id("service", cfg[K_SERVICE].u.str, err, errlen);
	if (rc >= 0) {
		/* {"cluster": c, "services": [s]} */
		o = cJSON_CreateObject();
		e->cluster = strdup(cfg[K_CLUSTER].u.str);
		e->service = strdup(cfg[K_SERVICE].u.str);
		if (e->service)
			list = cJSON_CreateStringArray((const char *const *)&e->service, 1);
		if (!o || !list || !e->cluster ||
		    !cJSON_AddStringToObject(o, "cluster", e->cluster) ||
		    !cJSON_AddItemToObject(o, "services", list)) {
			cJSON_Delete(list); /* not o's */
			rc = -ENOMEM;
		} else if (!(e->describe = cJSON_PrintUnformatted(o))) {
			rc = -ENOMEM;
		}
		if (rc == -ENOMEM)
			snprintf(err, errlen, "out of memory");
		e->name = is_name ? e->service : NULL;
		cJSON_Delete(o);
	}
	if (rc >= 0)
		rc = aws_client_timeout(&e->c, &cfg[K_TIMEOUT], err, errlen);
	if (rc >= 0)
		rc = aws_client_resolve(&e->c, "ECS", AWS_KEY_OR_NULL(cfg[K_PROFILE]),
					AWS_KEY_OR_NULL(cfg[K_REGION]),
					AWS_KEY_OR_NULL(cfg[K_ENDPOINT]), err, errlen);
	if (rc < 0) {
		ecs_free(e);
		return rc;
	}
	*state = e;
	return 0;
}

static void ecs_destroy(void *state)
{
	struct ecs *e = state;

	host->http_cancel(e->pending);
	ecs_free(e);
}

static void ecs_report(struct ecs *e, const struct aws_ecs_service *s)
{
	struct scaled_target_state st = {
		.struct_size = sizeof st,
		.current = s->running,
		.desired = s->desired,
		.starting = s->pending,
		/* tasks above the desired count, which ECS is stopping (or will) */
		.stopping = s->running > s->desired ? s->running - s->desired : 0,
		.spot = -1,
		.on_demand = -1,
	};

	host->report_target(e->c.inst, &st);
}

/* Read res with reader: 0 and *s, or a negative errno with the reason in
 * why: AWS's own error ("Code: message"), the HTTP client's reason, or
 * what the reader refused. */
static int ecs_read(const struct scaled_http_response *res,
		    int (*reader)(const char *, size_t, const char *, struct aws_ecs_service *,
				  char *, size_t),
		    const char *name, struct aws_ecs_service *s, char *why, size_t whylen)
{
	int rc = aws_client_why(res, why, whylen);

	if (rc < 0)
		return rc;
	return reader(res->body, res->body_len, name, s, why, whylen);
}

static void ecs_described(void *arg, const struct scaled_http_response *res)
{
	struct ecs *e = arg;
	struct aws_ecs_service s;
	char why[512];

	e->pending = NULL;
	e->c.action = "DescribeServices";
	if (res->error && !strcmp(res->error, ECS_STOPPED))
		return;
	if (ecs_read(res, aws_ecs_describe, e->name, &s, why, sizeof why) < 0) {
		aws_client_fail(&e->c, why);
		return;
	}
	ecs_report(e, &s);
	if (aws_client_recovered(&e->c))
		host->log(e->c.inst, SCALED_LOG_INFO, "DescribeServices answers again");
}

static void ecs_updated(void *arg, const struct scaled_http_response *res)
{
	struct ecs *e = arg;
	struct aws_ecs_service s;
	char why[512], msg[600];
	int rc;

	e->pending = NULL;
	e->applying = 0;
	e->c.action = "UpdateService";
	rc = ecs_read(res, aws_ecs_updated, e->name, &s, why, sizeof why);
	if (rc < 0) {
		if (!res->error || strcmp(res->error, ECS_STOPPED))
			aws_client_fail(&e->c, why);
		snprintf(msg, sizeof msg, "UpdateService: %s", why);
		host->apply_done(e->c.inst, e->token, rc == -ENOENT ? -ENOENT : -EIO, msg);
		return;
	}
	ecs_report(e, &s);
	aws_client_recovered(&e->c);
	host->log(e->c.inst, SCALED_LOG_INFO, "UpdateService: desiredCount %d (running %d, "
		  "pending %d)", s.desired, s.running, s.pending);
	host->apply_done(e->c.inst, e->token, 0, NULL);
}

/* POST body as target (ECS_PREFIX + action); done gets the answer. */
static int ecs_send(struct ecs *e, enum ecs_req what, const char *body, char *err,
		    size_t errlen)
{
	const char *target = what == ECS_UPDATE ? ECS_PREFIX "UpdateService"
						: ECS_PREFIX "DescribeServices";

	/* a service with its deployments and last 100 events */
	e->pending = aws_client_call_json(&e->c, ECS_TYPE, target, body, strlen(body), 1u << 20,
					  what == ECS_UPDATE ? ecs_updated : ecs_described, e,
					  err, errlen);
	return e->pending ? 0 : -EIO;
}

/* {"cluster": c, "service": s, "desiredCount": n}, sent. */
static int ecs_update(struct ecs *e, char *err, size_t errlen)
{
	cJSON *o = cJSON_CreateObject();
	char *body = NULL;
	int rc = -ENOMEM;

	if (o && cJSON_AddStringToObject(o, "cluster", e->cluster) &&
	    cJSON_AddStringToObject(o, "service", e->service) &&
	    cJSON_AddNumberToObject(o, "desiredCount", e->want) &&
	    (body = cJSON_PrintUnformatted(o)))
		rc = ecs_send(e, ECS_UPDATE, body, err, errlen);
	else
		snprintf(err, errlen, "out of memory");
	free(body);
	cJSON_Delete(o);
	return rc;
}

static int ecs_poll(void *state, char *err, size_t errlen);

/* The credentials came (or failed to): send what waits, now. */
static void ecs_again(void *arg)
{
	struct ecs *e = arg;
	char err[256];
	int rc;

	if (!e->applying) {
		if (ecs_poll(e, err, sizeof err) < 0)
			aws_client_fail(&e->c, err);
		return;
	}
	if (e->pending)
		return;
	rc = aws_client_ready(&e->c, ecs_again, e, err, sizeof err);
	if (rc == -EAGAIN)
		return;
	if (rc == 0)
		rc = ecs_update(e, err, sizeof err);
	if (rc < 0) {
		e->applying = 0;
		host->apply_done(e->c.inst, e->token, rc, err);
	}
}

static int ecs_poll(void *state, char *err, size_t errlen)
{
	struct ecs *e = state;
	int rc;

	if (e->pending || e->applying)
		return 0; /* the last poll's answer, or an apply's, which reports too */
	e->c.action = "DescribeServices";
	rc = aws_client_ready(&e->c, ecs_again, e, err, errlen);
	if (rc == -EAGAIN)
		return 0; /* ecs_again polls once they are there */
	if (rc < 0)
		return rc;
	rc = ecs_send(e, ECS_DESCRIBE, e->describe, err, errlen);
	return aws_client_collect_rc(&e->c, rc, err, errlen);
}

static int ecs_apply(void *state, const struct scaled_target_want *want, uint64_t token,
		     char *err, size_t errlen)
{
	struct ecs *e = state;
	int rc;

	if (e->applying) {
		snprintf(err, errlen, "an UpdateService is still in flight");
		return -EBUSY;
	}
	if (want->desired < 0) {
		snprintf(err, errlen, "desiredCount %d: want 0 or more", want->desired);
		return -EINVAL;
	}
	if (e->pending) { /* a DescribeServices: the update's answer describes too */
		host->http_cancel(e->pending);
		e->pending = NULL;
			host->log(e->c.inst, SCALED_LOG_DEBUG, "DescribeServices in flight cancelled: "
			  "UpdateService's answer reports the service");
	}
	e->c.action = "UpdateService";
	e->applying = 1;
	e->want = want->desired;
	e->token = token;
	rc = aws_client_ready(&e->c, ecs_again, e, err, errlen);
	if (rc == -EAGAIN)
		return 0; /* ecs_again sends it once they are there */
	if (rc == 0)
		rc = ecs_update(e, err, errlen);
	if (rc < 0)
		e->applying = 0; /* not started: the core finishes the action */
	return rc;
}

const struct scaled_kind aws_ecs_kind = {
	.struct_size = sizeof(struct scaled_kind),
	.name = "aws.ecs",
	.role = SCALED_ROLE_TARGET,
	.help = "an ECS service's task count (DescribeServices, UpdateService desiredCount)",
	.keys = ecs_keys,
	.create = ecs_create,
	.destroy = ecs_destroy,
	.poll = ecs_poll,
	.apply = ecs_apply,
};
