/*
 * bench_aws.c - what talking to AWS costs scaled, without AWS: the cost of
 * one SigV4 signing (the key cached, and derived anew each time), and the
 * rate of requests through the core's HTTP client (one curl multi handle on
 * libevent) to a loopback server of its own (evhttp on a thread), with the
 * client thread's CPU time per request. Prints figures; asserts nothing.
 *
 *   build/tools/bench/bench_aws [REQUESTS]
 */
#include <arpa/inet.h>
#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "http.h"
#include "sigv4.h"

static double now_s(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------ signing -- */

static const char body[] = "{\"QueueUrl\":\"https://sqs.us-east-1.amazonaws.com/123456789012/"
			   "jobs\",\"AttributeNames\":[\"ApproximateNumberOfMessages\","
			   "\"ApproximateNumberOfMessagesNotVisible\"]}";

static double sign_ns(int cached, int n)
{
	const struct sigv4_header hs[] = {
		{ "Host", "sqs.us-east-1.amazonaws.com" },
		{ "Content-Type", "application/x-amz-json-1.0" },
		{ "X-Amz-Target", "AmazonSQS.GetQueueAttributes" },
	};
	const struct sigv4_request req = { "POST", "/", NULL, hs, 3, body, sizeof body - 1,
					   NULL, 0 };
	const struct sigv4_credentials cred = { "AKIDEXAMPLE",
						"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL };
	struct sigv4_signer s;
	struct sigv4_result r;
	char err[256];
	double t0;
	int i;

	sigv4_signer_init(&s);
	t0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
	for (i = 0; i < n; i++) {
		if (!cached)
			sigv4_signer_init(&s);
		if (sigv4_sign(&s, &req, &cred, "us-east-1", "sqs", 1764720000000 + i, &r, err,
			       sizeof err) < 0) {
			fprintf(stderr, "bench_aws: sign: %s\n", err);
			exit(1);
		}
		sigv4_result_free(&r);
	}
	t0 = now_s(CLOCK_PROCESS_CPUTIME_ID) - t0;
	sigv4_signer_clear(&s);
	return t0 * 1e9 / n;
}

/* ------------------------------------------------- requests, loopback -- */

static const char answer[] = "{\"Attributes\":{\"ApproximateNumberOfMessages\":\"7\"}}";

static void serve(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();

	(void)arg;
	evbuffer_add(b, answer, sizeof answer - 1);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "application/x-amz-json-1.0");
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

static void *server_main(void *arg)
{
	event_base_dispatch(arg);
	return NULL;
}

struct load {
	struct http_client *c;
	struct event_base *base;
	char url[64];
	int started, done, failed, total, width;
};

static void start_one(struct load *l);

static void one_done(void *arg, const struct http_response *res)
{
	struct load *l = arg;

	l->done++;
	if (res->error)
		l->failed++;
	if (l->started < l->total)
		start_one(l);
	else if (l->done == l->total)
		event_base_loopbreak(l->base);
}

static void start_one(struct load *l)
{
	static const char *const hdrs[] = { "Content-Type: application/x-amz-json-1.0",
					    "X-Amz-Target: AmazonSQS.GetQueueAttributes",
					    NULL };
	struct http_request req = { .method = "POST", .url = l->url, .headers = hdrs,
				    .body = body, .body_len = sizeof body - 1 };
	char err[256];

	l->started++;
	if (!http_start(l->c, &req, one_done, l, err, sizeof err)) {
		fprintf(stderr, "bench_aws: http_start: %s\n", err);
		exit(1);
	}
}

static void rate(struct event_base *base, struct http_client *c, const char *url, int total,
		 int width)
{
	struct load l = { .c = c, .base = base, .total = total, .width = width };
	double wall, cpu;
	int i;

	snprintf(l.url, sizeof l.url, "%s", url);
	wall = now_s(CLOCK_MONOTONIC);
	cpu = now_s(CLOCK_THREAD_CPUTIME_ID);
	for (i = 0; i < width && l.started < total; i++)
		start_one(&l);
	event_base_dispatch(base);
	wall = now_s(CLOCK_MONOTONIC) - wall;
	cpu = now_s(CLOCK_THREAD_CPUTIME_ID) - cpu;
	printf("  %2d in flight: %6.0f requests/s, client thread %5.1f us CPU a request"
	       " (%d failed)\n", width, total / wall, cpu * 1e6 / total, l.failed);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 20000;
	struct event_base *sbase = event_base_new(), *base = event_base_new();
	struct evhttp *srv = evhttp_new(sbase);
	struct evhttp_bound_socket *sock;
	struct http_client *c;
	pthread_t th;
	char url[64], err[256];
	int widths[] = { 1, 8, 32 };
	size_t i;

	if (n <= 0) {
		fprintf(stderr, "usage: bench_aws [REQUESTS > 0]\n");
		return 2;
	}
	printf("SigV4 signing of an SQS GetQueueAttributes POST (%zu-byte body):\n",
	       sizeof body - 1);
	printf("  signing key cached:   %6.2f us\n", sign_ns(1, 200000) / 1000);
	printf("  signing key derived:  %6.2f us\n", sign_ns(0, 50000) / 1000);

	evhttp_set_gencb(srv, serve, NULL);
	sock = evhttp_bind_socket_with_handle(srv, "127.0.0.1", 0);
	if (!sock) {
		fprintf(stderr, "bench_aws: cannot listen on 127.0.0.1\n");
		return 1;
	}
	{
		struct sockaddr_storage ss;
		socklen_t len = sizeof ss;
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		getsockname(evhttp_bound_socket_get_fd(sock), (struct sockaddr *)&ss, &len);
		snprintf(url, sizeof url, "http://127.0.0.1:%u/", ntohs(sin->sin_port));
	}
	pthread_create(&th, NULL, server_main, sbase);
	c = http_client_new(base, &(struct http_options){ .seed = 1 }, err, sizeof err);
	if (!c) {
		fprintf(stderr, "bench_aws: %s\n", err);
		return 1;
	}
	printf("%d POSTs through the HTTP client (one curl multi handle on libevent) to an "
	       "evhttp server on loopback (its own thread):\n", n);
	for (i = 0; i < sizeof widths / sizeof widths[0]; i++)
		rate(base, c, url, n, widths[i]);
	http_client_free(c);
	event_base_loopbreak(sbase);
	pthread_join(th, NULL);
	evhttp_free(srv);
	event_base_free(sbase);
	event_base_free(base);
	return 0;
}
