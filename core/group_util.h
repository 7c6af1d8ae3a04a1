/*
 * group_util.h - private to core/group*.c: helpers the safety pipeline's
 * files share (group_util.c). Not part of group.h's contract.
 */
#ifndef SCALED_GROUP_UTIL_H
#define SCALED_GROUP_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "group.h"

/* The numbers a stage's reason says: the same numbers, the same text. */
struct group_why_key {
	int stage, a, b, c;
	int64_t ms;
};

/* A reason made before for these numbers, in a small cache of the calling
 * thread's (shared by every group it ticks: groups that hold at the same
 * numbers say the same), or NULL; group_why_keep files one. A held
 * scale-in says the same every tick, and printf is most of such a tick. */
const char *group_why_find(const struct group_why_key *key);
void group_why_keep(const struct group_why_key *key, const char *text);

/* src into dst (len bytes, cut, always terminated): what snprintf(dst,
 * len, "%s", src) does, without printf's machinery (a tick whose stage
 * binds copies its reason). */
void group_util_copy(char *dst, size_t len, const char *src);
void group_util_why(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int group_util_to_int(double v);
int64_t group_util_cutoff(int64_t now_ms, int64_t w);
int64_t group_util_elapsed(int64_t now_ms, int64_t since_ms);
const char *group_util_dur(char *buf, size_t len, int64_t ms);
int group_util_clamp_value(const struct group_settings *cfg, int v);

int group_util_marks_reserve(struct group_marks *m, size_t extra);
void group_util_marks_prune(struct group_marks *m, int64_t cutoff);
int group_util_marks_remember(struct group_marks *m, int64_t now_ms, int value);
void group_util_remember_change(struct group_state *st, int64_t now_ms, int from, int to);

#endif
