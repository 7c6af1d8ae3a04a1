/*
 * aws_ec2_event.h - the EC2 events that EventBridge puts on an SQS queue
 * (the message body is the event itself, as an EventBridge rule with an
 * SQS target and no input transformer sends it): a Spot Instance
 * Interruption Warning or an Instance Rebalance Recommendation, read from
 * the JSON into a fixed struct, and the payload aws.interruptions hands to
 * the policies. No I/O.
 */
#ifndef AWS_EC2_EVENT_H
#define AWS_EC2_EVENT_H

#include <stddef.h>
#include <stdint.h>

/* The biggest body read; an EventBridge event of EC2 is under 1 KiB. */
#define AWS_EC2_EVENT_MAX 65536

enum aws_ec2_event_kind {
	AWS_EC2_INTERRUPTION = 1, /* "EC2 Spot Instance Interruption Warning" */
	AWS_EC2_REBALANCE,        /* "EC2 Instance Rebalance Recommendation" */
	AWS_EC2_OTHER,            /* any other well-formed EventBridge event */
};

struct aws_ec2_event {
	enum aws_ec2_event_kind kind;
	char id[80];          /* the event's id (a UUID) */
	char detail_type[128];
	char source[64];      /* "aws.ec2" */
	char time[40];        /* as AWS wrote it: "2024-05-01T12:00:00Z" */
	int64_t time_ms;      /* the same, ms since the epoch */
	char region[32];
	char account[16];
	char instance_id[24]; /* detail.instance-id; "" for AWS_EC2_OTHER */
	char action[16];      /* detail.instance-action (interruptions):
			       * "terminate", "stop" or "hibernate"; else "" */
};

/* Read one message body (len bytes; need not be NUL-terminated). 0 and
 * *out filled (kind AWS_EC2_OTHER for an event of another detail-type or
 * source), or -EBADMSG with the reason in why: over AWS_EC2_EVENT_MAX,
 * not JSON, not an object, a member of the envelope (version, id,
 * detail-type, source, account, time, region, detail) missing, of the
 * wrong type, too long or malformed; for the two EC2 events, an
 * instance-id that is not "i-" and 8 or 17 hex digits, or (interruption) an
 * instance-action other than terminate, stop, hibernate. */
int aws_ec2_event_read(const char *body, size_t len, struct aws_ec2_event *out, char *why,
		       size_t whylen);

/* The event's name for policies: "spot_interruption",
 * "rebalance_recommendation"; NULL for AWS_EC2_OTHER. */
const char *aws_ec2_event_name(enum aws_ec2_event_kind kind);

/* The payload for policies, a JSON object: instance_id, instance_action
 * (interruptions only), time (AWS's text), time_s (seconds since the
 * epoch), region, account, id, detail_type. A string the caller frees with
 * free(), or NULL when out of memory. */
char *aws_ec2_event_payload(const struct aws_ec2_event *ev);

#endif
