/*
 * policy_text.c - numbers in reasons, as the policy library writes them
 * (see policy_text.h).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "policy_text.h"

size_t policy_text_int(char *buf, long long i)
{
	char tmp[24];
	unsigned long long u = i < 0 ? 0ull - (unsigned long long)i : (unsigned long long)i;
	size_t n = 0, len = 0;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (i < 0)
		buf[len++] = '-';
	while (n)
		buf[len++] = tmp[--n];
	buf[len] = '\0';
	return len;
}

size_t policy_text_num(char *buf, double x)
{
	double a = fabs(x);
	int n;

	if (x == floor(x) && a < 1e15)
		return policy_text_int(buf, (long long)x);
	/* U.num's shorter way to printf's text (a snprintf is ~2 000
	 * instructions): below 1e6, x rounded to thousandths in integers,
	 * unless x * 1000 lies within 1e-6 of a rounding boundary, where its
	 * float error could matter or printf rounds a tie to even */
	if (a < 1e6) {
		double y = a * 1000 + 0.5;
		long long r = (long long)floor(y);
		double d = y - (double)r;

		if (d > 1e-6 && d < 1 - 1e-6) {
			size_t len = 0;
			int f = (int)(r % 1000);

			if (x < 0)
				buf[len++] = '-';
			len += policy_text_int(buf + len, r / 1000);
			if (f) {
				buf[len++] = '.';
				buf[len++] = (char)('0' + f / 100);
				buf[len++] = (char)('0' + f / 10 % 10);
				buf[len++] = (char)('0' + f % 10);
				while (buf[len - 1] == '0')
					len--;
			}
			buf[len] = '\0';
			return len;
		}
	}
	n = snprintf(buf, POLICY_TEXT_NUM_MAX, "%.3f", x);
	if (n < 0 || n >= POLICY_TEXT_NUM_MAX) { /* cannot happen: "%.3f" fits */
		buf[0] = '\0';
		return 0;
	}
	if (memchr(buf, '.', (size_t)n)) {
		while (n > 0 && buf[n - 1] == '0')
			n--;
		if (n > 0 && buf[n - 1] == '.')
			n--;
	}
	buf[n] = '\0';
	return (size_t)n;
}

void policy_text_add(struct policy_text *t, const char *s, size_t n)
{
	size_t room = t->cap - t->len;

	if (n > room) {
		if (t->dropped < 0)
			t->dropped = (unsigned char)s[room];
		n = room;
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
}

size_t policy_text_end(struct policy_text *t)
{
	/* Cut (len is cap): as policy_api_copy_reason, step back while the
	 * whole text's byte at len continues a UTF-8 sequence; at cap that
	 * byte is the first one dropped. */
	if (t->dropped >= 0) {
		int c = t->dropped;

		while (t->len > 0 && (c & 0xc0) == 0x80)
			c = (unsigned char)t->buf[--t->len];
	}
	t->buf[t->len] = '\0';
	return t->len;
}

void policy_text_add_num(struct policy_text *t, double x)
{
	char b[POLICY_TEXT_NUM_MAX];

	policy_text_add(t, b, policy_text_num(b, x));
}

void policy_text_add_int(struct policy_text *t, long long i)
{
	char b[24];

	policy_text_add(t, b, policy_text_int(b, i));
}
