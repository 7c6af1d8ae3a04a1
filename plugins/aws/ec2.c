/*
 * ec2.c - the target aws.ec2 (docs/aws.ec2.md): a set of EC2 instances, listed
 * by id or found by a tag, of which the group's count run; the others are
 * stopped, not terminated (the seed's training instances).
 *
 * Each poll is one signed DescribeInstances (NextToken pages followed),
 * reported as running (current), pending (starting), stopping and
 * shutting-down (stopping). An apply sets the count the target holds and
 * runs the same Describe, then one StartInstances or StopInstances chosen
 * by ec2_plan.c (start the least recently launched stopped ones; stop the
 * most recently launched running ones, never one carrying protect_tag).
 * What it cannot do at once (busy or pending instances in the way, none
 * stopped to start) is said in apply_done's message, and each later poll
 * starts or stops what has become possible until the count holds.
 * One request in flight at a time; destroy cancels it. The answers are
 * read by aws_answers.c and aws_ec2_answer.c, the calls made by aws_call.c,
 * why they failed said by aws_call.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_answers.h"
#include "aws_call.h"
#include "aws_client.h"
#include "aws_ec2_answer.h"
#include "aws_plugin.h"
#include "aws_query.h"
#include "ec2_plan.h"

#define host aws_host

#define EC2_DESCRIBE "DescribeInstances"
#define EC2_MAX_INSTANCES 1000 /* in the set (listed or found) */
#define EC2_MAX_PAGES 50
#define EC2_MAX_PER_CALL 100   /* ids in one Start/StopInstances; the rest at the next poll */
#define EC2_MAX_ANSWER (16u << 20)

enum { K_IDS, K_TAG, K_PROTECT, K_PAGE, K_REGION, K_PROFILE, K_ENDPOINT, K_TIMEOUT };

static const struct scaled_key ec2_keys[] = {
	[K_IDS] = { "instance_ids", SCALED_KEY_STRING, NULL, 0,
		    "comma-separated instance ids \"i-...,i-...\" (or tag, not both)" },
	[K_TAG] = { "tag", SCALED_KEY_STRING, NULL, 0,
		    "the instances whose tag Key has Value: \"Key=Value\" (or instance_ids)" },
	[K_PROTECT] = { "protect_tag", SCALED_KEY_STRING, "scaled:busy", 0,
			"a tag key marking an instance busy: never stopped while it has it "
			"(\"\": none)" },
	[K_PAGE] = { "page_size", SCALED_KEY_INT, "1000", 0,
		     "instances per DescribeInstances page, with tag (5 to 1000)" },
	[K_REGION] = AWS_CLIENT_KEY_REGION,
	[K_PROFILE] = AWS_CLIENT_KEY_PROFILE,
	[K_ENDPOINT] = AWS_CLIENT_KEY_ENDPOINT("EC2"),
	[K_TIMEOUT] = AWS_CLIENT_KEY_TIMEOUT,
	{ NULL, 0, NULL, 0, NULL },
};

static const struct scaled_key_limit ec2_limits[] = {
	{ .key = "page_size", .min = "5", .max = "1000" },
	{ .key = NULL },
};

struct ec2 {
	struct aws_client c;   /* region, endpoint, credentials, errors logged once */
	char **ids;            /* instance_ids, in the farm's order; or NULL */
	size_t n_ids;
	char *tag_key, *tag_value; /* tag; or NULL */
	char *protect;         /* protect_tag; NULL: none */
	int page_size;
	void *pending;         /* the request in flight */
	const char *acting;    /* pending is this action ("StopInstances"), or NULL */
	int pages;
	struct ec2_plan_instance *seen; /* this Describe's set (ids owned) */
	size_t n_seen;
	int hold;              /* the count held since the last apply; -1: none yet */
	int hold_before;       /* the hold to go back to when the apply fails */
	int applying;          /* an apply waits for its Describe or action */
	int planned;           /* ... and that action is its own */
	uint64_t token;
	char note[768];        /* the apply's plan in words, for apply_done */
	char act_error[600];   /* the last action failure logged */
};

/* ------------------------------------------------------------- keys -- */

/* "i-" and 8 or 17 lower-case hex digits. */
static int ec2_id_ok(const char *s, size_t n)
{
	return n > 2 && s[0] == 'i' && s[1] == '-' && (n == 10 || n == 19) &&
	       strspn(s + 2, "0123456789abcdef") >= n - 2;
}

static int ec2_printable(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static int ec2_parse_ids(struct ec2 *e, const char *s, char *err, size_t errlen)
{
	const char *p = s;

	if (!(e->ids = calloc(EC2_MAX_INSTANCES, sizeof *e->ids)))
		return -ENOMEM;
	for (;;) {
		const char *b, *end, *sep;
		size_t len;

		while (*p == ' ')
			p++;
		b = p;
		sep = end = b + strcspn(b, ",");
		while (end > b && end[-1] == ' ')
			end--;
		len = (size_t)(end - b);
		if (!ec2_id_ok(b, len)) {
			snprintf(err, errlen, "instance_ids: \"%.*s\" is not an instance id: want "
				 "\"i-\" and 8 or 17 lower-case hex digits, comma-separated",
				 (int)(len > 40 ? 40 : len), b);
			return -EINVAL;
		}
		for (size_t i = 0; i < e->n_ids; i++)
			if (strlen(e->ids[i]) == len && !memcmp(e->ids[i], b, len)) {
				snprintf(err, errlen, "instance_ids: %.*s is given twice", (int)len, b);
				return -EINVAL;
			}
		if (e->n_ids == EC2_MAX_INSTANCES) {
			snprintf(err, errlen, "instance_ids: more than %d", EC2_MAX_INSTANCES);
			return -EINVAL;
		}
		if (!(e->ids[e->n_ids++] = strndup(b, len)))
			return -ENOMEM;
		if (!*sep)
			return 0;
		p = sep + 1;
	}
}

static int ec2_parse_tag(struct ec2 *e, const char *s, char *err, size_t errlen)
{
	const char *eq = strchr(s, '=');
	size_t klen = eq ? (size_t)(eq - s) : 0;

	if (!eq || klen == 0 || klen > 128 || strlen(eq + 1) > 256 || !ec2_printable(s, strlen(s))) {
		snprintf(err, errlen, "tag: want \"Key=Value\" (a key of 1 to 128 and a value of "
			 "0 to 256 printable characters, split at the first '='), like "
			 "\"role=training\"");
		return -EINVAL;
	}
	if (!(e->tag_key = strndup(s, klen)) || !(e->tag_value = strdup(eq + 1)))
		return -ENOMEM;
	return 0;
}

static void ec2_seen_clear(struct ec2 *e)
{
	for (size_t i = 0; i < e->n_seen; i++)
		free((char *)e->seen[i].id);
	e->n_seen = 0;
}

static void ec2_free(struct ec2 *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n_ids; i++)
		free(e->ids[i]);
	free(e->ids);
	free(e->tag_key);
	free(e->tag_value);
	free(e->protect);
	ec2_seen_clear(e);
	free(e->seen);
	aws_client_clear(&e->c);
	free(e);
}

static int ec2_create(struct scaled_instance *inst, const struct scaled_value *cfg,
		      void **state, char *err, size_t errlen)
{
	struct ec2 *e;
	const char *protect = cfg[K_PROTECT].u.str;
	int rc = 0;

	if (cfg[K_IDS].set == cfg[K_TAG].set) {
		snprintf(err, errlen, "give instance_ids (a list of instances) or tag (\"Key=Value\": "
			 "the instances carrying it), exactly one of them");
		return -EINVAL;
	}
	if (strlen(protect) > 128 || !ec2_printable(protect, strlen(protect))) {
		snprintf(err, errlen, "protect_tag: want a tag key of at most 128 printable "
			 "characters (\"\" for none)");
		return -EINVAL;
	}
	if (!(e = calloc(1, sizeof *e))) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	aws_client_init(&e->c, inst, "ec2", EC2_DESCRIBE);
	e->hold = e->hold_before = -1;
	e->page_size = (int)cfg[K_PAGE].u.integer;
	if (!(e->seen = calloc(EC2_MAX_INSTANCES, sizeof *e->seen)) ||
	    (*protect && !(e->protect = strdup(protect))))
		rc = -ENOMEM;
	if (rc == 0)
		rc = cfg[K_IDS].set ? ec2_parse_ids(e, cfg[K_IDS].u.str, err, errlen)
				    : ec2_parse_tag(e, cfg[K_TAG].u.str, err, errlen);
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	if (rc == 0)
		rc = aws_client_timeout(&e->c, &cfg[K_TIMEOUT], err, errlen);
	if (rc == 0)
		rc = aws_client_resolve(&e->c, "EC2", AWS_KEY_OR_NULL(cfg[K_PROFILE]),
					AWS_KEY_OR_NULL(cfg[K_REGION]),
					AWS_KEY_OR_NULL(cfg[K_ENDPOINT]), err, errlen);
	if (rc < 0) {
		ec2_free(e);
		return rc;
	}
	*state = e;
	return 0;
}

static void ec2_destroy(void *state)
{
	struct ec2 *e = state;

	host->http_cancel(e->pending);
	ec2_free(e);
}

/* ---------------------------------------------------------- applies -- */

/* The apply in progress ends: its hold stays, or goes back on failure. */
static void ec2_apply_end(struct ec2 *e, int status, const char *msg)
{
	if (!e->applying)
		return;
	e->applying = e->planned = 0;
	if (status < 0)
		e->hold = e->hold_before;
	host->apply_done(e->c.inst, e->token, status, msg);
}

/* A Describe that gave no usable set: logged once (the next polls report
 * it to the core), and the apply waiting on it fails. */
static void ec2_fail(struct ec2 *e, const char *why)
{
	char msg[600];

	ec2_seen_clear(e);
	aws_client_fail(&e->c, why);
	snprintf(msg, sizeof msg, "%s: %s", EC2_DESCRIBE, why);
	ec2_apply_end(e, -EIO, msg);
}

static void ec2_report(struct ec2 *e)
{
	struct scaled_target_state st = { .struct_size = sizeof st, .current = 0, .desired = 0,
					   .starting = 0, .stopping = 0, .spot = -1,
					   .on_demand = -1 };

	for (size_t i = 0; i < e->n_seen; i++) {
		switch (e->seen[i].state) {
		case EC2_STATE_RUNNING: st.current++; break;
		case EC2_STATE_PENDING: st.starting++; break;
		case EC2_STATE_STOPPING: st.stopping++; break;
		default: break;
		}
	}
	st.desired = e->hold >= 0 ? e->hold : st.current + st.starting;
	host->report_target(e->c.inst, &st);
}

static int ec2_describe(struct ec2 *e, const char *next_token, char *err, size_t errlen);

static void ec2_acted(void *arg, const struct scaled_http_response *res)
{
	struct ec2 *e = arg;
	const char *action = e->acting;
	struct aws_ec2_changes ch;
	char reason[512] = "", why[512], fail[600], msg[1400];
	size_t at = 0;
	int rc;

	e->pending = NULL;
	e->acting = NULL;
	rc = aws_ec2_answer_changes(res->body, res->body_len, action, &ch, reason, sizeof reason);
	if (aws_client_why_read(res, rc, reason, why, sizeof why) < 0) {
		if (rc == 0)
			aws_ec2_answer_changes_free(&ch);
		snprintf(fail, sizeof fail, "%s: %s", action, why);
		if (strcmp(e->act_error, fail) != 0 || e->planned)
			host->log(e->c.inst, SCALED_LOG_ERROR, "%s", fail);
		memcpy(e->act_error, fail, sizeof fail);
		if (e->planned)
			ec2_apply_end(e, -EIO, fail);
		goto next;
	}
	e->act_error[0] = '\0';
	at = (size_t)snprintf(msg, sizeof msg, "%s:", action);
	for (size_t i = 0; i < ch.n; i++) {
		for (size_t k = 0; k < e->n_seen; k++)
			if (!strcmp(e->seen[k].id, ch.v[i].id))
				e->seen[k].state = ec2_plan_state_of(ch.v[i].current);
		if (at < sizeof msg)
			at += (size_t)snprintf(msg + at, sizeof msg - at, " %s (%s -> %s)", ch.v[i].id,
					       ch.v[i].previous ? ch.v[i].previous : "?",
					       ch.v[i].current);
	}
	aws_ec2_answer_changes_free(&ch);
	host->log(e->c.inst, SCALED_LOG_INFO, "%s", msg);
	ec2_report(e);
	if (e->planned)
		ec2_apply_end(e, 0, e->note);
next:
	if (e->applying) {
		/* it came while a poll's action was in flight: its own Describe now */
		if (ec2_describe(e, NULL, why, sizeof why) < 0)
			ec2_fail(e, why);
	}
}

/* Start or stop what the plan says (at most EC2_MAX_PER_CALL: the rest at
 * the next poll); 0, or -1 when nothing was started. */
static int ec2_act(struct ec2 *e, const char *action, const size_t *ix, size_t n)
{
	struct aws_form form = { 0 };
	char err[256], msg[400];

	aws_form_add(&form, "Action", action);
	aws_form_add(&form, "Version", "2016-11-15");
	for (size_t i = 0; i < n && i < EC2_MAX_PER_CALL; i++)
		aws_form_addf(&form, e->seen[ix[i]].id, "InstanceId.%zu", i + 1);
	e->pending = aws_client_call_query(&e->c, &form, 1u << 20, ec2_acted, e, err,
					   sizeof err);
	aws_form_free(&form);
	if (!e->pending) {
		snprintf(msg, sizeof msg, "%s: %s", action, err);
		host->log(e->c.inst, SCALED_LOG_ERROR, "%s", msg);
		ec2_apply_end(e, -EIO, msg);
		return -1;
	}
	e->acting = action;
	return 0;
}

/* The whole set is known: report it, then hold the count. */
static void ec2_settled(struct ec2 *e)
{
	struct ec2_plan p;
	char text[768];

	ec2_report(e);
	if (aws_client_recovered(&e->c))
		host->log(e->c.inst, SCALED_LOG_INFO, "%s answers again (%zu instances)",
			  EC2_DESCRIBE, e->n_seen);
	if (e->hold < 0)
		return; /* no apply yet: only watch */
	if (ec2_plan_make(e->seen, e->n_seen, e->hold, &p) < 0) {
		host->log(e->c.inst, SCALED_LOG_ERROR, "out of memory");
		ec2_apply_end(e, -ENOMEM, "out of memory");
		return;
	}
	ec2_plan_text(&p, e->seen, e->protect, text, sizeof text);
	if (e->applying) {
		snprintf(e->note, sizeof e->note, "%s", text);
		e->planned = 1;
	} else if (p.n_start || p.n_stop) {
		host->log(e->c.inst, SCALED_LOG_INFO, "holding %d: %s", e->hold, text);
	}
	if (p.n_start)
		ec2_act(e, "StartInstances", p.start, p.n_start);
	else if (p.n_stop)
		ec2_act(e, "StopInstances", p.stop, p.n_stop);
	else if (e->applying)
		ec2_apply_end(e, 0, e->note);
	ec2_plan_free(&p);
}

/* ---------------------------------------------------------- describe -- */

/* This page's instances into the set: 0, or -E2BIG / -ENOMEM. */
static int ec2_take(struct ec2 *e, struct aws_instances_answer *a)
{
	for (size_t i = 0; i < a->n_instances; i++) {
		struct aws_ec2_instance *in = &a->instances[i];
		struct ec2_plan_instance *s;
		size_t order = 0;

		if (e->ids) {
			while (order < e->n_ids && strcmp(e->ids[order], in->id))
				order++;
			if (order == e->n_ids)
				continue; /* not one of ours (AWS answers only those asked) */
		}
		if (e->n_seen == EC2_MAX_INSTANCES)
			return -E2BIG;
		s = &e->seen[e->n_seen];
		*s = (struct ec2_plan_instance){ .id = in->id, .launch_ms = in->launch_ms,
						 .order = order,
						 .state = ec2_plan_state_of(in->state) };
		in->id = NULL; /* the set's now */
		for (size_t t = 0; e->protect && t < in->n_tags; t++)
			if (!strcmp(in->tags[t].key, e->protect))
				s->busy = 1;
		e->n_seen++;
	}
	return 0;
}

static void ec2_described(void *arg, const struct scaled_http_response *res)
{
	struct ec2 *e = arg;
	struct aws_instances_answer a;
	char reason[512] = "", why[512];
	int rc;

	e->pending = NULL;
	rc = aws_answers_instances(res->body, res->body_len, &a, reason, sizeof reason);
	if (aws_client_why_read(res, rc, reason, why, sizeof why) < 0) {
		if (rc == 0)
			aws_answers_instances_free(&a);
		ec2_fail(e, why);
		return;
	}
	rc = ec2_take(e, &a);
	if (rc == 0 && a.next_token) {
		if (++e->pages >= EC2_MAX_PAGES) {
			snprintf(why, sizeof why, "more than %d pages of instances", EC2_MAX_PAGES);
			rc = -E2BIG;
		} else {
			rc = ec2_describe(e, a.next_token, why, sizeof why);
		}
	} else if (rc == -E2BIG) {
		snprintf(why, sizeof why, "more than %d instances carry the tag %s=%s; scaled "
			 "manages at most %d", EC2_MAX_INSTANCES, e->tag_key ? e->tag_key : "?",
			 e->tag_value ? e->tag_value : "?", EC2_MAX_INSTANCES);
	}
	if (rc == 0 && !a.next_token) {
		aws_answers_instances_free(&a);
		ec2_settled(e);
		return;
	}
	aws_answers_instances_free(&a);
	if (rc < 0)
		ec2_fail(e, rc == -ENOMEM ? "out of memory" : why);
}

static int ec2_describe(struct ec2 *e, const char *next_token, char *err, size_t errlen)
{
	struct aws_form form = { 0 };
	char n[16];

	if (!next_token) {
		ec2_seen_clear(e);
		e->pages = 0;
	}
	aws_form_add(&form, "Action", EC2_DESCRIBE);
	aws_form_add(&form, "Version", "2016-11-15");
	if (e->ids) {
		/* AWS refuses MaxResults beside ids: one answer holds them all */
		for (size_t i = 0; i < e->n_ids; i++)
			aws_form_addf(&form, e->ids[i], "InstanceId.%zu", i + 1);
	} else {
		char name[140];

		snprintf(name, sizeof name, "tag:%s", e->tag_key);
		aws_form_add(&form, "Filter.1.Name", name);
		aws_form_add(&form, "Filter.1.Value.1", e->tag_value);
		snprintf(n, sizeof n, "%d", e->page_size);
		aws_form_add(&form, "MaxResults", n);
	}
	if (next_token)
		aws_form_add(&form, "NextToken", next_token);
	e->pending = aws_client_call_query(&e->c, &form, EC2_MAX_ANSWER, ec2_described, e,
					   err, errlen);
	aws_form_free(&form);
	return e->pending ? 0 : -EIO;
}

static void ec2_again(void *arg);

/* Start a Describe unless a request is in flight (its end goes on). */
static int ec2_start(struct ec2 *e, char *err, size_t errlen)
{
	int rc;

	if (e->pending)
		return 0;
	rc = aws_client_ready(&e->c, ec2_again, e, err, errlen);
	if (rc == -EAGAIN)
		return 0; /* ec2_again starts it once they are there */
	if (rc < 0)
		return rc;
	return ec2_describe(e, NULL, err, errlen);
}

/* The credentials came (or failed to): go on now, not a period later. */
static void ec2_again(void *arg)
{
	struct ec2 *e = arg;
	char err[256];

	if (ec2_start(e, err, sizeof err) < 0)
		ec2_fail(e, err);
}

static int ec2_poll(void *state, char *err, size_t errlen)
{
	struct ec2 *e = state;

	return aws_client_collect_rc(&e->c, ec2_start(e, err, errlen), err, errlen);
}

static int ec2_apply(void *state, const struct scaled_target_want *want, uint64_t token,
		     char *err, size_t errlen)
{
	struct ec2 *e = state;
	int rc;

	if (e->applying) {
		snprintf(err, errlen, "an apply is still in progress");
		return -EBUSY;
	}
	if (want->desired < 0 || want->desired > EC2_MAX_INSTANCES) {
		snprintf(err, errlen, "capacity %d: out of range (0 to %d)", want->desired,
			 EC2_MAX_INSTANCES);
		return -EINVAL;
	}
	e->hold_before = e->hold;
	e->hold = want->desired;
	e->token = token;
	e->applying = 1;
	e->planned = 0;
	e->note[0] = '\0';
	rc = ec2_start(e, err, errlen);
	if (rc < 0) {
		/* not started: no apply_done */
		e->applying = 0;
		e->hold = e->hold_before;
	}
	return rc;
}

const struct scaled_kind aws_ec2_kind = {
	.struct_size = sizeof(struct scaled_kind),
	.name = "aws.ec2",
	.role = SCALED_ROLE_TARGET,
	.help = "EC2 instances listed by id or found by a tag, started and stopped to run "
		"the group's count (newest stopped first, busy ones never)",
	.keys = ec2_keys,
	.limits = ec2_limits,
	.limit_size = sizeof(struct scaled_key_limit),
	.create = ec2_create,
	.destroy = ec2_destroy,
	.poll = ec2_poll,
	.apply = ec2_apply,
};
