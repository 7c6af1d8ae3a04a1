/*
 * aws_ec2_answer.h - EC2 answers of the aws.ec2 target beside
 * DescribeInstances (aws_answers.h): StartInstances' and StopInstances'
 * state changes; and AWS's error answers in any of the three forms the EC2
 * Query API is answered with (EC2's <Response><Errors>, the Query
 * protocol's <ErrorResponse><Error>, and the <ErrorResponse><Errors><Error>
 * that moto gives for authentication failures). Element names are those
 * of botocore's ec2 2016-11-15 model.
 *
 * Returns as aws_answers.h's parsers do: 0 and *out filled; -EREMOTEIO
 * with "Code: Message" in err for an error answer; -EBADMSG with a reason
 * that starts with the action for anything else that is not the answer
 * (aws_xml.h's refusals, a required element missing); -ENOMEM; -EINVAL
 * for a NULL argument. Nothing is handed back on failure.
 * Ownership: the caller keeps the document; *out is the caller's, freed
 * with aws_ec2_answer_changes_free (harmless on a zeroed answer).
 */
#ifndef AWS_EC2_ANSWER_H
#define AWS_EC2_ANSWER_H

#include <stddef.h>

/* One instance of instancesSet. */
struct aws_ec2_change {
	char *id;       /* instanceId */
	char *current;  /* currentState/name: "pending", "stopping", ... */
	char *previous; /* previousState/name; NULL when absent */
};

struct aws_ec2_changes {
	struct aws_ec2_change *v;
	size_t n;
};

/* The answer to action ("StartInstances" or "StopInstances"): its
 * document element is "<action>Response". An answer listing no instance
 * is refused (both actions take at least one). */
int aws_ec2_answer_changes(const char *doc, size_t len, const char *action,
			   struct aws_ec2_changes *out, char *err, size_t errlen);
void aws_ec2_answer_changes_free(struct aws_ec2_changes *c);

/* 0 and "Code: Message" in why (control characters made spaces) when doc
 * is an AWS error answer in any of the three forms; -EBADMSG (why
 * untouched) when it is not. */
int aws_ec2_answer_error(const char *doc, size_t len, char *why, size_t whylen);

#endif
