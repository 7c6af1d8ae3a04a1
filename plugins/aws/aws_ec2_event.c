/*
 * aws_ec2_event.c - EventBridge's EC2 events from an SQS message body
 * (aws_ec2_event.h), read with cJSON; member names as AWS's EC2 user guide
 * shows the two events ("Spot Instance interruption notices", "EC2 instance
 * rebalance recommendations").
 */
#include "aws_ec2_event.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws_answers.h"
#include "aws_values.h"

#define INTERRUPTION "EC2 Spot Instance Interruption Warning"
#define REBALANCE "EC2 Instance Rebalance Recommendation"

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* The string member name of o, 1 to size - 1 printable bytes, into dst.
 * 0, or -EBADMSG with why. */
static int member(const cJSON *o, const char *where, const char *name, char *dst, size_t size,
		  char *why, size_t whylen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	size_t n;

	if (!v) {
		snprintf(why, whylen, "the event has no %s%s", where, name);
		return -EBADMSG;
	}
	if (!cJSON_IsString(v) || !v->valuestring) {
		snprintf(why, whylen, "the event's %s%s is not a string", where, name);
		return -EBADMSG;
	}
	n = strlen(v->valuestring);
	if (n == 0 || n >= size || !printable(v->valuestring)) {
		snprintf(why, whylen, "the event's %s%s is empty, over %zu bytes or holds control "
			 "characters", where, name, size - 1);
		return -EBADMSG;
	}
	memcpy(dst, v->valuestring, n + 1);
	return 0;
}

static bool all_of(const char *s, const char *set)
{
	return *s && strspn(s, set) == strlen(s);
}

/* i-0123abcd (8 hex digits, older instances) or i- and 17. */
static bool instance_id_ok(const char *s)
{
	size_t n = strlen(s);

	return strncmp(s, "i-", 2) == 0 && (n == 10 || n == 19) &&
	       all_of(s + 2, "0123456789abcdef");
}

static int envelope(const cJSON *o, struct aws_ec2_event *ev, char *why, size_t whylen)
{
	char version[8], q[64];
	int rc;

	if ((rc = member(o, "", "version", version, sizeof version, why, whylen)) < 0 ||
	    (rc = member(o, "", "id", ev->id, sizeof ev->id, why, whylen)) < 0 ||
	    (rc = member(o, "", "detail-type", ev->detail_type, sizeof ev->detail_type, why,
			 whylen)) < 0 ||
	    (rc = member(o, "", "source", ev->source, sizeof ev->source, why, whylen)) < 0 ||
	    (rc = member(o, "", "account", ev->account, sizeof ev->account, why, whylen)) < 0 ||
	    (rc = member(o, "", "time", ev->time, sizeof ev->time, why, whylen)) < 0 ||
	    (rc = member(o, "", "region", ev->region, sizeof ev->region, why, whylen)) < 0)
		return rc;
	if (strcmp(version, "0") != 0) {
		aws_values_quote(q, sizeof q, version);
		snprintf(why, whylen, "the event's version %s is not \"0\"", q);
		return -EBADMSG;
	}
	if (!all_of(ev->account, "0123456789") || strlen(ev->account) != 12) {
		aws_values_quote(q, sizeof q, ev->account);
		snprintf(why, whylen, "the event's account %s is not 12 digits", q);
		return -EBADMSG;
	}
	if (!all_of(ev->region, "abcdefghijklmnopqrstuvwxyz0123456789-")) {
		aws_values_quote(q, sizeof q, ev->region);
		snprintf(why, whylen, "the event's region %s is not a region's name", q);
		return -EBADMSG;
	}
	rc = aws_answers_time(ev->time, "the event's time", &ev->time_ms, why, whylen);
	if (rc == 0 && !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(o, "detail"))) {
		snprintf(why, whylen, "the event has no detail object");
		rc = -EBADMSG;
	}
	return rc;
}

static int detail(const cJSON *d, struct aws_ec2_event *ev, char *why, size_t whylen)
{
	char q[64];
	int rc;

	rc = member(d, "detail.", "instance-id", ev->instance_id, sizeof ev->instance_id, why,
		    whylen);
	if (rc == 0 && !instance_id_ok(ev->instance_id)) {
		aws_values_quote(q, sizeof q, ev->instance_id);
		snprintf(why, whylen, "the event's detail.instance-id %s is not an instance id", q);
		rc = -EBADMSG;
	}
	if (rc < 0 || ev->kind != AWS_EC2_INTERRUPTION)
		return rc;
	rc = member(d, "detail.", "instance-action", ev->action, sizeof ev->action, why, whylen);
	if (rc == 0 && strcmp(ev->action, "terminate") && strcmp(ev->action, "stop") &&
	    strcmp(ev->action, "hibernate")) {
		aws_values_quote(q, sizeof q, ev->action);
		snprintf(why, whylen, "the event's detail.instance-action %s is not terminate, stop "
			 "or hibernate", q);
		rc = -EBADMSG;
	}
	return rc;
}

int aws_ec2_event_read(const char *body, size_t len, struct aws_ec2_event *out, char *why,
		       size_t whylen)
{
	struct aws_ec2_event ev;
	cJSON *o;
	int rc;

	memset(out, 0, sizeof *out);
	if (len > AWS_EC2_EVENT_MAX) {
		snprintf(why, whylen, "the message is %zu bytes, over %d: no EC2 event", len,
			 AWS_EC2_EVENT_MAX);
		return -EBADMSG;
	}
	o = cJSON_ParseWithLength(body, len);
	if (!cJSON_IsObject(o)) {
		snprintf(why, whylen, "the message is not a JSON object (%zu bytes)", len);
		cJSON_Delete(o);
		return -EBADMSG;
	}
	memset(&ev, 0, sizeof ev);
	rc = envelope(o, &ev, why, whylen);
	if (rc == 0) {
		if (strcmp(ev.source, "aws.ec2") != 0)
			ev.kind = AWS_EC2_OTHER;
		else if (strcmp(ev.detail_type, INTERRUPTION) == 0)
			ev.kind = AWS_EC2_INTERRUPTION;
		else if (strcmp(ev.detail_type, REBALANCE) == 0)
			ev.kind = AWS_EC2_REBALANCE;
		else
			ev.kind = AWS_EC2_OTHER;
		if (ev.kind != AWS_EC2_OTHER)
			rc = detail(cJSON_GetObjectItemCaseSensitive(o, "detail"), &ev, why, whylen);
	}
	cJSON_Delete(o);
	if (rc == 0)
		*out = ev;
	return rc;
}

const char *aws_ec2_event_name(enum aws_ec2_event_kind kind)
{
	switch (kind) {
	case AWS_EC2_INTERRUPTION:
		return "spot_interruption";
	case AWS_EC2_REBALANCE:
		return "rebalance_recommendation";
	default:
		return NULL;
	}
}

char *aws_ec2_event_payload(const struct aws_ec2_event *ev)
{
	cJSON *o = cJSON_CreateObject();
	char *s = NULL;

	if (o && cJSON_AddStringToObject(o, "instance_id", ev->instance_id) &&
	    (!*ev->action || cJSON_AddStringToObject(o, "instance_action", ev->action)) &&
	    cJSON_AddStringToObject(o, "time", ev->time) &&
	    cJSON_AddNumberToObject(o, "time_s", (double)ev->time_ms / 1000.0) &&
	    cJSON_AddStringToObject(o, "region", ev->region) &&
	    cJSON_AddStringToObject(o, "account", ev->account) &&
	    cJSON_AddStringToObject(o, "id", ev->id) &&
	    cJSON_AddStringToObject(o, "detail_type", ev->detail_type))
		s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}
