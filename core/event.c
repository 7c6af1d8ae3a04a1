/*
 * event.c - named events for policies (see event.h): checked, queued per
 * group, and handed to Lua as plain tables. Payloads are parsed by cJSON.
 */
#include "event.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <lauxlib.h>

#include "alloc.h"

static bool event_name_ok(const char *name)
{
	size_t i, n = name ? strlen(name) : 0;

	if (n == 0 || n >= sizeof(((struct event_item *)0)->name))
		return false;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

static int event_depth(const cJSON *j)
{
	int deepest = 0, d;
	const cJSON *c;

	if (!cJSON_IsObject(j) && !cJSON_IsArray(j))
		return 0;
	cJSON_ArrayForEach(c, j) {
		d = event_depth(c);
		if (d > deepest)
			deepest = d;
		if (deepest > EVENT_DEPTH_MAX)
			break; /* deep enough to refuse */
	}
	return deepest + 1;
}

int event_queue_add(struct event_queue *q, const char *name, const char *payload,
		    int64_t t_ms, char *err, size_t errlen)
{
	struct event_item *it;
	cJSON *data = NULL;
	const char *end = NULL;
	size_t len = payload ? strlen(payload) : 0;

	if (!event_name_ok(name)) {
		snprintf(err, errlen, "event name must be 1 to 63 of letters, digits, '_', '-', '.'");
		return -EINVAL;
	}
	if (len > EVENT_PAYLOAD_MAX) {
		snprintf(err, errlen, "event '%s': payload of %zu bytes, more than %d", name, len,
			 EVENT_PAYLOAD_MAX);
		return -EINVAL;
	}
	if (q->n >= EVENT_QUEUE_MAX) {
		snprintf(err, errlen, "event '%s': %d events wait for the group's next tick already",
			 name, EVENT_QUEUE_MAX);
		return -ENOSPC;
	}
	if (q->n == q->cap) {
		size_t cap = q->cap ? 2 * q->cap : 4;
		struct event_item *v = alloc_resize(q->items, cap * sizeof(*v));

		if (!v) {
			snprintf(err, errlen, "event '%s': out of memory", name);
			return -ENOMEM;
		}
		q->items = v;
		q->cap = cap;
	}
	if (len) {
		data = cJSON_ParseWithLengthOpts(payload, len + 1, &end, 1); /* with its NUL */
		if (!data) {
			size_t at = end && end >= payload ? (size_t)(end - payload) : 0;

			snprintf(err, errlen, "event '%s': payload is not JSON (at byte %zu)", name, at);
			return -EINVAL;
		}
		if (!cJSON_IsObject(data)) {
			snprintf(err, errlen, "event '%s': payload must be a JSON object", name);
			cJSON_Delete(data);
			return -EINVAL;
		}
		if (event_depth(data) > EVENT_DEPTH_MAX) {
			snprintf(err, errlen, "event '%s': payload nested deeper than %d", name,
				 EVENT_DEPTH_MAX);
			cJSON_Delete(data);
			return -EINVAL;
		}
	}
	it = &q->items[q->n++];
	snprintf(it->name, sizeof(it->name), "%s", name);
	it->t_ms = t_ms;
	it->data = data;
	return 0;
}

/* A JSON value as a Lua value: objects and arrays become tables (arrays from
 * 1), null becomes nil (so it is absent from its table). */
static void event_push_json(lua_State *L, const cJSON *j)
{
	const cJSON *c;
	lua_Integer i = 1;

	luaL_checkstack(L, 3, "event payload");
	if (cJSON_IsObject(j)) {
		lua_createtable(L, 0, 4);
		cJSON_ArrayForEach(c, j) {
			if (cJSON_IsNull(c) || !c->string)
				continue;
			event_push_json(L, c);
			lua_setfield(L, -2, c->string);
		}
	} else if (cJSON_IsArray(j)) {
		lua_createtable(L, cJSON_GetArraySize(j), 0);
		cJSON_ArrayForEach(c, j) {
			if (cJSON_IsNull(c)) {
				i++;
				continue;
			}
			event_push_json(L, c);
			lua_rawseti(L, -2, i++);
		}
	} else if (cJSON_IsString(j)) {
		lua_pushstring(L, j->valuestring);
	} else if (cJSON_IsBool(j)) {
		lua_pushboolean(L, cJSON_IsTrue(j));
	} else if (cJSON_IsNumber(j)) {
		double v = j->valuedouble;

		/* the range first: casting 1e300 (or inf) to an integer is
		 * undefined */
		if (v >= -9007199254740992.0 && v <= 9007199254740992.0 && v == (double)(lua_Integer)v)
			lua_pushinteger(L, (lua_Integer)v);
		else
			lua_pushnumber(L, v);
	} else {
		lua_pushnil(L);
	}
}

void event_push_list(lua_State *L, const struct event_queue *q)
{
	size_t i;

	lua_createtable(L, (int)q->n, 0);
	for (i = 0; i < q->n; i++) {
		const struct event_item *it = &q->items[i];

		lua_createtable(L, 0, 3);
		lua_pushstring(L, it->name);
		lua_setfield(L, -2, "name");
		lua_pushnumber(L, (lua_Number)it->t_ms / 1000.0);
		lua_setfield(L, -2, "time");
		if (it->data)
			event_push_json(L, it->data);
		else
			lua_createtable(L, 0, 0);
		lua_setfield(L, -2, "data");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
}

void event_queue_clear(struct event_queue *q)
{
	size_t i;

	for (i = 0; i < q->n; i++)
		cJSON_Delete(q->items[i].data);
	q->n = 0;
}

void event_queue_free(struct event_queue *q)
{
	event_queue_clear(q);
	alloc_free(q->items);
	*q = (struct event_queue){ 0 };
}
