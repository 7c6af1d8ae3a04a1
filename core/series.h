/*
 * series.h - the metric store: named series of (time, value) in ring buffers,
 * with window statistics.
 *
 * A window is the samples with now - window_ms < t <= now (window_ms 0 means
 * "every sample kept", still only those with t <= now). Finding a window is
 * a binary search; a statistic costs O(samples in the window). Times are engine-clock milliseconds; within a series
 * they never go backwards (an older sample is refused, an equal one is kept).
 *
 * Staleness: a series is stale when its newest sample is older than its
 * staleness limit (set by the engine to 3 x the source's interval unless the
 * farm says otherwise). An empty series is "missing", not stale.
 *
 * Ownership: the store owns every series; series pointers are valid until
 * the store is freed. Names are copied.
 */
#ifndef SCALED_SERIES_H
#define SCALED_SERIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct series_store;
struct series;

enum series_stat {
	SERIES_LAST = 0,
	SERIES_AVG,
	SERIES_MIN,
	SERIES_MAX,
	SERIES_SUM,
	SERIES_COUNT, /* an empty window is not an error: 0 with *out = 0 */
	SERIES_PCT,  /* percentile p in [0,100], nearest-rank on the window */
	SERIES_RATE, /* (last - first) / seconds between them; needs 2 samples
		      * at different times (else -ENODATA) */
};

#define SERIES_DEFAULT_CAPACITY 1024

struct series_store *series_store_new(void);
void series_store_free(struct series_store *st);

/* Create a series (capacity samples; 0 = default) or return the existing one
 * of that name. NULL on allocation failure. */
struct series *series_ensure(struct series_store *st, const char *name, size_t capacity);
struct series *series_find(const struct series_store *st, const char *name);
/* Call fn for every series in the order they were made. fn must not create
 * series. */
void series_each(const struct series_store *st, void (*fn)(void *arg, struct series *s), void *arg);

const char *series_name(const struct series *s);
void series_set_stale_ms(struct series *s, int64_t stale_ms); /* 0 (or < 0) = never stale */
int64_t series_stale_ms(const struct series *s);

/* How much history a series keeps. By default every series keeps up to its
 * capacity. In a store kept by demand (the engine's), once it is settled,
 * a series keeps only what its readers have asked for: it grows past its
 * ring only while its samples are younger than the longest span any read
 * has asked for (series_keep), so a series no policy reads stays at the
 * size it had when the store settled (2 samples at first), and one read
 * over 2 minutes holds about 2 minutes. Until the store settles every
 * series keeps everything: the engine settles it once every group's
 * policies have run once (or 15 minutes after its first tick), so a first
 * read sees what a plain store would have. A read that asks for more after
 * that sees what there is, and from then on the series keeps that much.
 * keep_by_demand before the first series is made. */
void series_store_keep_by_demand(struct series_store *st);
void series_store_settle(struct series_store *st);
/* A reader wants the samples of the last span_ms (INT64_MAX: all). */
void series_keep(struct series *s, int64_t span_ms);

/* Append. Returns 0, or -EINVAL for a sample older than the newest one or a
 * non-finite value. When full, the oldest sample is dropped. */
int series_push(struct series *s, int64_t t_ms, double value);

/* Compute a statistic over the window ending at now_ms. `p` is used by
 * SERIES_PCT only. Returns 0 with *out set, -ENODATA when the window holds no
 * sample (RATE: fewer than two; COUNT never: it gives 0), -EINVAL for a bad
 * p, an unknown stat or a negative window_ms. *out is untouched on error.
 * Never allocates. PCT selects in a scratch buffer shared by the whole store,
 * so statistics of one store must not be computed from two threads at once.
 * A sum or average also remembers its window in s, for the next read. */
int series_stat(struct series *s, enum series_stat stat, int64_t now_ms,
		int64_t window_ms, double p, double *out);

/* Newest sample; -ENODATA when empty. */
int series_last(const struct series *s, int64_t *t_ms, double *value);
/* Age of the newest sample at now_ms (0 if it is newer than now_ms), or -1
 * when empty. */
int64_t series_age(const struct series *s, int64_t now_ms);
/* age > stale limit; an empty series or a limit of 0 is never stale. */
bool series_is_stale(const struct series *s, int64_t now_ms);
size_t series_len(const struct series *s);

/* "avg" -> SERIES_AVG, ... ; -1 if unknown. */
int series_stat_parse(const char *name);
const char *series_stat_name(enum series_stat stat); /* "unknown" if out of range */

#endif
