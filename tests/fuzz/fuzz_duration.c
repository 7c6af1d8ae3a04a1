/*
 * fuzz_duration.c - core/duration.c: duration_parse and duration_format.
 *
 * Invariants:
 *  - whatever the bytes, duration_parse returns 0 or -EINVAL and never
 *    yields a negative duration (the grammar has no sign);
 *  - a parsed value formats to at most 31 characters, and that text parses
 *    back to the same value (the format is what --check and the decision
 *    log print, and users paste it back into farms);
 *  - formatting is canonical: the text of a value formats to itself.
 * The first 8 bytes are also read as a number of milliseconds and put
 * through format -> parse, which reaches values (odd remainders, near
 * INT64_MAX) that a parsable text rarely spells.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "duration.h"
#include "fuzz.h"

/* Longer texts only repeat what a short one can say. */
#define MAX_TEXT 256

static void check_round_trip(int64_t ms, const char *from)
{
	/* Twice what the format promises, so that an overlong text shows. */
	char buf[64], again[64];
	int64_t back = -1;
	int rc;

	duration_format(ms, buf, sizeof(buf));
	FUZZ_CHECK(strlen(buf) <= 31, "%" PRId64 " (from %s) formats as '%s'",
		   ms, from, buf);
	rc = duration_parse(buf, &back);
	FUZZ_CHECK(rc == 0, "%" PRId64 " (from %s) formats as '%s', which does not parse",
		   ms, from, buf);
	FUZZ_CHECK(back == ms, "%" PRId64 " (from %s) formats as '%s', which parses as %" PRId64,
		   ms, from, buf, back);
	duration_format(back, again, sizeof(again));
	FUZZ_CHECK(strcmp(buf, again) == 0, "'%s' formats as '%s'", buf, again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[MAX_TEXT + 1];
	int64_t ms = -1;
	uint64_t raw = 0;
	int rc;

	if (size > MAX_TEXT)
		return 0;
	/* duration_parse takes a C string: the fuzzer's bytes are not one. */
	memcpy(text, data, size);
	text[size] = '\0';

	rc = duration_parse(text, &ms);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL, "rc %d", rc);
	if (rc == 0) {
		FUZZ_CHECK(ms >= 0, "'%s' parses as %" PRId64, text, ms);
		check_round_trip(ms, "a parsed text");
	}

	if (size >= sizeof(raw)) {
		memcpy(&raw, data, sizeof(raw));
		/* Non-negative only: the parser has no sign to read "-5m" with. */
		check_round_trip((int64_t)(raw >> 1), "raw bytes");
	}
	return 0;
}
