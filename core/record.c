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
	r->ring = alloc_zero(RECORD_SLOTS, sizeof *r->ring);
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

/* The copies below go field run by field run, texts up to their NUL:
 * these say the runs are where the copies take them. */
#define SPAN(T, a, b) (offsetof(T, b) - offsetof(T, a))
_Static_assert(offsetof(struct scaled_proposal, policy) == 0 &&
		       SPAN(struct scaled_proposal, policy, kind) == SCALED_NAME_MAX &&
		       offsetof(struct scaled_proposal, missing) < offsetof(struct scaled_proposal, reason) &&
		       offsetof(struct scaled_proposal, mix_percent) <
			       offsetof(struct scaled_proposal, mix_reason) &&
		       offsetof(struct scaled_proposal, mix_reason) + SCALED_REASON_MAX +
				       sizeof(double) > sizeof(struct scaled_proposal),
	       "struct scaled_proposal: record_copy_proposal's runs");
_Static_assert(offsetof(struct scaled_decision, group) == 2 * sizeof(int64_t) &&
		       offsetof(struct scaled_decision, bound_by) <
			       offsetof(struct scaled_decision, bound_reason) &&
		       SPAN(struct scaled_decision, bound_reason, n_proposals) <
			       SCALED_REASON_MAX + sizeof(size_t) &&
		       SPAN(struct scaled_decision, n_proposals, proposals) == sizeof(size_t) &&
		       offsetof(struct scaled_decision, outcome) -
				       offsetof(struct scaled_decision, proposals) <
			       sizeof(((struct scaled_decision *)0)->proposals) + sizeof(double) &&
		       SPAN(struct scaled_decision, outcome, outcome_msg) == sizeof(int) &&
		       offsetof(struct scaled_decision, mix_bound_by) <
			       offsetof(struct scaled_decision, mix_reason) &&
		       SPAN(struct scaled_decision, mix_reason, n_events) <
			       SCALED_REASON_MAX + sizeof(size_t) &&
		       SPAN(struct scaled_decision, n_events, events) == sizeof(size_t) &&
		       offsetof(struct scaled_decision, events) +
				       sizeof(((struct scaled_decision *)0)->events) + sizeof(double) >
			       sizeof(struct scaled_decision),
	       "struct scaled_decision: record_copy's runs");

static void record_text(char *dst, const char *src, size_t cap)
{
	size_t n = strnlen(src, cap - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void record_copy_proposal(struct scaled_proposal *o, const struct scaled_proposal *p)
{
	record_text(o->policy, p->policy, sizeof o->policy);
	memcpy(&o->kind, &p->kind, SPAN(struct scaled_proposal, kind, reason));
	record_text(o->reason, p->reason, sizeof o->reason);
	memcpy(&o->mix, &p->mix, SPAN(struct scaled_proposal, mix, mix_reason));
	record_text(o->mix_reason, p->mix_reason, sizeof o->mix_reason);
}

/* *d into slot, without the unused proposal and event slots (a decision
 * is ~9 KB and a tick uses a few hundred bytes of it; readers stop at
 * n_proposals and n_events) and without the bytes past a text's NUL: the
 * ring is cold, and a text buffer of 160 bytes is mostly empty. */
static void record_copy(struct scaled_decision *slot, const struct scaled_decision *d)
{
	size_t np = d->n_proposals < SCALED_MAX_PROPOSALS ? d->n_proposals : SCALED_MAX_PROPOSALS;
	size_t ne = d->n_events < SCALED_MAX_EVENTS ? d->n_events : SCALED_MAX_EVENTS;
	size_t i;

	slot->seq = d->seq;
	slot->time_ms = d->time_ms;
	record_text(slot->group, d->group, sizeof slot->group);
	memcpy(&slot->current, &d->current, SPAN(struct scaled_decision, current, bound_reason));
	record_text(slot->bound_reason, d->bound_reason, sizeof slot->bound_reason);
	slot->n_proposals = d->n_proposals;
	for (i = 0; i < np; i++)
		record_copy_proposal(&slot->proposals[i], &d->proposals[i]);
	slot->outcome = d->outcome;
	record_text(slot->outcome_msg, d->outcome_msg, sizeof slot->outcome_msg);
	memcpy(&slot->spot, &d->spot, SPAN(struct scaled_decision, spot, mix_reason));
	record_text(slot->mix_reason, d->mix_reason, sizeof slot->mix_reason);
	slot->n_events = d->n_events;
	for (i = 0; i < ne; i++)
		record_text(slot->events[i], d->events[i], sizeof slot->events[i]);
}

struct scaled_decision *record_scratch(struct record *r)
{
	struct scaled_decision *slot = &r->ring[r->head];
	const char *p = (const char *)slot->proposals;
	const char *o = (const char *)&slot->outcome;

	slot->seq = 0;
	for (int i = 1; i < 5; i++)
		__builtin_prefetch((const char *)slot + 64 * i, 1);
	for (int i = 0; i < 8; i++)
		__builtin_prefetch(p + 64 * i, 1);
	for (int i = 0; i < 4; i++)
		__builtin_prefetch(o + 64 * i, 1);
	return slot;
}

struct scaled_decision *record_commit(struct record *r)
{
	struct scaled_decision *slot = &r->ring[r->head];

	slot->seq = ++r->seq;
	r->head = (r->head + 1) % RECORD_SLOTS;
	if (r->n < RECORD_KEPT)
		r->n++;
	record_emit(r, slot);
	return slot;
}

struct scaled_decision *record_add(struct record *r, const struct scaled_decision *d)
{
	record_copy(&r->ring[r->head], d);
	return record_commit(r);
}

/* Decision k (seq k, from 1) went into slot (k - 1) % RECORD_SLOTS: one
 * look, where a search would touch a line of every 9 KB slot (a target
 * that answers at once made each action at 100 000 groups scan them). */
struct scaled_decision *record_find(struct record *r, uint64_t seq)
{
	struct scaled_decision *d;

	if (seq == 0 || seq > r->seq || r->seq - seq >= RECORD_KEPT)
		return NULL; /* not made yet, or pushed out (its slot may be the
			      * scratch one, half rewritten) */
	d = &r->ring[(seq - 1) % RECORD_SLOTS];
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
	size_t start = (r->head + RECORD_SLOTS - n) % RECORD_SLOTS;
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = &r->ring[(start + i) % RECORD_SLOTS];
	return n;
}
