/*
 * http.c - asynchronous HTTP on a libevent loop (see http.h): curl's multi
 * socket interface, one event per socket curl asks to watch and one timer,
 * and per request a retry schedule of its own.
 */
#include "http.h"
#include "http_retry.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "alloc.h"
#include "clock.h"
#include "scaled/scaled.h"

#define HTTP_DEFAULT_TIMEOUT_MS 10000
#define HTTP_DEFAULT_MAX_RESPONSE (1u << 20)
#define HTTP_DEFAULT_ATTEMPTS 3
/* Easy handles kept for the next requests (curl_easy_reset keeps their
 * buffers and caches): a poller's next request costs no new handle. */
#define HTTP_IDLE_MAX 8
#define HTTP_DEFAULT_TOTAL_MS 30000
#define HTTP_DEFAULT_BASE_MS 100
#define HTTP_DEFAULT_CAP_MS 20000
#define HTTP_REASON_MAX 256

struct http_sock {
	struct http_client *c;
	struct event *ev;
	struct http_sock *next;
};

struct http_call {
	struct http_client *c;
	CURL *easy;
	struct curl_slist *headers;
	char *body;                    /* a copy of the request's */
	char *resp;
	size_t resp_len, resp_cap, max_response;
	bool too_big, in_multi;
	int64_t retry_after_ms;        /* -1: none in this answer */
	int attempts, max_attempts;
	int64_t start_ms, max_total_ms;
	http_retryable_fn retryable;
	void *retryable_arg;
	http_done_fn done;
	void *arg;
	struct event *retry_ev;
	char errbuf[CURL_ERROR_SIZE];
	struct http_call *prev, *next;
};

struct http_client {
	struct event_base *base;
	CURLM *multi;
	struct event *timer;
	struct http_call *calls;
	struct http_sock *socks;
	size_t pending;
	char *ca_file, *user_agent;
	int64_t base_ms, cap_ms;
	uint64_t rng;
	CURL *idle[HTTP_IDLE_MAX];     /* reset handles for the next requests */
	size_t n_idle;
	int depth;                     /* inside one of our loop callbacks */
	bool dying;                    /* freed from inside one: free on the way out */
};

static pthread_once_t http_once = PTHREAD_ONCE_INIT;
static CURLcode http_global_rc = CURLE_FAILED_INIT;

static void http_global_init(void)
{
	http_global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int64_t http_now_ms(void)
{
	return clock_stopwatch_ns() / 1000000;
}

static uint64_t http_rand(struct http_client *c) /* xorshift64*: enough for jitter */
{
	c->rng ^= c->rng >> 12;
	c->rng ^= c->rng << 25;
	c->rng ^= c->rng >> 27;
	return c->rng * 2685821657736338717ULL;
}

/* --------------------------------------------------------------- loop glue -- */

static void http_check(struct http_client *c);
static void http_client_destroy(struct http_client *c);

/* Around every loop callback: a done() may free the client. */
static void http_enter(struct http_client *c)
{
	c->depth++;
}

static void http_leave(struct http_client *c)
{
	if (--c->depth == 0 && c->dying)
		http_client_destroy(c);
}

static void http_event_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct http_client *c = arg;
	int running, flags = (kind & EV_READ ? CURL_CSELECT_IN : 0) |
			     (kind & EV_WRITE ? CURL_CSELECT_OUT : 0);

	http_enter(c);
	curl_multi_socket_action(c->multi, fd, flags, &running);
	http_check(c);
	http_leave(c);
}

static void http_sock_drop(struct http_client *c, struct http_sock *hs)
{
	struct http_sock **pp;

	for (pp = &c->socks; *pp; pp = &(*pp)->next) {
		if (*pp == hs) {
			*pp = hs->next;
			break;
		}
	}
	event_free(hs->ev);
	alloc_free(hs);
}

static int http_socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct http_client *c = userp;
	struct http_sock *hs = socketp;
	short kind = EV_PERSIST | (what & CURL_POLL_IN ? EV_READ : 0) |
		     (what & CURL_POLL_OUT ? EV_WRITE : 0);

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (hs)
			http_sock_drop(c, hs);
		curl_multi_assign(c->multi, s, NULL);
		return 0;
	}
	if (!hs) {
		hs = alloc_zero(1, sizeof(*hs));
		if (!hs)
			return -1;
		hs->c = c;
		hs->next = c->socks;
		c->socks = hs;
		curl_multi_assign(c->multi, s, hs);
	} else {
		event_free(hs->ev);
	}
	hs->ev = event_new(c->base, s, kind, http_event_cb, c);
	if (!hs->ev || event_add(hs->ev, NULL) < 0)
		return -1;
	return 0;
}

static void http_timeout_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct http_client *c = arg;
	int running;

	(void)fd, (void)kind;
	http_enter(c);
	curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	http_check(c);
	http_leave(c);
}

static int http_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct http_client *c = userp;
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };

	(void)multi;
	if (timeout_ms < 0)
		return evtimer_del(c->timer);
	return evtimer_add(c->timer, &tv);
}

/* ------------------------------------------------------------- transfers -- */

static size_t http_write_cb(char *data, size_t size, size_t n, void *arg)
{
	struct http_call *call = arg;
	size_t len = size * n, cap;
	char *p;

	if (len > call->max_response - call->resp_len) {
		call->too_big = true;
		return 0; /* curl stops with CURLE_WRITE_ERROR */
	}
	if (call->resp_len + len + 1 > call->resp_cap) {
		cap = call->resp_cap ? call->resp_cap : 4096;
		while (cap < call->resp_len + len + 1)
			cap *= 2;
		p = alloc_resize(call->resp, cap);
		if (!p)
			return 0;
		call->resp = p;
		call->resp_cap = cap;
	}
	memcpy(call->resp + call->resp_len, data, len);
	call->resp_len += len;
	call->resp[call->resp_len] = '\0';
	return len;
}

/* Retry-After: seconds, or an HTTP date. */
static size_t http_header_cb(char *data, size_t size, size_t n, void *arg)
{
	struct http_call *call = arg;
	size_t len = size * n;
	int64_t ms;

	if (len > 12 && strncasecmp(data, "Retry-After:", 12) == 0 &&
	    (ms = http_retry_after_ms(data + 12, len - 12, time(NULL))) >= 0)
		call->retry_after_ms = ms;
	return len;
}

static void http_unlink(struct http_call *call)
{
	struct http_client *c = call->c;

	if (call->prev)
		call->prev->next = call->next;
	else
		c->calls = call->next;
	if (call->next)
		call->next->prev = call->prev;
	c->pending--;
}

static void http_call_free(struct http_call *call)
{
	struct http_client *c = call->c;

	if (call->in_multi)
		curl_multi_remove_handle(c->multi, call->easy);
	if (call->retry_ev)
		event_free(call->retry_ev);
	if (call->easy && !c->dying && c->n_idle < HTTP_IDLE_MAX) {
		curl_easy_reset(call->easy);
		c->idle[c->n_idle++] = call->easy;
	} else {
		curl_easy_cleanup(call->easy);
	}
	curl_slist_free_all(call->headers);
	alloc_free(call->body);
	alloc_free(call->resp);
	alloc_free(call);
}

/* The end of a request: done() once, after the call is gone from the
 * client (done may start others, cancel others or free the client). */
static void http_finish(struct http_call *call, long status, const char *error)
{
	struct http_response res = {
		.status = status,
		.body = call->resp ? call->resp : "",
		.body_len = call->resp_len,
		.attempts = call->attempts,
		.elapsed_ms = http_now_ms() - call->start_ms,
		.error = error,
	};
	http_done_fn done = call->done;
	void *arg = call->arg;
	char *resp = call->resp;

	http_unlink(call);
	call->resp = NULL;
	http_call_free(call);
	done(arg, &res);
	alloc_free(resp);
}

static void http_retry_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct http_call *call = arg;
	struct http_client *c = call->c;
	char why[HTTP_REASON_MAX];
	int running;

	(void)fd, (void)kind;
	http_enter(c);
	call->attempts++;
	call->resp_len = 0;
	call->too_big = false;
	call->retry_after_ms = -1;
	call->errbuf[0] = '\0';
	if (curl_multi_add_handle(c->multi, call->easy) != CURLM_OK) {
		snprintf(why, sizeof(why), "cannot start attempt %d", call->attempts);
		http_finish(call, 0, why);
	} else {
		call->in_multi = true;
		/* let curl start it now rather than at its next timer */
		curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
		http_check(c);
	}
	http_leave(c);
}

/* One attempt ended with rc: finish, or wait and try again. */
static void http_attempt_done(struct http_call *call, CURLcode rc)
{
	struct http_client *c = call->c;
	char why[HTTP_REASON_MAX];
	long status = 0;
	bool again;
	int64_t wait, elapsed;

	curl_easy_getinfo(call->easy, CURLINFO_RESPONSE_CODE, &status);
	if (call->too_big) {
		snprintf(why, sizeof(why), "response larger than %zu bytes", call->max_response);
		http_finish(call, status, why);
		return;
	}
	if (rc != CURLE_OK) {
		snprintf(why, sizeof(why), "%s", call->errbuf[0] ? call->errbuf : curl_easy_strerror(rc));
		status = 0;
		again = http_retry_transient(rc);
	} else if (status >= 200 && status <= 299) {
		http_finish(call, status, NULL);
		return;
	} else {
		snprintf(why, sizeof(why), "HTTP %ld%s%.120s", status, call->resp_len ? ": " : "",
			 call->resp ? call->resp : "");
		again = call->retryable(call->retryable_arg, status, call->resp ? call->resp : "",
					call->resp_len);
	}
	if (!again || call->attempts >= call->max_attempts) {
		if (again) {
			size_t n = strlen(why);

			snprintf(why + n, sizeof(why) - n, " (after %d attempts)", call->attempts);
		}
		http_finish(call, status, why);
		return;
	}
	wait = http_retry_wait(c->base_ms, c->cap_ms, call->attempts, http_rand(c),
			       call->retry_after_ms);
	elapsed = http_now_ms() - call->start_ms;
	if (elapsed + wait > call->max_total_ms) {
		size_t n = strlen(why);

		snprintf(why + n, sizeof(why) - n, " (gave up after %d attempt%s: the next would "
			 "start past %lld ms)", call->attempts, call->attempts == 1 ? "" : "s",
			 (long long)call->max_total_ms);
		http_finish(call, status, why);
		return;
	}
	{
		struct timeval tv = { wait / 1000, (wait % 1000) * 1000 };

		if (!call->retry_ev)
			call->retry_ev = evtimer_new(c->base, http_retry_cb, call);
		/* the loop's cached time is as old as this callback: a timer
		 * added against it fires that much early */
		event_base_update_cache_time(c->base);
		if (!call->retry_ev || evtimer_add(call->retry_ev, &tv) < 0)
			http_finish(call, status, "cannot schedule a retry");
	}
}

static void http_check(struct http_client *c)
{
	CURLMsg *msg;
	int left;

	while (!c->dying && (msg = curl_multi_info_read(c->multi, &left))) {
		struct http_call *call = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&call);
		curl_multi_remove_handle(c->multi, msg->easy_handle);
		call->in_multi = false;
		http_attempt_done(call, msg->data.result);
	}
}

/* ---------------------------------------------------------------- client -- */

struct http_client *http_client_new(struct event_base *base, const struct http_options *opt,
				    char *err, size_t errlen)
{
	struct http_client *c;

	pthread_once(&http_once, http_global_init);
	if (http_global_rc != CURLE_OK) {
		snprintf(err, errlen, "libcurl: %s", curl_easy_strerror(http_global_rc));
		return NULL;
	}
	c = alloc_zero(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->base = base;
	c->base_ms = opt && opt->backoff_base_ms > 0 ? opt->backoff_base_ms : HTTP_DEFAULT_BASE_MS;
	c->cap_ms = opt && opt->backoff_cap_ms > 0 ? opt->backoff_cap_ms : HTTP_DEFAULT_CAP_MS;
	c->rng = opt && opt->seed ? opt->seed : (uint64_t)clock_stopwatch_ns() | 1;
	c->multi = curl_multi_init();
	c->timer = evtimer_new(base, http_timeout_cb, c);
	c->ca_file = opt && opt->ca_file ? alloc_strdup(opt->ca_file) : NULL;
	c->user_agent = alloc_strdup(opt && opt->user_agent ? opt->user_agent
						      : "scaled/" SCALED_VERSION);
	if (!c->multi || !c->timer || !c->user_agent || (opt && opt->ca_file && !c->ca_file)) {
		snprintf(err, errlen, "out of memory");
		http_client_destroy(c);
		return NULL;
	}
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, http_socket_cb);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, http_timer_cb);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	return c;
}

static void http_client_destroy(struct http_client *c)
{
	while (c->calls) {
		struct http_call *call = c->calls;

		http_unlink(call);
		http_call_free(call);
	}
	while (c->n_idle)
		curl_easy_cleanup(c->idle[--c->n_idle]);
	if (c->multi)
		curl_multi_cleanup(c->multi); /* may report sockets removed */
	while (c->socks)
		http_sock_drop(c, c->socks);
	if (c->timer)
		event_free(c->timer);
	alloc_free(c->ca_file);
	alloc_free(c->user_agent);
	alloc_free(c);
}

void http_client_free(struct http_client *c)
{
	if (!c)
		return;
	if (c->depth > 0) {
		/* inside a done(): cancel everything now, free on the way out */
		c->dying = true;
		while (c->calls) {
			struct http_call *call = c->calls;

			http_unlink(call);
			http_call_free(call);
		}
		return;
	}
	http_client_destroy(c);
}

size_t http_pending(const struct http_client *c)
{
	return c->pending;
}

static int http_setup(struct http_call *call, const struct http_request *req, char *err,
		      size_t errlen)
{
	struct http_client *c = call->c;
	CURL *e = call->easy;
	size_t i;

	for (i = 0; req->headers && req->headers[i]; i++) {
		struct curl_slist *l = curl_slist_append(call->headers, req->headers[i]);

		if (!l) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		call->headers = l;
	}
	if (req->body_len) {
		call->body = alloc_zero(1, req->body_len);
		if (!call->body) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		memcpy(call->body, req->body, req->body_len);
	}
	if (curl_easy_setopt(e, CURLOPT_URL, req->url) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK) {
		snprintf(err, errlen, "bad URL");
		return -EINVAL;
	}
	curl_easy_setopt(e, CURLOPT_PRIVATE, call);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, call->errbuf);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(req->timeout_ms > 0 ? req->timeout_ms
									 : HTTP_DEFAULT_TIMEOUT_MS));
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, call);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, http_header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, call);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, c->ca_file);
	curl_easy_setopt(e, CURLOPT_USERAGENT, c->user_agent);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, call->headers);
	if (req->method && strcmp(req->method, "GET") != 0)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, req->method);
	if (req->body_len || (req->method && strcmp(req->method, "POST") == 0)) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, call->body ? call->body : "");
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
	}
	return 0;
}

struct http_call *http_start(struct http_client *c, const struct http_request *req,
			     http_done_fn done, void *arg, char *err, size_t errlen)
{
	struct http_call *call;

	if (!c || c->dying || !req || !req->url || !done) {
		snprintf(err, errlen, "no client, request, URL or done callback");
		return NULL;
	}
	call = alloc_zero(1, sizeof(*call));
	if (call)
		call->easy = c->n_idle ? c->idle[--c->n_idle] : curl_easy_init();
	if (!call || !call->easy) {
		alloc_free(call);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	call->c = c;
	call->done = done;
	call->arg = arg;
	call->retry_after_ms = -1;
	call->attempts = 1;
	call->max_attempts = req->max_attempts > 0 ? req->max_attempts : HTTP_DEFAULT_ATTEMPTS;
	call->max_total_ms = req->max_total_ms > 0 ? req->max_total_ms : HTTP_DEFAULT_TOTAL_MS;
	call->max_response = req->max_response ? req->max_response : HTTP_DEFAULT_MAX_RESPONSE;
	call->retryable = req->retryable ? req->retryable : http_retry_default;
	call->retryable_arg = req->retryable_arg;
	call->start_ms = http_now_ms();
	if (http_setup(call, req, err, errlen) < 0 ||
	    curl_multi_add_handle(c->multi, call->easy) != CURLM_OK) {
		if (!*err)
			snprintf(err, errlen, "cannot start the request");
		http_call_free(call);
		return NULL;
	}
	call->in_multi = true;
	call->next = c->calls;
	if (c->calls)
		c->calls->prev = call;
	c->calls = call;
	c->pending++;
	return call;
}

void http_cancel(struct http_call *call)
{
	if (!call)
		return;
	http_unlink(call);
	http_call_free(call);
}
