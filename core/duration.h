/*
 * duration.h - durations as users write them: "250ms", "30s", "5m", "1h",
 * "1d", compounds like "1m30s", or a plain number of seconds ("1.5").
 */
#ifndef SCALED_DURATION_H
#define SCALED_DURATION_H

#include <stdint.h>

/* Parse into milliseconds. Returns 0, or -EINVAL for garbage, a negative
 * value, or a number that overflows. */
int duration_parse(const char *text, int64_t *ms);
/* Format as the shortest exact text ("300s" -> "5m"); buf >= 32 bytes. */
const char *duration_format(int64_t ms, char *buf, unsigned len);

#endif
