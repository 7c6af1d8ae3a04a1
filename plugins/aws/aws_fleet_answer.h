/*
 * aws_fleet_answer.h - the Spot Fleet answers the aws.spot_fleet target
 * reads: DescribeSpotFleetRequests (each request's id, state, type and
 * capacities) and ModifySpotFleetRequest (<return>true</return>). Element
 * names are those of botocore's ec2 2016-11-15 model
 * (SpotFleetRequestConfig, SpotFleetRequestConfigData).
 *
 * Returns as aws_answers.h's parsers do: 0 and *out filled; -EREMOTEIO
 * with "Code: Message" in err for an AWS error answer (any of the three
 * forms aws_ec2_answer_error knows); -EBADMSG with a reason that starts
 * with the action for anything else (aws_xml.h's refusals; a required
 * element missing; a capacity that is not a whole number, or a fulfilled
 * capacity that is not a plain decimal or is over INT_MAX; a type outside
 * request/maintain/instant); -ENOMEM; -EINVAL for a NULL argument. Nothing
 * is handed back on failure.
 * Ownership: the caller keeps the document; *out and its strings are the
 * caller's, freed with aws_fleet_answer_free (harmless on a zeroed one).
 */
#ifndef AWS_FLEET_ANSWER_H
#define AWS_FLEET_ANSWER_H

#include <stddef.h>

struct aws_fleet_request {
	char *id;       /* spotFleetRequestId (required) */
	char *state;    /* spotFleetRequestState (required): "submitted", "active",
			 * "modifying", "cancelled", "failed", "cancelled_running",
			 * "cancelled_terminating" (others kept as AWS sent them) */
	char *type;     /* spotFleetRequestConfig/type: "maintain", "request",
			 * "instant"; NULL when absent (AWS's default is maintain) */
	char *activity; /* activityStatus: "fulfilled", "pending_fulfillment",
			 * "pending_termination", "error"; NULL when absent */
	int target;            /* targetCapacity (required), units */
	int on_demand_target;  /* onDemandTargetCapacity; -1 when absent */
	double fulfilled;      /* fulfilledCapacity (required), units, 0..INT_MAX */
	double on_demand_fulfilled; /* onDemandFulfilledCapacity; 0 when absent */
};

struct aws_fleet_answer {
	struct aws_fleet_request *requests; /* in the answer's order */
	size_t n_requests;
	char *next_token; /* nextToken; NULL on the last page */
};

int aws_fleet_answer_describe(const char *doc, size_t len, struct aws_fleet_answer *out,
			      char *err, size_t errlen);
void aws_fleet_answer_free(struct aws_fleet_answer *a);

/* ModifySpotFleetRequest: 0 when its <return> is "true"; -EBADMSG when it
 * is "false", absent or anything else; -EREMOTEIO for an error answer. */
int aws_fleet_answer_modify(const char *doc, size_t len, char *err, size_t errlen);

#endif
