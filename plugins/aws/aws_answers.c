/*
 * aws_answers.c - EC2 and Auto Scaling answers and AWS's error answers
 * (aws_answers.h), read with aws_xml: one shape per answer, named from the
 * API models, plus the two error shapes, so that one pass tells an answer
 * from an error. The records' strings are moved into the structs; numbers
 * and times are read strictly (aws_values.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_answers.h"
#include "aws_values.h"
#include "aws_xml.h"

#define DESCRIBE_ASG "DescribeAutoScalingGroups"
#define DESCRIBE_SPOT "DescribeSpotPriceHistory"
#define DESCRIBE_INSTANCES "DescribeInstances"

/* ------------------------------------------------------------ shapes -- */

/* Auto Scaling (and the Query protocol): <ErrorResponse>. */
enum { ASG_ERR_CODE, ASG_ERR_MESSAGE, ASG_ERR_REQUEST };
static const char *const asg_err_fields[] = { "Error/Code", "Error/Message", "RequestId", NULL };
/* EC2: <Response><Errors><Error>...</Errors><RequestID>. */
enum { EC2_ERR_CODE, EC2_ERR_MESSAGE };
static const char *const ec2_err_fields[] = { "Code", "Message", NULL };
static const char *const ec2_err_doc_fields[] = { "RequestID", NULL };
static const struct aws_xml_shape ec2_err_lists[] = { { "Errors/Error", ec2_err_fields, NULL },
						      { NULL, NULL, NULL } };

#define AWS_ERROR_SHAPES                                         \
	{ "ErrorResponse", asg_err_fields, NULL },               \
	{ "Response", ec2_err_doc_fields, ec2_err_lists }
enum { SHAPE_ANSWER, SHAPE_ASG_ERROR, SHAPE_EC2_ERROR };

static const struct aws_xml_shape error_doc[] = { AWS_ERROR_SHAPES };

enum { ASG_INST_ID, ASG_INST_STATE, ASG_INST_HEALTH, ASG_INST_TYPE };
static const char *const asg_inst_fields[] = { "InstanceId", "LifecycleState", "HealthStatus",
					       "InstanceType", NULL };
enum { DIST_OD_STRATEGY, DIST_OD_BASE, DIST_OD_PERCENT, DIST_SPOT_STRATEGY, DIST_SPOT_POOLS,
       DIST_SPOT_MAX };
static const char *const asg_dist_fields[] = {
	"OnDemandAllocationStrategy", "OnDemandBaseCapacity", "OnDemandPercentageAboveBaseCapacity",
	"SpotAllocationStrategy", "SpotInstancePools", "SpotMaxPrice", NULL
};
enum { ASG_NAME, ASG_MIN, ASG_MAX, ASG_DESIRED };
static const char *const asg_group_fields[] = { "AutoScalingGroupName", "MinSize", "MaxSize",
						"DesiredCapacity", NULL };
enum { ASG_LIST_INSTANCES, ASG_LIST_DIST };
static const struct aws_xml_shape asg_group_lists[] = {
	{ "Instances/member", asg_inst_fields, NULL },
	/* a list so that its presence shows, even empty; more than one is refused */
	{ "MixedInstancesPolicy/InstancesDistribution", asg_dist_fields, NULL },
	{ NULL, NULL, NULL }
};
static const char *const asg_doc_fields[] = { "DescribeAutoScalingGroupsResult/NextToken", NULL };
static const struct aws_xml_shape asg_doc_lists[] = {
	{ "DescribeAutoScalingGroupsResult/AutoScalingGroups/member", asg_group_fields,
	  asg_group_lists },
	{ NULL, NULL, NULL }
};
static const struct aws_xml_shape asg_doc[] = {
	{ "DescribeAutoScalingGroupsResponse", asg_doc_fields, asg_doc_lists }, AWS_ERROR_SHAPES
};

enum { SPOT_TYPE, SPOT_ZONE, SPOT_PRODUCT, SPOT_PRICE, SPOT_TIME };
static const char *const spot_fields[] = { "instanceType", "availabilityZone",
					   "productDescription", "spotPrice", "timestamp", NULL };
static const char *const next_token_field[] = { "nextToken", NULL };
static const struct aws_xml_shape spot_doc_lists[] = {
	{ "spotPriceHistorySet/item", spot_fields, NULL }, { NULL, NULL, NULL }
};
static const struct aws_xml_shape spot_doc[] = {
	{ "DescribeSpotPriceHistoryResponse", next_token_field, spot_doc_lists }, AWS_ERROR_SHAPES
};

enum { TAG_KEY, TAG_VALUE };
static const char *const tag_fields[] = { "key", "value", NULL };
enum { INST_ID, INST_STATE, INST_LIFECYCLE, INST_TYPE, INST_LAUNCH };
static const char *const inst_fields[] = { "instanceId", "instanceState/name",
					   "instanceLifecycle", "instanceType", "launchTime",
					   NULL };
static const struct aws_xml_shape inst_lists[] = { { "tagSet/item", tag_fields, NULL },
						   { NULL, NULL, NULL } };
static const struct aws_xml_shape reservation_lists[] = {
	{ "instancesSet/item", inst_fields, inst_lists }, { NULL, NULL, NULL }
};
static const struct aws_xml_shape instances_doc_lists[] = {
	{ "reservationSet/item", NULL, reservation_lists }, { NULL, NULL, NULL }
};
static const struct aws_xml_shape instances_doc[] = {
	{ "DescribeInstancesResponse", next_token_field, instances_doc_lists }, AWS_ERROR_SHAPES
};

/* ---------------------------------------------------------- helpers -- */

static int answers_bad(char *err, size_t errlen, const char *what, const struct aws_xml_rec *r,
		       const char *reason)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: line %lu: %s", what, r->line, reason);
	return -EBADMSG;
}

static int answers_einval(char *err, size_t errlen, const char *what)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: no answer to fill", what);
	return -EINVAL;
}

/* Field i of r, which must be there (and, when nonempty, not ""). */
static int answers_need(const struct aws_xml_rec *r, size_t i, const char *name,
			const char *elem, int nonempty, const char *what, char *err,
			size_t errlen)
{
	char why[160];

	if (r->val[i] && (!nonempty || r->val[i][0]))
		return 0;
	snprintf(why, sizeof why, "<%s> %s <%s>", elem, r->val[i] ? "has an empty" : "has no",
		 name);
	return answers_bad(err, errlen, what, r, why);
}

/* Field i of r as an int (unchanged when absent); 0 or -EBADMSG. */
static int answers_int(const struct aws_xml_rec *r, size_t i, const char *name, int *v,
		       const char *what, char *err, size_t errlen)
{
	char why[160];

	if (!r->val[i] || !aws_answers_int(r->val[i], name, v, why, sizeof why))
		return 0;
	return answers_bad(err, errlen, what, r, why);
}

/* The next token of a page: "" is none. */
static char *answers_token(struct aws_xml_rec *doc, size_t i)
{
	char *t = aws_xml_take(doc, i);

	if (t && !*t) {
		free(t);
		t = NULL;
	}
	return t;
}

/* An error document (which: SHAPE_ASG_ERROR or SHAPE_EC2_ERROR) into *e,
 * and "Code: Message" into err. */
static int answers_error_from(struct aws_xml_rec *doc, size_t which,
			      struct aws_error_answer *e, const char *what, char *err,
			      size_t errlen)
{
	struct aws_xml_rec *src = doc;

	memset(e, 0, sizeof *e);
	if (which == SHAPE_EC2_ERROR) {
		if (!doc->lists[0].n)
			return answers_bad(err, errlen, what, doc, "<Response> has no <Error>");
		src = &doc->lists[0].v[0];
		e->request_id = aws_xml_take(doc, 0);
	} else {
		e->request_id = aws_xml_take(doc, ASG_ERR_REQUEST);
	}
	/* Code and Message are the first two fields of both shapes. */
	e->code = aws_xml_take(src, 0);
	e->message = aws_xml_take(src, 1);
	if (!e->message)
		e->message = strdup("");
	else
		aws_values_cut_details(e->message);
	if (!e->code || !*e->code || !e->message) {
		int rc = !e->message ? -ENOMEM : answers_bad(err, errlen, what, src,
							     "an error answer without a Code");

		aws_answers_error_free(e);
		return rc;
	}
	if (err && errlen) {
		snprintf(err, errlen, "%s%s%s", e->code, *e->message ? ": " : "", e->message);
		aws_values_clean(err);
	}
	return 0;
}

/* Parse doc as shapes[0] or an error answer. 0 and *rec, -EREMOTEIO with
 * "Code: Message" in err, or the refusal. */
static int answers_parse(const char *doc, size_t len, const struct aws_xml_shape *shapes,
			 const char *what, struct aws_xml_rec *rec, char *err, size_t errlen)
{
	struct aws_error_answer e;
	size_t which = 0;
	int rc;

	rc = aws_xml_parse(doc, len, shapes, 3, what, &which, rec, err, errlen);
	if (rc || which == SHAPE_ANSWER)
		return rc;
	rc = answers_error_from(rec, which, &e, what, err, errlen);
	aws_xml_rec_free(rec);
	if (rc)
		return rc;
	aws_answers_error_free(&e);
	return -EREMOTEIO;
}

/* ----------------------------------------------------------- answers -- */

int aws_answers_error(const char *doc, size_t len, struct aws_error_answer *out, char *err,
		      size_t errlen)
{
	struct aws_xml_rec rec;
	size_t which = 0;
	int rc;

	if (!out)
		return answers_einval(err, errlen, "error answer");
	memset(out, 0, sizeof *out);
	rc = aws_xml_parse(doc, len, error_doc, 2, "error answer", &which, &rec, err, errlen);
	if (rc)
		return rc;
	rc = answers_error_from(&rec, which + 1, out, "error answer", err, errlen);
	aws_xml_rec_free(&rec);
	return rc;
}

void aws_answers_error_free(struct aws_error_answer *a)
{
	if (!a)
		return;
	free(a->code);
	free(a->message);
	free(a->request_id);
	memset(a, 0, sizeof *a);
}

static int answers_asg_dist(struct aws_xml_rec *r, struct aws_asg_distribution *d,
			    char *err, size_t errlen)
{
	static const char *const w = DESCRIBE_ASG;
	char why[160];
	int rc;

	d->on_demand_base = d->on_demand_percent = d->spot_instance_pools = -1;
	if ((rc = answers_int(r, DIST_OD_BASE, "OnDemandBaseCapacity", &d->on_demand_base, w, err,
			      errlen)) ||
	    (rc = answers_int(r, DIST_OD_PERCENT, "OnDemandPercentageAboveBaseCapacity",
			      &d->on_demand_percent, w, err, errlen)) ||
	    (rc = answers_int(r, DIST_SPOT_POOLS, "SpotInstancePools", &d->spot_instance_pools, w,
			      err, errlen)))
		return rc;
	if (d->on_demand_percent > 100)
		return answers_bad(err, errlen, w, r,
				   "OnDemandPercentageAboveBaseCapacity is over 100");
	if (r->val[DIST_SPOT_MAX] && r->val[DIST_SPOT_MAX][0]) {
		double price;

		if (aws_answers_decimal(r->val[DIST_SPOT_MAX], "SpotMaxPrice", &price, why,
					sizeof why))
			return answers_bad(err, errlen, w, r, why);
	}
	d->on_demand_allocation_strategy = aws_xml_take(r, DIST_OD_STRATEGY);
	d->spot_allocation_strategy = aws_xml_take(r, DIST_SPOT_STRATEGY);
	d->spot_max_price = aws_xml_take(r, DIST_SPOT_MAX);
	return 0;
}

static int answers_asg_group(struct aws_xml_rec *r, struct aws_asg_group *g, char *err,
			     size_t errlen)
{
	static const char *const w = DESCRIBE_ASG;
	struct aws_xml_recs *inst = &r->lists[ASG_LIST_INSTANCES], *dist = &r->lists[ASG_LIST_DIST];
	int rc;

	if ((rc = answers_need(r, ASG_NAME, "AutoScalingGroupName", "member", 1, w, err, errlen)) ||
	    (rc = answers_need(r, ASG_MIN, "MinSize", "member", 0, w, err, errlen)) ||
	    (rc = answers_need(r, ASG_MAX, "MaxSize", "member", 0, w, err, errlen)) ||
	    (rc = answers_need(r, ASG_DESIRED, "DesiredCapacity", "member", 0, w, err, errlen)) ||
	    (rc = answers_int(r, ASG_MIN, "MinSize", &g->min_size, w, err, errlen)) ||
	    (rc = answers_int(r, ASG_MAX, "MaxSize", &g->max_size, w, err, errlen)) ||
	    (rc = answers_int(r, ASG_DESIRED, "DesiredCapacity", &g->desired, w, err, errlen)))
		return rc;
	if (dist->n > 1)
		return answers_bad(err, errlen, w, &dist->v[1], "a second InstancesDistribution");
	if (dist->n && (rc = answers_asg_dist(&dist->v[0], &g->dist, err, errlen)))
		return rc;
	g->has_distribution = dist->n == 1;
	if (!dist->n) {
		g->dist.on_demand_base = g->dist.on_demand_percent = -1;
		g->dist.spot_instance_pools = -1;
	}
	if (inst->n && !(g->instances = calloc(inst->n, sizeof *g->instances)))
		return -ENOMEM;
	for (size_t k = 0; k < inst->n; k++) {
		struct aws_xml_rec *ir = &inst->v[k];
		struct aws_asg_instance *in = &g->instances[k];

		if ((rc = answers_need(ir, ASG_INST_ID, "InstanceId", "member", 1, w, err,
				       errlen)) ||
		    (rc = answers_need(ir, ASG_INST_STATE, "LifecycleState", "member", 1, w, err,
				       errlen)) ||
		    (rc = answers_need(ir, ASG_INST_HEALTH, "HealthStatus", "member", 1, w, err,
				       errlen)))
			return rc;
		in->id = aws_xml_take(ir, ASG_INST_ID);
		in->lifecycle_state = aws_xml_take(ir, ASG_INST_STATE);
		in->health_status = aws_xml_take(ir, ASG_INST_HEALTH);
		in->instance_type = aws_xml_take(ir, ASG_INST_TYPE);
		g->n_instances = k + 1;
	}
	g->name = aws_xml_take(r, ASG_NAME);
	return 0;
}

int aws_answers_asg(const char *doc, size_t len, struct aws_asg_answer *out, char *err,
		    size_t errlen)
{
	struct aws_xml_rec rec;
	struct aws_xml_recs *groups;
	int rc;

	if (!out)
		return answers_einval(err, errlen, DESCRIBE_ASG);
	memset(out, 0, sizeof *out);
	rc = answers_parse(doc, len, asg_doc, DESCRIBE_ASG, &rec, err, errlen);
	if (rc)
		return rc;
	groups = &rec.lists[0];
	if (groups->n && !(out->groups = calloc(groups->n, sizeof *out->groups))) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < groups->n; i++) {
		out->n_groups = i + 1;
		rc = answers_asg_group(&groups->v[i], &out->groups[i], err, errlen);
		if (rc)
			goto out;
	}
	out->next_token = answers_token(&rec, 0);
out:
	aws_xml_rec_free(&rec);
	if (rc)
		aws_answers_asg_free(out);
	return rc;
}

void aws_answers_asg_free(struct aws_asg_answer *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n_groups; i++) {
		struct aws_asg_group *g = &a->groups[i];

		for (size_t k = 0; k < g->n_instances; k++) {
			free(g->instances[k].id);
			free(g->instances[k].lifecycle_state);
			free(g->instances[k].health_status);
			free(g->instances[k].instance_type);
		}
		free(g->instances);
		free(g->name);
		free(g->dist.on_demand_allocation_strategy);
		free(g->dist.spot_allocation_strategy);
		free(g->dist.spot_max_price);
	}
	free(a->groups);
	free(a->next_token);
	memset(a, 0, sizeof *a);
}

int aws_answers_spot(const char *doc, size_t len, struct aws_spot_answer *out, char *err,
		     size_t errlen)
{
	static const char *const w = DESCRIBE_SPOT;
	static const char *const names[] = { "instanceType", "availabilityZone",
					     "productDescription", "spotPrice", "timestamp" };
	struct aws_xml_rec rec;
	struct aws_xml_recs *items;
	char why[160];
	int rc;

	if (!out)
		return answers_einval(err, errlen, w);
	memset(out, 0, sizeof *out);
	rc = answers_parse(doc, len, spot_doc, w, &rec, err, errlen);
	if (rc)
		return rc;
	items = &rec.lists[0];
	if (items->n && !(out->prices = calloc(items->n, sizeof *out->prices))) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < items->n; i++) {
		struct aws_xml_rec *r = &items->v[i];
		struct aws_spot_price *p = &out->prices[i];

		for (size_t f = 0; f < sizeof names / sizeof names[0]; f++)
			if ((rc = answers_need(r, f, names[f], "item", 1, w, err, errlen)))
				goto out;
		if ((rc = aws_answers_decimal(r->val[SPOT_PRICE], "spotPrice", &p->price, why,
					      sizeof why)) ||
		    (rc = aws_answers_time(r->val[SPOT_TIME], "timestamp", &p->t_ms, why,
					   sizeof why))) {
			rc = answers_bad(err, errlen, w, r, why);
			goto out;
		}
		p->instance_type = aws_xml_take(r, SPOT_TYPE);
		p->zone = aws_xml_take(r, SPOT_ZONE);
		p->product = aws_xml_take(r, SPOT_PRODUCT);
		out->n_prices = i + 1;
	}
	out->next_token = answers_token(&rec, 0);
out:
	aws_xml_rec_free(&rec);
	if (rc)
		aws_answers_spot_free(out);
	return rc;
}

void aws_answers_spot_free(struct aws_spot_answer *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n_prices; i++) {
		free(a->prices[i].instance_type);
		free(a->prices[i].zone);
		free(a->prices[i].product);
	}
	free(a->prices);
	free(a->next_token);
	memset(a, 0, sizeof *a);
}

/* One instance record into *in (tags included). */
static int answers_instance(struct aws_xml_rec *r, struct aws_ec2_instance *in, char *err,
			    size_t errlen)
{
	static const char *const w = DESCRIBE_INSTANCES;
	struct aws_xml_recs *tags = &r->lists[0];
	char why[160];
	int rc;

	in->launch_ms = -1;
	if ((rc = answers_need(r, INST_ID, "instanceId", "item", 1, w, err, errlen)) ||
	    (rc = answers_need(r, INST_STATE, "instanceState/name", "item", 1, w, err, errlen)) ||
	    (rc = answers_need(r, INST_TYPE, "instanceType", "item", 1, w, err, errlen)))
		return rc;
	if (r->val[INST_LAUNCH] &&
	    aws_answers_time(r->val[INST_LAUNCH], "launchTime", &in->launch_ms, why, sizeof why))
		return answers_bad(err, errlen, w, r, why);
	if (tags->n && !(in->tags = calloc(tags->n, sizeof *in->tags)))
		return -ENOMEM;
	for (size_t t = 0; t < tags->n; t++) {
		struct aws_xml_rec *tr = &tags->v[t];

		if ((rc = answers_need(tr, TAG_KEY, "key", "item", 1, w, err, errlen)))
			return rc;
		in->tags[t].key = aws_xml_take(tr, TAG_KEY);
		in->tags[t].value = aws_xml_take(tr, TAG_VALUE);
		in->n_tags = t + 1;
		if (!in->tags[t].value && !(in->tags[t].value = strdup("")))
			return -ENOMEM;
	}
	in->id = aws_xml_take(r, INST_ID);
	in->state = aws_xml_take(r, INST_STATE);
	in->lifecycle = aws_xml_take(r, INST_LIFECYCLE);
	in->instance_type = aws_xml_take(r, INST_TYPE);
	in->spot = in->lifecycle && !strcmp(in->lifecycle, "spot");
	return 0;
}

int aws_answers_instances(const char *doc, size_t len, struct aws_instances_answer *out,
			  char *err, size_t errlen)
{
	struct aws_xml_rec rec;
	struct aws_xml_recs *res;
	size_t total = 0;
	int rc;

	if (!out)
		return answers_einval(err, errlen, DESCRIBE_INSTANCES);
	memset(out, 0, sizeof *out);
	rc = answers_parse(doc, len, instances_doc, DESCRIBE_INSTANCES, &rec, err, errlen);
	if (rc)
		return rc;
	res = &rec.lists[0];
	for (size_t i = 0; i < res->n; i++)
		total += res->v[i].lists[0].n;
	if (total && !(out->instances = calloc(total, sizeof *out->instances))) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < res->n; i++) {
		struct aws_xml_recs *inst = &res->v[i].lists[0];

		for (size_t k = 0; k < inst->n; k++) {
			rc = answers_instance(&inst->v[k], &out->instances[out->n_instances++], err,
					      errlen);
			if (rc)
				goto out;
		}
	}
	out->next_token = answers_token(&rec, 0);
out:
	aws_xml_rec_free(&rec);
	if (rc)
		aws_answers_instances_free(out);
	return rc;
}

void aws_answers_instances_free(struct aws_instances_answer *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n_instances; i++) {
		struct aws_ec2_instance *in = &a->instances[i];

		for (size_t t = 0; t < in->n_tags; t++) {
			free(in->tags[t].key);
			free(in->tags[t].value);
		}
		free(in->tags);
		free(in->id);
		free(in->state);
		free(in->lifecycle);
		free(in->instance_type);
	}
	free(a->instances);
	free(a->next_token);
	memset(a, 0, sizeof *a);
}
