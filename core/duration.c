/*
 * duration.c - parse and format durations.
 *
 * Grammar (no spaces, no sign, lower-case units):
 *   duration := number                  seconds ("1.5" = 1500 ms)
 *             | (number unit)+          units strictly decreasing: "1h30m"
 *   number   := digits ["." digits]
 *   unit     := "d" | "h" | "m" | "s" | "ms"
 *
 * Arithmetic is exact integer arithmetic, never floating point, so "0.1s"
 * is 100 ms and not 100.00000000000001. A fraction that does not come out as
 * a whole number of milliseconds ("1.0005s") is refused rather than rounded.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "duration.h"

struct duration_unit {
	const char *name;
	int64_t ms;
};

/* Largest first: compounds must follow this order. */
static const struct duration_unit units[] = {
	{ "d", 86400000 }, { "h", 3600000 }, { "m", 60000 }, { "s", 1000 }, { "ms", 1 },
};
#define N_UNITS (sizeof(units) / sizeof(units[0]))

/* Every unit divides 2^10 * 3^3 * 5^5, so an exact fraction of one never has
 * more than 10 significant decimals; this also keeps frac * unit in int64. */
#define MAX_FRAC_DIGITS 10

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Which unit starts at p, or -1; *len is its length. "ms" before "m". */
static int duration_unit_at(const char *p, size_t *len)
{
	if (p[0] == 'm' && p[1] == 's') {
		*len = 2;
		return 4;
	}
	for (unsigned i = 0; i < 4; i++) {
		if (p[0] == units[i].name[0]) {
			*len = 1;
			return (int)i;
		}
	}
	return -1;
}

/* Parse digits ["." digits] at *pp times unit_ms into *out. */
static int duration_number(const char **pp, int64_t unit_ms, int64_t *out)
{
	const char *p = *pp;
	int64_t whole = 0, frac = 0, scale = 1, v;
	int nfrac = 0;

	if (!is_digit(*p))
		return -EINVAL;
	for (; is_digit(*p); p++)
		if (__builtin_mul_overflow(whole, 10, &whole) ||
		    __builtin_add_overflow(whole, *p - '0', &whole))
			return -EINVAL;
	if (*p == '.') {
		const char *f = ++p, *end;

		if (!is_digit(*p))
			return -EINVAL;
		while (is_digit(*p))
			p++;
		end = p;
		while (end > f && end[-1] == '0') /* trailing zeros change nothing */
			end--;
		if (end - f > MAX_FRAC_DIGITS)
			return -EINVAL;
		for (; f < end; f++, nfrac++) {
			frac = frac * 10 + (*f - '0');
			scale *= 10;
		}
	}
	if (nfrac > 0 && (frac * unit_ms) % scale != 0)
		return -EINVAL;
	if (__builtin_mul_overflow(whole, unit_ms, &v) ||
	    __builtin_add_overflow(v, frac * unit_ms / scale, &v))
		return -EINVAL;
	*pp = p;
	*out = v;
	return 0;
}

int duration_parse(const char *text, int64_t *ms)
{
	const char *p = text;
	int64_t total = 0, part;
	int prev = -1, u, rc;
	size_t ulen;

	if (!text || !*text)
		return -EINVAL;

	/* A plain number is seconds; try that shape first. */
	rc = duration_number(&p, 1000, &part);
	if (rc == 0 && *p == '\0') {
		*ms = part;
		return 0;
	}

	p = text;
	while (*p) {
		const char *num = p;

		/* Find the unit after the number, then parse the number with it. */
		while (is_digit(*p) || *p == '.')
			p++;
		u = duration_unit_at(p, &ulen);
		if (u < 0 || u <= prev)
			return -EINVAL;
		rc = duration_number(&num, units[u].ms, &part);
		if (rc < 0 || num != p)
			return -EINVAL;
		if (__builtin_add_overflow(total, part, &total))
			return -EINVAL;
		prev = u;
		p += ulen;
	}
	*ms = total;
	return 0;
}

/*
 * Write ms (> 0) as one unit with an exact decimal fraction ("1.5s"), or
 * return -1 if the fraction does not terminate within MAX_FRAC_DIGITS or
 * the whole part would be 0 ("500ms" reads better than "0.5s").
 */
static int duration_fmt_decimal(uint64_t ms, uint64_t unit, const char *name, char *buf,
				size_t len)
{
	char frac[MAX_FRAC_DIGITS + 2];
	uint64_t r = ms % unit;
	int n = 0;

	if (ms < unit)
		return -1;
	while (r && n < MAX_FRAC_DIGITS) {
		r *= 10;
		frac[n++] = (char)('0' + r / unit);
		r %= unit;
	}
	if (r)
		return -1;
	frac[n] = '\0';
	return snprintf(buf, len, "%llu%s%s%s", (unsigned long long)(ms / unit),
			n ? "." : "", frac, name);
}

/* Write ms (> 0) as whole units from unit index top down: "1h30m". */
static int duration_fmt_compound(uint64_t ms, unsigned top, char *buf, size_t len)
{
	size_t n = 0;

	for (unsigned i = top; i < N_UNITS && ms; i++) {
		uint64_t q = ms / (uint64_t)units[i].ms;

		if (q == 0)
			continue;
		ms -= q * (uint64_t)units[i].ms;
		n += (size_t)snprintf(buf + n, len - n, "%llu%s", (unsigned long long)q,
				      units[i].name);
	}
	return (int)n;
}

/*
 * Candidates: every compound that starts at some unit, and every one-unit
 * decimal. The shortest wins; on a tie a form without a decimal point, then
 * the one with the larger leading unit ("150s" over "2.5m").
 */
const char *duration_format(int64_t ms, char *buf, unsigned len)
{
	char best[32], cand[32];
	uint64_t mag;
	int best_n = 0, best_dot = 0, n;

	if (ms == 0) {
		snprintf(buf, len, "0s");
		return buf;
	}
	mag = ms < 0 ? -(uint64_t)ms : (uint64_t)ms;

	for (unsigned i = 0; i < N_UNITS; i++) {
		for (int dec = 0; dec < 2; dec++) {
			if (dec)
				n = duration_fmt_decimal(mag, (uint64_t)units[i].ms,
							 units[i].name, cand, sizeof(cand));
			else if (mag >= (uint64_t)units[i].ms)
				n = duration_fmt_compound(mag, i, cand, sizeof(cand));
			else
				n = -1;
			if (n <= 0)
				continue;
			if (best_n && (n > best_n || (n == best_n && (dec >= best_dot))))
				continue;
			memcpy(best, cand, (size_t)n + 1);
			best_n = n;
			best_dot = dec;
		}
	}
	snprintf(buf, len, "%s%s", ms < 0 ? "-" : "", best);
	return buf;
}
