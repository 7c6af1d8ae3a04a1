/*
 * http_retry.h - private to core/http.c: when a failed attempt is worth
 * another, and how long to wait before it (semantics in http.h).
 */
#ifndef SCALED_HTTP_RETRY_H
#define SCALED_HTTP_RETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <curl/curl.h>

/* The default rule: 429 and 5xx but 501. */
bool http_retry_default(void *arg, long status, const char *body, size_t len);
/* Failures without an answer that another attempt may mend. */
bool http_retry_transient(CURLcode rc);
/* The wait before attempt `attempts` + 1: full jitter, uniform in
 * [0, min(cap, base * 2^(attempts - 1))] drawn from `r`, or retry_after_ms
 * when that is longer (-1: none). */
int64_t http_retry_wait(int64_t base_ms, int64_t cap_ms, int attempts, uint64_t r,
			int64_t retry_after_ms);
/* A Retry-After header's value (len bytes, may end in CRLF, not
 * NUL-terminated): seconds, or an HTTP date (the wait from now). -1 when
 * it is neither. */
int64_t http_retry_after_ms(const char *value, size_t len, time_t now);

#endif
