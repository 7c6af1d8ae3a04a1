/*
 * duration.h - durations as users write them: "250ms", "30s", "5m", "1h",
 * "1d", compounds like "1m30s", or a plain number of seconds ("1.5").
 *
 * Units are d h m s ms, lower case; in a compound each unit appears once and
 * in that order ("30s1m" is refused). Any number may have a fraction
 * ("1.5h") if the result is a whole number of milliseconds ("1.5ms" is
 * refused). No sign, no spaces, no exponent.
 */
#ifndef SCALED_DURATION_H
#define SCALED_DURATION_H

#include <stdint.h>

/* Parse into milliseconds. Returns 0, or -EINVAL for garbage, a negative
 * value, or a number that overflows. */
int duration_parse(const char *text, int64_t *ms);
/* Format as the shortest exact text that duration_parse reads back
 * ("300s" -> "5m", 1500 -> "1.5s", 90000 -> "90s"). A decimal needs a
 * non-zero whole part (500 -> "500ms", not "0.5s"); on equal length a form
 * without a decimal point wins, then the larger leading unit. 0 is "0s";
 * negative values get a "-". buf >= 32 bytes; returns buf. */
const char *duration_format(int64_t ms, char *buf, unsigned len);

#endif
