/*
 * replay.h - what the replay plugin's files share (hidden; only
 * scaled_plugin_entry is exported).
 *
 *   replay.c        the source kind: keys, time mapping, collect
 *   replay_csv.c    reads a whole trace file into rows, refusing bad ones
 *   replay_field.c  one field: an ISO-8601 time stamp, a number
 */
#ifndef REPLAY_H
#define REPLAY_H

#include <stddef.h>
#include <stdint.h>

/* A trace may be at most this big, and a line this long (without '\n'). */
#define REPLAY_MAX_FILE_BYTES (64L * 1024 * 1024)
#define REPLAY_MAX_LINE 1024
/* The shortest row either format can have, newline aside: a load row
 * "YYYY-MM-DDTHH:MM:SS,N". Bounds the rows a file of n bytes holds. */
#define REPLAY_MIN_ROW 21

enum replay_format { REPLAY_SPOT, REPLAY_LOAD };

/* What to read: the format, and for "spot" the pool filters (NULL: any). */
struct replay_want {
	enum replay_format format;
	const char *instance_type;
	const char *availability_zone;
	const char *product;
};

/* A trace: rows in strictly increasing time; the value of row i holds from
 * t_ms[i] until t_ms[i + 1]. n >= 1. */
struct replay_trace {
	size_t n;
	int64_t *t_ms; /* ms since the epoch, as the file says (UTC) */
	double *value;
	/* spot: the rows' instance_type, availability_zone, product (cut to
	 * 63 bytes); "" for a load trace */
	char pool[3][64];
};

/* Read the whole file at path into *tr. On failure: a negative errno and
 * "<path>:<line>: <reason>" (or "<path>: <reason>") in err; *tr untouched,
 * nothing allocated. On success the caller owns *tr (replay_csv_free). */
int replay_csv_load(const char *path, const struct replay_want *want,
		    struct replay_trace *tr, char *err, size_t errlen);
/* The same for a file already in memory: buf[0..n) with a '\0' at buf[n],
 * which the parse overwrites; name stands for the file in messages. */
int replay_csv_parse(const char *name, char *buf, size_t n, const struct replay_want *want,
		     struct replay_trace *tr, char *err, size_t errlen);
void replay_csv_free(struct replay_trace *tr);

/* The index of the row in force at trace time t (the last with t_ms <= t),
 * or -1 when t is before the first row. */
long replay_csv_find(const struct replay_trace *tr, int64_t t);

/* "YYYY-MM-DDTHH:MM:SS" then "Z", "+HH:MM", "-HH:MM" or nothing (UTC), the
 * whole of s[0..len). 0 and *ms, or -EINVAL and a reason in why. */
int replay_field_time(const char *s, size_t len, int64_t *ms, char *why, size_t whylen);
/* A finite, non-negative decimal ("0.6831", "42", "1e3"), the whole of
 * s[0..len). 0 and *v, or -EINVAL and a reason in why naming `what`. */
int replay_field_number(const char *s, size_t len, const char *what, double *v,
			char *why, size_t whylen);

#endif
