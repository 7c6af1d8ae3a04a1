/*
 * aws_answers.h - the EC2 and Auto Scaling answers the aws plugin reads,
 * parsed from their XML (aws_xml.h) into plain structs, and AWS's error
 * answers. Element names are those of the API models (botocore's
 * autoscaling 2011-01-01 and ec2 2016-11-15): Auto Scaling wraps its result
 * in <ActionResponse><ActionResult> and lists in <member>; EC2 has no
 * Result element and lists in <item>.
 *
 * Every parser returns 0 and fills *out, or a negative errno with *out
 * zeroed and a reason in err (may be NULL), never half an answer:
 *   -EREMOTEIO  the document is an AWS error answer: err is "Code: Message"
 *               (aws_answers_error gives the parts)
 *   -EBADMSG    anything else that is not the answer: what aws_xml.h
 *               refuses, a required element missing, a number that does
 *               not parse or overflows an int, a time that is no time. The
 *               reason starts with the action and says where ("line 12:").
 *   -ENOMEM, -EINVAL (a NULL argument)
 * Ownership: the caller keeps the document; *out and every string in it
 * are the caller's, freed with the answer's _free function (harmless on a
 * zeroed answer). Strings are UTF-8, as AWS sent them. A next_token is
 * NULL on the last page (absent or empty in the answer).
 */
#ifndef AWS_ANSWERS_H
#define AWS_ANSWERS_H

#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------- DescribeAutoScalingGroups -- */

struct aws_asg_instance {
	char *id;              /* InstanceId */
	char *lifecycle_state; /* LifecycleState: "InService", "Pending", ... */
	char *health_status;   /* HealthStatus: "Healthy", "Unhealthy" */
	char *instance_type;   /* InstanceType; NULL when absent */
};

/* The group's MixedInstancesPolicy's InstancesDistribution, all of it (so
 * that an update can send back what it read). Counts are -1 and strings
 * NULL when absent. */
struct aws_asg_distribution {
	char *on_demand_allocation_strategy; /* OnDemandAllocationStrategy */
	int on_demand_base;                  /* OnDemandBaseCapacity */
	int on_demand_percent;               /* OnDemandPercentageAboveBaseCapacity, 0..100 */
	char *spot_allocation_strategy;      /* SpotAllocationStrategy */
	int spot_instance_pools;             /* SpotInstancePools */
	char *spot_max_price; /* SpotMaxPrice as sent: a decimal, or "" (the on-demand price) */
};

struct aws_asg_group {
	char *name; /* AutoScalingGroupName */
	int min_size, max_size, desired;
	int has_distribution; /* 1 when the group has an InstancesDistribution */
	struct aws_asg_distribution dist;
	struct aws_asg_instance *instances;
	size_t n_instances;
};

struct aws_asg_answer {
	struct aws_asg_group *groups;
	size_t n_groups;
	char *next_token; /* NextToken */
};

int aws_answers_asg(const char *doc, size_t len, struct aws_asg_answer *out, char *err,
		    size_t errlen);
void aws_answers_asg_free(struct aws_asg_answer *a);

/* -------------------------------------- DescribeSpotPriceHistory (EC2) -- */

struct aws_spot_price {
	char *instance_type; /* instanceType */
	char *zone;          /* availabilityZone */
	char *product;       /* productDescription: "Linux/UNIX", ... */
	double price;        /* spotPrice: a plain decimal ("0.031200"), finite, >= 0 */
	int64_t t_ms;        /* timestamp, ms since the epoch (UTC) */
};

struct aws_spot_answer {
	struct aws_spot_price *prices; /* in the answer's order (AWS: newest first) */
	size_t n_prices;
	char *next_token; /* nextToken */
};

int aws_answers_spot(const char *doc, size_t len, struct aws_spot_answer *out, char *err,
		     size_t errlen);
void aws_answers_spot_free(struct aws_spot_answer *a);

/* --------------------------------------------- DescribeInstances (EC2) -- */

struct aws_ec2_tag {
	char *key, *value; /* value "" when empty or absent */
};

/* The instances of every reservation, in order. */
struct aws_ec2_instance {
	char *id;            /* instanceId */
	char *state;         /* instanceState/name: "pending", "running", "stopped", ... */
	char *lifecycle;     /* instanceLifecycle: "spot", "capacity-block", ...; NULL
			      * when absent (on-demand) */
	int spot;            /* 1 when lifecycle is "spot" */
	char *instance_type; /* instanceType */
	int64_t launch_ms;   /* launchTime in ms since the epoch; -1 when absent */
	struct aws_ec2_tag *tags; /* tagSet */
	size_t n_tags;
};

struct aws_instances_answer {
	struct aws_ec2_instance *instances;
	size_t n_instances;
	char *next_token; /* nextToken */
};

int aws_answers_instances(const char *doc, size_t len, struct aws_instances_answer *out,
			  char *err, size_t errlen);
void aws_answers_instances_free(struct aws_instances_answer *a);

/* ---------------------------------------------------------- errors -- */

/* Auto Scaling's <ErrorResponse><Error><Type/><Code/><Message/></Error>
 * <RequestId/></ErrorResponse> or EC2's <Response><Errors><Error><Code/>
 * <Message/></Error>...</Errors><RequestID/></Response> (the first Error). */
struct aws_error_answer {
	char *code;       /* "Throttling", "ValidationError", "AuthFailure", ... */
	char *message;    /* "" when absent */
	char *request_id; /* NULL when absent */
};

/* 0 when doc is an error answer, *out filled and "Code: Message" in err
 * (control characters as spaces; "Code" alone without a message);
 * -EBADMSG when it is not one (or has no Code), -ENOMEM, -EINVAL. */
int aws_answers_error(const char *doc, size_t len, struct aws_error_answer *out, char *err,
		      size_t errlen);
void aws_answers_error_free(struct aws_error_answer *a);

/* ------------------------------------------- values (also for tests) -- */

/* Strict readers of a value named what, for messages. 0, or -EBADMSG with
 * the reason in why (the value quoted, at most 40 bytes of it). */
int aws_answers_int(const char *s, const char *what, int *out, char *why, size_t whylen);
int aws_answers_decimal(const char *s, const char *what, double *out, char *why,
			size_t whylen);
/* ISO 8601 in UTC or with an offset: YYYY-MM-DDTHH:MM:SS, then an optional
 * fraction of 1 to 9 digits (cut to ms), then Z, +HH:MM, -HH:MM or nothing
 * (UTC); years 1 to 9999; no February 30th. */
int aws_answers_time(const char *s, const char *what, int64_t *ms, char *why, size_t whylen);

#endif
