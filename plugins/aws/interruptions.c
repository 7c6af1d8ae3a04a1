/*
 * interruptions.c - the source aws.interruptions (docs/aws.interruptions.md): the SQS queue
 * that an EventBridge rule fills with EC2 Spot Instance Interruption
 * Warnings and Instance Rebalance Recommendations, consumed as Karpenter
 * consumes it. Each collect is one cycle of requests, one in flight at a
 * time: ReceiveMessage (10 at most, no long poll), each body read
 * (aws_ec2_event.c) and delivered to the policies as an event
 * (host->event, ABI 1.4), then DeleteMessageBatch of what was read; again
 * while a receive came back full, up to `max_receives`. A malformed message
 * is deleted too (counted, logged), so that garbage cannot poison the
 * queue; a message whose event the core refused is kept, and comes back
 * after the queue's visibility timeout. Events delivered recently are
 * remembered by id, so that one SQS hands over twice (or whose delete
 * failed) reaches the policies once. Counts per cycle are published.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_call.h"
#include "aws_client.h"
#include "aws_ec2_event.h"
#include "aws_plugin.h"
#include "aws_sqs_batch.h"

#define host aws_host

#define INTR_MAX_URL 1024
#define INTR_TYPE "application/x-amz-json-1.0"
#define INTR_SEEN 256 /* event ids remembered */

enum { K_QUEUE_URL, K_GROUP, K_MAX_RECEIVES, K_DELETE, K_REGION, K_PROFILE, K_ENDPOINT,
       K_TIMEOUT };

static const struct scaled_key intr_keys[] = {
	[K_QUEUE_URL] = { "queue_url", SCALED_KEY_STRING, NULL, 1,
			  "the URL of the queue EventBridge sends the EC2 events to" },
	[K_GROUP] = { "group", SCALED_KEY_STRING, NULL, 0,
		      "the group whose policies get the events (default: every group)" },
	[K_MAX_RECEIVES] = { "max_receives", SCALED_KEY_INT, "3", 0,
			     "ReceiveMessage calls per collect at most (10 messages each)" },
	[K_DELETE] = { "delete", SCALED_KEY_BOOL, "true", 0,
		       "delete what was read (false: leave the queue to another reader, "
		       "as a preview or a dry run beside production should)" },
	[K_REGION] = AWS_CLIENT_KEY_REGION,
	[K_PROFILE] = AWS_CLIENT_KEY_PROFILE,
	[K_ENDPOINT] = AWS_CLIENT_KEY_ENDPOINT("SQS"),
	[K_TIMEOUT] = AWS_CLIENT_KEY_TIMEOUT,
	{ NULL, 0, NULL, 0, NULL },
};

static const struct scaled_key_limit intr_limits[] = {
	{ .key = "max_receives", .min = "1", .max = "10" },
	{ 0 },
};

/* What one collect counted. */
struct intr_counts {
	double read, interruptions, rebalances, malformed;
};

struct intr {
	struct aws_client c;  /* region, endpoint, credentials, errors logged once */
	char *group;          /* NULL: every group */
	char *queue_url;
	char *receive_body;   /* the same each receive */
	int max_receives;
	bool keep_messages; /* `delete = false`: read, never delete */
	void *pending;        /* the request in flight */
	bool busy;            /* a cycle is under way */
	bool failed;          /* something of this cycle failed */
	bool more;            /* the last receive came back full */
	int receives;
	int64_t started_ms;   /* the collect's time: the samples' */
	struct intr_counts n;
	char *del[AWS_SQS_BATCH_MAX]; /* receipts to delete, this batch */
	size_t n_del;
	char *del_body;
	char malformed[384];  /* the first malformed message of the cycle */
	char *last_refusal;   /* host->event's last reason, logged once */
	char seen[INTR_SEEN][80]; /* ids of events delivered, a ring */
	size_t seen_next;
};

static void intr_batch_clear(struct intr *q)
{
	size_t i;

	for (i = 0; i < q->n_del; i++)
		free(q->del[i]);
	q->n_del = 0;
	free(q->del_body);
	q->del_body = NULL;
}

static void intr_free(struct intr *q)
{
	if (!q)
		return;
	intr_batch_clear(q);
	free(q->group);
	free(q->queue_url);
	free(q->receive_body);
	free(q->last_refusal);
	aws_client_clear(&q->c);
	free(q);
}

static int intr_check(const struct scaled_value *cfg, char *err, size_t errlen)
{
	const char *url = cfg[K_QUEUE_URL].u.str, *g;
	size_t i;

	for (i = 0; url[i]; i++)
		if ((unsigned char)url[i] <= 0x20 || url[i] == 0x7f)
			break;
	if (url[i] || (strncmp(url, "https://", 8) && strncmp(url, "http://", 7)) ||
	    i >= INTR_MAX_URL) {
		snprintf(err, errlen, "queue_url: want the queue's http(s):// URL without spaces, "
			 "under %d bytes, like \"https://sqs.us-east-1.amazonaws.com/"
			 "123456789012/interruptions\"", INTR_MAX_URL);
		return -EINVAL;
	}
	g = cfg[K_GROUP].set ? cfg[K_GROUP].u.str : NULL;
	if (g && (!*g || strlen(g) > 63 ||
		  strspn(g, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
			  strlen(g))) {
		snprintf(err, errlen, "group: want a group's name, 1 to 63 letters, digits, '_' "
			 "and '-'");
		return -EINVAL;
	}
	return 0;
}

static int intr_create(struct scaled_instance *inst, const struct scaled_value *cfg,
		       void **state, char *err, size_t errlen)
{
	struct intr *q;
	int rc;

	if (!SCALED_HOST_HAS(host, event) || !host->event) {
		snprintf(err, errlen, "aws.interruptions needs events for plugins (ABI 1.4); this "
			 "scaled offers ABI %u.%u", host->abi_major, host->abi_minor);
		return -ENOTSUP;
	}
	rc = intr_check(cfg, err, errlen);
	if (rc < 0)
		return rc;
	q = calloc(1, sizeof *q);
	if (!q) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	aws_client_init(&q->c, inst, "sqs", "ReceiveMessage");
	q->max_receives = (int)cfg[K_MAX_RECEIVES].u.integer;
	q->keep_messages = !cfg[K_DELETE].u.boolean;
	if (!(q->queue_url = strdup(cfg[K_QUEUE_URL].u.str)) ||
	    !(q->receive_body = aws_sqs_receive_body(q->queue_url)) ||
	    (cfg[K_GROUP].set && !(q->group = strdup(cfg[K_GROUP].u.str)))) {
		snprintf(err, errlen, "out of memory");
		rc = -ENOMEM;
	}
	if (rc == 0)
		rc = aws_client_timeout(&q->c, &cfg[K_TIMEOUT], err, errlen);
	if (rc == 0)
		rc = aws_client_resolve(&q->c, "SQS", AWS_KEY_OR_NULL(cfg[K_PROFILE]),
					AWS_KEY_OR_NULL(cfg[K_REGION]),
					AWS_KEY_OR_NULL(cfg[K_ENDPOINT]), err, errlen);
	if (rc < 0) {
		intr_free(q);
		return rc;
	}
	*state = q;
	return 0;
}

static void intr_destroy(void *state)
{
	struct intr *q = state;

	host->http_cancel(q->pending);
	intr_free(q);
}

static int intr_post(struct intr *q, const char *action, const char *body,
		     scaled_http_done done, char *err, size_t errlen);
static void intr_receive_done(void *arg, const struct scaled_http_response *res);
static void intr_delete_done(void *arg, const struct scaled_http_response *res);

static void intr_fail(struct intr *q, const char *msg)
{
	q->failed = true;
	aws_client_fail(&q->c, msg);
}

/* The cycle's end: counts published when a receive got through. */
static void intr_finish(struct intr *q)
{
	int64_t t = q->started_ms;

	intr_batch_clear(q);
	q->busy = false;
	if (q->malformed[0])
		host->log(q->c.inst, SCALED_LOG_WARN, "%.0f malformed message%s deleted; %s",
			  q->n.malformed, q->n.malformed == 1 ? "" : "s", q->malformed);
	if (q->receives == 0)
		return; /* not even one answer: the series go stale */
	host->publish(q->c.inst, "interruptions", t, q->n.interruptions);
	host->publish(q->c.inst, "rebalances", t, q->n.rebalances);
	host->publish(q->c.inst, "malformed", t, q->n.malformed);
	host->publish(q->c.inst, NULL, t, q->n.read);
	if (!q->failed && aws_client_recovered(&q->c))
		host->log(q->c.inst, SCALED_LOG_INFO, "SQS answers again");
}

/* The next request of the cycle: a receive when the last one was full
 * and receives are left, else the end. */
static void intr_next(struct intr *q)
{
	char err[256];

	if (q->more && q->receives < q->max_receives && !q->failed) {
		if (intr_post(q, "ReceiveMessage", q->receive_body, intr_receive_done, err,
			      sizeof err) == 0)
			return;
		intr_fail(q, err);
	}
	intr_finish(q);
}

static bool intr_seen(const struct intr *q, const char *id)
{
	size_t i;

	for (i = 0; i < INTR_SEEN; i++)
		if (q->seen[i][0] && strcmp(q->seen[i], id) == 0)
			return true;
	return false;
}

/* Keep the receipt to delete; false when out of memory (then it stays,
 * and comes back). */
static bool intr_keep(struct intr *q, const char *receipt)
{
	if (q->n_del == AWS_SQS_BATCH_MAX || !(q->del[q->n_del] = strdup(receipt)))
		return false;
	q->n_del++;
	return true;
}

/* One message: read, delivered (or not), marked for deletion (or not). */
static void intr_message(struct intr *q, const struct aws_sqs_message *m)
{
	struct aws_ec2_event ev;
	char why[256], *payload;
	const char *name;
	int rc;

	q->n.read++;
	if (!m->body)
		snprintf(why, sizeof why, "the message has no body");
	if (!m->body || aws_ec2_event_read(m->body, m->body_len, &ev, why, sizeof why) < 0) {
		if (!q->malformed[0])
			snprintf(q->malformed, sizeof q->malformed, "the first (MessageId %.80s): "
				 "%s", m->id, why);
		q->n.malformed++;
		intr_keep(q, m->receipt);
		return;
	}
	name = aws_ec2_event_name(ev.kind);
	if (!name || intr_seen(q, ev.id)) {
		host->log(q->c.inst, SCALED_LOG_DEBUG, "%s %s (%s): %s, deleted", ev.detail_type,
			  ev.id, ev.source, name ? "delivered already" : "not an event of ours");
		intr_keep(q, m->receipt);
		return;
	}
	payload = aws_ec2_event_payload(&ev);
	why[0] = '\0';
	rc = payload ? host->event(q->c.inst, q->group, name, payload, why, sizeof why) : -ENOMEM;
	free(payload);
	if (rc < 0) {
		/* kept in the queue: it comes back after the visibility timeout */
		if (rc == -ENOMEM && !why[0])
			snprintf(why, sizeof why, "out of memory");
		if (!q->last_refusal || strcmp(q->last_refusal, why) != 0) {
			host->log(q->c.inst, SCALED_LOG_WARN, "%s for %s not delivered, left in the "
				  "queue: %s", name, ev.instance_id, why);
			free(q->last_refusal);
			q->last_refusal = strdup(why);
		}
		return;
	}
	free(q->last_refusal);
	q->last_refusal = NULL;
	host->log(q->c.inst, SCALED_LOG_INFO, "%s: %s%s%s at %s (%s)", name, ev.instance_id,
		  *ev.action ? ", " : "", ev.action, ev.time, ev.region);
	snprintf(q->seen[q->seen_next], sizeof q->seen[0], "%s", ev.id);
	q->seen_next = (q->seen_next + 1) % INTR_SEEN;
	if (ev.kind == AWS_EC2_INTERRUPTION)
		q->n.interruptions++;
	else
		q->n.rebalances++;
	intr_keep(q, m->receipt);
}

static void intr_receive_done(void *arg, const struct scaled_http_response *res)
{
	struct intr *q = arg;
	struct aws_sqs_received got;
	char why[512];
	size_t i;

	q->pending = NULL;
	if (aws_client_why(res, why, sizeof why) < 0 ||
	    aws_sqs_received_read(res->body, res->body_len, &got, why, sizeof why) < 0) {
		intr_fail(q, why);
		intr_finish(q);
		return;
	}
	q->receives++;
	for (i = 0; i < got.n; i++)
		intr_message(q, &got.m[i]);
	q->more = got.n == AWS_SQS_BATCH_MAX;
	aws_sqs_received_free(&got);
	if (q->keep_messages)
		intr_batch_clear(q); /* they come back after the visibility timeout */
	if (q->n_del == 0) {
		intr_next(q);
		return;
	}
	q->del_body = aws_sqs_delete_body(q->queue_url, q->del, q->n_del);
	if (!q->del_body)
		snprintf(why, sizeof why, "out of memory");
	if (!q->del_body || intr_post(q, "DeleteMessageBatch", q->del_body, intr_delete_done,
				      why, sizeof why) < 0) {
		intr_fail(q, why);
		intr_finish(q);
	}
}

static void intr_delete_done(void *arg, const struct scaled_http_response *res)
{
	struct intr *q = arg;
	int deleted[AWS_SQS_BATCH_MAX], left;
	char why[512], line[600];

	q->pending = NULL;
	if (aws_client_why(res, why, sizeof why) < 0 ||
	    (left = aws_sqs_deleted_read(res->body, res->body_len, q->n_del, deleted, why,
					 sizeof why)) < 0) {
		intr_fail(q, why);
	} else if (left > 0) {
		/* they come back, and are deleted then without a second delivery */
		snprintf(line, sizeof line, "%d of %zu not deleted; %s", left, q->n_del, why);
		intr_fail(q, line);
	}
	intr_batch_clear(q);
	intr_next(q);
}

static int intr_post(struct intr *q, const char *action, const char *body,
		     scaled_http_done done, char *err, size_t errlen)
{
	char target[64];

	q->c.action = action; /* the errors' prefix */
	snprintf(target, sizeof target, "AmazonSQS.%s", action);
	/* ten messages of SQS's largest (256 KiB), and their JSON */
	q->pending = aws_client_call_json(&q->c, INTR_TYPE, target, body, strlen(body), 4u << 20,
					  done, q, err, errlen);
	return q->pending ? 0 : -EIO;
}

static int intr_collect(void *state, char *err, size_t errlen);

/* The credentials came (or failed to): collect now, not a period later. */
static void intr_again(void *arg)
{
	struct intr *q = arg;
	char err[256];

	if (intr_collect(q, err, sizeof err) < 0)
		aws_client_fail(&q->c, err);
}

static int intr_collect(void *state, char *err, size_t errlen)
{
	struct intr *q = state;
	int rc;

	if (q->busy)
		return 0; /* the last collect's cycle is still under way */
	rc = aws_client_ready(&q->c, intr_again, q, err, errlen);
	if (rc == -EAGAIN)
		return 0; /* intr_again collects once they are there */
	if (rc < 0)
		return rc;
	q->busy = true;
	q->failed = false;
	q->more = false;
	q->receives = 0;
	q->malformed[0] = '\0';
	memset(&q->n, 0, sizeof q->n);
	q->started_ms = host->now_ms(q->c.inst);
	rc = intr_post(q, "ReceiveMessage", q->receive_body, intr_receive_done, err, errlen);
	if (rc < 0)
		q->busy = false;
	return aws_client_collect_rc(&q->c, rc, err, errlen);
}

const struct scaled_kind aws_interruptions_kind = {
	.struct_size = sizeof(struct scaled_kind),
	.name = "aws.interruptions",
	.role = SCALED_ROLE_SOURCE,
	.help = "EC2 spot interruption warnings and rebalance recommendations from an SQS queue "
		"(EventBridge), delivered to policies as events and counted",
	.keys = intr_keys,
	.create = intr_create,
	.destroy = intr_destroy,
	.collect = intr_collect,
	.limits = intr_limits,
	.limit_size = sizeof(struct scaled_key_limit),
};
