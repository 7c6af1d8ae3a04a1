/*
 * aws_cw_answer.h - one page of CloudWatch's GetMetricData answer in the
 * Query protocol (XML, API version 2010-08-01), read with aws_xml.h, and
 * its error answers. No I/O.
 *
 * The answer, as botocore's cloudwatch model words it:
 *   <GetMetricDataResponse><GetMetricDataResult>
 *     <MetricDataResults><member><Id/><Label/>
 *       <Timestamps><member>ISO 8601</member>...</Timestamps>
 *       <Values><member>double</member>...</Values>
 *       <StatusCode>Complete|PartialData|InternalError|Forbidden</StatusCode>
 *       <Messages><member><Code/><Value/></member>...</Messages>
 *     </member>...</MetricDataResults>
 *     <NextToken/> <Messages>...</Messages>
 *   </GetMetricDataResult></GetMetricDataResponse>
 * Ownership: the caller keeps the document; *out is the caller's after a
 * success, freed with aws_cw_answer_free (harmless on a zeroed one).
 */
#ifndef AWS_CW_ANSWER_H
#define AWS_CW_ANSWER_H

#include <stddef.h>
#include <stdint.h>

/* What one page says of one query (the one whose Id was asked for). */
struct aws_cw_answer {
	size_t n_points;    /* datapoints of the query on this page */
	int64_t newest_ms;  /* the newest of them: its timestamp (ms since the epoch) */
	double newest;      /* and its value; both meaningless when n_points is 0 */
	char status[16];    /* the result's StatusCode ("" when absent) */
	char *message;      /* "Code: Value" of the first message (the result's, else
			     * the page's), or NULL */
	char *next_token;   /* NULL on the last page (absent or empty) */
};

/* Read one page for the query id. 0 and *out filled, or a negative errno
 * with *out zeroed and the reason in why:
 *   -EREMOTEIO  an AWS error answer (<ErrorResponse><Error> or moto's
 *               <ErrorResponse><Errors><Error>): why is "Code: Message"
 *   -EBADMSG    not the answer: what aws_xml.h refuses; no result for id,
 *               or a result of another query; timestamps and values that
 *               differ in number; a timestamp that is no time; a value
 *               that is not a finite decimal number; a result given twice
 *   -ENOMEM
 * Control characters in messages are made spaces. */
int aws_cw_answer_read(const char *doc, size_t len, const char *id, struct aws_cw_answer *out,
		       char *why, size_t whylen);
void aws_cw_answer_free(struct aws_cw_answer *a);

/* A datapoint's value: a decimal number as AWS writes doubles ("40.0",
 * "1.5E-4"), finite; no hex, inf, nan, spaces. 0, or -EBADMSG. */
int aws_cw_answer_value(const char *s, double *out);

#endif
