/*
 * engine_event.c - an event delivered to a group's policies, or to every
 * group's: what scaled_engine_event (scaled.h, for embedders) and
 * host->event (plugin.h, ABI 1.4, for plugins) both do. All or nothing:
 * every group addressed has room, and the event is well formed, before any
 * group queues it. The queue itself, and the checks of name and payload,
 * are event.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"

int engine_event(struct scaled_engine *e, const char *group, const char *name,
		 const char *payload, char *err, size_t errlen)
{
	size_t i, addressed = 0;
	int rc = 0;

	/* Room in every group addressed before any gets it, so that a caller
	 * who retries after -ENOSPC delivers it once. (The groups are looked
	 * up here, not through engine_build.c's engine_find_group, which
	 * would make a circle of the host table, the builder and this.) */
	for (i = 0; i < e->n_groups; i++) {
		const struct group *g = e->groups[i];

		if (group && strcmp(g->name, group) != 0)
			continue;
		addressed++;
		if (g->events.n >= EVENT_QUEUE_MAX) {
			snprintf(err, errlen, "event '%s': group '%.63s' has %d events waiting for "
				 "its next tick already", name ? name : "?", g->name, EVENT_QUEUE_MAX);
			return -ENOSPC;
		}
	}
	if (group && !addressed) {
		snprintf(err, errlen, "event '%s': no group '%s'", name ? name : "?", group);
		return -ENOENT;
	}
	for (i = 0; rc == 0 && i < e->n_groups; i++) {
		struct group *g = e->groups[i];

		if (group && strcmp(g->name, group) != 0)
			continue;
		/* checks name and payload (the first group refuses garbage,
		 * before anything is queued); then only -ENOMEM can stop it */
		rc = event_queue_add(&g->events, name, payload, clock_now(&e->clock), err, errlen);
	}
	return rc;
}
