/*
 * policy_text.h - numbers in reasons as the policy library writes them
 * (policies/policy/util.lua's U.num and U.int_text), for the library's
 * compiled forms (policy_native.c), and a bounded text builder.
 */
#ifndef SCALED_POLICY_TEXT_H
#define SCALED_POLICY_TEXT_H

#include <stddef.h>

#include "scaled/scaled.h"

/* Room for any number policy_text_num writes ("%.3f" of 1.8e308), NUL
 * included. */
#define POLICY_TEXT_NUM_MAX 320

/* i as "%lld" writes it; returns the length (buf: 21 bytes or more). */
size_t policy_text_int(char *buf, long long i);

/* U.num(x): a whole x below 1e15 in magnitude as an integer, anything else
 * as "%.3f" with its trailing zeros (and then its point) cut ("nan" and
 * "inf" as printf writes them). Returns the length. */
size_t policy_text_num(char *buf, double x);

/* A reason being put together: what goes past the end is dropped, and
 * the end lies past SCALED_REASON_MAX so that policy_api_copy_reason cuts
 * the text where it would cut the whole. */
struct policy_text {
	size_t len;
	char buf[SCALED_REASON_MAX + 8];
};

void policy_text_add(struct policy_text *t, const char *s, size_t n);
void policy_text_add_num(struct policy_text *t, double x);
void policy_text_add_int(struct policy_text *t, long long i);

#endif
