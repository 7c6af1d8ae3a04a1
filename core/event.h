/*
 * event.h - named events for policies: what an embedder (and later the HTTP
 * webhook) delivers to a group, queued until the group's next tick, read by
 * its policies as g.events and named in that tick's decision.
 *
 * An event is a name (1 to 63 of letters, digits, '_', '-', '.') and a
 * payload: a JSON object of at most EVENT_PAYLOAD_MAX bytes, nested at most
 * EVENT_DEPTH_MAX deep, or none. Bad input is refused with a reason; nothing
 * is queued then. A group keeps at most EVENT_QUEUE_MAX events between two
 * ticks; more are refused (-ENOSPC), so a flood cannot grow memory.
 *
 * Ownership: the queue owns its events (event_queue_clear frees them).
 */
#ifndef SCALED_EVENT_H
#define SCALED_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include <lua.h>

#define EVENT_PAYLOAD_MAX 65536
#define EVENT_DEPTH_MAX 16
#define EVENT_QUEUE_MAX 64

struct event_item {
	char name[64];
	int64_t t_ms;
	struct cJSON *data; /* an object, or NULL */
};

/* Empty until the first event: a group that never gets one costs nothing. */
struct event_queue {
	struct event_item *items;
	size_t n, cap;
};

/* Check name and payload (NULL or "" for none) and queue the event at t_ms.
 * Returns 0, -EINVAL (bad name or payload), -ENOSPC (queue full) or
 * -ENOMEM, with the reason in err. */
int event_queue_add(struct event_queue *q, const char *name, const char *payload,
		    int64_t t_ms, char *err, size_t errlen);

/* Push the queue as a Lua list: { {name=, time= (s), data= {...}}, ... }.
 * May raise a memory error: call from protected code. */
void event_push_list(lua_State *L, const struct event_queue *q);

/* Drop the events (after the tick that delivered them); keeps the room. */
void event_queue_clear(struct event_queue *q);
void event_queue_free(struct event_queue *q);

#endif
