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

/* A text being put together in buf (cap bytes of text and its NUL): what
 * goes past cap is dropped, the first byte dropped kept for the end. */
struct policy_text {
	char *buf;
	size_t len, cap;
	int dropped; /* -1: none */
};

static inline void policy_text_init(struct policy_text *t, char *buf, size_t cap)
{
	t->buf = buf;
	t->len = 0;
	t->cap = cap;
	t->dropped = -1;
}

/* NUL-terminate the text, cut where policy_api_copy_reason would cut the
 * whole (never inside a UTF-8 sequence); returns its length. */
size_t policy_text_end(struct policy_text *t);

void policy_text_add(struct policy_text *t, const char *s, size_t n);
void policy_text_add_num(struct policy_text *t, double x);
void policy_text_add_int(struct policy_text *t, long long i);

#endif
