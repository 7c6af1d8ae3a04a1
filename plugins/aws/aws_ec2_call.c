/*
 * aws_ec2_call.c - why an EC2 Query API call of a target kind failed
 * (aws_ec2_call.h).
 */
#include <errno.h>
#include <stdio.h>

#include "aws_call.h"
#include "aws_ec2_call.h"

int aws_ec2_call_why(const struct scaled_http_response *res, int rc, const char *reason,
		     char *why, size_t whylen)
{
	if (rc == 0 && !res->error)
		return 0;
	if (rc == -EREMOTEIO)
		snprintf(why, whylen, "%s", reason); /* AWS's own words */
	else if (res->error)
		aws_client_why(res, why, whylen); /* moto's error form, else the client's */
	else
		snprintf(why, whylen, "%s", rc == -ENOMEM ? "out of memory" : reason);
	return -1;
}
