/*
 * test_http.c - core/http.c against a real HTTP/1.1 server on loopback
 * (tests/http/server.py, started and stopped here), on a real libevent
 * loop: answers, retries of 5xx / 429 / timeouts / refused connections,
 * 501 and bodies that are not retried, Retry-After, the size limit, the
 * total-time bound, a caller's own throttling rule, many requests at once
 * and connection reuse, cancel, and a client freed from inside done().
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "http.h"
#include "http_retry.h"
#include "server_fx.h"

struct fx {
	struct server_fx server;
	int port;
	struct event_base *base;
	struct http_client *c;
};

struct result {
	struct fx *fx;
	int calls;
	long status;
	int attempts;
	int64_t elapsed_ms;
	char body[4096];
	char error[512];
	bool free_client;       /* free the client from inside done() */
};

static int *waiting;            /* requests still running in the current wait */

static void on_done(void *arg, const struct http_response *res)
{
	struct result *r = arg;

	r->calls++;
	r->status = res->status;
	r->attempts = res->attempts;
	r->elapsed_ms = res->elapsed_ms;
	snprintf(r->body, sizeof(r->body), "%s", res->body);
	snprintf(r->error, sizeof(r->error), "%s", res->error ? res->error : "");
	if (r->free_client) {
		http_client_free(r->fx->c);
		r->fx->c = NULL;
	}
	if (waiting && --*waiting == 0)
		event_base_loopbreak(r->fx->base);
}

/* Run the loop until n requests are done, 20 s at most. */
static void wait_for(struct fx *fx, int n)
{
	struct timeval limit = { 20, 0 };

	waiting = &n;
	event_base_loopexit(fx->base, &limit);
	event_base_dispatch(fx->base);
	waiting = NULL;
	assert_int_equal(n, 0);
}

static void get(struct fx *fx, const char *path, struct http_request *req, struct result *r)
{
	char url[256], err[256] = "";
	struct http_request dflt = { 0 };

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", fx->port, path);
	if (!req)
		req = &dflt;
	req->url = url;
	if (!req->method)
		req->method = "GET";
	r->fx = fx;
	if (!http_start(fx->c, req, on_done, r, err, sizeof(err)))
		fail_msg("start %s: %s", path, err);
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct http_options opt = { .backoff_base_ms = 20, .backoff_cap_ms = 100, .seed = 42 };
	char err[256];

	assert_int_equal(server_fx_start(&fx->server), 0);
	fx->port = fx->server.port;
	fx->base = event_base_new();
	fx->c = http_client_new(fx->base, &opt, err, sizeof(err));
	assert_non_null(fx->c);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	http_client_free(fx->c);
	event_base_free(fx->base);
	server_fx_stop(&fx->server);
	free(fx);
	return 0;
}

static void test_answer(void **state)
{
	struct fx *fx = *state;
	struct result r = { 0 }, p = { 0 };
	struct http_request post = { .method = "POST", .body = "a=1&b=2", .body_len = 7 };

	get(fx, "/ok", NULL, &r);
	get(fx, "/echo", &post, &p);
	assert_int_equal(http_pending(fx->c), 2);
	wait_for(fx, 2);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "hello");
	assert_int_equal(r.attempts, 1);
	assert_string_equal(r.error, "");
	assert_string_equal(p.body, "a=1&b=2");
	assert_int_equal(http_pending(fx->c), 0);
}

static void test_retries(void **state)
{
	struct fx *fx = *state;
	struct result twice = { 0 }, always = { 0 }, no = { 0 }, gone = { 0 };
	struct http_request three = { .max_attempts = 3 };
	char url[64];
	int fd, port;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);

	/* a closed port: bound, its number read, closed again */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	port = ntohs(a.sin_port);
	close(fd);

	get(fx, "/fail?n=2&key=twice", NULL, &twice);
	get(fx, "/always?code=503&key=always", &three, &always);
	get(fx, "/always?code=501&key=no", NULL, &no);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
	{
		struct http_request req = { .method = "GET", .url = url };
		char err[128];

		gone.fx = fx;
		assert_non_null(http_start(fx->c, &req, on_done, &gone, err, sizeof(err)));
	}
	wait_for(fx, 4);
	assert_int_equal(twice.status, 200);
	assert_string_equal(twice.body, "ok after 2");
	assert_int_equal(twice.attempts, 3);
	assert_int_equal(always.status, 503);
	assert_int_equal(always.attempts, 3);
	assert_string_equal(always.error, "HTTP 503: nope (after 3 attempts)");
	assert_int_equal(no.attempts, 1); /* 501: not worth another try */
	assert_string_equal(no.error, "HTTP 501: nope");
	assert_int_equal(gone.status, 0);
	assert_int_equal(gone.attempts, 3);
	assert_non_null(strstr(gone.error, "(after 3 attempts)"));
	/* the server saw exactly the attempts */
	memset(&twice, 0, sizeof(twice));
	get(fx, "/count?key=always", NULL, &twice);
	wait_for(fx, 1);
	assert_string_equal(twice.body, "3");
}

static void test_retry_after_and_limits(void **state)
{
	struct fx *fx = *state;
	struct result ra = { 0 }, big = { 0 }, slow = { 0 }, total = { 0 };
	struct http_request small = { .max_response = 1000 };
	struct http_request quick = { .timeout_ms = 200, .max_attempts = 2 };
	struct http_request bounded = { .max_total_ms = 1500 };

	get(fx, "/retry_after?s=1&key=ra", NULL, &ra);
	get(fx, "/big?size=2000", &small, &big);
	get(fx, "/slow?ms=1500&key=slow", &quick, &slow);
	/* Retry-After: 2 with 1.5 s in all: the second attempt would end late */
	get(fx, "/retry_after?s=2&key=total", &bounded, &total);
	wait_for(fx, 4);
	assert_int_equal(ra.status, 200);
	assert_int_equal(ra.attempts, 2);
	/* it waited as it was told (the drawn wait is 100 ms at most here;
	 * the loop's timers are good to a few ms) */
	assert_true(ra.elapsed_ms >= 950);
	assert_string_equal(big.error, "response larger than 1000 bytes");
	assert_int_equal(big.attempts, 1);
	assert_int_equal(slow.status, 0);
	assert_int_equal(slow.attempts, 2);
	assert_non_null(strstr(slow.error, "(after 2 attempts)"));
	assert_int_equal(total.status, 429);
	assert_int_equal(total.attempts, 1);
	assert_string_equal(total.error, "HTTP 429: slow down (gave up after 1 attempt: the next "
			    "would start past 1500 ms)");
}

static bool throttled(void *arg, long status, const char *body, size_t len)
{
	(void)arg;
	(void)len;
	return status == 400 && strstr(body, "ThrottlingException") != NULL;
}

static void test_own_rule(void **state)
{
	struct fx *fx = *state;
	struct result r = { 0 }, plain = { 0 };
	struct http_request req = { .retryable = throttled };

	get(fx, "/throttle?key=own", &req, &r);
	get(fx, "/throttle?key=plain", NULL, &plain);
	wait_for(fx, 2);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.attempts, 2);
	assert_int_equal(plain.status, 400); /* the default rule: a 400 is final */
	assert_int_equal(plain.attempts, 1);
}

/* Many at once; then one after another over the kept connection. */
static void test_many_and_reuse(void **state)
{
	struct fx *fx = *state;
	struct result r[20], c1 = { 0 }, c2 = { 0 };
	int i, before, after;

	memset(r, 0, sizeof(r));
	for (i = 0; i < 20; i++)
		get(fx, "/ok", NULL, &r[i]);
	wait_for(fx, 20);
	for (i = 0; i < 20; i++)
		assert_string_equal(r[i].body, "hello");
	get(fx, "/conns", NULL, &c1);
	wait_for(fx, 1);
	before = atoi(c1.body);
	for (i = 0; i < 10; i++) {
		memset(&r[0], 0, sizeof(r[0]));
		get(fx, "/ok", NULL, &r[0]);
		wait_for(fx, 1);
	}
	get(fx, "/conns", NULL, &c2);
	wait_for(fx, 1);
	after = atoi(c2.body);
	assert_true(after - before <= 1);
}

static void test_cancel_and_free_inside(void **state)
{
	struct fx *fx = *state;
	struct result cancelled = { 0 }, r = { 0 }, other = { 0 };
	struct http_request req = { .method = "GET" };
	char url[128], err[128];
	struct http_call *call;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/slow?ms=300&key=c", fx->port);
	req.url = url;
	cancelled.fx = fx;
	call = http_start(fx->c, &req, on_done, &cancelled, err, sizeof(err));
	assert_non_null(call);
	http_cancel(call);
	assert_int_equal(http_pending(fx->c), 0);
	/* one done() frees the client while another request is in flight */
	r.free_client = true;
	get(fx, "/ok", NULL, &r);
	get(fx, "/slow?ms=1000&key=other", NULL, &other);
	wait_for(fx, 1);
	assert_int_equal(r.calls, 1);
	assert_null(fx->c);
	assert_int_equal(cancelled.calls, 0);
	assert_int_equal(other.calls, 0); /* cancelled with the client */
}

/* The rules on their own. */
static void test_rules(void **state)
{
	(void)state;
	assert_true(http_retry_default(NULL, 429, "", 0));
	assert_true(http_retry_default(NULL, 500, "", 0));
	assert_false(http_retry_default(NULL, 501, "", 0));
	assert_false(http_retry_default(NULL, 404, "", 0));
	assert_true(http_retry_transient(CURLE_OPERATION_TIMEDOUT));
	assert_false(http_retry_transient(CURLE_SSL_CACERT_BADFILE));
	/* full jitter: within [0, min(cap, base * 2^(n-1))] */
	assert_int_equal(http_retry_wait(100, 20000, 1, 1000, -1), 1000 % 101);
	assert_int_equal(http_retry_wait(100, 20000, 3, 12345, -1), 12345 % 401);
	assert_int_equal(http_retry_wait(100, 300, 10, 299, -1), 299);
	assert_int_equal(http_retry_wait(100, 300, 1, 5, 2000), 2000);
	assert_int_equal(http_retry_after_ms(" 7\r\n", 4, 0), 7000);
	assert_int_equal(http_retry_after_ms(" 99999999", 9, 0), 86400000);
	assert_int_equal(http_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT", 29, 1445412470),
			 10000);
	assert_int_equal(http_retry_after_ms(" soon", 5, 0), -1);
	assert_int_equal(http_retry_after_ms("", 0, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules),
		cmocka_unit_test_setup_teardown(test_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_after_and_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_own_rule, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_and_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_and_free_inside, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
