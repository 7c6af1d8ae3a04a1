/*
 * engine_http.c - host->http_start and host->http_cancel (plugin.h, ABI
 * 1.3): the engine's one HTTP client (core/http.c) and each instance's
 * requests.
 *
 * The client is made at the first request: on the loop the engine runs on,
 * or under a virtual clock on an event base of its own, which
 * scaled_engine_step drives (engine_http_pump), or during tick_all (--once)
 * on that base too, which it drives until the requests are done
 * (engine_http_wait). On a real clock otherwise, before the engine runs,
 * there is no loop to drive a transfer, so a request is refused then. When run() returns, the client goes with the loop it was
 * on: requests still pending end then, their done() told so (the plugin's
 * handle dies as with any done). A request is its instance's: what the
 * instance's destroy() left pending is cancelled after it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "alloc.h"
#include "engine.h"
#include "http.h"

struct host_http {
	struct scaled_instance *inst;
	struct http_call *call;
	scaled_http_done done;
	void *arg;
	int (*retryable)(void *arg, long status, const char *body, size_t len);
	void *retryable_arg;
	struct host_http *prev, *next;
};

static void engine_http_unlink(struct host_http *h)
{
	if (h->prev)
		h->prev->next = h->next;
	else
		h->inst->https = h->next;
	if (h->next)
		h->next->prev = h->prev;
}

static bool engine_http_retryable(void *arg, long status, const char *body, size_t len)
{
	struct host_http *h = arg;

	return h->retryable(h->retryable_arg, status, body, len) != 0;
}

static void engine_http_done(void *arg, const struct http_response *res)
{
	struct host_http *h = arg;
	struct scaled_http_response out = {
		.struct_size = sizeof out,
		.status = res->status,
		.body = res->body,
		.body_len = res->body_len,
		.attempts = res->attempts,
		.elapsed_ms = res->elapsed_ms,
		.error = res->error,
	};
	scaled_http_done done = h->done;
	void *done_arg = h->arg;
	struct log *prev = log_enter(&h->inst->e->log);

	/* Unlinked first: done may start requests or destroy nothing else. */
	engine_http_unlink(h);
	alloc_free(h);
	done(done_arg, &out);
	log_leave(prev);
}

/* The client, made at the first request (see the file's comment). */
static struct http_client *engine_http_client(struct scaled_engine *e, char *err, size_t errlen)
{
	struct event_base *base;

	if (e->http_closing) {
		snprintf(err, errlen, "the engine is stopping");
		return NULL;
	}
	if (e->http)
		return e->http;
	if (e->running && e->base) {
		base = e->base;
	} else if (e->opt.virtual_clock || e->http_settling) {
		if (!e->http_base && !(e->http_base = event_base_new())) {
			snprintf(err, errlen, "cannot make an event base for HTTP");
			return NULL;
		}
		base = e->http_base;
	} else {
		snprintf(err, errlen, "HTTP starts once the engine runs: start requests from a "
			 "timer or the first collect or poll, not from create()");
		return NULL;
	}
	e->http = http_client_new(base, NULL, err, errlen);
	return e->http;
}

void *engine_http_start(struct scaled_instance *inst, const struct scaled_http_request *req,
			scaled_http_done done, void *arg, char *err, size_t errlen)
{
	struct scaled_engine *e = inst->e;
	struct scaled_http_request r = { 0 };
	struct http_request hr;
	struct http_client *c;
	struct host_http *h;

	if (!req || !done || req->struct_size < offsetof(struct scaled_http_request, url) +
						    sizeof(req->url)) {
		snprintf(err, errlen, "no request, done callback, or a request too short");
		return NULL;
	}
	/* a plugin of another minor: read what both know */
	memcpy(&r, req, req->struct_size < sizeof r ? req->struct_size : sizeof r);
	if (!(c = engine_http_client(e, err, errlen)))
		return NULL;
	h = alloc_zero(1, sizeof *h);
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->inst = inst;
	h->done = done;
	h->arg = arg;
	h->retryable = r.retryable;
	h->retryable_arg = r.retryable_arg;
	hr = (struct http_request){
		.method = r.method ? r.method : "GET",
		.url = r.url,
		.headers = r.headers,
		.body = r.body,
		.body_len = r.body_len,
		.timeout_ms = r.timeout_ms,
		.max_response = r.max_response,
		.max_attempts = r.max_attempts,
		.max_total_ms = r.max_total_ms,
		.retryable = r.retryable ? engine_http_retryable : NULL,
		.retryable_arg = h,
	};
	h->call = http_start(c, &hr, engine_http_done, h, err, errlen);
	if (!h->call) {
		alloc_free(h);
		return NULL;
	}
	h->next = inst->https;
	if (h->next)
		h->next->prev = h;
	inst->https = h;
	return h;
}

void engine_http_cancel(void *handle)
{
	struct host_http *h = handle;

	if (!h)
		return;
	http_cancel(h->call);
	engine_http_unlink(h);
	alloc_free(h);
}

void engine_instance_cancel_https(struct scaled_instance *in)
{
	while (in->https)
		engine_http_cancel(in->https);
}

/* run() is over (its loop may go) or the engine is freed: every pending
 * request ends, its done() told why, and the client goes. */
void engine_http_release(struct scaled_engine *e)
{
	struct scaled_http_response res = {
		.struct_size = sizeof res,
		.body = "",
		.error = "cancelled: the engine stopped running",
	};
	size_t i;

	e->http_closing = true;
	for (i = 0; i < e->n_instances; i++) {
		struct scaled_instance *in = e->instances[i];

		while (in && in->https) {
			struct host_http *h = in->https;
			scaled_http_done done = h->done;
			void *arg = h->arg;

			http_cancel(h->call);
			engine_http_unlink(h);
			alloc_free(h);
			done(arg, &res);
		}
	}
	http_client_free(e->http);
	e->http = NULL;
	e->http_closing = false;
}

void engine_http_pump(struct scaled_engine *e)
{
	if (e->http_base && e->http && http_pending(e->http))
		event_base_loop(e->http_base, EVLOOP_NONBLOCK);
}

static void engine_http_waited(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what, (void)arg; /* its firing ends the round */
}

bool engine_http_wait(struct scaled_engine *e, int64_t max_ms)
{
	struct timeval tv = { (time_t)(max_ms / 1000), (suseconds_t)(max_ms % 1000) * 1000 };
	struct event *limit;

	if (max_ms <= 0 || !e->http_base || !e->http || !http_pending(e->http))
		return false;
	/* one attempt may take its own timeout (up to 2 min): not past max_ms */
	limit = evtimer_new(e->http_base, engine_http_waited, NULL);
	if (limit)
		evtimer_add(limit, &tv);
	event_base_loop(e->http_base, EVLOOP_ONCE);
	if (limit)
		event_free(limit);
	return true;
}

/* The engine is freed: every instance is gone (and its requests with it). */
void engine_http_free(struct scaled_engine *e)
{
	http_client_free(e->http);
	e->http = NULL;
	if (e->http_base)
		event_base_free(e->http_base);
	e->http_base = NULL;
}
