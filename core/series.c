/*
 * series.c - the metric store.
 *
 * The store keeps its series in an array, in the order they were made, and
 * finds them by name through a hash index (name_index.c): with 100 000
 * groups a target's poll publishes by name a few hundred thousand times a
 * minute, and a binary search over 300 000 names was a fifth of the daemon.
 *
 * A series is two allocations: the header with its name, and a block of
 * its times then its values. Times and values live in separate arrays so
 * that the binary search for a window's start touches only times. The ring
 * holds `len` samples starting at `head`; logical index i is physical
 * (head + i) mod cap. The block starts small and doubles as samples come,
 * up to the series' capacity (`max`), so that a farm of many groups holds
 * what its series hold, not what they could; should a doubling fail, the
 * series keeps what it has and drops its oldest sample, as when full.
 *
 * A window is found with two binary searches (its start and its end), so a
 * statistic costs O(log cap + samples in the window) and never allocates:
 * percentiles select in a scratch buffer owned by the store and sized for
 * its largest series.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "name_index.h"
#include "series.h"

struct series {
	struct series_store *store; /* for the scratch buffer */
	size_t cap, head, len;
	size_t max; /* the capacity asked for: cap grows to it */
	int64_t keep_ms; /* the history readers asked for (INT64_MAX: all) */
	int64_t stale_ms;
	int64_t *t;
	double *v;
	char *name;
	/* The last sum or average's window, kept for the next read: a policy
	 * reading avg(120) every second between samples every 5 s reads the
	 * same samples four times in five. Valid while gen (bumped by every
	 * push, the only change to the samples) is the same; logical [a, b).
	 * 32 bits each (a ring holds far fewer than 2^32 samples, and gen
	 * would need 2^32 pushes between two reads to come round): 24 bytes a
	 * series, which at 100 000 groups is 300 000 series. */
	uint32_t gen;
	struct {
		uint32_t gen, a, b;
		double sum;
	} win;
};

struct series_store {
	struct series **items; /* in the order they were made */
	size_t len, cap;
	struct name_index ix;  /* name -> series */
	double *scratch;
	size_t scratch_cap;
	bool by_demand; /* series keep what readers ask for (series_keep) ... */
	bool settled;   /* ... once every reader has had its first look */
};

static const char *const stat_names[] = {
	[SERIES_LAST] = "last", [SERIES_AVG] = "avg",     [SERIES_MIN] = "min",
	[SERIES_MAX] = "max",   [SERIES_SUM] = "sum",     [SERIES_COUNT] = "count",
	[SERIES_PCT] = "pct",   [SERIES_RATE] = "rate",
};
#define N_STATS (sizeof(stat_names) / sizeof(stat_names[0]))

/* ------------------------------------------------------------ the store -- */

struct series_store *series_store_new(void)
{
	return alloc_zero(1, sizeof(struct series_store));
}

void series_store_free(struct series_store *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->len; i++) {
		alloc_free(st->items[i]->t);
		alloc_free(st->items[i]);
	}
	alloc_free(st->items);
	name_index_free(&st->ix);
	alloc_free(st->scratch);
	alloc_free(st);
}

struct series *series_find(const struct series_store *st, const char *name)
{
	return name ? name_index_get(&st->ix, name) : NULL;
}

/* Grow the index and the scratch buffer before creating anything, so that a
 * failure leaves the store as it was (bigger buffers are kept, not leaked). */
static int series_reserve(struct series_store *st, size_t cap)
{
	if (st->len == st->cap) {
		size_t n = st->cap ? st->cap * 2 : 8;
		struct series **items = alloc_resize(st->items, n * sizeof(*items));

		if (!items)
			return -ENOMEM;
		st->items = items;
		st->cap = n;
	}
	if (cap > st->scratch_cap) {
		double *scratch = alloc_resize(st->scratch, cap * sizeof(*scratch));

		if (!scratch)
			return -ENOMEM;
		st->scratch = scratch;
		st->scratch_cap = cap;
	}
	return 0;
}

/* The ring twice as large (at first SERIES_FIRST_CAP), up to s->max, its
 * samples in order from slot 0. 0, or -ENOMEM with s as it was. */
#define SERIES_FIRST_CAP 2

static int series_grow(struct series *s)
{
	size_t cap = s->cap ? s->cap * 2 : SERIES_FIRST_CAP, i;
	int64_t *t;
	double *v;

	if (cap > s->max)
		cap = s->max;
	t = alloc_mem(cap * (sizeof(int64_t) + sizeof(double)));
	if (!t)
		return -ENOMEM;
	v = (double *)(t + cap);
	for (i = 0; i < s->len; i++) {
		size_t p = s->head + i >= s->cap ? s->head + i - s->cap : s->head + i;

		t[i] = s->t[p];
		v[i] = s->v[p];
	}
	alloc_free(s->t);
	s->t = t;
	s->v = v;
	s->cap = cap;
	s->head = 0;
	return 0;
}

struct series *series_ensure(struct series_store *st, const char *name, size_t capacity)
{
	size_t namelen, size;
	struct series *s;

	if (!name)
		return NULL;
	s = name_index_get(&st->ix, name);
	if (s)
		return s;

	if (capacity == 0)
		capacity = SERIES_DEFAULT_CAPACITY;
	namelen = strlen(name) + 1;
	if (capacity > SIZE_MAX / (sizeof(int64_t) + sizeof(double)))
		return NULL;
	size = sizeof(*s) + namelen;

	if (series_reserve(st, capacity) < 0)
		return NULL;
	s = alloc_mem(size);
	if (!s)
		return NULL;
	*s = (struct series){ .store = st, .max = capacity,
			      .keep_ms = st->by_demand ? 0 : INT64_MAX };
	s->name = (char *)(s + 1);
	memcpy(s->name, name, namelen);
	if (series_grow(s) < 0 || name_index_put(&st->ix, s->name, s) < 0) {
		alloc_free(s->t);
		alloc_free(s);
		return NULL;
	}
	st->items[st->len++] = s;
	return s;
}

void series_each(const struct series_store *st, void (*fn)(void *arg, struct series *s), void *arg)
{
	for (size_t i = 0; i < st->len; i++)
		fn(arg, st->items[i]);
}

/* ----------------------------------------------------------- one series -- */

const char *series_name(const struct series *s)
{
	return s->name;
}

void series_set_stale_ms(struct series *s, int64_t stale_ms)
{
	s->stale_ms = stale_ms > 0 ? stale_ms : 0;
}

int64_t series_stale_ms(const struct series *s)
{
	return s->stale_ms;
}

size_t series_len(const struct series *s)
{
	return s->len;
}

/* Physical slot of logical index i (i < cap). */
static inline size_t series_phys(const struct series *s, size_t i)
{
	size_t p = s->head + i;

	return p >= s->cap ? p - s->cap : p;
}

void series_store_keep_by_demand(struct series_store *st)
{
	st->by_demand = true;
}

void series_store_settle(struct series_store *st)
{
	st->settled = true;
}

void series_keep(struct series *s, int64_t span_ms)
{
	if (span_ms > s->keep_ms)
		s->keep_ms = span_ms;
}

int series_push(struct series *s, int64_t t_ms, double value)
{
	size_t slot;

	if (!isfinite(value))
		return -EINVAL;
	if (s->len && t_ms < s->t[series_phys(s, s->len - 1)])
		return -EINVAL;
	/* Full: grow, unless the oldest sample is no longer wanted (the next
	 * one is already as old as the longest span readers asked for, so the
	 * oldest is not even the value in force at that span's start). Failing
	 * to grow, the oldest goes, as when the ring is at its capacity. */
	if (s->len == s->cap && s->cap < s->max &&
	    !(s->store->settled && s->len >= 2 && t_ms - s->t[series_phys(s, 1)] >= s->keep_ms))
		(void)series_grow(s);
	if (s->len < s->cap) {
		slot = series_phys(s, s->len);
		s->len++;
	} else {
		slot = s->head; /* overwrite the oldest */
		s->head = series_phys(s, 1);
	}
	s->t[slot] = t_ms;
	s->v[slot] = value;
	s->gen++;
	return 0;
}

int series_last(const struct series *s, int64_t *t_ms, double *value)
{
	size_t p;

	if (!s->len)
		return -ENODATA;
	p = series_phys(s, s->len - 1);
	if (t_ms)
		*t_ms = s->t[p];
	if (value)
		*value = s->v[p];
	return 0;
}

int64_t series_age(const struct series *s, int64_t now_ms)
{
	int64_t t;

	if (!s->len)
		return -1;
	t = s->t[series_phys(s, s->len - 1)];
	/* A sample stamped after now (clock skew in a trace) is brand new. */
	return now_ms > t ? now_ms - t : 0;
}

bool series_is_stale(const struct series *s, int64_t now_ms)
{
	return s->len && s->stale_ms > 0 && series_age(s, now_ms) > s->stale_ms;
}

/* ------------------------------------------------------------ windows -- */

/* First logical index whose time is > bound (len if none). */
static size_t series_upper(const struct series *s, int64_t bound)
{
	size_t lo = 0, n = s->len;

	/* a read at the newest instant (the usual one) needs no search */
	if (!n || s->t[series_phys(s, n - 1)] <= bound)
		return n;
	/* branch-free: the halving step is a conditional move, not a jump
	 * the predictor gets wrong half the time */
	while (n > 1) {
		size_t half = n / 2;

		lo = s->t[series_phys(s, lo + half - 1)] <= bound ? lo + half : lo;
		n -= half;
	}
	return lo + (s->t[series_phys(s, lo)] <= bound);
}

/* A window as at most two contiguous runs of the ring. */
struct series_span {
	const double *v[2];
	size_t n[2];
	size_t first, last; /* physical slots of the oldest and newest sample */
	size_t count;
};

/* Logical [a, b) with a < b as physical runs. */
static void series_span(const struct series *s, size_t a, size_t b, struct series_span *w)
{
	size_t pa = series_phys(s, a);
	size_t to_end = s->cap - pa;

	w->count = b - a;
	w->first = pa;
	w->last = series_phys(s, b - 1);
	w->v[0] = s->v + pa;
	w->n[0] = w->count < to_end ? w->count : to_end;
	w->v[1] = s->v;
	w->n[1] = w->count - w->n[0];
}

/* The sum of v[0..n) in four lanes: four chains of additions the CPU
 * overlaps, not one that waits on each add in turn (a 120 s window of 5 s
 * samples is ~100 cycles of latency as one chain). The order is fixed, so
 * a sum is the same every run; lanes differ from a left-to-right sum in the
 * last bits at most. */
static double series_sum(const double *v, size_t n)
{
	double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
	size_t i = 0;

	for (; i + 4 <= n; i += 4) {
		a0 += v[i];
		a1 += v[i + 1];
		a2 += v[i + 2];
		a3 += v[i + 3];
	}
	for (; i < n; i++)
		a0 += v[i];
	return (a0 + a1) + (a2 + a3);
}

/* The (k+1)-th smallest of a[0..n), by Hoare-style partitioning (Wirth's
 * select), which stays linear when many values are equal. */
static double series_select(double *a, size_t n, size_t k)
{
	ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, want = (ptrdiff_t)k;

	while (lo < hi) {
		double x = a[lo], y = a[lo + (hi - lo) / 2], z = a[hi], pivot, tmp;
		ptrdiff_t i = lo, j = hi;

		/* median of three keeps sorted input (the usual case) linear */
		if (x > y) {
			tmp = x;
			x = y;
			y = tmp;
		}
		pivot = z < x ? x : (z > y ? y : z);

		do {
			while (a[i] < pivot)
				i++;
			while (pivot < a[j])
				j--;
			if (i <= j) {
				tmp = a[i];
				a[i++] = a[j];
				a[j--] = tmp;
			}
		} while (i <= j);
		/* a[lo..j] <= pivot, a[i..hi] >= pivot, anything between equals it */
		if (j < want)
			lo = i;
		if (want < i)
			hi = j;
	}
	return a[want];
}

static double series_pct(const struct series *s, const struct series_span *w, double p)
{
	double *buf = s->store->scratch;
	/* Nearest rank: the smallest value with at least p% of samples <= it. */
	double r = ceil(p * (double)w->count / 100.0);
	size_t rank = r < 1 ? 1 : (size_t)r;

	if (rank > w->count)
		rank = w->count;
	memcpy(buf, w->v[0], w->n[0] * sizeof(*buf));
	memcpy(buf + w->n[0], w->v[1], w->n[1] * sizeof(*buf));
	return series_select(buf, w->count, rank - 1);
}

/* series_upper(s, from) for a window's start, trying the last sum's
 * start first (two loads when no sample came or went since). */
static size_t series_start(const struct series *s, int64_t from)
{
	size_t a = s->win.a;

	if (s->win.gen == s->gen && a <= s->len && (a == 0 || s->t[series_phys(s, a - 1)] <= from) &&
	    (a == s->len || s->t[series_phys(s, a)] > from))
		return a;
	return series_upper(s, from);
}

int series_stat(struct series *s, enum series_stat stat, int64_t now_ms,
		int64_t window_ms, double p, double *out)
{
	struct series_span w;
	size_t a = 0, b;
	int64_t from;
	double acc;

	if ((unsigned)stat >= N_STATS || window_ms < 0)
		return -EINVAL;
	if (stat == SERIES_PCT && !(p >= 0 && p <= 100))
		return -EINVAL;

	b = series_upper(s, now_ms);
	if (window_ms && !__builtin_sub_overflow(now_ms, window_ms, &from))
		a = series_start(s, from);
	if (a >= b) {
		if (stat != SERIES_COUNT)
			return -ENODATA;
		*out = 0;
		return 0;
	}
	series_span(s, a, b, &w);

	switch (stat) {
	case SERIES_LAST:
		*out = s->v[w.last];
		break;
	case SERIES_COUNT:
		*out = (double)w.count;
		break;
	case SERIES_SUM:
	case SERIES_AVG:
		/* the same samples in the same slots: the same sum, bit for bit */
		if (s->win.gen == s->gen && s->win.a == a && s->win.b == b) {
			acc = s->win.sum;
		} else {
			acc = series_sum(w.v[0], w.n[0]) + series_sum(w.v[1], w.n[1]);
			s->win.gen = s->gen;
			s->win.a = (uint32_t)a;
			s->win.b = (uint32_t)b;
			s->win.sum = acc;
		}
		*out = stat == SERIES_AVG ? acc / (double)w.count : acc;
		break;
	case SERIES_MIN:
		acc = w.v[0][0];
		for (int r = 0; r < 2; r++)
			for (size_t i = 0; i < w.n[r]; i++)
				acc = w.v[r][i] < acc ? w.v[r][i] : acc;
		*out = acc;
		break;
	case SERIES_MAX:
		acc = w.v[0][0];
		for (int r = 0; r < 2; r++)
			for (size_t i = 0; i < w.n[r]; i++)
				acc = w.v[r][i] > acc ? w.v[r][i] : acc;
		*out = acc;
		break;
	case SERIES_PCT:
		*out = series_pct(s, &w, p);
		break;
	case SERIES_RATE:
		if (s->t[w.last] == s->t[w.first])
			return -ENODATA;
		*out = (s->v[w.last] - s->v[w.first]) /
		       ((double)(s->t[w.last] - s->t[w.first]) / 1000.0);
		break;
	}
	return 0;
}

/* ---------------------------------------------------------------- names -- */

int series_stat_parse(const char *name)
{
	if (!name)
		return -1;
	for (size_t i = 0; i < N_STATS; i++)
		if (strcmp(name, stat_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *series_stat_name(enum series_stat stat)
{
	if ((unsigned)stat >= N_STATS)
		return "unknown";
	return stat_names[stat];
}
