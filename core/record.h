/*
 * record.h - the decision record: the one place a decision goes once the
 * safety pipeline made it, and where its outcome is completed.
 *
 * A record keeps the last RECORD_KEPT decisions in a ring (the embedder
 * reads them with scaled_engine_decisions) and emits each: to the
 * embedder's callback (when it is made, and again with its outcome), and,
 * once its outcome is known, as a log line ("group g: 2 -> 4 [ok] ...") and
 * as a JSON line in the decision log (scaled_decision_json, decision.c).
 * Notifiers, an HTTP API and a state file attach here.
 *
 * One record per engine; the loop thread only. Pointers into the ring stay
 * valid until RECORD_KEPT later decisions push them out.
 *
 * The ring has one slot more than it keeps: the scratch slot, where a tick
 * makes its decision in place (record_scratch) and which record_commit then
 * keeps. A decision is ~9 KB and the ring is cold; made elsewhere and copied
 * in, every text was read back in wide loads across the narrow stores that
 * had just written it (perf: a fifth of a simulated tick).
 */
#ifndef SCALED_RECORD_H
#define SCALED_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "scaled/scaled.h"

#define RECORD_KEPT 256
#define RECORD_SLOTS (RECORD_KEPT + 1)

struct record {
	struct scaled_decision *ring;  /* RECORD_SLOTS slots */
	size_t n, head;                /* kept; the scratch slot */
	uint64_t seq;                  /* of the last decision */
	FILE *log;                     /* the decision log (JSON lines), or NULL */
	scaled_decision_fn on_decision;
	void *on_decision_arg;
};

/* An empty ring, and the decision log at log_path (NULL: none), created
 * 0640 and appended to. Returns 0, -ENOMEM, or the log's -errno with
 * "decision log PATH: reason" in *errmsg (free()). */
int record_init(struct record *r, const char *log_path, char **errmsg);
void record_fini(struct record *r);

void record_on_decision(struct record *r, scaled_decision_fn fn, void *arg);

/* The scratch slot, for a decision to be made in place: none of the kept
 * ones (its seq is 0 until committed), its first lines fetched. What is
 * written there is lost unless record_commit follows before the next
 * record_scratch or record_add. */
struct scaled_decision *record_scratch(struct record *r);

/* Keep the decision made in the scratch slot (it gets the next seq) and
 * emit it: a PENDING one only to the callback, the others everywhere.
 * Returns it, kept, for the caller to act on. */
struct scaled_decision *record_commit(struct record *r);

/* record_commit of a copy of *d (without the bytes past its texts' NULs
 * and its unused proposal and event slots). */
struct scaled_decision *record_add(struct record *r, const struct scaled_decision *d);

/* The kept decision of that seq, or NULL if it fell out of the ring. */
struct scaled_decision *record_find(struct record *r, uint64_t seq);

/* A PENDING decision's outcome is known: status 0 (OK) or a negative errno
 * (FAILED; bound by stage ACT with "target NAME: msg"). msg may be NULL.
 * Fills it in; nothing is emitted until record_complete, so that the
 * caller can first bring its own state (the group's view) up to date. */
void record_outcome(struct scaled_decision *d, const char *target, int status,
		    const char *msg);

/* Emit a decision whose outcome record_outcome filled in, everywhere. */
void record_complete(struct record *r, const struct scaled_decision *d);

/* The last max decisions kept, oldest first, into out. Returns how many. */
size_t record_list(const struct record *r, const struct scaled_decision **out, size_t max);

#endif
