/*
 * aws_ecs_answer.c - ECS's DescribeServices and UpdateService answers
 * (aws_ecs_answer.h), read with cJSON. Member names are those of
 * botocore's ecs 2014-11-13 model (Service, Failure).
 */
#include "aws_ecs_answer.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

static void ecs_clean(char *why)
{
	for (; *why; why++)
		if ((unsigned char)*why < 0x20 || *why == 0x7f)
			*why = ' ';
}

static const char *ecs_str(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) && v->valuestring ? v->valuestring : NULL;
}

static int ecs_count(const cJSON *svc, const char *name, int *out, char *why, size_t whylen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(svc, name);

	if (!v) {
		snprintf(why, whylen, "the service has no %s", name);
		return -EBADMSG;
	}
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble <= INT_MAX) ||
	    v->valuedouble != (double)(int)v->valuedouble) {
		snprintf(why, whylen, "the service's %s is not a count: want a whole number from "
			 "0 to %d", name, INT_MAX);
		return -EBADMSG;
	}
	*out = (int)v->valuedouble;
	return 0;
}

/* One Service object: its status, name and counts. */
static int ecs_service(const cJSON *svc, const char *name, struct aws_ecs_service *out,
		       char *why, size_t whylen)
{
	const char *status = ecs_str(svc, "status"), *got = ecs_str(svc, "serviceName");
	int rc;

	if (!cJSON_IsObject(svc)) {
		snprintf(why, whylen, "the service is not a JSON object");
		return -EBADMSG;
	}
	if (name && (!got || strcmp(got, name))) {
		snprintf(why, whylen, "the answer is about service \"%.100s\", not \"%.100s\"",
			 got ? got : "(no serviceName)", name);
		ecs_clean(why);
		return -EBADMSG;
	}
	if (!status) {
		snprintf(why, whylen, "the service has no status");
		return -EBADMSG;
	}
	if (strcmp(status, "ACTIVE")) {
		snprintf(why, whylen, "the service is %.40s%s, not ACTIVE: nothing to scale", status,
			 !strcmp(status, "DRAINING") ? " (being deleted)"
			 : !strcmp(status, "INACTIVE") ? " (deleted)" : "");
		ecs_clean(why);
		return -ENOENT;
	}
	if ((rc = ecs_count(svc, "desiredCount", &out->desired, why, whylen)) < 0 ||
	    (rc = ecs_count(svc, "runningCount", &out->running, why, whylen)) < 0 ||
	    (rc = ecs_count(svc, "pendingCount", &out->pending, why, whylen)) < 0)
		return rc;
	return 0;
}

/* The first failures entry as "<arn>: <reason> (<detail>)". */
static int ecs_failure(const cJSON *f, char *why, size_t whylen)
{
	const char *arn = ecs_str(f, "arn"), *reason = ecs_str(f, "reason");
	const char *detail = ecs_str(f, "detail");

	snprintf(why, whylen, "%.300s: %.60s%s%s%.200s%s", arn ? arn : "the service",
		 reason ? reason : "a failure without a reason",
		 reason && !strcmp(reason, "MISSING") ? " (no such service in this cluster)" : "",
		 detail ? " (" : "", detail ? detail : "", detail ? ")" : "");
	ecs_clean(why);
	return -ENOENT;
}

int aws_ecs_describe(const char *doc, size_t len, const char *name,
		     struct aws_ecs_service *out, char *why, size_t whylen)
{
	cJSON *o = cJSON_ParseWithLength(doc, len);
	const cJSON *svcs = cJSON_GetObjectItemCaseSensitive(o, "services");
	const cJSON *fails = cJSON_GetObjectItemCaseSensitive(o, "failures");
	int n, rc;

	if (!cJSON_IsObject(o)) {
		snprintf(why, whylen, "the answer is not a JSON object (%zu bytes)", len);
		rc = -EBADMSG;
	} else if (fails && !cJSON_IsArray(fails)) {
		snprintf(why, whylen, "the answer's failures is not an array");
		rc = -EBADMSG;
	} else if (cJSON_GetArraySize(fails) > 0) {
		rc = ecs_failure(cJSON_GetArrayItem(fails, 0), why, whylen);
	} else if (!cJSON_IsArray(svcs)) {
		snprintf(why, whylen, "the answer has no services array");
		rc = -EBADMSG;
	} else if ((n = cJSON_GetArraySize(svcs)) != 1) {
		snprintf(why, whylen, "the answer has %d services and no failure, want one "
			 "service", n);
		rc = -EBADMSG;
	} else {
		rc = ecs_service(cJSON_GetArrayItem(svcs, 0), name, out, why, whylen);
	}
	cJSON_Delete(o);
	return rc;
}

int aws_ecs_updated(const char *doc, size_t len, const char *name, struct aws_ecs_service *out,
		    char *why, size_t whylen)
{
	cJSON *o = cJSON_ParseWithLength(doc, len);
	const cJSON *svc = cJSON_GetObjectItemCaseSensitive(o, "service");
	int rc;

	if (!cJSON_IsObject(o)) {
		snprintf(why, whylen, "the answer is not a JSON object (%zu bytes)", len);
		rc = -EBADMSG;
	} else if (!svc) {
		snprintf(why, whylen, "the answer has no service");
		rc = -EBADMSG;
	} else {
		rc = ecs_service(svc, name, out, why, whylen);
	}
	cJSON_Delete(o);
	return rc;
}
