/*
 * aws_retry.h - which failed AWS answers are worth another try: the HTTP
 * client's default (429, and 5xx but 501) plus AWS's throttling answers,
 * which come as 400 with a code in the body (Query API XML or JSON).
 */
#ifndef AWS_RETRY_H
#define AWS_RETRY_H

#include <stddef.h>

/* Nonzero when an answer of status with body (len bytes) should be tried
 * again; the shape of scaled_http_request.retryable (arg unused). */
int aws_retryable(void *arg, long status, const char *body, size_t len);

/* Nonzero when code ("Throttling", "SlowDown", ...) is one of AWS's
 * throttling codes. */
int aws_retry_throttling_code(const char *code);

#endif
