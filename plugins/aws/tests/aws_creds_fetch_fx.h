/*
 * aws_creds_fetch_fx.h - a fake host table for test_aws_creds_fetch: a
 * virtual clock, log lines kept, and HTTP requests recorded instead of
 * sent, answered by the test (fx_answer), as the core would answer them on
 * the loop. Loop-thread only, like the real host; one test at a time.
 */
#ifndef AWS_CREDS_FETCH_FX_H
#define AWS_CREDS_FETCH_FX_H

#include <stddef.h>
#include <stdint.h>

#include "aws_creds_fetch.h"
#include "scaled/plugin.h"

#define FX_MAX_REQS 64
#define FX_MAX_LOG 64

/* plugin.h keeps it opaque; the fake needs nothing in it. */
struct scaled_instance {
	int unused;
};

struct fx_req {
	char method[8];
	char url[512];
	char *h[16];       /* copies, NULL-terminated */
	char *body;        /* a NUL-terminated copy */
	size_t body_len;
	int64_t timeout_ms;
	int max_attempts;
	scaled_http_done done;
	void *arg;
	int live;          /* started, neither answered nor cancelled */
	int cancelled;
};

extern struct scaled_instance fx_inst;
extern int64_t fx_now;
extern struct fx_req fx_reqs[FX_MAX_REQS];
extern size_t fx_n_reqs;
extern char fx_log[FX_MAX_LOG][768];
extern size_t fx_n_log;
extern int fx_refuse; /* http_start fails (as on a real clock in create) */
extern const struct scaled_host fx_host;

/* Forget every request and line, clock at t_ms, aws_host = &fx_host. */
void fx_reset(int64_t t_ms);
/* The newest request (fails the test when there is none). */
struct fx_req *fx_last(void);
/* Answer r (live) with status and body (error: the transport's reason, or
 * NULL for none; a non-2xx without one gets "HTTP <status>"). */
void fx_answer(struct fx_req *r, long status, const char *body, const char *error);
/* The header line starting with prefix, or NULL. */
const char *fx_header(const struct fx_req *r, const char *prefix);
/* How many log lines hold needle. */
int fx_logged(const char *needle);
/* Fail the test when a log line holds one of the NULL-terminated needles. */
void fx_no_log(const char *const *needles);

/* The markers every secret and token of the tests carries (NULL-ended). */
extern const char *const fx_secrets[];
/* fx_again(&fx_one) counts into fx_calls[1], and so on. */
extern int fx_calls[4];
extern int fx_one, fx_two, fx_three;
void fx_again(void *arg);
/* ECS's or IMDS's JSON answer: key id id (its secret and token marked),
 * expiring at exp (a static buffer). */
const char *fx_json_creds(const char *id, int64_t exp);
/* STS's answer to AssumeRole (web: AssumeRoleWithWebIdentity). */
const char *fx_sts_creds(int web, const char *id, int64_t exp);
/* A fetcher of *c (taken) in eu-west-1, STS at http://127.0.0.1:5000. */
struct aws_creds_fetch *fx_make(struct aws_creds *c);
/* aws_creds_fetch_ready with fx_again(who), err checked for secrets. */
int fx_ready(struct aws_creds_fetch *f, int *who, char *err, size_t errlen);
void fx_write_file(const char *path, const char *text);

#endif
