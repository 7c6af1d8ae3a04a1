/*
 * record.c - the ring of recent decisions, their emission (the embedder's
 * callback, the log line, the JSON-lines decision log) and their
 * completion when the target answers. decision.c stays the pure part: the
 * stage and outcome names and a decision as JSON.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "log.h"
#include "record.h"

int record_init(struct record *r, const char *log_path, char **errmsg)
{
	int fd;

	memset(r, 0, sizeof *r);
	r->ring = alloc_zero(RECORD_KEPT, sizeof *r->ring);
	if (!r->ring)
		return -ENOMEM;
	if (!log_path)
		return 0;
	/* 0640 whatever the umask: decisions are for the operator, not for
	 * every local user (fopen would create it 0666 & ~umask). */
	fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
	r->log = fd >= 0 ? fdopen(fd, "a") : NULL;
	if (!r->log) {
		int rc = -errno;

		if (fd >= 0)
			close(fd);
		if (errmsg)
			*errmsg = alloc_printf("decision log %s: %s", log_path, strerror(errno));
		return rc;
	}
	setvbuf(r->log, NULL, _IOLBF, 0);
	return 0;
}

void record_fini(struct record *r)
{
	if (r->log)
		fclose(r->log);
	alloc_free(r->ring);
	memset(r, 0, sizeof *r);
}

void record_on_decision(struct record *r, scaled_decision_fn fn, void *arg)
{
	r->on_decision = fn;
	r->on_decision_arg = arg;
}

/* The decision's log lines (INFO). */
static void record_log(const struct scaled_decision *d)
{
	const struct scaled_proposal *why = NULL;
	size_t i;

	for (i = 0; i < d->n_proposals; i++)
		if (d->proposals[i].wanted == d->combined && d->proposals[i].kind != SCALED_PROPOSAL_NONE)
			why = &d->proposals[i];
	LOG_INFO("group %s: %d -> %d [%s]%s%s%s%s%s%s", d->group, d->desired_before, d->desired,
		 scaled_outcome_name(d->outcome), why ? " " : "", why ? why->policy : "",
		 why ? ": " : "", why ? why->reason : "",
		 d->bound_by ? "; bound by " : "", d->bound_by ? d->bound_reason : "");
	if (d->mix_base != d->mix_base_before || d->mix_percent != d->mix_percent_before)
		LOG_INFO("group %s: mix on_demand_base %d -> %d, on_demand_percent %d -> %d [%s] %s",
			 d->group, d->mix_base_before, d->mix_base, d->mix_percent_before,
			 d->mix_percent, scaled_outcome_name(d->outcome), d->mix_reason);
	else if (d->mix_bound_by != SCALED_STAGE_NONE)
		LOG_INFO("group %s: mix kept (on_demand_base %d, on_demand_percent %d): %s", d->group,
			 d->mix_base, d->mix_percent, d->mix_reason);
}

static void record_emit(struct record *r, const struct scaled_decision *d)
{
	char *json;

	if (r->on_decision)
		r->on_decision(r->on_decision_arg, d);
	if (d->outcome == SCALED_OUTCOME_PENDING)
		return; /* written once, with its outcome */
	/* Below INFO the lines are dropped: not even their arguments made
	 * (a simulation runs with warnings only, a record every tick). */
	if (log_level() >= SCALED_LOG_INFO)
		record_log(d);
	if (r->log && (json = scaled_decision_json(d))) {
		fprintf(r->log, "%s\n", json);
		free(json);
	}
}

/* *d into slot, without the unused proposal and event slots: a decision
 * is ~9 KB and a tick uses a few hundred bytes of it. Readers stop at
 * n_proposals and n_events. */
static void record_copy(struct scaled_decision *slot, const struct scaled_decision *d)
{
	size_t np = d->n_proposals < SCALED_MAX_PROPOSALS ? d->n_proposals : SCALED_MAX_PROPOSALS;
	size_t ne = d->n_events < SCALED_MAX_EVENTS ? d->n_events : SCALED_MAX_EVENTS;

	memcpy(slot, d, offsetof(struct scaled_decision, proposals));
	memcpy(slot->proposals, d->proposals, np * sizeof(d->proposals[0]));
	memcpy(&slot->outcome, &d->outcome,
	       offsetof(struct scaled_decision, events) - offsetof(struct scaled_decision, outcome));
	memcpy(slot->events, d->events, ne * sizeof(d->events[0]));
}

struct scaled_decision *record_add(struct record *r, const struct scaled_decision *d)
{
	struct scaled_decision *slot = &r->ring[r->head];

	record_copy(slot, d);
	slot->seq = ++r->seq;
	r->head = (r->head + 1) % RECORD_KEPT;
	if (r->n < RECORD_KEPT)
		r->n++;
	record_emit(r, slot);
	return slot;
}

/* Decision k (seq k, from 1) went into slot (k - 1) % RECORD_KEPT: one
 * look, where a search would touch a line of every 9 KB slot (a target
 * that answers at once made each action at 100 000 groups scan them). */
struct scaled_decision *record_find(struct record *r, uint64_t seq)
{
	struct scaled_decision *d;

	if (seq == 0 || seq > r->seq)
		return NULL;
	d = &r->ring[(seq - 1) % RECORD_KEPT];
	return d->seq == seq ? d : NULL;
}

void record_outcome(struct scaled_decision *d, const char *target, int status,
		    const char *msg)
{
	d->outcome = status == 0 ? SCALED_OUTCOME_OK : SCALED_OUTCOME_FAILED;
	snprintf(d->outcome_msg, sizeof d->outcome_msg, "%s",
		 msg ? msg : status == 0 ? "" : strerror(-status));
	if (status < 0) {
		d->bound_by = SCALED_STAGE_ACT;
		snprintf(d->bound_reason, sizeof d->bound_reason, "target %.60s: %.80s", target,
			 d->outcome_msg);
	}
}

void record_complete(struct record *r, const struct scaled_decision *d)
{
	record_emit(r, d);
}

size_t record_list(const struct record *r, const struct scaled_decision **out, size_t max)
{
	size_t n = r->n < max ? r->n : max;
	size_t start = (r->head + RECORD_KEPT - n) % RECORD_KEPT;
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = &r->ring[(start + i) % RECORD_KEPT];
	return n;
}
