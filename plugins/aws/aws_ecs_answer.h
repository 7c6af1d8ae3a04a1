/*
 * aws_ecs_answer.h - ECS's answers in its JSON 1.1 protocol (API
 * 2014-11-13): DescribeServices ({"services": [...], "failures": [...]})
 * and UpdateService ({"service": {...}}), each read down to the one
 * service's counts. No I/O. Errors ({"__type": ...}) are aws_json_error's.
 */
#ifndef AWS_ECS_ANSWER_H
#define AWS_ECS_ANSWER_H

#include <stddef.h>

struct aws_ecs_service {
	int desired; /* desiredCount */
	int running; /* runningCount */
	int pending; /* pendingCount */
};

/* The service of a DescribeServices answer for one service. name: the
 * service's name as the farm gave it, checked against serviceName, or
 * NULL (an ARN was given: not checked). 0 and *out, or a negative errno
 * with the reason in why:
 *   -ENOENT   AWS says the service is not there to scale: a failures entry
 *             ("<arn>: MISSING", with its detail), or a status other than
 *             ACTIVE (DRAINING: being deleted; INACTIVE: deleted)
 *   -EBADMSG  not such an answer: not a JSON object; no services array, or
 *             one with no service and no failure, or more than one; a
 *             service of another name; a count missing or not a whole
 *             number from 0 to INT_MAX; no status
 * Control characters in why are made spaces. */
int aws_ecs_describe(const char *doc, size_t len, const char *name,
		     struct aws_ecs_service *out, char *why, size_t whylen);

/* The service of an UpdateService answer: the same checks on its
 * "service" object (there are no failures). */
int aws_ecs_updated(const char *doc, size_t len, const char *name, struct aws_ecs_service *out,
		    char *why, size_t whylen);

#endif
