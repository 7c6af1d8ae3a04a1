/*
 * fuzz_trace_csv.c - plugins/replay/replay_csv.c: a trace file, in memory,
 * through replay_csv_parse (what replay_csv_load does after reading it).
 *
 * The first byte picks the reading: bit 0 the format (0 spot, 1 load), bit
 * 1 a pool filter (instance_type = "c3.2xlarge"); the rest is the file.
 * Invariants:
 *  - 0, -EINVAL or -EILSEQ (-ENOMEM only when malloc fails);
 *  - a refusal's message names the file ("fuzz.csv:" then a line, or
 *    "fuzz.csv: "), and nothing is handed back;
 *  - an accepted trace has at least one row, times strictly increasing,
 *    values finite and non-negative, and replay_csv_find agrees with the
 *    rows: row i from its own time, row i - 1 a millisecond before.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "replay.h"

/* The parser's limits are per line; a bigger file only repeats lines. */
#define MAX_FILE 65536

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct replay_want want = { 0 };
	struct replay_trace tr = { 0 };
	char err[512] = "";
	char *buf;
	size_t n;
	int rc;

	if (size < 1 || size > MAX_FILE)
		return 0;
	want.format = data[0] & 1 ? REPLAY_LOAD : REPLAY_SPOT;
	if (data[0] & 2)
		want.instance_type = "c3.2xlarge";
	n = size - 1;
	buf = malloc(n + 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, n);
	buf[n] = '\0';

	rc = replay_csv_parse("fuzz.csv", buf, n, &want, &tr, err, sizeof(err));
	free(buf);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -EILSEQ || rc == -ENOMEM, "rc %d", rc);
	if (rc < 0) {
		FUZZ_CHECK(!strncmp(err, "fuzz.csv:", 9) && strlen(err) > 10,
			   "message '%s'", err);
		FUZZ_CHECK(!tr.n && !tr.t_ms && !tr.value, "rc %d but %zu rows", rc, tr.n);
		return 0;
	}
	FUZZ_CHECK(!err[0], "accepted with a message '%s'", err);
	FUZZ_CHECK(tr.n >= 1, "accepted with no rows");
	FUZZ_CHECK(replay_csv_find(&tr, tr.t_ms[0] - 1) == -1, "a row before the first");
	for (size_t i = 0; i < tr.n; i++) {
		FUZZ_CHECK(isfinite(tr.value[i]) && tr.value[i] >= 0, "row %zu: value %g", i,
			   tr.value[i]);
		FUZZ_CHECK(i == 0 || tr.t_ms[i] > tr.t_ms[i - 1], "row %zu: time goes back", i);
		FUZZ_CHECK(replay_csv_find(&tr, tr.t_ms[i]) == (long)i, "row %zu not found", i);
		FUZZ_CHECK(replay_csv_find(&tr, tr.t_ms[i] - 1) == (long)i - 1,
			   "row %zu: found before its time", i);
	}
	replay_csv_free(&tr);
	return 0;
}
