/*
 * fuzz_farm.c - the whole configuration path: a farm's text through
 * scaled_engine_load_string (the Lua sandbox, the declarations, the key
 * tables, durations, the sim plugin's kinds, policies and the shipped
 * policy library), then a few simulated minutes on a virtual clock so that
 * what loaded also runs: sources collect, targets poll, policies propose
 * and the safety pipeline decides.
 *
 * Invariants: loading returns 0 or -EINVAL; a failure comes with a message
 * that names the farm ("fuzz-farm:..."), since a person has to find the
 * line (unless the farm raised that error itself); a loaded farm describes itself and steps without error; every
 * decision it makes serialises to JSON. ASan/LSan (replay under
 * SCALED_SANITIZE, or libFuzzer) add: nothing crashes, nothing leaks.
 *
 * Two things are kept out, neither of them the parser's business:
 *  - plugins other than sim: procpool runs commands and dirqueue touches
 *    directories, and a fuzzer that writes `command = "..."` must not be
 *    able to run it. The farm is prefixed (on its own first line, so line
 *    numbers do not move) with a wrapper of `plugin` that refuses any other
 *    name; the original is kept in a local the farm cannot reach.
 *  - loops: a farm runs under a fixed 5 s deadline and each policy call
 *    under 20 ms, so `while true do end` costs seconds per input and
 *    teaches nothing new once the deadline is known to work (test_engine
 *    covers it). Inputs with loop keywords are skipped.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "scaled/scaled.h"

#define T0 1700000000000LL
#define CHUNK "fuzz-farm"
#define MAX_FARM 8192
/* Simulated time after a successful load, and a cap on the ticks of the
 * busiest schedule within it (every = "1ms" would be 180000 of them). */
#define HORIZON_MS (3 * 60 * 1000)
#define MAX_TICKS 600

static const char prelude[] =
	"do local p = plugin; plugin = function(n, ...) "
	"if n ~= 'sim' then error('only the sim plugin is fuzzed', 2) end "
	"return p(n, ...) end end; ";

static void discard_log(void *arg, int level, const char *line)
{
	(void)arg;
	(void)level;
	FUZZ_CHECK(line != NULL, "log line is NULL");
}

static bool is_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* Does `word` occur in text as a whole Lua name? (A string that merely
 * contains it, say "for" in "format", does not count.) */
static bool has_word(const char *text, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = strstr(text, word); p; p = strstr(p + 1, word))
		if ((p == text || !is_word_char(p[-1])) && !is_word_char(p[n]))
			return true;
	return false;
}

/* The shortest period in the farm, from its description, which is the one
 * thing the public API says about schedules: "..., every 0.25s, ..." on
 * each source, target and group line. Names cannot hold ", " (letters,
 * digits, '_', '-'), but the policy names that end a group line are free
 * text, so the search stops at "policies:". */
static int64_t shortest_every_ms(const char *describe)
{
	int64_t best = HORIZON_MS;

	for (const char *line = describe; *line;) {
		const char *end = strchrnul(line, '\n'), *stop = strstr(line, "policies:");
		const char *p = strstr(line, ", every ");

		if (!stop || stop > end)
			stop = end;
		if (p && p < stop) {
			double sec = strtod(p + 8, NULL);
			int64_t ms = (int64_t)(sec * 1000.0 + 0.5);

			FUZZ_CHECK(ms > 0, "a schedule of %g s: %.*s", sec, (int)(end - line), line);
			if (ms < best)
				best = ms;
		}
		line = *end ? end + 1 : end;
	}
	return best;
}

static void run_loaded(struct scaled_engine *e)
{
	const struct scaled_decision *ds[64];
	char *text = NULL;
	int64_t horizon;
	size_t n;
	int rc;

	rc = scaled_engine_describe(e, &text);
	FUZZ_CHECK(rc == 0 && text, "describe: %d", rc);
	horizon = shortest_every_ms(text) * MAX_TICKS;
	free(text);
	if (horizon > HORIZON_MS)
		horizon = HORIZON_MS;

	rc = scaled_engine_step(e, T0 + horizon);
	FUZZ_CHECK(rc == 0, "step: %d", rc);
	FUZZ_CHECK(scaled_engine_now(e) == T0 + horizon, "the clock is not where it was stepped to");

	n = scaled_engine_decisions(e, ds, sizeof(ds) / sizeof(ds[0]));
	for (size_t i = 0; i < n; i++) {
		struct scaled_group_status st;
		char *json = scaled_decision_json(ds[i]);

		FUZZ_CHECK(json != NULL, "decision %zu of group %.64s has no JSON", i, ds[i]->group);
		free(json);
		FUZZ_CHECK(scaled_engine_group_status(e, ds[i]->group, &st) == 0,
			   "a decision for group '%.64s', which does not exist", ds[i]->group);
		FUZZ_CHECK(st.min <= st.max, "group '%.64s': min %d > max %d", ds[i]->group,
			   st.min, st.max);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const loops[] = { "while", "repeat", "for", "goto" };
	char farm[sizeof(prelude) + MAX_FARM], *text;
	struct scaled_options o;
	struct scaled_engine *e = NULL;
	char *err = NULL;
	int rc;

	/* A NUL would end the farm early; the loader reads a C string. */
	if (size > MAX_FARM || memchr(data, '\0', size))
		return 0;
	memcpy(farm, prelude, sizeof(prelude) - 1);
	text = farm + sizeof(prelude) - 1;
	memcpy(text, data, size);
	text[size] = '\0';
	for (size_t i = 0; i < sizeof(loops) / sizeof(loops[0]); i++)
		if (has_word(text, loops[i]))
			return 0;

	scaled_options_init(&o);
	o.virtual_clock = 1;
	o.start_ms = T0;
	o.log_level = SCALED_LOG_ERROR;
	o.log_fn = discard_log;
	o.plugin_path = SCALED_BINARY_DIR "/plugins";
	o.policy_dir = SCALED_SOURCE_DIR "/policies";
	o.lua_deadline_ms = 20;
	o.lua_mem_limit = 8 << 20;
	rc = scaled_engine_new(&o, &e, &err);
	FUZZ_CHECK(rc == 0 && e, "engine_new: %d %s", rc, err ? err : "");

	rc = scaled_engine_load_string(e, CHUNK, farm, &err);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL, "load returned %d (%s)", rc, err ? err : "no message");
	if (rc == 0) {
		FUZZ_CHECK(err == NULL, "a message on success: %s", err);
		run_loaded(e);
	} else {
		FUZZ_CHECK(err != NULL, "load failed (%d) without a message", rc);
		/* A farm that raises errors of its own chooses their text
		 * (error(x, 0), assert(false, x) carry no position); every
		 * other message must lead a person to the farm, including
		 * Lua's position-less "C stack overflow" for nesting past 200
		 * levels, which the sandbox prefixes with the chunk name. */
		if (!has_word(text, "error") && !has_word(text, "assert"))
			FUZZ_CHECK(strstr(err, CHUNK ":") != NULL,
				   "the message does not name the farm: %s", err);
	}
	free(err);
	scaled_engine_free(e);
	return 0;
}
