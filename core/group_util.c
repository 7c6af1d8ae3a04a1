/*
 * group_util.c - helpers the safety pipeline's files share: reasons,
 * saturating arithmetic, durations for humans, and the history marks
 * (stabilisation recommendations, successful changes) kept ordered by time.
 */
#include "group_util.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"

void group_util_why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (!why || !whylen)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

#define GROUP_WHY_SLOTS 64

static _Thread_local struct {
	struct group_why_key key;
	bool used;
	char text[SCALED_REASON_MAX];
} why_cache[GROUP_WHY_SLOTS];

static unsigned group_why_slot(const struct group_why_key *k)
{
	uint64_t h = (uint64_t)(unsigned)k->stage * 0x9e3779b97f4a7c15u;

	h = (h ^ (uint64_t)(unsigned)k->a) * 0xff51afd7ed558ccdu;
	h = (h ^ (uint64_t)(unsigned)k->b) * 0xc4ceb9fe1a85ec53u;
	h = (h ^ (uint64_t)(unsigned)k->c) * 0x9e3779b97f4a7c15u;
	h = (h ^ (uint64_t)k->ms) * 0xff51afd7ed558ccdu;
	return (unsigned)(h >> 58); /* 64 slots */
}

static bool group_why_eq(const struct group_why_key *x, const struct group_why_key *y)
{
	return x->stage == y->stage && x->a == y->a && x->b == y->b && x->c == y->c &&
	       x->ms == y->ms;
}

const char *group_why_find(const struct group_why_key *key)
{
	unsigned i = group_why_slot(key);

	return why_cache[i].used && group_why_eq(&why_cache[i].key, key) ? why_cache[i].text : NULL;
}

void group_why_keep(const struct group_why_key *key, const char *text)
{
	unsigned i = group_why_slot(key);

	why_cache[i].key = *key;
	why_cache[i].used = true;
	group_util_copy(why_cache[i].text, sizeof(why_cache[i].text), text);
}

void group_util_copy(char *dst, size_t len, const char *src)
{
	size_t n;

	if (!len)
		return;
	n = strnlen(src, len - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* A double to int, saturating (the caller has ruled out NaN). */
int group_util_to_int(double v)
{
	if (v >= (double)INT_MAX)
		return INT_MAX;
	if (v <= (double)INT_MIN)
		return INT_MIN;
	return (int)v;
}

/* now - w, without overflowing for absurd windows; a negative window is 0. */
int64_t group_util_cutoff(int64_t now_ms, int64_t w)
{
	int64_t r;

	if (w < 0)
		w = 0;
	if (__builtin_sub_overflow(now_ms, w, &r))
		return INT64_MIN;
	return r;
}

int64_t group_util_elapsed(int64_t now_ms, int64_t since_ms)
{
	int64_t r;

	if (__builtin_sub_overflow(now_ms, since_ms, &r))
		return INT64_MAX;
	return r;
}

/* A duration for humans: "300s", or "299.999s" when not whole seconds. */
const char *group_util_dur(char *buf, size_t len, int64_t ms)
{
	if (ms < 0)
		ms = 0;
	if (ms % 1000 == 0 && len >= 22) {
		/* whole seconds, the usual case, without printf (a bound stage
		 * says its window every tick it binds): digits from the right */
		char tmp[21];
		int64_t s = ms / 1000;
		size_t n = 0;

		do {
			tmp[n++] = (char)('0' + s % 10);
			s /= 10;
		} while (s);
		for (size_t i = 0; i < n; i++)
			buf[i] = tmp[n - 1 - i];
		buf[n] = 's';
		buf[n + 1] = '\0';
	} else if (ms % 1000 == 0)
		snprintf(buf, len, "%llds", (long long)(ms / 1000));
	else
		snprintf(buf, len, "%lld.%03llds", (long long)(ms / 1000), (long long)(ms % 1000));
	return buf;
}

int group_util_clamp_value(const struct group_settings *cfg, int v)
{
	if (v > cfg->max)
		v = cfg->max;
	if (v < cfg->min)
		v = cfg->min;
	return v;
}

/* ---------------------------------------------------------------- marks -- */

int group_util_marks_reserve(struct group_marks *m, size_t extra)
{
	struct group_mark *v;
	size_t cap;

	if (m->len + extra <= m->cap)
		return 0;
	/* most groups keep one or two marks: 100 000 of them pay for what
	 * they hold, not for 8 each */
	cap = m->cap ? m->cap : 2;
	while (cap < m->len + extra)
		cap *= 2;
	v = alloc_resize(m->v, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	m->v = v;
	m->cap = cap;
	return 0;
}

/* Forget every mark at or before cutoff: it is outside every window. */
void group_util_marks_prune(struct group_marks *m, int64_t cutoff)
{
	size_t i = 0;

	while (i < m->len && m->v[i].t_ms <= cutoff)
		i++;
	if (!i)
		return;
	memmove(m->v, m->v + i, (m->len - i) * sizeof(*m->v));
	m->len -= i;
}

/* Remember a recommendation. The same value as the last one only moves that
 * one's time forward: the later time keeps it in every window at least as
 * long, so window minimum and maximum come out the same. */
int group_util_marks_remember(struct group_marks *m, int64_t now_ms, int value)
{
	struct group_mark *last = m->len ? &m->v[m->len - 1] : NULL;

	if (last && last->value == value && last->t_ms <= now_ms) {
		last->t_ms = now_ms;
		return 0;
	}
	if (group_util_marks_reserve(m, 1) < 0)
		return -ENOMEM;
	m->v[m->len++] = (struct group_mark){ .t_ms = now_ms, .value = value };
	return 0;
}

/* A change that took effect: cooldown and rate limits count from it. The
 * room was reserved by group_decide; without it only the rate history
 * loses this change, cooldown still sees it. */
void group_util_remember_change(struct group_state *st, int64_t now_ms, int from, int to)
{
	if (to > from)
		st->last_up_ms = now_ms;
	else if (to < from)
		st->last_down_ms = now_ms;
	else
		return;
	if (group_util_marks_reserve(&st->changes, 1) < 0)
		return;
	st->changes.v[st->changes.len++] = (struct group_mark){
		.t_ms = now_ms, .value = from, .delta = to - from,
	};
}
