/*
 * http.h - asynchronous HTTP on the engine's libevent loop: one curl multi
 * handle per client, driven by curl's socket and timer callbacks, so no
 * transfer ever blocks the loop (issue 12's "async HTTP in the core"; the
 * plugins reach it through the host table in a later ABI minor).
 *
 * A request is retried, with exponential backoff and full jitter (a wait
 * drawn uniformly from [0, min(cap, base * 2^attempt)]), when its attempt
 * failed to connect, timed out, or was answered with a status or body that
 * the request's `retryable` rule says is worth another try (default: 429,
 * 500, 502, 503, 504). A Retry-After header (seconds or an HTTP date)
 * replaces the drawn wait when it is longer. Retries stop at max_attempts
 * or when the next wait would end past max_total_ms after the start; the
 * request then fails with the last attempt's reason. A response larger than
 * max_response is cut and fails at once (never retried). TLS peers are
 * verified (the system's CA store, or ca_file). Connections are kept and
 * reused by the multi handle.
 *
 * Every callback runs on the loop thread. done() is called exactly once
 * per started request, unless it is cancelled first (http_cancel) or the
 * client is freed, which cancels every pending request without calling
 * them. Ownership: the client copies what it needs of a request; the
 * response passed to done() is valid only during that call.
 */
#ifndef SCALED_HTTP_H
#define SCALED_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct http_client;
struct http_call;

struct http_options {
	const char *ca_file;     /* NULL: the system's CA store */
	const char *user_agent;  /* NULL: "scaled/VERSION" */
	int64_t backoff_base_ms; /* 0: 100 */
	int64_t backoff_cap_ms;  /* 0: 20 000 */
	uint64_t seed;           /* the jitter's generator; 0: from the clock */
};

/* Is an answer worth another try? status 0 with the curl error text in
 * body: the attempt failed without an answer (those are retried anyway). */
typedef bool (*http_retryable_fn)(void *arg, long status, const char *body, size_t len);

struct http_request {
	const char *method;            /* "GET", "POST", ... */
	const char *url;
	const char *const *headers;    /* "Name: value" strings, NULL-terminated; may be NULL */
	const void *body;              /* may be NULL */
	size_t body_len;
	int64_t timeout_ms;            /* per attempt; 0: 10 000 */
	size_t max_response;           /* bytes; 0: 1 MiB */
	int max_attempts;              /* 0: 3 */
	int64_t max_total_ms;          /* 0: 30 000 */
	http_retryable_fn retryable;   /* NULL: 429 and 5xx but 501 */
	void *retryable_arg;
};

struct http_response {
	long status;                   /* 0 when no answer came */
	const char *body;              /* NUL-terminated; "" when none */
	size_t body_len;
	int attempts;
	int64_t elapsed_ms;
	const char *error;             /* NULL on success: a 2xx answer */
};

typedef void (*http_done_fn)(void *arg, const struct http_response *res);

/* NULL on failure, with the reason in err. */
struct http_client *http_client_new(struct event_base *base, const struct http_options *opt,
				    char *err, size_t errlen);
/* Cancels every pending request (their done() is not called). */
void http_client_free(struct http_client *c);

/* Start a request. NULL (and done() never called) when it cannot start:
 * no memory, or a request curl refuses (the reason in err). */
struct http_call *http_start(struct http_client *c, const struct http_request *req,
			     http_done_fn done, void *arg, char *err, size_t errlen);
/* Cancel a pending request: done() is not called. */
void http_cancel(struct http_call *call);

/* Requests started and not yet done or cancelled. */
size_t http_pending(const struct http_client *c);

#endif
